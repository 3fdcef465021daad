//! The table-events function: reads the table's stream and derives what follows from each
//! write. Every reaction is idempotent (keyed deletes and puts), because stream delivery is
//! at-least-once. Reports the first failed record so Lambda retries from there.
//!
//! New items fan out here (feeds, home timelines, notifications: `derived`), and so do removed
//! ones: a deleted account's data and content, a deleted media's likes, reposts, tags,
//! comments, playlist entries and files.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

use super::EventError;
use super::cascade;
use crate::ctx::Ctx;
use crate::domain::DomainError;

/// Handles one batch of stream records.
pub async fn handle(ctx: &Ctx, event: Event) -> Result<DynamoDbEventResponse, EventError> {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.records {
        if let Err(e) = on_record(ctx, record).await {
            tracing::warn!(event_id = %record.event_id, error = %e, "stream record failed");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            // Lambda retries from the first failure: later records would be redelivered anyway.
            break;
        }
    }
    Ok(response)
}

/// A string attribute of a stream image.
pub fn attr(image: &serde_dynamo::Item, name: &str) -> Option<String> {
    match image.get(name) {
        Some(serde_dynamo::AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

async fn on_record(ctx: &Ctx, record: &EventRecord) -> Result<(), DomainError> {
    super::derived::on_record(ctx, record).await?;
    if record.event_name != "REMOVE" {
        return Ok(());
    }
    let old = &record.change.old_image;
    match attr(old, "type").as_deref() {
        Some("user") => {
            cascade::on_user_removed(ctx, old).await?;
            super::files::on_user_removed(ctx, old).await
        }
        Some("media") => {
            cascade::on_media_removed(ctx, old).await?;
            super::files::on_media_removed(ctx, old).await
        }
        // step-2 cascades: comments and playlists add their removed-item reactions here.
        Some("comment") => super::comments::on_comment_removed(ctx, old).await,
        Some("playlist") => super::playlists::on_playlist_removed(ctx, old).await,
        _ => Ok(()),
    }
}
