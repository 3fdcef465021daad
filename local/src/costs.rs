//! What each HTTP invocation cost in DynamoDB requests, as counted by the store's SDK
//! interceptor on the invocation's own task: read by the request-budget test and the
//! benchmarks, and logged with every request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use mediashare::store::metrics::Counts;

/// How many invocations the log keeps (the oldest go first): bounded for long `make run`s.
const KEPT: usize = 10_000;

/// One HTTP invocation and its DynamoDB requests.
#[derive(Clone, Debug)]
pub struct InvocationCost {
    /// The function (registry name) that served it.
    pub function: String,
    /// The HTTP status it answered.
    pub status: u16,
    /// Requests by operation and items read.
    pub counts: Counts,
}

/// The most recent invocations, shared by the gateway (writer) and the stack's owner (reader).
#[derive(Clone, Debug, Default)]
pub struct CostLog(Arc<Mutex<VecDeque<InvocationCost>>>);

impl CostLog {
    pub(crate) fn record(&self, cost: InvocationCost) {
        if let Ok(mut log) = self.0.lock() {
            if log.len() == KEPT {
                log.pop_front();
            }
            log.push_back(cost);
        }
    }

    /// Removes and returns what was recorded so far, oldest first.
    pub fn take(&self) -> Vec<InvocationCost> {
        self.0.lock().map(|mut log| log.drain(..).collect()).unwrap_or_default()
    }
}
