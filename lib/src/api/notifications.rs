//! The caller's notifications: `GET /api/notifications` (newest first, `?unread=true`) and
//! `POST /api/notifications/read` (`{ids}` or `{all: true}`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ctx::Ctx;
use crate::domain::{DomainError, NotificationType};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::notifications::Notification;

/// Ids marked read per request, at most.
const MAX_IDS: usize = 100;

/// A notification.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    /// Id (for marking it read).
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
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

impl NotificationView {
    fn of(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            actor: n.actor,
            media: n.media,
            comment: n.comment,
            read: n.read,
            created_at: n.created_at,
        }
    }
}

/// A page of notifications.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPage {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// Which notifications to mark read: `ids`, or every one with `all: true`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkReadBody {
    /// Notification ids (≤ 100).
    pub ids: Option<Vec<String>>,
    /// Every unread notification.
    pub all: Option<bool>,
}

/// `GET /api/notifications` — newest first; `?unread=true` for unread ones only.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications",
    params(("unread" = Option<bool>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = NotificationPage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.caller().await?.user;
    let unread = match req.query("unread").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(DomainError::invalid("unread", "must be true or false").into()),
    };
    let page = req.page()?;
    let (items, next_cursor) = ctx.store.list_notifications(me.username.as_str(), unread, &page).await?;
    Ok(Reply::ok(&NotificationPage { items: items.into_iter().map(NotificationView::of).collect(), next_cursor }))
}

/// `POST /api/notifications/read` — marks `{ids}` (or `{all: true}`) read → 204.
#[utoipa::path(post, path = "/api/notifications/read", tag = "notifications", request_body = MarkReadBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "marked read"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn mark_read(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.caller().await?.user;
    let body: MarkReadBody = req.json()?;
    let user = me.username.as_str();
    match (body.ids, body.all) {
        (None, Some(true)) => ctx.store.mark_all_read(user).await?,
        (Some(ids), None | Some(false)) if !ids.is_empty() && ids.len() <= MAX_IDS => {
            if ids.iter().any(|id| id.is_empty() || id.len() > 64) {
                return Err(DomainError::invalid("ids", "are notification ids").into());
            }
            ctx.store.mark_read(user, &ids).await?
        }
        (Some(_), None | Some(false)) => {
            return Err(DomainError::invalid("ids", format!("give 1 to {MAX_IDS} ids")).into());
        }
        _ => return Err(DomainError::invalid("ids", "give either ids or all: true").into()),
    }
    Ok(Reply::no_content())
}
