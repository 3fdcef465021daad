//! Reading `template.yaml` (AWS SAM): parameters, conditions, globals, resources and the
//! functions with their triggers. Intrinsic functions are resolved by [`resolve::Resolver`]
//! against a [`physical::PhysicalMap`] of names the local stack gives its resources.
//!
//! ```no_run
//! let template = mediashare_local::template::load("template.yaml".as_ref())?;
//! for route in template.routes()? {
//!     println!("{} {} → {}", route.method, route.path, route.binary);
//! }
//! # Ok::<(), mediashare_local::RunnerError>(())
//! ```

pub mod functions;
pub mod physical;
pub mod resolve;
mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::error::RunnerError;

pub use functions::{EventSource, FunctionDef, Route, Trigger};

/// A parsed template (intrinsics still unresolved, short tags already in long form).
#[derive(Clone, Debug)]
pub struct Template {
    parameters: BTreeMap<String, Parameter>,
    mappings: Map<String, Json>,
    conditions: Map<String, Json>,
    globals: Map<String, Json>,
    resources: BTreeMap<String, Resource>,
}

/// One entry of `Parameters`.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// `Type` (`String`, `Number`, `CommaDelimitedList`, …).
    pub kind: String,
    /// `Default`, as text.
    pub default: Option<String>,
    /// `AllowedValues`, as text (empty: anything goes).
    pub allowed_values: Vec<String>,
}

/// One entry of `Resources`.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `Type`, e.g. `AWS::DynamoDB::Table`.
    pub kind: String,
    /// `Properties` (an object; empty when absent).
    pub properties: Json,
    /// `Metadata` (an object; empty when absent).
    pub metadata: Json,
    /// `Condition`: the resource exists only when this condition holds.
    pub condition: Option<String>,
    /// `DependsOn`.
    pub depends_on: Vec<String>,
}

/// Reads and parses the template at `path`.
pub fn load(path: &Path) -> Result<Template, RunnerError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| RunnerError::ReadTemplate { path: path.to_owned(), source })?;
    Template::parse(&text)
}

impl Template {
    /// Parses template text (YAML or JSON).
    pub fn parse(text: &str) -> Result<Self, RunnerError> {
        let json = yaml::to_json(serde_yaml::from_str(text)?)?;
        let Json::Object(mut root) = json else {
            return Err(RunnerError::template("the document is not a mapping"));
        };
        let mut section = |name: &str| match root.remove(name) {
            None | Some(Json::Null) => Ok(Map::new()),
            Some(Json::Object(map)) => Ok(map),
            Some(_) => Err(RunnerError::template(format!("{name} is not a mapping"))),
        };
        let parameters = section("Parameters")?
            .into_iter()
            .map(|(name, spec)| Ok((name.clone(), parse_parameter(&name, &spec)?)))
            .collect::<Result<_, RunnerError>>()?;
        let mappings = section("Mappings")?;
        let conditions = section("Conditions")?;
        let globals = section("Globals")?;
        let resources = section("Resources")?
            .into_iter()
            .map(|(id, spec)| Ok((id.clone(), parse_resource(&id, spec)?)))
            .collect::<Result<BTreeMap<_, _>, RunnerError>>()?;
        if resources.is_empty() {
            return Err(RunnerError::template("no Resources"));
        }
        Ok(Self { parameters, mappings, conditions, globals, resources })
    }

    /// The declared parameters.
    pub fn parameters(&self) -> &BTreeMap<String, Parameter> {
        &self.parameters
    }

    /// The declared resources by logical id.
    pub fn resources(&self) -> &BTreeMap<String, Resource> {
        &self.resources
    }

    /// The resource `logical_id`, if declared.
    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources.get(logical_id)
    }

    /// `Globals.<section>` (e.g. `Function`, `HttpApi`), an empty object when absent.
    pub(crate) fn globals(&self, section: &str) -> Json {
        self.globals.get(section).cloned().unwrap_or_else(|| Json::Object(Map::new()))
    }

    pub(crate) fn mappings(&self) -> &Map<String, Json> {
        &self.mappings
    }

    pub(crate) fn conditions(&self) -> &Map<String, Json> {
        &self.conditions
    }
}

fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_parameter(name: &str, spec: &Json) -> Result<Parameter, RunnerError> {
    let kind = spec
        .get("Type")
        .and_then(Json::as_str)
        .ok_or_else(|| RunnerError::template(format!("parameter {name} has no Type")))?
        .to_owned();
    let default = match spec.get("Default") {
        None | Some(Json::Null) => None,
        Some(Json::Array(items)) => Some(items.iter().filter_map(scalar_text).collect::<Vec<_>>().join(",")),
        Some(value) => Some(
            scalar_text(value)
                .ok_or_else(|| RunnerError::template(format!("parameter {name} has a non-scalar Default")))?,
        ),
    };
    let allowed_values = spec
        .get("AllowedValues")
        .and_then(Json::as_array)
        .map(|items| items.iter().filter_map(scalar_text).collect())
        .unwrap_or_default();
    Ok(Parameter { kind, default, allowed_values })
}

fn parse_resource(id: &str, spec: Json) -> Result<Resource, RunnerError> {
    let Json::Object(mut spec) = spec else {
        return Err(RunnerError::template(format!("resource {id} is not a mapping")));
    };
    let kind = match spec.remove("Type") {
        Some(Json::String(kind)) => kind,
        _ => return Err(RunnerError::template(format!("resource {id} has no Type"))),
    };
    let object = |value: Option<Json>| match value {
        None | Some(Json::Null) => Ok(Json::Object(Map::new())),
        Some(value @ Json::Object(_)) => Ok(value),
        Some(_) => Err(RunnerError::template(format!("resource {id}: Properties/Metadata must be mappings"))),
    };
    let properties = object(spec.remove("Properties"))?;
    let metadata = object(spec.remove("Metadata"))?;
    let condition = spec.remove("Condition").and_then(|c| c.as_str().map(str::to_owned));
    let depends_on = match spec.remove("DependsOn") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(one)) => vec![one],
        Some(Json::Array(many)) => many.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect(),
        Some(_) => {
            return Err(RunnerError::template(format!("resource {id}: bad DependsOn")));
        }
    };
    Ok(Resource { kind, properties, metadata, condition, depends_on })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A template shaped like the project's, small enough to read in a test.
    pub(crate) const SAMPLE: &str = include_str!("sample.yaml");

    #[test]
    fn parses_sections() {
        let template = Template::parse(SAMPLE).expect("parse");
        assert_eq!(template.parameters()["MailFrom"].default.as_deref(), Some("no-reply@mediashare.example"));
        assert_eq!(template.resource("Table").map(|r| r.kind.as_str()), Some("AWS::DynamoDB::Table"));
        assert_eq!(template.resource("Ffmpeg").and_then(|r| r.condition.as_deref()), Some("HasFfmpegLayer"));
    }

    #[test]
    fn rejects_documents_without_resources() {
        assert!(Template::parse("Parameters: {}\n").is_err());
        assert!(Template::parse("- a\n").is_err());
    }
}
