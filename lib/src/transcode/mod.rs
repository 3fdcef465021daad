//! The transcode function: S3 `ObjectCreated` notifications of the uploads bucket arrive
//! through an SQS queue (retries with back-off, a dead-letter queue, a concurrency cap), and
//! each uploaded object is checked (real size against the quota, ffprobe of the real content),
//! processed with ffmpeg into the media bucket and linked to its media or account.
//!
//! A refused file (not what it claims, too long, over quota) is final: the media ends
//! `failed` with the reason, the raw object is deleted and the quota refunded, and the message
//! is acknowledged. Anything else (S3 or ffmpeg breaking) is reported as a batch item failure
//! and retried; a message that keeps failing lands in the dead-letter queue.

pub mod attach;
pub mod job;
pub mod kinds;
pub mod objects;
#[cfg(test)]
pub(crate) mod properties;
pub mod s3_event;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

use crate::ctx::Ctx;
use crate::events::EventError;

/// How a job ended when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The file is refused for good, with a reason for its owner.
    #[error("refused: {0}")]
    Refused(String),
    /// Something broke that a retry may fix.
    #[error("{0}")]
    Retry(String),
}

impl From<crate::media::MediaError> for JobError {
    fn from(e: crate::media::MediaError) -> Self {
        match e {
            crate::media::MediaError::Refused(reason) => Self::Refused(reason),
            crate::media::MediaError::Failed(why) => Self::Retry(why),
        }
    }
}

impl From<crate::domain::DomainError> for JobError {
    /// A target that is gone (the media a subtitle was for) is final; the rest may pass.
    fn from(e: crate::domain::DomainError) -> Self {
        match e {
            crate::domain::DomainError::NotFound(what) => Self::Refused(format!("the {what} is gone")),
            other => Self::Retry(other.to_string()),
        }
    }
}

/// Handles one SQS batch of S3 notifications, reporting the messages to retry.
pub async fn handle(ctx: &'static Ctx, event: SqsEvent) -> Result<SqsBatchResponse, EventError> {
    // A warm sandbox keeps /tmp: work directories of a run that crashed (no drop) go here.
    let stale = crate::media::WorkDir::sweep_stale(ctx.config.ffmpeg_timeout * 2);
    if stale > 0 {
        tracing::warn!(removed = stale, "removed work directories left by crashed runs");
    }
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let body = message.body.as_deref().unwrap_or("");
        let outcome = match s3_event::created_objects(body) {
            Ok(objects) => {
                let mut outcome = Ok(());
                for object in &objects {
                    if let Err(e) = job::process_object(ctx, object).await {
                        outcome = Err(e);
                    }
                }
                outcome
            }
            // Not an S3 notification: retried until it lands in the dead-letter queue, where
            // an operator can see it.
            Err(e) => Err(JobError::Retry(e.to_string())),
        };
        if let Err(e) = outcome {
            tracing::warn!(message_id = %id, error = %e, "transcode failed; will be retried");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
