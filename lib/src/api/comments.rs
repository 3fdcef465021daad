//! Comments and replies: read one, list a media's top-level comments and a comment's replies
//! (oldest first), write, edit (author), delete (author or the media's owner), like and unlike.
//! One level of threading: a reply to a reply attaches to its top-level comment.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ctx::Ctx;
use crate::domain::{CommentBody, DomainError, FieldError, MediaId, MediaStatus, ShortId, User};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::comments::{Comment, CommentId, Uncount};
use crate::store::reactions::{Reaction, Target};

/// A comment or reply.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    /// Id.
    pub url: String,
    /// Id of the media it is about.
    pub media: String,
    /// Author's username.
    pub author: String,
    /// Text.
    pub body: String,
    /// The top-level comment this replies to; `null` for a top-level comment.
    pub reply_to: Option<String>,
    /// Like count.
    pub likes: u64,
    /// Reply count.
    pub replies: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Whether the caller liked it (authenticated calls only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liked: Option<bool>,
}

impl CommentView {
    /// The view of `c` (without the caller's flag).
    pub fn of(c: &Comment) -> Self {
        Self {
            url: c.id.to_string(),
            media: c.media.to_string(),
            author: c.author.to_string(),
            body: c.body.clone(),
            reply_to: c.reply_to.as_ref().map(ToString::to_string),
            likes: c.likes,
            replies: c.replies,
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
            liked: None,
        }
    }
}

/// A page of comments.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentPage {
    /// Comments, oldest first.
    pub items: Vec<CommentView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// The reaction target of a comment.
pub fn target(c: &Comment) -> Target {
    Target {
        pk: crate::store::keys::comment_pk(c.id.as_str()),
        sk: crate::store::keys::COMMENT,
        id: c.id.to_string(),
        owner: c.author.to_string(),
    }
}

/// The view of `c` with the caller's like flag.
async fn view_for(ctx: &Ctx, c: &Comment, caller: Option<&User>) -> ApiResult<CommentView> {
    let mut view = CommentView::of(c);
    if let Some(me) = caller {
        view.liked = Some(ctx.store.has_reacted(Reaction::Like, &target(c).pk, me).await?);
    }
    Ok(view)
}

/// A page of views with the caller's like flags (one BatchGetItem).
async fn page_for(
    ctx: &Ctx,
    comments: Vec<Comment>,
    next_cursor: Option<String>,
    caller: Option<&User>,
) -> ApiResult<CommentPage> {
    let mut items: Vec<CommentView> = comments.iter().map(CommentView::of).collect();
    if let Some(me) = caller {
        let ids: Vec<CommentId> = comments.iter().map(|c| c.id.clone()).collect();
        let liked = ctx.store.liked_comments(&ids, me).await?;
        for view in &mut items {
            view.liked = Some(liked.contains(&view.url));
        }
    }
    Ok(CommentPage { items, next_cursor })
}

