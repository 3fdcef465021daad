//! The table-events function: reads the table's stream and derives what follows from each
//! write. Every reaction is idempotent (keyed deletes and puts), because stream delivery is
//! at-least-once. Reports failed records so only they are retried.
//!
//! Today: when a profile item is removed, erase what remains of that account (sessions and
//! pending codes), touching only items of the deleted account id so a new account that took
//! the name meanwhile is left alone. Later steps add the account's content here.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::EventError;
use crate::ctx::Ctx;
use crate::domain::{DomainError, Username};
use crate::store::error::OpContext;
use crate::store::item::{ItemExt, s};
use crate::store::keys;

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

fn attr(image: &serde_dynamo::Item, name: &str) -> Option<String> {
    match image.get(name) {
        Some(serde_dynamo::AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

async fn on_record(ctx: &Ctx, record: &EventRecord) -> Result<(), DomainError> {
    let old = &record.change.old_image;
    let removed_profile = record.event_name == "REMOVE"
        && attr(old, "SK").as_deref() == Some(keys::PROFILE)
        && attr(old, "type").as_deref() == Some("user");
    if removed_profile {
        let (Some(name), Some(uid)) = (attr(old, "username"), attr(old, "uid")) else {
            return Ok(());
        };
        let username = Username::parse(&name).map_err(DomainError::Internal)?;
        erase_account(ctx, &username, &uid).await?;
    }
    Ok(())
}

/// Deletes the remaining items of the account `uid` in its partition.
pub async fn erase_account(ctx: &Ctx, username: &Username, uid: &str) -> Result<(), DomainError> {
    let store = &ctx.store;
    let mut start = None;
    loop {
        let out = store
            .client
            .query()
            .table_name(store.table())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::user_pk(username)))
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .op("query account items")?;
        let mut requests = Vec::new();
        for it in out.items.unwrap_or_default() {
            if it.opt_s("uid").as_deref() != Some(uid) || it.opt_s("SK").as_deref() == Some(keys::PROFILE) {
                continue;
            }
            let del = DeleteRequest::builder()
                .key("PK", s(it.req_s("PK")?))
                .key("SK", s(it.req_s("SK")?))
                .build()
                .op("build delete")?;
            requests.push(WriteRequest::builder().delete_request(del).build());
        }
        for chunk in requests.chunks(25) {
            store
                .client
                .batch_write_item()
                .request_items(store.table(), chunk.to_vec())
                .send()
                .await
                .op("erase account items")?;
        }
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    tracing::info!(%username, "account data erased");
    Ok(())
}
