//! Reading resolved resource properties (JSON) with errors that name the property.

use serde_json::Value as Json;

use crate::error::RunnerError;

/// Resolved `Properties` of one resource, with its logical id for messages.
pub(crate) struct Props<'a> {
    pub id: &'a str,
    pub value: &'a Json,
}

impl<'a> Props<'a> {
    pub(crate) fn new(id: &'a str, value: &'a Json) -> Self {
        Self { id, value }
    }

    fn error(&self, path: &str, expected: &str) -> RunnerError {
        RunnerError::template(format!("{}.{path}: expected {expected}", self.id))
    }

    /// The value at a JSON pointer (`/A/B`), if present and not null.
    pub(crate) fn get(&self, pointer: &str) -> Option<&'a Json> {
        self.value.pointer(pointer).filter(|v| !v.is_null())
    }

    /// A scalar as text.
    pub(crate) fn text(&self, pointer: &str) -> Result<Option<String>, RunnerError> {
        self.get(pointer).map(|v| scalar(v).ok_or_else(|| self.error(pointer, "a scalar"))).transpose()
    }

    /// A required scalar as text.
    pub(crate) fn required_text(&self, pointer: &str) -> Result<String, RunnerError> {
        self.text(pointer)?.ok_or_else(|| self.error(pointer, "a value"))
    }

    /// An integer (numbers or numeric strings).
    pub(crate) fn int(&self, pointer: &str) -> Result<Option<i64>, RunnerError> {
        self.text(pointer)?.map(|t| t.parse::<i64>().map_err(|_| self.error(pointer, "an integer"))).transpose()
    }

    /// A boolean (`true`/`false`, or their strings).
    pub(crate) fn flag(&self, pointer: &str) -> Result<Option<bool>, RunnerError> {
        self.text(pointer)?
            .map(|t| match t.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(self.error(pointer, "true or false")),
            })
            .transpose()
    }

    /// A list (empty when absent).
    pub(crate) fn list(&self, pointer: &str) -> Result<Vec<&'a Json>, RunnerError> {
        match self.get(pointer) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => Ok(items.iter().collect()),
            Some(_) => Err(self.error(pointer, "a list")),
        }
    }

    /// A list of scalars as text (empty when absent).
    pub(crate) fn texts(&self, pointer: &str) -> Result<Vec<String>, RunnerError> {
        self.list(pointer)?
            .into_iter()
            .map(|v| scalar(v).ok_or_else(|| self.error(pointer, "a list of scalars")))
            .collect()
    }

    /// Properties nested at `pointer` (each item of a list, for example).
    pub(crate) fn nested(&self, value: &'a Json) -> Props<'a> {
        Props { id: self.id, value }
    }
}

fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Turns an SDK builder error into a template error.
pub(crate) fn built<T>(id: &str, result: Result<T, impl std::fmt::Display>) -> Result<T, RunnerError> {
    result.map_err(|e| RunnerError::template(format!("{id}: {e}")))
}
