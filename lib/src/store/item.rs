//! Reading and writing attribute values without ceremony.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;

/// An item as the SDK sees it.
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A boolean attribute.
pub fn b(v: bool) -> AttributeValue {
    AttributeValue::Bool(v)
}

/// Typed reads from an item.
pub trait ItemExt {
    /// A required string.
    fn req_s(&self, name: &str) -> Result<String, StoreError>;
    /// An optional string.
    fn opt_s(&self, name: &str) -> Option<String>;
    /// A number (0 when absent).
    fn num(&self, name: &str) -> i64;
    /// A boolean (false when absent).
    fn flag(&self, name: &str) -> bool;
}

impl ItemExt for Item {
    fn req_s(&self, name: &str) -> Result<String, StoreError> {
        self.opt_s(name).ok_or_else(|| StoreError::Corrupt { what: format!("missing {name}") })
    }

    fn opt_s(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        }
    }

    fn num(&self, name: &str) -> i64 {
        match self.get(name) {
            Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
            _ => 0,
        }
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(AttributeValue::Bool(true)))
    }
}

/// Builds an item from pairs.
pub fn item<const N: usize>(pairs: [(&str, AttributeValue); N]) -> Item {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
