//! The template's functions (`AWS::Serverless::Function` merged with `Globals.Function`) and
//! their triggers: HttpApi routes, SQS queues and DynamoDB streams.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::Template;
use super::physical::PhysicalMap;
use super::resolve::{Resolver, StackContext};
use crate::error::RunnerError;

/// One function of the template.
#[derive(Clone, Debug)]
pub struct FunctionDef {
    /// Logical id, e.g. `UserSignUpFunction`.
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the registry name of the handler.
    pub binary: String,
    /// `Timeout` in seconds (Lambda's default, 3, when absent).
    pub timeout_seconds: u64,
    /// The triggers, in template order of their names.
    pub events: Vec<EventSource>,
    /// `Properties` merged with `Globals.Function`, intrinsics unresolved.
    pub properties: Json,
}

/// One entry of a function's `Events`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// `Type: HttpApi`.
    HttpApi {
        /// The event's name.
        name: String,
        /// `ApiId` logical id (`None`: SAM's implicit API).
        api: Option<String>,
        /// `Path`, e.g. `/api/users/{username}` (`$default` when the event has none).
        path: String,
        /// `Method`, upper case (`ANY` matches every method).
        method: String,
    },
    /// `Type: SQS`.
    Sqs {
        /// The event's name.
        name: String,
        /// Logical id of the queue (`Queue: !GetAtt X.Arn`).
        queue: String,
        /// `BatchSize` (default 10, at most 10 per receive).
        batch_size: u32,
        /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
        report_batch_item_failures: bool,
    },
    /// `Type: DynamoDB`.
    DynamoDb {
        /// The event's name.
        name: String,
        /// Logical id of the table (`Stream: !GetAtt T.StreamArn`).
        table: String,
        /// `StartingPosition` (`TRIM_HORIZON` or `LATEST`).
        starting_position: String,
        /// `BatchSize` (default 100).
        batch_size: u32,
        /// `MaximumRetryAttempts` (`None`: retry until the record is too old).
        maximum_retry_attempts: Option<u32>,
        /// `MaximumRecordAgeInSeconds` (`None`: the stream's 24 h retention).
        maximum_record_age_seconds: Option<u32>,
        /// `BisectBatchOnFunctionError`.
        bisect_on_error: bool,
        /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
        report_batch_item_failures: bool,
        /// Logical id of the `DestinationConfig.OnFailure.Destination` queue.
        on_failure: Option<String>,
    },
    /// Any other event type (`S3`, `Schedule`, …): listed, not driven locally.
    Other {
        /// The event's name.
        name: String,
        /// Its `Type`.
        kind: String,
    },
}

impl EventSource {
    /// The SAM event type: `HttpApi`, `SQS`, `DynamoDB` or the other type's name.
    pub fn kind(&self) -> &str {
        match self {
            Self::HttpApi { .. } => "HttpApi",
            Self::Sqs { .. } => "SQS",
            Self::DynamoDb { .. } => "DynamoDB",
            Self::Other { kind, .. } => kind,
        }
    }
}

/// An HttpApi route and the binary that serves it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Registry name of the function.
    pub binary: String,
    /// Upper-case method (or `ANY`).
    pub method: String,
    /// Route path with `{param}` / `{proxy+}` placeholders.
    pub path: String,
}

/// A function and the kind of one of its triggers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trigger {
    /// Registry name of the function.
    pub binary: String,
    /// SAM event type (`HttpApi`, `SQS`, `DynamoDB`, …).
    pub kind: String,
}

impl Template {
    /// Every active function (parameters at their defaults), sorted by logical id, with its
    /// binary, timeout and events. This is what the consistency test compares with the registry.
    pub fn functions(&self) -> Result<Vec<FunctionDef>, RunnerError> {
        let resolver = Resolver::new(self, StackContext::new("stack", "us-east-1"), &BTreeMap::new())?;
        functions(&resolver)
    }

    /// Every HttpApi route as (binary, method, path), sorted.
    pub fn routes(&self) -> Result<Vec<Route>, RunnerError> {
        let mut routes: Vec<Route> = self
            .functions()?
            .into_iter()
            .flat_map(|f| {
                let binary = f.binary;
                f.events.into_iter().filter_map(move |e| match e {
                    EventSource::HttpApi { method, path, .. } => Some(Route { binary: binary.clone(), method, path }),
                    _ => None,
                })
            })
            .collect();
        routes.sort();
        Ok(routes)
    }

    /// Every (binary, event kind) pair, sorted and without duplicates.
    pub fn triggers(&self) -> Result<Vec<Trigger>, RunnerError> {
        let mut triggers: Vec<Trigger> = self
            .functions()?
            .iter()
            .flat_map(|f| f.events.iter().map(|e| Trigger { binary: f.binary.clone(), kind: e.kind().to_owned() }))
            .collect();
        triggers.sort();
        triggers.dedup();
        Ok(triggers)
    }
}

