//! YAML → JSON with CloudFormation short tags rewritten into their long forms, so the resolver
//! only ever sees `{"Ref": …}`, `{"Fn::GetAtt": [resource, attribute]}`, `{"Fn::Sub": …}`, ….

use serde_json::{Map, Number, Value as Json};
use serde_yaml::Value as Yaml;

use crate::error::RunnerError;

/// Converts a parsed YAML document into JSON, expanding `!Tag value` into `{"Fn::Tag": value}`
/// (`!Ref` → `Ref`, `!Condition` → `Condition`, `!GetAtt A.B` → `Fn::GetAtt: [A, B]`).
pub(crate) fn to_json(value: Yaml) -> Result<Json, RunnerError> {
    Ok(match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(b),
        Yaml::Number(n) => number(&n)?,
        Yaml::String(s) => Json::String(s),
        Yaml::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                object.insert(key_string(key)?, to_json(value)?);
            }
            Json::Object(object)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(tagged.value)?;
            let (key, inner) = match name {
                "Ref" | "Condition" => (name.to_owned(), inner),
                "GetAtt" => ("Fn::GetAtt".to_owned(), get_att_args(inner)),
                _ => (format!("Fn::{name}"), inner),
            };
            let mut object = Map::new();
            object.insert(key, inner);
            Json::Object(object)
        }
    })
}

/// `!GetAtt Resource.Attribute` (a string) → `["Resource", "Attribute"]`; lists stay lists.
fn get_att_args(inner: Json) -> Json {
    match inner {
        Json::String(s) => match s.split_once('.') {
            Some((resource, attribute)) => Json::Array(vec![resource.into(), attribute.into()]),
            None => Json::String(s),
        },
        other => other,
    }
}

fn number(n: &serde_yaml::Number) -> Result<Json, RunnerError> {
    if let Some(i) = n.as_i64() {
        return Ok(Json::Number(i.into()));
    }
    if let Some(u) = n.as_u64() {
        return Ok(Json::Number(u.into()));
    }
    n.as_f64()
        .and_then(Number::from_f64)
        .map(Json::Number)
        .ok_or_else(|| RunnerError::template(format!("number {n} cannot be represented")))
}

fn key_string(key: Yaml) -> Result<String, RunnerError> {
    match key {
        Yaml::String(s) => Ok(s),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Null => Ok("null".to_owned()),
        other => Err(RunnerError::template(format!("unsupported mapping key {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert(text: &str) -> Json {
        to_json(serde_yaml::from_str(text).expect("yaml")).expect("json")
    }

    #[test]
    fn short_tags_become_long_forms() {
        let doc = convert(
            "a: !Ref X\nb: !GetAtt Q.Arn\nc: !Sub '${AWS::StackName}-t'\nd: !If [C, 1, !Ref 'AWS::NoValue']\ne: !Not [!Equals [!Ref P, '']]\nf: !Condition C\n",
        );
        assert_eq!(doc["a"], json!({"Ref": "X"}));
        assert_eq!(doc["b"], json!({"Fn::GetAtt": ["Q", "Arn"]}));
        assert_eq!(doc["c"], json!({"Fn::Sub": "${AWS::StackName}-t"}));
        assert_eq!(doc["d"], json!({"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}));
        assert_eq!(doc["e"], json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]}));
        assert_eq!(doc["f"], json!({"Condition": "C"}));
    }

    #[test]
    fn long_forms_and_plain_values_pass_through() {
        let doc = convert("a: {Fn::GetAtt: [T, StreamArn]}\nb: 10\nc: true\nd: [x, 2.5]\n");
        assert_eq!(doc["a"], json!({"Fn::GetAtt": ["T", "StreamArn"]}));
        assert_eq!(doc["b"], json!(10));
        assert_eq!(doc["c"], json!(true));
        assert_eq!(doc["d"], json!(["x", 2.5]));
    }
}