/// `GET /api/comments/{commentUrl}` — one comment or reply.
#[utoipa::path(get, path = "/api/comments/{commentUrl}", tag = "comments", params(("commentUrl" = String, Path)),
    responses((status = 200, body = CommentView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid credentials sent (they are optional)")))]
pub async fn get(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: CommentId = req.path("commentUrl")?;
    let caller = req.optional_caller().await?;
    let comment = ctx.store.require_comment(&id).await?;
    Ok(Reply::ok(&view_for(ctx, &comment, caller.as_ref().map(|c| &c.user)).await?))
}

/// `GET /api/comments/medias/{url}` — the media's top-level comments, oldest first.
#[utoipa::path(get, path = "/api/comments/medias/{url}", tag = "comments",
    params(("url" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = CommentPage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid credentials sent (they are optional)")))]
pub async fn list(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let media: MediaId = req.path("url")?;
    let page = req.page()?;
    let caller = req.optional_caller().await?;
    ctx.store.require_media(&media).await?;
    let (comments, next_cursor) = ctx.store.list_comments(&media, &page).await?;
    Ok(Reply::ok(&page_for(ctx, comments, next_cursor, caller.as_ref().map(|c| &c.user)).await?))
}

/// `GET /api/comments/{commentUrl}/replies` — the replies of a comment, oldest first.
#[utoipa::path(get, path = "/api/comments/{commentUrl}/replies", tag = "comments",
    params(("commentUrl" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = CommentPage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid credentials sent (they are optional)")))]
pub async fn replies(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: CommentId = req.path("commentUrl")?;
    let page = req.page()?;
    let caller = req.optional_caller().await?;
    ctx.store.require_comment(&id).await?;
    let (comments, next_cursor) = ctx.store.list_replies(&id, &page).await?;
    Ok(Reply::ok(&page_for(ctx, comments, next_cursor, caller.as_ref().map(|c| &c.user)).await?))
}

/// A new comment or reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCommentBody {
    /// 1–2,000 characters.
    pub body: String,
    /// Id of a comment of the same media to reply to (a reply to a reply joins its thread).
    pub reply_to: Option<String>,
}

/// `POST /api/comments/medias/{url}` — comment on a ready media, or reply to one of its comments.
#[utoipa::path(post, path = "/api/comments/medias/{url}", tag = "comments", request_body = CreateCommentBody,
    params(("url" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = CommentView),
              (status = 400, body = Problem, content_type = "application/problem+json", description = "bad body or replyTo"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "the media is not ready")))]
pub async fn create(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let media_id: MediaId = req.path("url")?;
    let me = req.verified_caller().await?.user;
    let input: CreateCommentBody = req.json()?;
    let mut errors = Vec::new();
    let body = CommentBody::parse(&input.body).map_err(|m| errors.push(FieldError::new("body", m))).ok();
    let reply_to = match input.reply_to.as_deref().map(ShortId::parse).transpose() {
        Ok(r) => r,
        Err(m) => {
            errors.push(FieldError::new("replyTo", m));
            None
        }
    };
    let Some(body) = body.filter(|_| errors.is_empty()) else {
        return Err(DomainError::Invalid(errors).into());
    };
    let media = ctx.store.require_media(&media_id).await?;
    if media.status != MediaStatus::Ready {
        return Err(DomainError::Conflict(format!("the media is {}", media.status.as_str())).into());
    }
    let reply_to = match reply_to {
        None => None,
        Some(id) => {
            let parent = ctx.store.get_comment(&id).await?.filter(|p| p.media == media.id);
            let parent = parent.ok_or_else(|| DomainError::invalid("replyTo", "is not a comment of this media"))?;
            Some(parent.reply_to.unwrap_or(parent.id))
        }
    };
    let now = crate::time::now_rfc3339();
    let comment = Comment {
        id: ShortId::generate(),
        media: media.id.clone(),
        author: me.username.clone(),
        author_uid: me.id.clone(),
        body: body.as_str().to_owned(),
        reply_to,
        likes: 0,
        replies: 0,
        created_at: now.clone(),
        updated_at: now,
    };
    ctx.store.create_comment(&comment).await?;
    let view = CommentView { liked: Some(false), ..CommentView::of(&comment) };
    Ok(Reply::json(201, &view).header("location", &format!("/api/comments/{}", comment.id)))
}

/// Changes to a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCommentBody {
    /// New text (1–2,000 characters).
    pub body: String,
}

/// `PUT /api/comments/{commentUrl}` — edit the text (author only).
#[utoipa::path(put, path = "/api/comments/{commentUrl}", tag = "comments", request_body = UpdateCommentBody,
    params(("commentUrl" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = CommentView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: CommentId = req.path("commentUrl")?;
    let me = req.verified_caller().await?.user;
    let input: UpdateCommentBody = req.json()?;
    let body = CommentBody::parse(&input.body).map_err(|m| DomainError::invalid("body", m))?;
    let comment = ctx.store.require_comment(&id).await?;
    if comment.author_uid != me.id {
        return Err(DomainError::Forbidden("only the author may edit this comment".into()).into());
    }
    let updated = ctx.store.update_comment(&comment, body.as_str()).await?;
    Ok(Reply::ok(&view_for(ctx, &updated, Some(&me)).await?))
}

/// `DELETE /api/comments/{commentUrl}` — the author or the media's owner; a top-level
/// comment's replies and every like go too (in the background).
#[utoipa::path(delete, path = "/api/comments/{commentUrl}", tag = "comments", params(("commentUrl" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "deleted"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: CommentId = req.path("commentUrl")?;
    let me = req.verified_caller().await?.user;
    let comment = ctx.store.require_comment(&id).await?;
    if comment.author_uid != me.id {
        let media = ctx.store.get_media(&comment.media).await?;
        if !media.is_some_and(|m| m.owner_uid == me.id) {
            return Err(
                DomainError::Forbidden("only the author or the media's owner may delete this comment".into()).into()
            );
        }
    }
    if !ctx.store.delete_comment(&comment, Uncount { media: true, parent: true }).await? {
        return Err(DomainError::NotFound("comment").into());
    }
    Ok(Reply::no_content())
}

/// Adds or removes the caller's like on `{commentUrl}`.
async fn react(ctx: &Ctx, req: Req, on: bool) -> ApiResult<Reply> {
    let id: CommentId = req.path("commentUrl")?;
    let me = req.verified_caller().await?.user;
    let comment = ctx.store.require_comment(&id).await?;
    if !on {
        ctx.store.unreact(Reaction::Like, &target(&comment), &me).await?;
        return Ok(Reply::no_content());
    }
    let created = ctx.store.react(Reaction::Like, &target(&comment), &me).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("comment"),
        other => other,
    })?;
    let updated = ctx.store.require_comment(&id).await?;
    Ok(Reply::json(if created { 201 } else { 200 }, &view_for(ctx, &updated, Some(&me)).await?))
}

/// `POST /api/comments/{commentUrl}/likes` — like a comment or reply (idempotent: 201 the
/// first time, then 200).
#[utoipa::path(post, path = "/api/comments/{commentUrl}/likes", tag = "comments", params(("commentUrl" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = CommentView), (status = 200, body = CommentView, description = "already liked"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn like(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, true).await
}

/// `DELETE /api/comments/{commentUrl}/likes` — unlike (idempotent).
#[utoipa::path(delete, path = "/api/comments/{commentUrl}/likes", tag = "comments", params(("commentUrl" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "not liked any more"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn unlike(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    react(ctx, req, false).await
}
