//! DynamoDB requests and items read, counted by an SDK interceptor on the store's client (not
//! by reading code): what benchmarks and budget tests measure per route.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Requests and items read per operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests by operation name (`Query`, `GetItem`, …).
    pub requests: BTreeMap<String, u64>,
    /// Items returned by reads (GetItem, Query, BatchGetItem).
    pub items_read: u64,
}

impl Counts {
    /// All requests.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Counts) -> Counts {
        let requests = self
            .requests
            .iter()
            .map(|(op, n)| (op.clone(), n - earlier.requests.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        Counts { requests, items_read: self.items_read - earlier.items_read }
    }
}

/// The interceptor; clones share the counts.
#[derive(Clone, Debug, Default)]
pub struct RequestCounter(Arc<Mutex<Counts>>);

impl RequestCounter {
    /// A snapshot of the counts so far.
    pub fn counts(&self) -> Counts {
        self.0.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map(|m| m.name().to_owned()).unwrap_or_else(|| "unknown".into());
        let items = match context.output_or_error() {
            Ok(output) => {
                if let Some(q) = output.downcast_ref::<QueryOutput>() {
                    q.items().len() as u64
                } else if let Some(g) = output.downcast_ref::<GetItemOutput>() {
                    u64::from(g.item().is_some())
                } else if let Some(b) = output.downcast_ref::<BatchGetItemOutput>() {
                    b.responses().map(|r| r.values().map(|v| v.len() as u64).sum()).unwrap_or(0)
                } else {
                    0
                }
            }
            _ => 0,
        };
        if let Ok(mut counts) = self.0.lock() {
            *counts.requests.entry(op).or_insert(0) += 1;
            counts.items_read += items;
        }
        Ok(())
    }
}
