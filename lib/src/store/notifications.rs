//! In-app notifications, one item per (recipient, what happened): the id is a hash of type,
//! actor and target, so a redelivered event, or like → unlike → like, finds the notification
//! already there and notifies once. Listed newest first through GSI1; unread ones also sit in
//! the sparse GSI2 (`UNREAD#{user}`) that marking read removes them from.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{StreamExt, TryStreamExt};

use super::item::{Item, ItemExt, b, item, n, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, NotificationType};
use crate::http::PageRequest;

/// How long notifications are kept.
const KEEP_SECONDS: i64 = 90 * 24 * 3600;
/// Notifications marked read at once.
const MARKS_IN_FLIGHT: usize = 10;

/// Something to tell `recipient`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Who is told.
    pub recipient: String,
    /// What happened.
    pub kind: NotificationType,
    /// Who did it.
    pub actor: String,
    /// The media concerned.
    pub media: Option<String>,
    /// The comment concerned.
    pub comment: Option<String>,
}

impl NewNotification {
    /// The notification's id: the same event always gives the same id.
    pub fn id(&self) -> String {
        let key = format!(
            "{}|{}|{}|{}|{}",
            self.recipient,
            kind_name(self.kind),
            self.actor,
            self.media.as_deref().unwrap_or(""),
            self.comment.as_deref().unwrap_or("")
        );
        let hash = crate::auth::random::sha256(key.as_bytes());
        URL_SAFE_NO_PAD.encode(&hash[..12])
    }
}

/// A stored notification.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Id.
    pub id: String,
    /// What happened.
    pub kind: NotificationType,
    /// Who did it.
    pub actor: String,
    /// The media concerned.
    pub media: Option<String>,
    /// The comment concerned.
    pub comment: Option<String>,
    /// Marked read.
    pub read: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// The snake_case name of a notification type (as in API.md).
pub fn kind_name(kind: NotificationType) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_item(it: &Item) -> Result<Notification, StoreError> {
    let kind = serde_json::from_value(serde_json::Value::String(it.req_s("kind")?))
        .map_err(|_| StoreError::Corrupt { what: "notification kind".into() })?;
    Ok(Notification {
        id: it.req_s("id")?,
        kind,
        actor: it.req_s("actor")?,
        media: it.opt_s("media"),
        comment: it.opt_s("comment"),
        read: it.flag("read"),
        created_at: it.req_s("createdAt")?,
    })
}

impl Store {
    /// Whether `note` was already recorded.
    pub async fn notification_exists(&self, note: &NewNotification) -> Result<bool, DomainError> {
        let key = format!("N#{}", note.id());
        Ok(self.get_by_key(keys::notifications_pk(&note.recipient), &key, "get notification").await?.is_some())
    }

    /// Records `note` once (listed only when `in_app`). Returns whether it is new.
    pub async fn put_notification(&self, note: &NewNotification, in_app: bool) -> Result<bool, DomainError> {
        let id = note.id();
        let now = crate::time::now_rfc3339();
        let pk = keys::notifications_pk(&note.recipient);
        let mut it = item([
            ("PK", s(&pk)),
            ("SK", s(format!("N#{id}"))),
            ("type", s("notification")),
            ("id", s(&id)),
            ("kind", s(kind_name(note.kind))),
            ("actor", s(&note.actor)),
            ("read", b(false)),
            ("createdAt", s(&now)),
            ("ttl", n(crate::time::now_unix() + KEEP_SECONDS)),
        ]);
        if let Some(m) = &note.media {
            it.insert("media".into(), s(m));
        }
        if let Some(c) = &note.comment {
            it.insert("comment".into(), s(c));
        }
        if in_app {
            let sk = keys::by_time(&now, &id);
            it.insert("GSI1PK".into(), s(&pk));
            it.insert("GSI1SK".into(), s(&sk));
            it.insert("GSI2PK".into(), s(keys::unread_notifications(&note.recipient)));
            it.insert("GSI2SK".into(), s(&sk));
        }
        let put = self.client.put_item().table_name(&self.table).set_item(Some(it));
        match put.condition_expression("attribute_not_exists(PK)").send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(super::error::aws("put notification", e).into()),
        }
    }

    /// `user`'s notifications (only unread ones when `unread_only`), newest first.
    pub async fn list_notifications(
        &self,
        user: &str,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<(Vec<Notification>, Option<String>), DomainError> {
        let (index, pk_attr, pk) = if unread_only {
            ("GSI2", "GSI2PK", keys::unread_notifications(user))
        } else {
            ("GSI1", "GSI1PK", keys::notifications_pk(user))
        };
        let query = self
            .client
            .query()
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false);
        let scope = format!("notifications:{user}:{unread_only}");
        let (items, next) = self.page(query, Some(index), &scope, page).await?;
        Ok((items.iter().map(from_item).collect::<Result<_, _>>()?, next))
    }

    /// Marks `ids` of `user` read (unknown ids are ignored).
    pub async fn mark_read(&self, user: &str, ids: &[String]) -> Result<(), DomainError> {
        // Independent single-item updates: a bounded number in flight instead of a chain.
        futures_util::stream::iter(ids.iter().cloned())
            .map(|id| async move { self.mark_one_read(user, &id).await })
            .buffer_unordered(MARKS_IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn mark_one_read(&self, user: &str, id: &str) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::notifications_pk(user)))
            .key("SK", s(format!("N#{id}")))
            .condition_expression("attribute_exists(PK)")
            .update_expression("SET #read = :t REMOVE GSI2PK, GSI2SK")
            .expression_attribute_names("#read", "read")
            .expression_attribute_values(":t", b(true))
            .send()
            .await;
        match result {
            Err(e) if !e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(super::error::aws("mark read", e).into())
            }
            _ => Ok(()),
        }
    }

    /// Marks every unread notification of `user` read.
    pub async fn mark_all_read(&self, user: &str) -> Result<(), DomainError> {
        let unread = self.query_all(Some("GSI2"), "GSI2PK", &keys::unread_notifications(user), "list unread").await?;
        let ids: Vec<String> = unread.iter().filter_map(|it| it.opt_s("id")).collect();
        self.mark_read(user, &ids).await
    }
}
