//! Sessions: sign-in, refresh-token rotation, logout, and the public keys.

use serde::Deserialize;
use utoipa::ToSchema;

use super::views::TokensView;
use crate::auth::{jwt, password};
use crate::ctx::Ctx;
use crate::domain::{DomainError, Email, User, Username};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};

/// Sign-in request: `username` may also hold the email address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInBody {
    /// Username or email address.
    pub username: Option<String>,
    /// Email address (alternative to `username`).
    pub email: Option<String>,
    /// Password.
    pub password: String,
}

/// A refresh token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshBody {
    /// The opaque refresh token.
    pub refresh_token: String,
}

fn bad_credentials() -> DomainError {
    DomainError::Unauthenticated("wrong username, email or password".into())
}

async fn tokens(ctx: &Ctx, user: &User, refresh_token: String) -> ApiResult<TokensView> {
    let ttl = ctx.config.access_token_ttl.as_secs();
    Ok(TokensView {
        access_token: jwt::issue(&ctx.keys, user, ttl as i64)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: ttl,
    })
}

/// `POST /api/users/sign-in` — the same 401 whether the account exists or not.
#[utoipa::path(post, path = "/api/users/sign-in", tag = "auth", request_body = SignInBody,
    responses((status = 200, body = TokensView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn sign_in(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let body: SignInBody = req.json()?;
    let login = body
        .username
        .or(body.email)
        .ok_or_else(|| DomainError::invalid("username", "is required (a username or an email address)"))?;
    let user = if login.contains('@') {
        match Email::parse(&login) {
            Ok(email) => ctx.store.user_by_email(&email).await?,
            Err(_) => None,
        }
    } else {
        match Username::parse(&login) {
            Ok(name) => ctx.store.get_user(&name).await?,
            Err(_) => None,
        }
    };
    let Some(user) = user else {
        password::verify_dummy(&body.password).await;
        return Err(bad_credentials().into());
    };
    if !password::verify(&body.password, &user.password_hash).await {
        return Err(bad_credentials().into());
    }
    let refresh = ctx.store.start_session(&user, ctx.config.refresh_token_ttl.as_secs() as i64).await?;
    Ok(Reply::ok(&tokens(ctx, &user, refresh).await?).header("cache-control", "no-store"))
}

/// `POST /api/auth/refresh` — a new pair; the old refresh token is spent, and a spent one
/// presented again revokes its whole session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses((status = 200, body = TokensView),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn refresh(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let body: RefreshBody = req.json()?;
    let invalid = || DomainError::Unauthenticated("invalid refresh token: unknown or expired".into());
    let record = ctx.store.refresh_record(&body.refresh_token).await?.ok_or_else(invalid)?;
    let user = ctx.store.get_user(&record.username).await?.filter(|u| u.id == record.uid).ok_or_else(invalid)?;
    let ttl = ctx.config.refresh_token_ttl.as_secs() as i64;
    let new_refresh = ctx.store.rotate_refresh(&body.refresh_token, &user, ttl).await?;
    Ok(Reply::ok(&tokens(ctx, &user, new_refresh).await?).header("cache-control", "no-store"))
}

/// `POST /api/auth/logout` — ends the session of the given refresh token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "the session is over"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "another account's session")))]
pub async fn logout(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.caller().await?.user;
    let body: RefreshBody = req.json()?;
    if let Some(record) = ctx.store.refresh_record(&body.refresh_token).await? {
        if record.uid != me.id {
            return Err(DomainError::Forbidden("this refresh token belongs to another account".into()).into());
        }
        ctx.store.revoke_session(&record.username, &record.family).await?;
    }
    Ok(Reply::no_content())
}

/// `GET /.well-known/jwks.json` — the public keys that verify access tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JWK Set (Ed25519 keys, `kid`, `alg: EdDSA`)", body = Object)))]
pub async fn jwks(ctx: &Ctx, _req: Req) -> ApiResult<Reply> {
    Ok(Reply::ok(ctx.keys.jwks()).header("cache-control", "public, max-age=300"))
}
