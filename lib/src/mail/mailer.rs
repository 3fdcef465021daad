//! The mailer function: SQS batch of mail jobs → SES. Reports partial batch failures so only
//! failed jobs are retried; a job that cannot even be parsed fails every time and ends in the
//! dead-letter queue. De-duplicated by job id (a redelivered job sends once).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};

use super::MailJob;
use super::render::render;
use crate::ctx::Ctx;
use crate::domain::DomainError;
use crate::events::EventError;
use crate::store::mail_log::Claim;

/// Handles one SQS batch.
pub async fn handle(ctx: &Ctx, event: SqsEvent) -> Result<SqsBatchResponse, EventError> {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Err(reason) = deliver(ctx, &message).await {
            tracing::warn!(message_id = %id, %reason, "mail job failed; will be retried");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

async fn deliver(ctx: &Ctx, message: &SqsMessage) -> Result<(), String> {
    let body = message.body.as_deref().unwrap_or("");
    let job: MailJob = serde_json::from_str(body).map_err(|e| format!("not a mail job: {e}"))?;
    match ctx.store.claim_mail(&job.id).await.map_err(|e| e.to_string())? {
        Claim::AlreadySent => {
            tracing::info!(job = %job.id, "already sent; skipped");
            return Ok(());
        }
        Claim::InProgress => return Err(format!("job {} is being sent by another worker", job.id)),
        Claim::Claimed => {}
    }
    match send(ctx, &job).await {
        Ok(()) => {
            ctx.store.mark_mail_sent(&job.id).await.map_err(|e| e.to_string())?;
            tracing::info!(job = %job.id, kind = ?job.kind, "sent");
            Ok(())
        }
        Err(e) => {
            let _ = ctx.store.release_mail(&job.id).await;
            Err(e.to_string())
        }
    }
}

async fn send(ctx: &Ctx, job: &MailJob) -> Result<(), DomainError> {
    let rendered = render(job, &ctx.config.public_base_url);
    let content = |data: String| Content::builder().data(data).charset("UTF-8").build();
    let internal = |e: aws_sdk_sesv2::error::BuildError| DomainError::Internal(e.to_string());
    let mut message = Message::builder().subject(content(rendered.subject).map_err(internal)?);
    if let Some(unsubscribe) = &rendered.unsubscribe {
        let header = MessageHeader::builder().name("List-Unsubscribe").value(unsubscribe).build().map_err(internal)?;
        message = message.headers(header);
    }
    let message = message
        .body(
            Body::builder()
                .text(content(rendered.text).map_err(internal)?)
                .html(content(rendered.html).map_err(internal)?)
                .build(),
        )
        .build();
    ctx.ses
        .send_email()
        .from_email_address(&ctx.config.mail_from)
        .destination(Destination::builder().to_addresses(&job.to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map_err(|e| DomainError::Internal(format!("ses send: {}", aws_sdk_sesv2::error::DisplayErrorContext(e))))?;
    Ok(())
}
