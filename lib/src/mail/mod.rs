//! Outgoing mail: jobs go to the SQS mail queue; the mailer function renders them and sends
//! through SES, once per job id.

pub mod job;
pub mod mailer;
#[cfg(test)]
mod properties;
pub mod render;

pub use job::{MailJob, MailKind};

use crate::domain::DomainError;

/// The producer side of the mail queue.
pub struct MailQueue {
    // Built on first use, so functions that never send mail do not link the SQS client.
    client: crate::ctx::OnDemand<aws_sdk_sqs::Client>,
    url: String,
}

impl MailQueue {
    /// A producer for the queue at `url`.
    pub fn new(client: crate::ctx::OnDemand<aws_sdk_sqs::Client>, url: String) -> Self {
        Self { client, url }
    }

    /// Enqueues `job`.
    pub async fn send(&self, job: &MailJob) -> Result<(), DomainError> {
        let body = serde_json::to_string(job).map_err(|e| DomainError::Internal(format!("mail job: {e}")))?;
        self.client.send_message().queue_url(&self.url).message_body(body).send().await.map_err(|e| {
            DomainError::Internal(format!("enqueue mail: {}", aws_sdk_sqs::error::DisplayErrorContext(e)))
        })?;
        Ok(())
    }
}
