//! An SQS event source mapping: long-polls a queue, hands batches to the function as
//! `SqsEvent`s, deletes what succeeded and makes failures visible again after 1 s, doubling
//! per receive (instead of the queue's visibility timeout) so retries come quickly; the queue's
//! redrive policy moves a message that keeps failing to its dead-letter queue.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName,
};
use base64::Engine as _;
use mediashare::Ctx;
use mediashare::registry::SqsHandler;
use serde_json::{Map, Value as Json, json};

use crate::aws::{error_code, is_missing_code};
use crate::error::error_chain;
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
    pub poll_wait: Duration,
    pub provisioner: Arc<Provisioner>,
    pub shutdown: Shutdown,
}

/// The result of one batch: which messages failed and why.
struct Outcome {
    failed: Vec<usize>,
    reason: String,
}

impl SqsPoller {
    /// Polls until shutdown.
    pub(crate) async fn run(mut self) {
        let mut failures = 0u32;
        tracing::info!(function = %self.binary, queue = %self.queue_url, "polling queue");
        while !self.shutdown.is_stopping() {
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
                        self.provisioner.repair().await;
                    }
                    if !self.shutdown.sleep(super::backoff(failures)).await {
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
            Err(e) => Outcome { failed: (0..messages.len()).collect(), reason: format!("event conversion: {e}") },
        };
        let mut deletes = Vec::new();
        let mut retries = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let Some(handle) = message.receipt_handle() else {
                continue;
            };
            let id = format!("m{index}");
            if outcome.failed.contains(&index) {
                let receives: u32 = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let message_id = message.message_id().unwrap_or_default();
                if self.max_receive_count.is_some_and(|max| receives >= max) {
                    tracing::error!(
                        function = %self.binary, message_id, receives, reason = %outcome.reason,
                        "dead-lettered: retries exhausted, the queue's redrive policy moves the message to its dead-letter queue"
                    );
                } else {
                    tracing::warn!(function = %self.binary, message_id, receives, reason = %outcome.reason, "message failed; retrying");
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

    async fn invoke(&self, event: SqsEvent, messages: &[Message]) -> Outcome {
        let all = || (0..messages.len()).collect::<Vec<_>>();
        match invoke((self.handler)(self.ctx, event), self.timeout).await {
            Err(e) => Outcome { failed: all(), reason: e.to_string() },
            Ok(Err(e)) => Outcome { failed: all(), reason: format!("function error: {}", error_chain(&e)) },
            Ok(Ok(_)) if !self.report_batch_item_failures => Outcome { failed: Vec::new(), reason: String::new() },
            Ok(Ok(response)) => {
                let ids: BTreeMap<&str, usize> =
                    messages.iter().enumerate().filter_map(|(i, m)| m.message_id().map(|id| (id, i))).collect();
                let mut failed = Vec::new();
                for failure in &response.batch_item_failures {
                    match ids.get(failure.item_identifier.as_str()) {
                        Some(index) => failed.push(*index),
                        None => {
                            return Outcome {
                                failed: all(),
                                reason: format!(
                                    "invalid itemIdentifier {:?}: the whole batch failed",
                                    failure.item_identifier
                                ),
                            };
                        }
                    }
                }
                Outcome { failed, reason: "reported in batchItemFailures".to_owned() }
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