/// The active functions of the template as seen by `resolver`.
pub(crate) fn functions(resolver: &Resolver<'_>) -> Result<Vec<FunctionDef>, RunnerError> {
    let template = resolver.template();
    let globals = template.globals("Function");
    let mut out = Vec::new();
    for (id, resource) in template.resources() {
        if resource.kind != "AWS::Serverless::Function" || !resolver.is_active(id)? {
            continue;
        }
        let binary = resource
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Json::as_str)
            .ok_or_else(|| RunnerError::Function {
                logical_id: id.clone(),
                binary: String::new(),
                reason: "Metadata.BuildProperties.Binary is missing".into(),
            })?
            .to_owned();
        let properties = merge_globals(&globals, &resource.properties);
        let empty = PhysicalMap::default();
        let timeout_seconds = match properties.get("Timeout") {
            None => 3,
            Some(value) => {
                let text = resolver.resolve_string(&format!("{id}.Timeout"), value, &empty)?;
                text.parse().map_err(|_| RunnerError::template(format!("{id}: Timeout {text:?} is not a number")))?
            }
        };
        let mut events = Vec::new();
        if let Some(map) = properties.get("Events").and_then(Json::as_object) {
            for (name, event) in map {
                if let Some(event) = event_source(resolver, id, name, event)? {
                    events.push(event);
                }
            }
        }
        out.push(FunctionDef { logical_id: id.clone(), binary, timeout_seconds, events, properties });
    }
    Ok(out)
}

/// SAM's Globals semantics: mappings merge (the function's keys win), lists concatenate
/// (globals first), any other value of the function replaces the global one.
pub(crate) fn merge_globals(globals: &Json, local: &Json) -> Json {
    match (globals, local) {
        (Json::Object(g), Json::Object(l)) if !is_intrinsic(l) => {
            let mut merged: Map<String, Json> = g.clone();
            for (key, value) in l {
                let value = match g.get(key) {
                    Some(global) => merge_globals(global, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), value);
            }
            Json::Object(merged)
        }
        (Json::Array(g), Json::Array(l)) => Json::Array(g.iter().chain(l).cloned().collect()),
        (_, local) => local.clone(),
    }
}

