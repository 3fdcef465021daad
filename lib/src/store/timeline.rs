//! Timelines (hybrid fan-out). Each account has a **feed** (`FEED#{user}`: its own medias and
//! reposts, by time — the user timeline, and what readers merge for big authors) and a **home
//! timeline** partition (`TL#{user}`: entries fanned out from the small accounts it follows
//! and its own items). A home entry is keyed by media id, so a retry or a second repost of the
//! same media never makes a second entry; it is ordered through GSI1 by `{at}#{media}` and found
//! by media through GSI2 (deletes). Follow edges into a big account carry GSI3 keys
//! (`BIGFOLLOWINGS#{follower}`), the list readers merge at read time.

use aws_sdk_dynamodb::types::AttributeValue;

use super::error::OpContext;
use super::item::{Item, ItemExt, item, n, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, Username};

/// One item of a timeline: a media, reposted by someone or not, at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The media id.
    pub media: String,
    /// Its owner.
    pub author: String,
    /// Who reposted it (a repost entry).
    pub reposted_by: Option<String>,
    /// When it happened (RFC 3339): the media's creation or the repost.
    pub at: String,
}

impl Entry {
    /// The ordering key shared by every source: `{at}#{media}`.
    pub fn sort_key(&self) -> String {
        keys::by_time(&self.at, &self.media)
    }

    /// The user whose action put it on timelines (the reposter, else the author).
    pub fn actor(&self) -> &str {
        self.reposted_by.as_deref().unwrap_or(&self.author)
    }

    fn from_item(it: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            media: it.req_s("media")?,
            author: it.req_s("author")?,
            reposted_by: it.opt_s("repostedBy"),
            at: it.req_s("at")?,
        })
    }

    fn attrs(&self) -> Item {
        let mut it = item([("media", s(&self.media)), ("author", s(&self.author)), ("at", s(&self.at))]);
        if let Some(r) = &self.reposted_by {
            it.insert("repostedBy".into(), s(r));
        }
        it
    }
}

/// How long home-timeline entries live.
const ENTRY_TTL_SECONDS: i64 = 30 * 24 * 3600;

fn ttl_for(at: &str) -> AttributeValue {
    let at = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or_else(|_| crate::time::now_unix());
    n(at + ENTRY_TTL_SECONDS)
}

impl Store {
    /// Writes `entry` into `user`'s feed (idempotent).
    pub async fn put_feed_entry(&self, user: &str, entry: &Entry) -> Result<(), DomainError> {
        let mut it = entry.attrs();
        it.extend(item([("PK", s(keys::feed_pk(user))), ("SK", s(entry.sort_key())), ("type", s("feedEntry"))]));
        self.client.put_item().table_name(&self.table).set_item(Some(it)).send().await.op("put feed entry")?;
        Ok(())
    }

    /// Deletes the feed entry of `user` for `media` at `at`.
    pub async fn delete_feed_entry(&self, user: &str, at: &str, media: &str) -> Result<(), DomainError> {
        Ok(self.delete_keys(vec![(keys::feed_pk(user), keys::by_time(at, media))], "delete feed entry").await?)
    }

