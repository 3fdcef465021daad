//! Intrinsic functions: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Equals`, `Fn::Not`,
//! `Fn::And`, `Fn::Or`, `Condition`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`,
//! `Fn::Base64`, `Fn::GetAZs`, and the pseudo parameters `AWS::StackName`, `AWS::Region`,
//! `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix`, `AWS::StackId`, `AWS::NoValue`.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::{Map, Value as Json};

use super::Template;
use super::physical::PhysicalMap;
use crate::error::RunnerError;

/// The account id every emulator (moto, LocalStack) uses by default.
pub const LOCAL_ACCOUNT_ID: &str = "123456789012";

/// Values of the pseudo parameters for one stack.
#[derive(Clone, Debug)]
pub struct StackContext {
    /// `AWS::StackName`.
    pub stack_name: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account_id: String,
}

impl StackContext {
    /// A context in the local account.
    pub fn new(stack_name: impl Into<String>, region: impl Into<String>) -> Self {
        Self { stack_name: stack_name.into(), region: region.into(), account_id: LOCAL_ACCOUNT_ID.into() }
    }
}

/// Resolves intrinsic functions for one stack: parameters (defaults or overrides), pseudo
/// parameters, conditions, and references to resources through a [`PhysicalMap`].
#[derive(Clone, Debug)]
pub struct Resolver<'t> {
    template: &'t Template,
    stack: StackContext,
    parameters: BTreeMap<String, Json>,
    conditions: BTreeMap<String, bool>,
}

/// Nesting limit of intrinsic functions and condition references.
const MAX_DEPTH: usize = 64;

impl<'t> Resolver<'t> {
    /// Resolves parameters (override, else default; an unknown override or a value outside
    /// `AllowedValues` is an error) and evaluates every condition.
    pub fn new(
        template: &'t Template,
        stack: StackContext,
        overrides: &BTreeMap<String, String>,
    ) -> Result<Self, RunnerError> {
        for name in overrides.keys() {
            if !template.parameters().contains_key(name) {
                return Err(RunnerError::Parameter {
                    name: name.clone(),
                    reason: "not declared in the template".into(),
                });
            }
        }
        let mut parameters = BTreeMap::new();
        for (name, spec) in template.parameters() {
            let value = overrides.get(name).cloned().or_else(|| spec.default.clone()).ok_or_else(|| {
                RunnerError::Parameter { name: name.clone(), reason: "has no Default and no override".into() }
            })?;
            if !spec.allowed_values.is_empty() && !spec.allowed_values.contains(&value) {
                return Err(RunnerError::Parameter {
                    name: name.clone(),
                    reason: format!("{value:?} is not one of {:?}", spec.allowed_values),
                });
            }
            let value = if spec.kind == "CommaDelimitedList" || spec.kind.starts_with("List<") {
                Json::Array(value.split(',').map(|s| Json::String(s.trim().to_owned())).collect())
            } else {
                Json::String(value)
            };
            parameters.insert(name.clone(), value);
        }
        let mut resolver = Self { template, stack, parameters, conditions: BTreeMap::new() };
        let mut conditions = BTreeMap::new();
        for name in template.conditions().keys() {
            let value = resolver.evaluate_condition(name, &mut BTreeSet::new())?;
            conditions.insert(name.clone(), value);
        }
        resolver.conditions = conditions;
        Ok(resolver)
    }

    /// The pseudo-parameter values of this stack.
    pub fn stack(&self) -> &StackContext {
        &self.stack
    }