fn is_intrinsic(map: &Map<String, Json>) -> bool {
    map.len() == 1 && map.keys().all(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// The logical id a trigger property points at: `!GetAtt X.Attr` or `!Ref X`.
fn target(function: &str, event: &str, property: &str, value: Option<&Json>) -> Result<String, RunnerError> {
    let bad = || {
        RunnerError::template(format!(
            "{function}.Events.{event}.{property} must be !GetAtt <Resource>.<Attribute> or !Ref <Resource> of this template"
        ))
    };
    let value = value.ok_or_else(bad)?;
    if let Some(name) = value.get("Ref").and_then(Json::as_str) {
        return Ok(name.to_owned());
    }
    match value.get("Fn::GetAtt") {
        Some(Json::Array(items)) => items.first().and_then(Json::as_str).map(str::to_owned).ok_or_else(bad),
        Some(Json::String(s)) => s.split('.').next().map(str::to_owned).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn event_source(
    resolver: &Resolver<'_>,
    function: &str,
    name: &str,
    event: &Json,
) -> Result<Option<EventSource>, RunnerError> {
    let kind = event
        .get("Type")
        .and_then(Json::as_str)
        .ok_or_else(|| RunnerError::template(format!("{function}.Events.{name} has no Type")))?;
    let empty = PhysicalMap::default();
    let at = format!("{function}.Events.{name}.Properties");
    let props = match event.get("Properties") {
        None | Some(Json::Null) => Json::Object(Map::new()),
        Some(props) => props.clone(),
    };
    let string = |key: &str| -> Result<Option<String>, RunnerError> {
        match props.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => resolver
                .resolve(&format!("{at}.{key}"), value, &empty)?
                .map(|v| super::resolve::text(&at, &v))
                .transpose(),
        }
    };
    let number = |key: &str| -> Result<Option<i64>, RunnerError> {
        string(key)?
            .map(|s| s.parse::<i64>().map_err(|_| RunnerError::template(format!("{at}.{key}: {s:?} is not a number"))))
            .transpose()
    };
    let enabled = string("Enabled")?.is_none_or(|e| e != "false");
    let report_failures = props
        .get("FunctionResponseTypes")
        .and_then(Json::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures"));
    let positive = |n: Option<i64>, default: u32| -> u32 {
        n.filter(|n| *n > 0).map_or(default, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    let source = match kind {
        "HttpApi" => {
            let api = props.get("ApiId").map(|_| target(function, name, "ApiId", props.get("ApiId"))).transpose()?;
            let path = string("Path")?.unwrap_or_else(|| "$default".to_owned());
            let method = string("Method")?.map_or_else(|| "ANY".to_owned(), |m| m.to_ascii_uppercase());
            let method = if method == "*" { "ANY".to_owned() } else { method };
            EventSource::HttpApi { name: name.to_owned(), api, path, method }
        }
        "SQS" => {
            if !enabled {
                return Ok(None);
            }
            EventSource::Sqs {
                name: name.to_owned(),
                queue: target(function, name, "Queue", props.get("Queue"))?,
                batch_size: positive(number("BatchSize")?, 10),
                report_batch_item_failures: report_failures,
            }
        }
        "DynamoDB" => {
            if !enabled {
                return Ok(None);
            }
            let on_failure = props
                .pointer("/DestinationConfig/OnFailure/Destination")
                .map(|d| target(function, name, "DestinationConfig.OnFailure.Destination", Some(d)))
                .transpose()?;
            let non_negative = |n: Option<i64>| n.filter(|n| *n >= 0).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            EventSource::DynamoDb {
                name: name.to_owned(),
                table: target(function, name, "Stream", props.get("Stream"))?,
                starting_position: string("StartingPosition")?.unwrap_or_else(|| "TRIM_HORIZON".to_owned()),
                batch_size: positive(number("BatchSize")?, 100),
                maximum_retry_attempts: non_negative(number("MaximumRetryAttempts")?),
                maximum_record_age_seconds: non_negative(number("MaximumRecordAgeInSeconds")?),
                bisect_on_error: string("BisectBatchOnFunctionError")?.is_some_and(|b| b == "true"),
                report_batch_item_failures: report_failures,
                on_failure,
            }
        }
        other => EventSource::Other { name: name.to_owned(), kind: other.to_owned() },
    };
    Ok(Some(source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::tests::SAMPLE;

    #[test]
    fn functions_have_binaries_timeouts_and_events() {
        let template = Template::parse(SAMPLE).expect("parse");
        let functions = template.functions().expect("functions");
        let mailer = functions.iter().find(|f| f.binary == "mailer").expect("mailer");
        assert_eq!(mailer.logical_id, "MailerFunction");
        assert_eq!(mailer.timeout_seconds, 10, "Globals.Function.Timeout applies");
        assert_eq!(
            mailer.events,
            [EventSource::Sqs {
                name: "Queue".into(),
                queue: "MailQueue".into(),
                batch_size: 10,
                report_batch_item_failures: true
            }]
        );
        let events = functions.iter().find(|f| f.binary == "table-events").expect("table-events");
        assert_eq!(
            events.events,
            [EventSource::DynamoDb {
                name: "Stream".into(),
                table: "Table".into(),
                starting_position: "TRIM_HORIZON".into(),
                batch_size: 100,
                maximum_retry_attempts: Some(5),
                maximum_record_age_seconds: None,
                bisect_on_error: true,
                report_batch_item_failures: true,
                on_failure: Some("StreamDeadLetterQueue".into()),
            }]
        );
    }

    #[test]
    fn routes_and_triggers() {
        let template = Template::parse(SAMPLE).expect("parse");
        let routes = template.routes().expect("routes");
        let route = |binary: &str, method: &str, path: &str| Route {
            binary: binary.into(),
            method: method.into(),
            path: path.into(),
        };
        assert!(routes.contains(&route("user-verify", "POST", "/api/users/{username}/verify/{code}")));
        assert!(routes.contains(&route("docs", "GET", "/docs/{proxy+}")));
        assert_eq!(routes.iter().filter(|r| r.binary == "docs").count(), 3);
        let triggers = template.triggers().expect("triggers");
        let kinds =
            |binary: &str| triggers.iter().filter(|t| t.binary == binary).map(|t| t.kind.as_str()).collect::<Vec<_>>();
        assert_eq!(kinds("docs"), ["HttpApi"]);
        assert_eq!(kinds("mailer"), ["SQS"]);
        assert_eq!(kinds("table-events"), ["DynamoDB"]);
    }

    #[test]
    fn globals_merge_like_sam() {
        let globals =
            serde_json::json!({"Timeout": 10, "Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "2"}}});
        let local = serde_json::json!({"Timeout": 30, "Layers": ["b"], "Environment": {"Variables": {"B": "3"}}, "Tracing": {"Ref": "X"}});
        let merged = merge_globals(&globals, &local);
        assert_eq!(merged["Timeout"], 30);
        assert_eq!(merged["Layers"], serde_json::json!(["a", "b"]));
        assert_eq!(merged["Environment"]["Variables"], serde_json::json!({"A": "1", "B": "3"}));
        assert_eq!(merged["Tracing"], serde_json::json!({"Ref": "X"}));
    }

    #[test]
    fn a_function_without_a_binary_is_an_error() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {}\n";
        let template = Template::parse(text).expect("parse");
        assert!(matches!(template.functions(), Err(RunnerError::Function { .. })));
    }

    #[test]
    fn triggers_must_point_at_template_resources() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: f}}\n    Properties:\n      Events:\n        Q: {Type: SQS, Properties: {Queue: 'arn:aws:sqs:us-east-1:1:q'}}\n";
        let template = Template::parse(text).expect("parse");
        assert!(template.functions().is_err());
    }
}
