//! Follows: one edge item per (follower, followee), listed both ways through GSI1 (followers)
//! and GSI2 (followings), written with both users' counters in one transaction.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{ItemExt, item, n, s};
use super::keys::{self, PROFILE};
use super::{Store, StoreError};
use crate::domain::{DomainError, User, Username};
use crate::http::PageRequest;

fn count(store: &Store, user: &User, attribute: &str, delta: i64) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(&store.table)
        .key("PK", s(keys::user_pk(&user.username)))
        .key("SK", s(PROFILE))
        .condition_expression("uid = :uid")
        .update_expression("ADD #c :d")
        .expression_attribute_names("#c", attribute)
        .expression_attribute_values(":uid", s(&user.id.0))
        .expression_attribute_values(":d", n(delta))
        .build()
        .op("build follow counter")?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The follow edge `follower` → `followee` created at `now`.
pub fn follow_edge_item(follower: &User, followee: &User, now: &str) -> super::item::Item {
    item([
        ("PK", s(keys::follow_pk(&follower.username))),
        ("SK", s(followee.username.as_str())),
        ("type", s("follow")),
        ("follower", s(follower.username.as_str())),
        ("followee", s(followee.username.as_str())),
        ("followerUid", s(&follower.id.0)),
        ("followeeUid", s(&followee.id.0)),
        ("createdAt", s(now)),
        ("GSI1PK", s(keys::followers_of(&followee.username))),
        ("GSI1SK", s(keys::by_time(now, follower.username.as_str()))),
        ("GSI2PK", s(keys::followings_of(&follower.username))),
        ("GSI2SK", s(keys::by_time(now, followee.username.as_str()))),
    ])
}

impl Store {
    /// `follower` follows `followee`; `false` when it already did (nothing changed).
    pub async fn follow(&self, follower: &User, followee: &User) -> Result<bool, DomainError> {
        let now = crate::time::now_rfc3339();
        let edge = Put::builder()
            .table_name(&self.table)
            .set_item(Some(follow_edge_item(follower, followee, &now)))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .op("build follow")?;
        let counts = vec![count(self, follower, "followings", 1)?, count(self, followee, "followers", 1)?];
        self.transact_counted(vec![TransactWriteItem::builder().put(edge).build()], counts, "follow").await
    }

    /// `follower` stops following `followee`; `false` when it did not.
    pub async fn unfollow(&self, follower: &User, followee: &User) -> Result<bool, DomainError> {
        let edge = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::follow_pk(&follower.username)))
            .key("SK", s(followee.username.as_str()))
            .condition_expression("attribute_exists(PK)")
            .build()
            .op("build unfollow")?;
        let counts = vec![count(self, follower, "followings", -1)?, count(self, followee, "followers", -1)?];
        self.transact_counted(vec![TransactWriteItem::builder().delete(edge).build()], counts, "unfollow").await
    }

    /// Whether `follower` follows `followee`.
    pub async fn follows(&self, follower: &Username, followee: &Username) -> Result<bool, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::follow_pk(follower)))
            .key("SK", s(followee.as_str()))
            .send()
            .await
            .op("get follow")?;
        Ok(out.item.is_some())
    }

    /// Who follows `user` (newest first) or whom `user` follows, as usernames.
    pub async fn follow_list(
        &self,
        user: &Username,
        followers: bool,
        page: &PageRequest,
    ) -> Result<(Vec<Username>, Option<String>), DomainError> {
        let (index, pk, scope, field) = if followers {
            ("GSI1", "GSI1PK", keys::followers_of(user), "follower")
        } else {
            ("GSI2", "GSI2PK", keys::followings_of(user), "followee")
        };
        let query = self
            .client
            .query()
            .key_condition_expression(format!("{pk} = :pk"))
            .expression_attribute_values(":pk", s(&scope))
            .scan_index_forward(false);
        let (items, next) = self.page(query, Some(index), &scope, page).await?;
        let names = items.iter().filter_map(|i| i.opt_s(field)).filter_map(|n| Username::parse(&n).ok()).collect();
        Ok((names, next))
    }
}