    /// The template being resolved.
    pub fn template(&self) -> &'t Template {
        self.template
    }

    /// The value of condition `name`.
    pub fn condition(&self, name: &str) -> Result<bool, RunnerError> {
        self.conditions
            .get(name)
            .copied()
            .ok_or_else(|| RunnerError::resolve(format!("Condition {name}"), "no such condition"))
    }

    /// Whether resource `logical_id` exists in this stack (its `Condition`, if any, holds).
    pub fn is_active(&self, logical_id: &str) -> Result<bool, RunnerError> {
        match self.template.resource(logical_id) {
            None => Ok(false),
            Some(resource) => match &resource.condition {
                None => Ok(true),
                Some(condition) => self.condition(condition),
            },
        }
    }

    /// Resolves every intrinsic inside `value`. `None` means `AWS::NoValue` (the caller drops
    /// the property). `at` names the place for error messages.
    pub fn resolve(&self, at: &str, value: &Json, physical: &PhysicalMap) -> Result<Option<Json>, RunnerError> {
        self.eval(at, value, physical, 0)
    }

    /// Resolves `value` to a string (numbers and booleans are written out).
    pub fn resolve_string(&self, at: &str, value: &Json, physical: &PhysicalMap) -> Result<String, RunnerError> {
        match self.resolve(at, value, physical)? {
            Some(resolved) => text(at, &resolved),
            None => Err(RunnerError::resolve(at, "resolves to AWS::NoValue")),
        }
    }

    fn eval(&self, at: &str, value: &Json, physical: &PhysicalMap, depth: usize) -> Result<Option<Json>, RunnerError> {
        if depth > MAX_DEPTH {
            return Err(RunnerError::resolve(at, "intrinsic functions nested too deeply"));
        }
        match value {
            Json::Object(map) if map.len() == 1 => {
                let Some((key, arg)) = map.iter().next() else {
                    return Ok(Some(value.clone()));
                };
                if key == "Ref" || key.starts_with("Fn::") {
                    self.intrinsic(at, key, arg, physical, depth + 1)
                } else {
                    self.eval_object(at, map, physical, depth)
                }
            }
            Json::Object(map) => self.eval_object(at, map, physical, depth),
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(resolved) = self.eval(at, item, physical, depth + 1)? {
                        out.push(resolved);
                    }
                }
                Ok(Some(Json::Array(out)))
            }
            scalar => Ok(Some(scalar.clone())),
        }
    }

    fn eval_object(
        &self,
        at: &str,
        map: &Map<String, Json>,
        physical: &PhysicalMap,
        depth: usize,
    ) -> Result<Option<Json>, RunnerError> {
        let mut out = Map::new();
        for (key, item) in map {
            if let Some(resolved) = self.eval(&format!("{at}.{key}"), item, physical, depth + 1)? {
                out.insert(key.clone(), resolved);
            }
        }
        Ok(Some(Json::Object(out)))
    }

    /// Evaluates an argument that must produce a value (not `AWS::NoValue`).
    fn value(&self, at: &str, arg: &Json, physical: &PhysicalMap, depth: usize) -> Result<Json, RunnerError> {
        self.eval(at, arg, physical, depth)?.ok_or_else(|| RunnerError::resolve(at, "unexpected AWS::NoValue"))
    }

    fn string(&self, at: &str, arg: &Json, physical: &PhysicalMap, depth: usize) -> Result<String, RunnerError> {
        text(at, &self.value(at, arg, physical, depth)?)
    }

    fn args<'a>(at: &str, function: &str, arg: &'a Json, count: usize) -> Result<&'a [Json], RunnerError> {
        match arg.as_array() {
            Some(items) if items.len() == count => Ok(items),
            _ => Err(RunnerError::resolve(at, format!("{function} takes a list of {count}"))),
        }
    }

    fn intrinsic(
        &self,
        at: &str,
        function: &str,
        arg: &Json,
        physical: &PhysicalMap,
        depth: usize,
    ) -> Result<Option<Json>, RunnerError> {
        match function {
            "Ref" => {
                let name = self.string(at, arg, physical, depth)?;
                self.reference(at, &name, physical)
            }
            "Fn::GetAtt" => {
                let (resource, attribute) = match arg {
                    Json::String(s) => s
                        .split_once('.')
                        .map(|(r, a)| (r.to_owned(), a.to_owned()))
                        .ok_or_else(|| RunnerError::resolve(at, "Fn::GetAtt needs Resource.Attribute"))?,
                    _ => {
                        let items = Self::args(at, function, arg, 2)?;
                        (self.string(at, &items[0], physical, depth)?, self.string(at, &items[1], physical, depth)?)
                    }
                };
                self.get_att(at, &resource, &attribute, physical).map(|v| Some(Json::String(v)))
            }
            "Fn::Sub" => self.sub(at, arg, physical, depth).map(|s| Some(Json::String(s))),
            "Fn::If" => {
                let items = Self::args(at, function, arg, 3)?;
                let condition = self.string(at, &items[0], physical, depth)?;
                let branch = if self.condition(&condition)? { &items[1] } else { &items[2] };
                self.eval(at, branch, physical, depth)
            }
            "Fn::Equals" => {
                let items = Self::args(at, function, arg, 2)?;
                let left = self.value(at, &items[0], physical, depth)?;
                let right = self.value(at, &items[1], physical, depth)?;
                Ok(Some(Json::Bool(loosely_equal(&left, &right))))
            }
            "Fn::Not" => {
                let items = Self::args(at, function, arg, 1)?;
                Ok(Some(Json::Bool(!self.truth(at, &items[0], physical, depth)?)))
            }
            "Fn::And" | "Fn::Or" => {
                let items =
                    arg.as_array().ok_or_else(|| RunnerError::resolve(at, format!("{function} takes a list")))?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.truth(at, item, physical, depth)?);
                }
                let result = if function == "Fn::And" { values.iter().all(|v| *v) } else { values.iter().any(|v| *v) };
                Ok(Some(Json::Bool(result)))
            }
            "Fn::Join" => {
                let items = Self::args(at, function, arg, 2)?;
                let separator = self.string(at, &items[0], physical, depth)?;
                let parts = self.list(at, &items[1], physical, depth)?;
                let parts = parts.iter().map(|p| text(at, p)).collect::<Result<Vec<_>, _>>()?;
                Ok(Some(Json::String(parts.join(&separator))))
            }
            "Fn::Select" => {
                let items = Self::args(at, function, arg, 2)?;
                let index = self.string(at, &items[0], physical, depth)?;
                let index: usize =
                    index.parse().map_err(|_| RunnerError::resolve(at, format!("Fn::Select index {index:?}")))?;
                let list = self.list(at, &items[1], physical, depth)?;
                list.get(index)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| RunnerError::resolve(at, format!("Fn::Select index {index} out of range")))
            }
            "Fn::Split" => {
                let items = Self::args(at, function, arg, 2)?;
                let separator = self.string(at, &items[0], physical, depth)?;
                let source = self.string(at, &items[1], physical, depth)?;
                if separator.is_empty() {
                    return Err(RunnerError::resolve(at, "Fn::Split with an empty separator"));
                }
                Ok(Some(Json::Array(source.split(separator.as_str()).map(|s| Json::String(s.to_owned())).collect())))
            }
            "Fn::FindInMap" => {
                let items = Self::args(at, function, arg, 3)?;
                let keys = [
                    self.string(at, &items[0], physical, depth)?,
                    self.string(at, &items[1], physical, depth)?,
                    self.string(at, &items[2], physical, depth)?,
                ];
                self.template
                    .mappings()
                    .get(&keys[0])
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| RunnerError::resolve(at, format!("Fn::FindInMap {keys:?} not found")))
            }
            "Fn::Base64" => {
                let plain = self.string(at, arg, physical, depth)?;
                Ok(Some(Json::String(base64::engine::general_purpose::STANDARD.encode(plain))))
            }
            "Fn::GetAZs" => {
                let region = &self.stack.region;
                Ok(Some(Json::Array(["a", "b", "c"].iter().map(|z| Json::String(format!("{region}{z}"))).collect())))
            }
            other => Err(RunnerError::resolve(at, format!("unsupported intrinsic function {other}"))),
        }
    }

    fn list(&self, at: &str, arg: &Json, physical: &PhysicalMap, depth: usize) -> Result<Vec<Json>, RunnerError> {
        match self.value(at, arg, physical, depth)? {
            Json::Array(items) => Ok(items),
            _ => Err(RunnerError::resolve(at, "expected a list")),
        }
    }

    /// A condition operand: `{"Condition": name}` or an expression producing a boolean.
    fn truth(&self, at: &str, arg: &Json, physical: &PhysicalMap, depth: usize) -> Result<bool, RunnerError> {
        if let Some(name) = arg.get("Condition").and_then(Json::as_str) {
            return self.condition(name);
        }
        match self.value(at, arg, physical, depth)? {
            Json::Bool(b) => Ok(b),
            Json::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(RunnerError::resolve(at, format!("{other} is not a condition"))),
        }
    }

    /// Evaluates `Conditions.<name>` while the condition table is being built (conditions may
    /// refer to each other; cycles are errors).
    fn evaluate_condition(&self, name: &str, visiting: &mut BTreeSet<String>) -> Result<bool, RunnerError> {
        let at = format!("Condition {name}");
        if let Some(value) = self.conditions.get(name) {
            return Ok(*value);
        }
        let expression =
            self.template.conditions().get(name).ok_or_else(|| RunnerError::resolve(&at, "no such condition"))?;
        if !visiting.insert(name.to_owned()) || visiting.len() > MAX_DEPTH {
            return Err(RunnerError::resolve(&at, "conditions refer to each other in a cycle"));
        }
        let result = self.condition_expression(&at, expression, visiting);
        visiting.remove(name);
        result
    }

    fn condition_expression(
        &self,
        at: &str,
        expression: &Json,
        visiting: &mut BTreeSet<String>,
    ) -> Result<bool, RunnerError> {
        let empty = PhysicalMap::default();
        let Some((function, arg)) = expression.as_object().filter(|m| m.len() == 1).and_then(|m| m.iter().next())
        else {
            return Err(RunnerError::resolve(
                at,
                "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition",
            ));
        };
        match function.as_str() {
            "Condition" => {
                let name = arg.as_str().ok_or_else(|| RunnerError::resolve(at, "Condition takes a name"))?;
                self.evaluate_condition(name, visiting)
            }
            "Fn::Equals" => {
                let items = Self::args(at, function, arg, 2)?;
                let left = self.value(at, &items[0], &empty, 0)?;
                let right = self.value(at, &items[1], &empty, 0)?;
                Ok(loosely_equal(&left, &right))
            }
            "Fn::Not" => {
                let items = Self::args(at, function, arg, 1)?;
                Ok(!self.condition_expression(at, &items[0], visiting)?)
            }
            "Fn::And" | "Fn::Or" => {
                let items =
                    arg.as_array().ok_or_else(|| RunnerError::resolve(at, format!("{function} takes a list")))?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.condition_expression(at, item, visiting)?);
                }
                Ok(if function == "Fn::And" { values.iter().all(|v| *v) } else { values.iter().any(|v| *v) })
            }
            other => Err(RunnerError::resolve(at, format!("{other} is not a condition function"))),
        }
    }

    fn reference(&self, at: &str, name: &str, physical: &PhysicalMap) -> Result<Option<Json>, RunnerError> {
        let stack = &self.stack;
        let pseudo = match name {
            "AWS::NoValue" => return Ok(None),
            "AWS::StackName" => stack.stack_name.clone(),
            "AWS::Region" => stack.region.clone(),
            "AWS::AccountId" => stack.account_id.clone(),
            "AWS::Partition" => "aws".to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            "AWS::StackId" => {
                format!("arn:aws:cloudformation:{}:{}:stack/{}/local", stack.region, stack.account_id, stack.stack_name)
            }
            "AWS::NotificationARNs" => return Ok(Some(Json::Array(Vec::new()))),
            _ => {
                if let Some(value) = self.parameters.get(name) {
                    return Ok(Some(value.clone()));
                }
                if self.template.resource(name).is_some() {
                    if !self.is_active(name)? {
                        return Err(RunnerError::resolve(at, format!("Ref {name}: the resource's condition is false")));
                    }
                    return physical
                        .reference(name)
                        .map(|r| Some(Json::String(r.to_owned())))
                        .ok_or_else(|| RunnerError::resolve(at, format!("Ref {name}: not provisioned (yet)")));
                }
                return Err(RunnerError::resolve(at, format!("Ref {name}: no such parameter or resource")));
            }
        };
        Ok(Some(Json::String(pseudo)))
    }

    fn get_att(
        &self,
        at: &str,
        resource: &str,
        attribute: &str,
        physical: &PhysicalMap,
    ) -> Result<String, RunnerError> {
        if self.template.resource(resource).is_none() {
            return Err(RunnerError::resolve(at, format!("Fn::GetAtt {resource}.{attribute}: no such resource")));
        }
        physical.attribute(resource, attribute).map(str::to_owned).ok_or_else(|| {
            RunnerError::resolve(at, format!("Fn::GetAtt {resource}.{attribute}: unknown (or not provisioned yet)"))
        })
    }

    fn sub(&self, at: &str, arg: &Json, physical: &PhysicalMap, depth: usize) -> Result<String, RunnerError> {
        let (pattern, variables) = match arg {
            Json::String(pattern) => (pattern.as_str(), BTreeMap::new()),
            Json::Array(items) if items.len() == 2 => {
                let pattern =
                    items[0].as_str().ok_or_else(|| RunnerError::resolve(at, "Fn::Sub pattern must be a string"))?;
                let mut variables = BTreeMap::new();
                for (name, value) in items[1]
                    .as_object()
                    .ok_or_else(|| RunnerError::resolve(at, "Fn::Sub variables must be a mapping"))?
                {
                    variables.insert(name.clone(), self.string(at, value, physical, depth)?);
                }
                (pattern, variables)
            }
            _ => {
                return Err(RunnerError::resolve(at, "Fn::Sub takes a string or [string, mapping]"));
            }
        };
        let mut out = String::with_capacity(pattern.len());
        let mut rest = pattern;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| RunnerError::resolve(at, format!("Fn::Sub: unclosed ${{ in {pattern:?}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.get(name) {
                out.push_str(value);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.get_att(at, resource.trim(), attribute.trim(), physical)?);
            } else {
                let value = self
                    .reference(at, name.trim(), physical)?
                    .ok_or_else(|| RunnerError::resolve(at, "Fn::Sub of AWS::NoValue"))?;
                out.push_str(&text(at, &value)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Scalars as text; lists and mappings are errors.
pub(crate) fn text(at: &str, value: &Json) -> Result<String, RunnerError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        Json::Null => Ok(String::new()),
        other => Err(RunnerError::resolve(at, format!("expected a scalar, got {other}"))),
    }
}

/// CloudFormation compares values as strings (`"5"` equals `5`).
fn loosely_equal(left: &Json, right: &Json) -> bool {
    match (text("", left), text("", right)) {
        (Ok(l), Ok(r)) => l == r,
        _ => left == right,
    }
}

/// Logical ids of resources that `value` refers to (`Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`).
pub(crate) fn referenced_resources(template: &Template, value: &Json, out: &mut BTreeSet<String>) {
    let note = |name: &str, out: &mut BTreeSet<String>| {
        if template.resource(name).is_some() {
            out.insert(name.to_owned());
        }
    };
    match value {
        Json::Object(map) => {
            for (key, arg) in map {
                match (key.as_str(), arg) {
                    ("Ref", Json::String(name)) => note(name, out),
                    ("Fn::GetAtt", Json::Array(items)) => {
                        if let Some(name) = items.first().and_then(Json::as_str) {
                            note(name, out);
                        }
                    }
                    ("Fn::GetAtt", Json::String(s)) => note(s.split('.').next().unwrap_or_default(), out),
                    ("Fn::Sub", _) => {
                        let pattern = match arg {
                            Json::Array(items) => items.first().and_then(Json::as_str).unwrap_or_default(),
                            other => other.as_str().unwrap_or_default(),
                        };
                        for piece in pattern.split("${").skip(1) {
                            if let Some((name, _)) = piece.split_once('}') {
                                note(name.split('.').next().unwrap_or_default().trim(), out);
                            }
                        }
                    }
                    _ => {}
                }
                referenced_resources(template, arg, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                referenced_resources(template, item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEMPLATE: &str = r#"
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Layer: {Type: String, Default: ''}
  Zones: {Type: CommaDelimitedList, Default: 'a,b'}
Mappings:
  Sizes: {dev: {Memory: 128}, prod: {Memory: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  HasLayer: !Not [!Equals [!Ref Layer, '']]
  ProdWithLayer: !And [!Condition IsProd, !Condition HasLayer]
  Either: {"Fn::Or": [{Condition: IsProd}, {Condition: HasLayer}]}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub '${AWS::StackName}-table'}
  Queue:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Join ['-', [!Ref 'AWS::StackName', Media]]}
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
"#;

    fn template() -> Template {
        Template::parse(TEMPLATE).expect("parse")
    }

    fn resolver<'t>(template: &'t Template, overrides: &[(&str, &str)]) -> Result<Resolver<'t>, RunnerError> {
        let overrides = overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Resolver::new(template, StackContext::new("t1", "eu-west-1"), &overrides)
    }

    fn resolve(resolver: &Resolver<'_>, physical: &PhysicalMap, yaml: &str) -> Option<Json> {
        let value = super::super::yaml::to_json(serde_yaml::from_str(yaml).expect("yaml")).expect("json");
        resolver.resolve("test", &value, physical).expect("resolves")
    }

    #[test]
    fn pseudo_parameters_and_parameters() {
        let template = template();
        let r = resolver(&template, &[]).expect("resolver");
        let p = PhysicalMap::default();
        assert_eq!(resolve(&r, &p, "!Ref AWS::StackName"), Some(json!("t1")));
        assert_eq!(resolve(&r, &p, "!Ref AWS::Region"), Some(json!("eu-west-1")));
        assert_eq!(resolve(&r, &p, "!Ref AWS::AccountId"), Some(json!("123456789012")));
        assert_eq!(resolve(&r, &p, "!Ref AWS::Partition"), Some(json!("aws")));
        assert_eq!(resolve(&r, &p, "!Ref Env"), Some(json!("dev")));
        assert_eq!(resolve(&r, &p, "!Ref Zones"), Some(json!(["a", "b"])));
        assert_eq!(resolve(&r, &p, "!Ref AWS::NoValue"), None);
    }

    #[test]
    fn overrides_are_checked() {
        let template = template();
        let r = resolver(&template, &[("Env", "prod")]).expect("resolver");
        assert_eq!(resolve(&r, &PhysicalMap::default(), "!Ref Env"), Some(json!("prod")));
        assert!(matches!(resolver(&template, &[("Env", "staging")]), Err(RunnerError::Parameter { .. })));
        assert!(matches!(resolver(&template, &[("Nope", "x")]), Err(RunnerError::Parameter { .. })));
    }

    #[test]
    fn conditions_if_and_no_value() {
        let template = template();
        let dev = resolver(&template, &[]).expect("dev");
        let prod = resolver(&template, &[("Env", "prod"), ("Layer", "arn:layer")]).expect("prod");
        assert!(!dev.condition("IsProd").expect("IsProd"));
        assert!(prod.condition("ProdWithLayer").expect("ProdWithLayer"));
        assert!(prod.condition("Either").expect("Either"));
        assert!(!dev.condition("Either").expect("Either"));
        assert!(!dev.is_active("ProdOnly").expect("active"));
        assert!(prod.is_active("ProdOnly").expect("active"));
        let p = PhysicalMap::default();
        let layers =
            "Layers: !If [HasLayer, [!Ref Layer], !Ref 'AWS::NoValue']\nKeep: 1\nList: [a, !Ref 'AWS::NoValue', b]\n";
        assert_eq!(resolve(&dev, &p, layers), Some(json!({"Keep": 1, "List": ["a", "b"]})));
        assert_eq!(resolve(&prod, &p, layers), Some(json!({"Layers": ["arn:layer"], "Keep": 1, "List": ["a", "b"]})));
    }

    #[test]
    fn sub_join_select_split_find_in_map() {
        let template = template();
        let r = resolver(&template, &[]).expect("resolver");
        let p = PhysicalMap::default();
        assert_eq!(resolve(&r, &p, "!Sub '${AWS::StackName}-${Env}-${!Literal}'"), Some(json!("t1-dev-${Literal}")));
        assert_eq!(resolve(&r, &p, "!Sub ['${Name}.${AWS::Region}', {Name: !Ref Env}]"), Some(json!("dev.eu-west-1")));
        assert_eq!(resolve(&r, &p, "!Join [',', [a, !Ref Env]]"), Some(json!("a,dev")));
        assert_eq!(resolve(&r, &p, "!Select [1, !Ref Zones]"), Some(json!("b")));
        assert_eq!(resolve(&r, &p, "!Select [0, !Split ['/', 'x/y']]"), Some(json!("x")));
        assert_eq!(resolve(&r, &p, "!FindInMap [Sizes, !Ref Env, Memory]"), Some(json!(128)));
        assert_eq!(resolve(&r, &p, "{'Fn::Sub': 'arn:${AWS::Partition}:s3:::x'}"), Some(json!("arn:aws:s3:::x")));
    }

    #[test]
    fn resource_references_use_physical_names() {
        let template = template();
        let r = resolver(&template, &[]).expect("resolver");
        let mut p = PhysicalMap::plan(&r).expect("plan");
        assert_eq!(p.reference("Table"), Some("t1-table"));
        assert_eq!(p.reference("Bucket"), Some("t1-Media"));
        assert!(p.get("ProdOnly").is_none(), "inactive resources are not planned");
        assert_eq!(p.attribute("Queue", "QueueName"), Some("t1-Queue"));
        assert_eq!(
            resolve(&r, &p, "!GetAtt Table.Arn"),
            Some(json!("arn:aws:dynamodb:eu-west-1:123456789012:table/t1-table"))
        );
        assert_eq!(resolve(&r, &p, "!GetAtt Queue.Arn"), Some(json!("arn:aws:sqs:eu-west-1:123456789012:t1-Queue")));
        assert_eq!(
            resolve(&r, &p, "!Sub '${Table.Arn}/index/*'"),
            Some(json!("arn:aws:dynamodb:eu-west-1:123456789012:table/t1-table/index/*"))
        );
        // A queue's Ref is its URL, known only once the emulator created it.
        let at = json!({"Ref": "Queue"});
        assert!(r.resolve("x", &at, &p).is_err());
        p.set_reference("Queue", "http://localhost/123456789012/t1-Queue".into());
        assert_eq!(resolve(&r, &p, "!Ref Queue"), Some(json!("http://localhost/123456789012/t1-Queue")));
        assert!(r.resolve("x", &json!({"Ref": "ProdOnly"}), &p).is_err());
        assert!(r.resolve("x", &json!({"Fn::GetAtt": ["Table", "Nope"]}), &p).is_err());
        assert!(r.resolve("x", &json!({"Fn::ImportValue": "x"}), &p).is_err());
    }

    #[test]
    fn dependencies_are_found_in_refs_get_atts_and_subs() {
        let template = template();
        let value = json!({"a": {"Ref": "Table"}, "b": [{"Fn::GetAtt": ["Queue", "Arn"]}], "c": {"Fn::Sub": "${Bucket.Arn}/${Env}"}});
        let mut found = BTreeSet::new();
        referenced_resources(&template, &value, &mut found);
        assert_eq!(found, BTreeSet::from(["Bucket".to_owned(), "Queue".to_owned(), "Table".to_owned()]));
    }
}