    /// Writes `entry` into `user`'s home timeline: one entry per media, the newest event wins
    /// (a repost moves the media up; an older or equal one changes nothing, so replays are
    /// harmless). Returns whether a new entry was created.
    pub async fn put_home_entry(&self, user: &str, entry: &Entry) -> Result<bool, DomainError> {
        let mut it = entry.attrs();
        it.extend(item([
            ("PK", s(keys::home_pk(user))),
            ("SK", s(keys::home_sk(&entry.media))),
            ("type", s("homeEntry")),
            ("GSI1PK", s(keys::home_pk(user))),
            ("GSI1SK", s(entry.sort_key())),
            ("GSI2PK", s(keys::home_by_media(&entry.media))),
            ("GSI2SK", s(user)),
            ("ttl", ttl_for(&entry.at)),
        ]));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(it))
            .condition_expression("attribute_not_exists(PK) OR #at < :at")
            .expression_attribute_names("#at", "at")
            .expression_attribute_values(":at", s(&entry.at))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld);
        match put.send().await {
            Ok(out) => Ok(out.attributes.is_none_or(|old| old.is_empty())),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(super::error::aws("put home entry", e).into()),
        }
    }

    /// Counts a new entry in `user`'s home timeline and, past `cap` (+ 10 % slack), deletes
    /// the oldest entries down to `cap`.
    pub async fn count_home_entry(&self, user: &str, cap: usize) -> Result<(), DomainError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::home_pk(user)))
            .key("SK", s(keys::ONE))
            .update_expression("ADD entries :one")
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .op("count home entry")?;
        let count = out.attributes.map(|a| a.num("entries")).unwrap_or(0).max(0) as usize;
        if count <= cap + cap / 10 {
            return Ok(());
        }
        // Oldest first; the entries past the cap go.
        let entries = self.query_all(Some("GSI1"), "GSI1PK", &keys::home_pk(user), "read home timeline").await?;
        let mut entries: Vec<&Item> =
            entries.iter().filter(|e| e.opt_s("type").as_deref() == Some("homeEntry")).collect();
        entries.sort_by_key(|e| e.opt_s("GSI1SK"));
        let excess = entries.len().saturating_sub(cap);
        let old: Vec<Item> = entries.into_iter().take(excess).cloned().collect();
        self.delete_items(&old, "trim home timeline").await?;
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::home_pk(user)))
            .key("SK", s(keys::ONE))
            .update_expression("SET entries = :n")
            .expression_attribute_values(":n", n(count.saturating_sub(excess).min(cap)))
            .send()
            .await
            .op("reset home count")?;
        Ok(())
    }

    /// Deletes `user`'s home entries that `remove` selects; returns them.
    pub async fn remove_home_entries(
        &self,
        user: &str,
        remove: impl Fn(&Entry) -> bool,
    ) -> Result<Vec<Entry>, DomainError> {
        let items = self.query_all(None, "PK", &keys::home_pk(user), "read home timeline").await?;
        let doomed: Vec<Item> = items
            .into_iter()
            .filter(|it| it.opt_s("type").as_deref() == Some("homeEntry"))
            .filter(|it| Entry::from_item(it).is_ok_and(|e| remove(&e)))
            .collect();
        self.delete_items(&doomed, "remove home entries").await?;
        Ok(doomed.iter().filter_map(|it| Entry::from_item(it).ok()).collect())
    }

    /// Deletes every home entry of `media` (in every timeline) that `remove` selects.
    pub async fn remove_media_from_homes(
        &self,
        media: &str,
        remove: impl Fn(&Entry) -> bool,
    ) -> Result<(), DomainError> {
        let items = self.query_all(Some("GSI2"), "GSI2PK", &keys::home_by_media(media), "find home entries").await?;
        let doomed: Vec<Item> = items.into_iter().filter(|it| Entry::from_item(it).is_ok_and(|e| remove(&e))).collect();
        Ok(self.delete_items(&doomed, "remove media from homes").await?)
    }

    /// The newest `limit` entries of `user`'s feed before `before` (a sort key), newest first.
    pub async fn feed_entries(
        &self,
        user: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Entry>, DomainError> {
        self.entries(None, "PK", "SK", &keys::feed_pk(user), before, limit).await
    }

    /// The newest `limit` entries of `user`'s home partition before `before`, newest first.
    pub async fn home_entries(
        &self,
        user: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Entry>, DomainError> {
        self.entries(Some("GSI1"), "GSI1PK", "GSI1SK", &keys::home_pk(user), before, limit).await
    }

    async fn entries(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        sk_attr: &str,
        pk: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Entry>, DomainError> {
        let condition = if before.is_some() { "#pk = :pk AND #sk < :before" } else { "#pk = :pk" };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression(condition)
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(false)
            .limit(limit as i32);
        if let Some(before) = before {
            query = query.expression_attribute_names("#sk", sk_attr).expression_attribute_values(":before", s(before));
        }
        let out = query.send().await.op("read timeline")?;
        Ok(out.items.unwrap_or_default().iter().filter_map(|it| Entry::from_item(it).ok()).collect())
    }

    /// The big accounts `user` follows (their feeds are merged at read time).
    pub async fn big_followings(&self, user: &str) -> Result<Vec<String>, DomainError> {
        let items = self.query_all(Some("GSI3"), "GSI3PK", &keys::big_followings(user), "big followings").await?;
        Ok(items.iter().filter_map(|it| it.opt_s("followee")).collect())
    }

    /// Marks the follow edge `follower` → `followee` as into a big account.
    pub async fn mark_big_edge(&self, follower: &str, followee: &str) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::follow_pk_str(follower)))
            .key("SK", s(followee))
            .condition_expression("attribute_exists(PK)")
            .update_expression("SET GSI3PK = :pk, GSI3SK = :sk")
            .expression_attribute_values(":pk", s(keys::big_followings(follower)))
            .expression_attribute_values(":sk", s(followee))
            .send()
            .await;
        match result {
            Err(e) if !e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(super::error::aws("mark big edge", e).into())
            }
            _ => Ok(()),
        }
    }

    /// Flags `user` as big (past the fan-out threshold) once; `true` for the call that did.
    pub async fn mark_big_account(&self, user: &Username) -> Result<bool, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(user)))
            .key("SK", s(keys::PROFILE))
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(bigSince)")
            .update_expression("SET bigSince = :now")
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(super::error::aws("mark big account", e).into()),
        }
    }

    /// Usernames following `user` (all of them).
    pub async fn follower_names(&self, user: &Username) -> Result<Vec<String>, DomainError> {
        let items = self.query_all(Some("GSI1"), "GSI1PK", &keys::followers_of(user), "list followers").await?;
        Ok(items.iter().filter_map(|it| it.opt_s("follower")).collect())
    }
}
