//! `AWS::SQS::Queue` → CreateQueue with its attributes (VisibilityTimeout,
//! MessageRetentionPeriod, RedrivePolicy with the dead-letter queue's ARN, …). An existing
//! queue keeps its messages; its mutable attributes are brought in line with the template.

use std::collections::HashMap;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value as Json;

use super::props::Props;
use crate::aws::{error_code, is_missing_code};
use crate::error::RunnerError;

/// Template properties that are SQS attributes of the same name.
const PLAIN_ATTRIBUTES: &[&str] = &[
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Attributes that only CreateQueue accepts.
const CREATE_ONLY: &[&str] = &["FifoQueue"];

/// Creates the queue if missing (else updates its attributes) and returns its URL.
pub(crate) async fn ensure(client: &Client, name: &str, props: &Props<'_>) -> Result<String, RunnerError> {
    let attributes = attributes(props)?;
    match client.get_queue_url().queue_name(name).send().await {
        Ok(found) => {
            let url = found.queue_url.ok_or_else(|| RunnerError::Aws {
                action: format!("get URL of queue {name}"),
                message: "no URL in the answer".into(),
            })?;
            let mutable: HashMap<QueueAttributeName, String> =
                attributes.into_iter().filter(|(k, _)| !CREATE_ONLY.contains(&k.as_str())).collect();
            if !mutable.is_empty() {
                client
                    .set_queue_attributes()
                    .queue_url(&url)
                    .set_attributes(Some(mutable))
                    .send()
                    .await
                    .map_err(|e| RunnerError::aws(format!("set attributes of queue {name}"), &e))?;
            }
            Ok(url)
        }
        Err(e)
            if is_missing_code(error_code(&e)) || e.as_service_error().is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            tracing::info!(queue = name, "creating queue");
            let created = client
                .create_queue()
                .queue_name(name)
                .set_attributes((!attributes.is_empty()).then_some(attributes))
                .send()
                .await
                .map_err(|e| RunnerError::aws(format!("create queue {name}"), &e))?;
            created.queue_url.ok_or_else(|| RunnerError::Aws {
                action: format!("create queue {name}"),
                message: "no URL in the answer".into(),
            })
        }
        Err(e) => Err(RunnerError::aws(format!("get URL of queue {name}"), &e)),
    }
}

/// The redrive policy's `maxReceiveCount`, if the queue has one.
pub(crate) fn max_receive_count(props: &Props<'_>) -> Option<u32> {
    props.int("/RedrivePolicy/maxReceiveCount").ok().flatten().and_then(|n| u32::try_from(n).ok())
}

fn attributes(props: &Props<'_>) -> Result<HashMap<QueueAttributeName, String>, RunnerError> {
    let mut out = HashMap::new();
    for name in PLAIN_ATTRIBUTES.iter().chain(CREATE_ONLY) {
        if let Some(value) = props.text(&format!("/{name}"))? {
            out.insert(QueueAttributeName::from(*name), value);
        }
    }
    for name in ["RedrivePolicy", "RedriveAllowPolicy"] {
        match props.get(&format!("/{name}")) {
            None => {}
            Some(Json::String(text)) => {
                out.insert(QueueAttributeName::from(name), text.clone());
            }
            Some(policy) => {
                out.insert(QueueAttributeName::from(name), policy.to_string());
            }
        }
    }
    Ok(out)
}
