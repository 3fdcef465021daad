//! An SQS event source mapping: long-polls a queue, hands batches to the function as
//! `SqsEvent`s, deletes what succeeded and makes failures visible again after 1 s, doubling
//! per receive (instead of the queue's visibility timeout) so retries come quickly; the queue's
//! redrive policy moves a message that keeps failing to its dead-letter queue. A message that
//! fails its last allowed receive is logged at error level (queue, message id, receives,
//! function, the handler's reason) and kept in the stack's dead-letter journal.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName,
};
use base64::Engine as _;
use mediashare::Ctx;
use mediashare::registry::SqsHandler;
use serde_json::{Map, Value as Json, json};

use crate::aws::{error_code, is_missing_code};
use crate::capture::{self, LogCapture};
use crate::error::error_chain;
use crate::faults::{DeadLetter, Delivery, Faults};
use crate::invoke::invoke;
use crate::provision::Provisioner;
use crate::shutdown::Shutdown;

/// Visibility timeout given to a message that failed for the `receives`-th time: 1, 2, 4, 8…
/// seconds (at most 30), so retries come quickly but a message waiting on work in progress
/// (another delivery holding the lease) does not burn its receives in a few seconds.
fn retry_visibility_seconds(receives: u32) -> i32 {
    (1i32 << receives.saturating_sub(1).min(5)).min(30)
}

/// One queue → function mapping.
pub(crate) struct SqsPoller {
    pub ctx: &'static Ctx,
    pub handler: SqsHandler,
    pub binary: String,
    pub timeout: Duration,
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub queue_arn: String,
    pub region: String,
    pub batch_size: u32,
    pub report_batch_item_failures: bool,
    pub max_receive_count: Option<u32>,
    /// The redrive policy's dead-letter queue (where a message goes after its last receive).
    pub dead_letter_arn: Option<String>,
    pub poll_wait: Duration,
    pub provisioner: Arc<Provisioner>,
    pub faults: Arc<Faults>,
    pub capture: LogCapture,
    pub shutdown: Shutdown,
}

/// The result of one batch: which messages failed, each with why.
struct Outcome {
    failed: BTreeMap<usize, String>,
    crashed: bool,
}

impl Outcome {
    fn all(count: usize, reason: &str) -> Self {
        Self { failed: (0..count).map(|i| (i, reason.to_owned())).collect(), crashed: false }
    }
}

