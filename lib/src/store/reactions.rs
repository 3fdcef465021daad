//! Likes and reposts: one item per (target, user) in the target's partition, written in the
//! same transaction as the target's counter, so repeating a reaction changes nothing and
//! concurrent reactions never double-count.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{ItemExt, item, n, s};
use super::keys;
use super::users::failed_conditions;
use super::{Store, StoreError};
use crate::domain::{DomainError, User};

/// What kind of reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// A like (medias and comments).
    Like,
    /// A repost (medias).
    Repost,
}

impl Reaction {
    fn key(self) -> &'static str {
        match self {
            Self::Like => "LIKE",
            Self::Repost => "REPOST",
        }
    }
    fn counter(self) -> &'static str {
        match self {
            Self::Like => "likes",
            Self::Repost => "reposts",
        }
    }
}

/// What is reacted to: the partition and sort key of its item.
#[derive(Debug, Clone)]
pub struct Target {
    /// Partition (`MEDIA#…`, `COMMENT#…`).
    pub pk: String,
    /// Sort key of the counted item (`MEDIA`, `COMMENT`).
    pub sk: &'static str,
    /// Target id, stored on the reaction for the user's list.
    pub id: String,
    /// Owner of the target (for notifications later).
    pub owner: String,
}

/// Attempts for transactions that lose a race with another transaction on the same item.
const CONFLICT_RETRIES: usize = 8;

impl Store {
    /// Adds `user`'s reaction; `false` when it already existed (nothing changed).
    pub async fn react(&self, reaction: Reaction, target: &Target, user: &User) -> Result<bool, DomainError> {
        let now = crate::time::now_rfc3339();
        let reaction_item = item([
            ("PK", s(&target.pk)),
            ("SK", s(keys::reaction_sk(reaction.key(), &user.username))),
            ("type", s(reaction.counter())),
            ("username", s(user.username.as_str())),
            ("uid", s(&user.id.0)),
            ("target", s(&target.id)),
            ("targetOwner", s(&target.owner)),
            ("createdAt", s(&now)),
            ("GSI1PK", s(keys::user_reactions(reaction.key(), &user.username))),
            ("GSI1SK", s(keys::by_time(&now, &target.id))),
        ]);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(reaction_item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .op("build reaction")?;
        let count = self.counter(target, reaction.counter(), 1)?;
        self.counted_write(put_or_delete(put), count, "react").await
    }

    /// Removes `user`'s reaction; `false` when there was none.
    pub async fn unreact(&self, reaction: Reaction, target: &Target, user: &User) -> Result<bool, DomainError> {
        let del = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(&target.pk))
            .key("SK", s(keys::reaction_sk(reaction.key(), &user.username)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .op("build unreact")?;
        let count = self.counter(target, reaction.counter(), -1)?;
        self.counted_write(TransactWriteItem::builder().delete(del).build(), count, "unreact").await
    }

    /// Which of `reactions` `user` has on the target, in one read.
    pub async fn reactions_of(
        &self,
        reactions: &[Reaction],
        target_pk: &str,
        user: &User,
    ) -> Result<Vec<bool>, DomainError> {
        let keys =
            reactions.iter().map(|r| (target_pk.to_owned(), keys::reaction_sk(r.key(), &user.username))).collect();
        let found: Vec<String> =
            self.get_by_keys(keys, "get reactions").await?.iter().filter_map(|it| it.opt_s("SK")).collect();
        Ok(reactions.iter().map(|r| found.contains(&keys::reaction_sk(r.key(), &user.username))).collect())
    }

    /// Whether `user` has this reaction on the target.
    pub async fn has_reacted(&self, reaction: Reaction, target_pk: &str, user: &User) -> Result<bool, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(target_pk))
            .key("SK", s(keys::reaction_sk(reaction.key(), &user.username)))
            .send()
            .await
            .op("get reaction")?;
        Ok(out.item.is_some())
    }

    fn counter(&self, target: &Target, attribute: &str, delta: i64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(&target.pk))
            .key("SK", s(target.sk))
            .condition_expression("attribute_exists(PK)")
            .update_expression("ADD #c :d")
            .expression_attribute_names("#c", attribute)
            .expression_attribute_values(":d", n(delta))
            .build()
            .op("build counter")?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Writes `edge` and `count` together. `Ok(false)` when the edge's condition failed (the
    /// reaction already was as asked); 404 when the target is gone; retries lost races.
    pub(crate) async fn counted_write(
        &self,
        edge: TransactWriteItem,
        count: TransactWriteItem,
        op: &'static str,
    ) -> Result<bool, DomainError> {
        self.transact_counted(vec![edge], vec![count], op).await
    }

    /// Writes `edges` and `counts` in one transaction. The first edge's condition failing means
    /// "already done" (`Ok(false)`); a count's condition failing means its target is gone (404).
    pub(crate) async fn transact_counted(
        &self,
        edges: Vec<TransactWriteItem>,
        counts: Vec<TransactWriteItem>,
        op: &'static str,
    ) -> Result<bool, DomainError> {
        for attempt in 0..CONFLICT_RETRIES {
            let mut tx = self.client.transact_write_items();
            for item in edges.iter().chain(counts.iter()) {
                tx = tx.transact_items(item.clone());
            }
            let result = tx.send().await;
            let Err(e) = result else { return Ok(true) };
            let conflict = match e.as_service_error() {
                Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c)) => {
                    c.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict"))
                }
                _ => false,
            };
            if conflict {
                let backoff = 10 * (1 << attempt.min(5)) + (crate::auth::random::bytes(1)[0] as u64 % 20);
                tokio::time::sleep(std::time::Duration::from_millis(backoff)).await;
                continue;
            }
            return match failed_conditions(&e) {
                Some(failed) if failed.first() == Some(&true) => Ok(false),
                Some(failed) if failed.iter().skip(edges.len()).any(|f| *f) => Err(DomainError::NotFound("target")),
                Some(_) => Ok(false),
                None => Err(super::error::aws(op, e).into()),
            };
        }
        Err(DomainError::Internal(format!("{op}: too many transaction conflicts")))
    }
}

fn put_or_delete(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}
