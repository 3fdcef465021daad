//! DynamoDB requests and items read, counted by an SDK interceptor on the store's client (not
//! by reading code): what benchmarks and budget tests measure per route.
//!
//! The process-wide [`RequestCounter`] sees every request of the client. [`tally`] also counts
//! the requests one future makes on its own task (a task-local), so a runner serving many
//! invocations at once, with event consumers writing in the background, still knows what each
//! invocation cost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// Requests and items read per operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests by operation name (`Query`, `GetItem`, …).
    pub requests: BTreeMap<String, u64>,
    /// Items returned by reads (GetItem, Query, BatchGetItem).
    pub items_read: u64,
    /// Items written (Put/Update/DeleteItem: 1; BatchWriteItem and TransactWriteItems: each
    /// item of the request), whether or not a condition let the write happen.
    pub items_written: u64,
    /// Of those, items written in transactions (DynamoDB bills them twice).
    pub items_written_in_transactions: u64,
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
        Counts {
            requests,
            items_read: self.items_read - earlier.items_read,
            items_written: self.items_written - earlier.items_written,
            items_written_in_transactions: self.items_written_in_transactions - earlier.items_written_in_transactions,
        }
    }
}

tokio::task_local! {
    /// The counts of the invocation running on this task, when it is being tallied.
    static TALLY: RequestCounter;
}

/// Runs `future` and returns its output with the DynamoDB requests it made itself (on its own
/// task; work it spawns onto other tasks is not counted).
pub async fn tally<F: std::future::Future>(future: F) -> (F::Output, Counts) {
    let counter = RequestCounter::default();
    let output = TALLY.scope(counter.clone(), future).await;
    (output, counter.counts())
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

/// Items a write request carries, noted before it is sent (the input is gone afterwards).
#[derive(Clone, Copy, Debug, Default)]
struct Written {
    items: u64,
    transactional: bool,
}

impl Storable for Written {
    type Storer = StoreReplace<Self>;
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let single = input.downcast_ref::<PutItemInput>().is_some()
            || input.downcast_ref::<UpdateItemInput>().is_some()
            || input.downcast_ref::<DeleteItemInput>().is_some();
        let written = if single {
            Written { items: 1, transactional: false }
        } else if let Some(t) = input.downcast_ref::<TransactWriteItemsInput>() {
            Written { items: t.transact_items().len() as u64, transactional: true }
        } else if let Some(b) = input.downcast_ref::<BatchWriteItemInput>() {
            let items = b.request_items().map(|r| r.values().map(|v| v.len() as u64).sum()).unwrap_or(0);
            Written { items, transactional: false }
        } else {
            Written::default()
        };
        cfg.interceptor_state().store_put(written);
        Ok(())
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
        let written = cfg.load::<Written>().copied().unwrap_or_default();
        // Outside a tally the task-local is absent: only the process-wide counts move.
        let _ = TALLY.try_with(|tally| tally.add(&op, items, written));
        self.add(&op, items, written);
        Ok(())
    }
}

impl RequestCounter {
    fn add(&self, op: &str, items: u64, written: Written) {
        if let Ok(mut counts) = self.0.lock() {
            *counts.requests.entry(op.to_owned()).or_insert(0) += 1;
            counts.items_read += items;
            counts.items_written += written.items;
            if written.transactional {
                counts.items_written_in_transactions += written.items;
            }
        }
    }
}