impl SqsPoller {
    /// Polls until shutdown.
    pub(crate) async fn run(mut self) {
        let mut failures = 0u32;
        let mut generation = self.provisioner.generation();
        tracing::info!(function = %self.binary, queue = %self.queue_url, "polling queue");
        while !self.shutdown.is_stopping() {
            if !self.faults.gate(&self.binary, &mut self.shutdown).await {
                break;
            }
            let mut stop = self.shutdown.clone();
            let received = tokio::select! {
                received = self.receive() => received,
                () = stop.stopped() => break,
            };
            match received {
                Ok(messages) => {
                    failures = 0;
                    if !messages.is_empty() {
                        tracing::debug!(function = %self.binary, messages = messages.len(), "delivering SQS batch");
                        self.deliver(messages).await;
                    }
                }
                Err((missing, message)) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(function = %self.binary, queue = %self.queue_url, error = %message, "receive failed");
                    if missing {
                        self.provisioner.repair(&format!("queue {} is missing", self.queue_url)).await;
                    }
                    // A recovery (by the watchdog or another poller) ends the back-off at once.
                    generation.mark_unchanged();
                    let mut stop = self.shutdown.clone();
                    let waited = tokio::select! {
                        awake = stop.sleep(super::backoff(failures)) => awake,
                        _ = generation.changed() => true,
                    };
                    if !waited || self.shutdown.is_stopping() {
                        break;
                    }
                }
            }
        }
        tracing::debug!(function = %self.binary, "queue poller stopped");
    }

    async fn receive(&self) -> Result<Vec<Message>, (bool, String)> {
        let wait = i32::try_from(self.poll_wait.as_secs().min(20)).unwrap_or(20);
        self.client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(i32::try_from(self.batch_size.clamp(1, 10)).unwrap_or(10))
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map(|out| out.messages.unwrap_or_default())
            .map_err(|e| (is_missing_code(error_code(&e)), error_chain(&e)))
    }

    async fn deliver(&self, messages: Vec<Message>) {
        let records: Vec<Json> = messages.iter().map(|m| self.record(m)).collect();
        let outcome = match serde_json::from_value::<SqsEvent>(json!({ "Records": records })) {
            Ok(event) => self.invoke(event, &messages).await,
            Err(e) => Outcome::all(messages.len(), &format!("event conversion: {e}")),
        };
        let id_of = |m: &Message| m.message_id().unwrap_or_default().to_owned();
        self.faults.delivered(Delivery {
            function: self.binary.clone(),
            records: messages.iter().map(id_of).collect(),
            failed: outcome.failed.keys().filter_map(|i| messages.get(*i)).map(id_of).collect(),
            crashed: outcome.crashed,
            at: SystemTime::now(),
        });
        let mut deletes = Vec::new();
        let mut retries = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let Some(handle) = message.receipt_handle() else {
                continue;
            };
            let id = format!("m{index}");
            if let Some(reason) = outcome.failed.get(&index) {
                let receives: u32 = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let message_id = message.message_id().unwrap_or_default();
                if self.max_receive_count.is_some_and(|max| receives >= max) {
                    let dead_letter_queue = self.dead_letter_arn.clone().unwrap_or_default();
                    tracing::error!(
                        function = %self.binary, queue = %self.queue_url, message_id, receives, %reason,
                        %dead_letter_queue,
                        "dead-lettered: the message failed its last allowed receive; the queue's redrive policy moves it to the dead-letter queue"
                    );
                    self.faults.dead_lettered(DeadLetter {
                        function: self.binary.clone(),
                        source: self.queue_url.clone(),
                        destination: dead_letter_queue,
                        id: message_id.to_owned(),
                        attempts: receives,
                        reason: reason.clone(),
                        at: SystemTime::now(),
                    });
                } else {
                    tracing::warn!(function = %self.binary, message_id, receives, %reason, "message failed; retrying");
                }
                let entry = ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(id)
                    .receipt_handle(handle)
                    .visibility_timeout(retry_visibility_seconds(receives))
                    .build();
                retries.extend(entry.ok());
            } else {
                deletes.extend(DeleteMessageBatchRequestEntry::builder().id(id).receipt_handle(handle).build().ok());
            }
        }
        if !deletes.is_empty() {
            let result =
                self.client.delete_message_batch().queue_url(&self.queue_url).set_entries(Some(deletes)).send().await;
            match result {
                Ok(out) if !out.failed().is_empty() => {
                    tracing::warn!(function = %self.binary, failed = out.failed().len(), "some messages could not be deleted");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(function = %self.binary, error = %error_chain(&e), "delete failed")
                }
            }
        }
        if !retries.is_empty() {
            let result = self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(retries))
                .send()
                .await;
            if let Err(e) = result {
                tracing::warn!(function = %self.binary, error = %error_chain(&e), "cannot shorten the visibility of failed messages");
            }
        }
    }

    async fn invoke(&self, mut event: SqsEvent, messages: &[Message]) -> Outcome {
        let count = messages.len();
        let crash_after = self.faults.take_crash(&self.binary, count);
        if let Some(after) = crash_after {
            event.records.truncate(after);
        }
        let result = invoke(self.capture.run((self.handler)(self.ctx, event)), self.timeout).await;
        let lines = self.capture.take();
        if let Some(after) = crash_after {
            // Injected fault: the process died after handling `after` records, so Lambda got
            // no response and the whole batch goes back to the queue.
            let reason = format!("function crashed (injected fault) after {after} of {count} records");
            tracing::warn!(function = %self.binary, records = count, handled = after, "injected fault: crashed mid-batch");
            return Outcome { crashed: true, ..Outcome::all(count, &reason) };
        }
        match result {
            Err(e) => Outcome::all(count, &e.to_string()),
            Ok(Err(e)) => Outcome::all(count, &format!("function error: {}", error_chain(&e))),
            Ok(Ok(_)) if !self.report_batch_item_failures => Outcome { failed: BTreeMap::new(), crashed: false },
            Ok(Ok(response)) => {
                let ids: BTreeMap<&str, usize> =
                    messages.iter().enumerate().filter_map(|(i, m)| m.message_id().map(|id| (id, i))).collect();
                let mut failed = BTreeMap::new();
                for failure in &response.batch_item_failures {
                    let id = failure.item_identifier.as_str();
                    let Some(index) = ids.get(id) else {
                        return Outcome::all(count, &format!("invalid itemIdentifier {id:?}: the whole batch failed"));
                    };
                    let logged = capture::reason_for(&lines, id).unwrap_or_else(|| "no reason logged".to_owned());
                    failed.insert(*index, format!("reported in batchItemFailures: {logged}"));
                }
                Outcome { failed, crashed: false }
            }
        }
    }

    /// One `Records[]` entry as Lambda builds it.
    fn record(&self, message: &Message) -> Json {
        let attributes: Map<String, Json> = message
            .attributes()
            .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), Json::String(v.clone()))).collect())
            .unwrap_or_default();
        let b64 =
            |blob: &aws_sdk_sqs::primitives::Blob| base64::engine::general_purpose::STANDARD.encode(blob.as_ref());
        let message_attributes: Map<String, Json> = message
            .message_attributes()
            .map(|attrs: &HashMap<String, aws_sdk_sqs::types::MessageAttributeValue>| {
                attrs
                    .iter()
                    .map(|(name, value)| {
                        let attribute = json!({
                            "stringValue": value.string_value(),
                            "binaryValue": value.binary_value().map(b64),
                            "stringListValues": value.string_list_values(),
                            "binaryListValues": value.binary_list_values().iter().map(b64).collect::<Vec<_>>(),
                            "dataType": value.data_type(),
                        });
                        (name.clone(), attribute)
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "messageId": message.message_id(),
            "receiptHandle": message.receipt_handle(),
            "body": message.body().unwrap_or_default(),
            "attributes": attributes,
            "messageAttributes": message_attributes,
            "md5OfBody": message.md5_of_body(),
            "md5OfMessageAttributes": message.md5_of_message_attributes(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        })
    }
}

#[cfg(test)]
mod retry_tests {
    use super::retry_visibility_seconds;

    #[test]
    fn retry_backoff_doubles_up_to_thirty_seconds() {
        let delays: Vec<i32> = (1..=8).map(retry_visibility_seconds).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
