//! Profiles: read, list, search, update, delete, and API keys.

use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::{search_doc, send_code};
use super::views::{ApiKeyView, UserPage, UserView};
use crate::auth::{password, random};
use crate::ctx::Ctx;
use crate::domain::{
    Bio, DisplayName, DomainError, Email, FieldError, NotificationSetting, NotificationType, Password, Username,
};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::search::matches;
use crate::store::users::ProfileChanges;
use crate::store::verification::VerificationRecord;

/// `GET /api/users/{username}` — public profile; email and settings only to self.
#[utoipa::path(get, path = "/api/users/{username}", tag = "users",
    params(("username" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid credentials sent (they are optional)")))]
pub async fn get(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let caller = req.optional_caller().await?;
    let user = ctx.store.require_user(&username).await?;
    let is_self = caller.is_some_and(|c| c.user.id == user.id);
    Ok(Reply::ok(&if is_self { UserView::own(&user) } else { UserView::public(&user) }))
}

/// `GET /api/users` — users, newest first.
#[utoipa::path(get, path = "/api/users", tag = "users",
    params(("limit" = Option<u32>, Query, description = "1–100, default 20"), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = UserPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let page = req.page()?;
    let (users, next_cursor) = ctx.store.list_users(&page).await?;
    Ok(Reply::ok(&UserPage { items: users.iter().map(UserView::public).collect(), next_cursor }))
}

/// `GET /api/users/search/{term}` — users whose username or display name has a word starting
/// with each word of `term`, newest first.
#[utoipa::path(get, path = "/api/users/search/{term}", tag = "users",
    params(("term" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = UserPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let found = super::search::search_page(ctx, &req, "users").await?;
    let names: Vec<Username> = found.ids.iter().filter_map(|id| Username::parse(id).ok()).collect();
    // The index may briefly hold entries of renamed or deleted users: keep live matches only.
    let users = ctx.store.get_users(&names).await?;
    let items = users.iter().filter(|u| matches(&search_doc(u).text, &found.term)).map(UserView::public).collect();
    Ok(Reply::ok(&UserPage { items, next_cursor: found.next_cursor }))
}

/// Notification settings in an update.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Channels per notification type; types left out keep their setting.
    pub notifications: BTreeMap<NotificationType, NotificationSetting>,
}

/// Profile update; every field optional. Changing `email` or `password` needs
/// `currentPassword`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUserBody {
    /// Shown name (≤ 50).
    pub display_name: Option<String>,
    /// Profile text (≤ 500).
    pub bio: Option<String>,
    /// New address; must be verified again.
    pub email: Option<String>,
    /// New password (signs out every session).
    pub password: Option<String>,
    /// Required with `email` or `password`.
    pub current_password: Option<String>,
    /// Notification settings.
    pub settings: Option<SettingsBody>,
}

/// `PUT /api/users/{username}` — update one's own profile.
#[utoipa::path(put, path = "/api/users/{username}", tag = "users", request_body = UpdateUserBody,
    params(("username" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = UserView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "email taken")))]
pub async fn update(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    me.require_self_name(&username)?;
    let body: UpdateUserBody = req.json()?;
    let mut errors = Vec::new();
    let mut field = |name: &str, r: Result<String, String>| r.map_err(|m| errors.push(FieldError::new(name, m))).ok();
    let display_name = body
        .display_name
        .as_deref()
        .and_then(|v| field("displayName", DisplayName::parse(v).map(|d| d.as_str().to_owned())));
    let bio = body.bio.as_deref().and_then(|v| field("bio", Bio::parse(v).map(|b| b.as_str().to_owned())));
    let email = body.email.as_deref().and_then(|v| field("email", Email::parse(v).map(|e| e.to_string())));
    let new_password =
        body.password.as_deref().and_then(|v| field("password", Password::parse(v).map(|_| v.to_owned())));
    let sensitive = body.email.is_some() || body.password.is_some();
    if sensitive && body.current_password.is_none() {
        errors.push(FieldError::new("currentPassword", "is required to change the email or password"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors).into());
    }
    let nothing = display_name.is_none() && bio.is_none() && !sensitive && body.settings.is_none();
    if nothing {
        return Err(DomainError::BadRequest("nothing to update".into()).into());
    }
    if let Some(current) = &body.current_password
        && sensitive
        && !password::verify(current, &me.password_hash).await
    {
        return Err(DomainError::invalid("currentPassword", "does not match").into());
    }
    let mut settings = None;
    if let Some(change) = &body.settings {
        let mut merged = me.settings.clone();
        merged.merge(&change.notifications);
        settings = Some(merged);
    }
    let renamed = display_name.as_ref().is_some_and(|d| d != &me.display_name);
    let changes = ProfileChanges { display_name: display_name.clone(), bio, settings };
    ctx.store.update_profile(&me, &changes).await?;
    if let Some(pw) = new_password {
        let hash = password::hash(&Password::parse(&pw).map_err(|m| DomainError::invalid("password", m))?).await?;
        ctx.store.set_password(&me, &hash).await?;
    }
    if let Some(email) = email.filter(|e| e != me.email.as_str()) {
        let email = Email::parse(&email).map_err(|m| DomainError::invalid("email", m))?;
        let code = random::digits(6);
        let record = VerificationRecord::new(&me.id, &email, &code, ctx.config.verification_ttl.as_secs() as i64);
        ctx.store.change_email(&me, &email, &record).await?;
        send_code(ctx, &me.username, &email, &code, &record).await;
    }
    let updated = ctx.store.require_user(&username).await?;
    if renamed {
        let old_text = search_doc(&me).text;
        ctx.store.search().index(&search_doc(&updated), Some(&old_text)).await?;
    }
    Ok(Reply::ok(&UserView::own(&updated)))
}

/// `DELETE /api/users/{username}` — the account is gone at once; its data is erased in the
/// background.
#[utoipa::path(delete, path = "/api/users/{username}", tag = "users",
    params(("username" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "deleted"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    me.require_self_name(&username)?;
    ctx.store.delete_user(&me).await?;
    ctx.store.search().remove(&search_doc(&me)).await?;
    Ok(Reply::no_content())
}

/// `PUT /api/users/{username}/newApiKey` — a new API key, shown once; the previous one stops
/// working.
#[utoipa::path(put, path = "/api/users/{username}/newApiKey", tag = "users",
    params(("username" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = ApiKeyView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn new_api_key(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    me.require_self_name(&username)?;
    let key = format!("msk_{}", random::token(32));
    ctx.store.replace_api_key(&me, &random::sha256_hex(&key)).await?;
    Ok(Reply::json(201, &ApiKeyView { api_key: key }).header("cache-control", "no-store"))
}
