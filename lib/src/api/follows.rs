//! Follows: follow, unfollow, and the two lists.

use super::views::{UserPage, UserView};
use crate::ctx::Ctx;
use crate::domain::{DomainError, Username};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};

/// `POST /api/follows/{username}` — follow (201; following again is 200 and changes nothing).
#[utoipa::path(post, path = "/api/follows/{username}", tag = "follows", params(("username" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UserView, description = "now following"), (status = 200, body = UserView, description = "already following"),
              (status = 400, body = Problem, content_type = "application/problem+json", description = "yourself"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn follow(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let name: Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    if name == me.username {
        return Err(DomainError::invalid("username", "you cannot follow yourself").into());
    }
    let them = ctx.store.require_user(&name).await?;
    let created = ctx.store.follow(&me, &them).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound("user"),
        other => other,
    })?;
    let them = ctx.store.require_user(&name).await?;
    Ok(Reply::json(if created { 201 } else { 200 }, &UserView::public(&them)))
}

/// `DELETE /api/follows/{username}` — unfollow (idempotent).
#[utoipa::path(delete, path = "/api/follows/{username}", tag = "follows", params(("username" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "not following"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 400, body = Problem, content_type = "application/problem+json", description = "yourself"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn unfollow(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let name: Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    if name == me.username {
        // As for follow; the store's transaction cannot name one item twice (it was a 500).
        return Err(DomainError::invalid("username", "you cannot unfollow yourself").into());
    }
    let them = ctx.store.require_user(&name).await?;
    ctx.store.unfollow(&me, &them).await?;
    Ok(Reply::no_content())
}

async fn list(ctx: &Ctx, req: Req, followers: bool) -> ApiResult<Reply> {
    let name: Username = req.path("username")?;
    req.caller().await?;
    let page = req.page()?;
    ctx.store.require_user(&name).await?;
    let (names, next_cursor) = ctx.store.follow_list(&name, followers, &page).await?;
    let users = ctx.store.get_users(&names).await?;
    Ok(Reply::ok(&UserPage { items: users.iter().map(UserView::public).collect(), next_cursor }))
}

/// `GET /api/users/{username}/followers` — who follows the user, newest first.
#[utoipa::path(get, path = "/api/users/{username}/followers", tag = "follows",
    params(("username" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = UserPage), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn followers(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    list(ctx, req, true).await
}

/// `GET /api/users/{username}/followings` — whom the user follows, newest first.
#[utoipa::path(get, path = "/api/users/{username}/followings", tag = "follows",
    params(("username" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = UserPage), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn followings(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    list(ctx, req, false).await
}
