//! Sign-up and email verification.

use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{MessageView, UserView};
use crate::auth::{password, random};
use crate::ctx::Ctx;
use crate::domain::{
    DisplayName, DomainError, Email, FieldError, NotificationSettings, Password, User, UserId, Username,
};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::mail::MailJob;
use crate::store::search::SearchDoc;
use crate::store::verification::{MAX_ATTEMPTS, VerificationRecord, code_hash};

/// Sign-up request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUpBody {
    /// 3–30 of `[a-z0-9_]`, case-insensitive.
    pub username: String,
    /// Address to verify.
    pub email: String,
    /// 8–128 characters.
    pub password: String,
    /// Optional shown name (≤ 50).
    pub display_name: Option<String>,
}

/// What the search index holds for a user.
pub fn search_doc(user: &User) -> SearchDoc {
    SearchDoc {
        collection: "users",
        id: user.username.to_string(),
        sort_key: crate::store::keys::user_list_sk(&user.created_at, &user.username),
        text: format!("{} {}", user.username, user.display_name),
    }
}

/// Makes a code, stores nothing, returns (plain code, record).
fn new_code(ctx: &Ctx, uid: &UserId, email: &Email) -> (String, VerificationRecord) {
    let code = random::digits(6);
    let record = VerificationRecord::new(uid, email, &code, ctx.config.verification_ttl.as_secs() as i64);
    (code, record)
}

/// Enqueues the verification email. A failure is logged, not returned: the account change is
/// already stored and the user can ask for a new code.
pub async fn send_code(ctx: &Ctx, user: &Username, email: &Email, code: &str, record: &VerificationRecord) {
    let job = MailJob::verify_email(user.as_str(), email.as_str(), code, &record.code_hash[..16]);
    if let Err(e) = ctx.mail.send(&job).await {
        tracing::error!(error = %e, "could not enqueue the verification email");
    }
}

/// `POST /api/users` — sign up; emails a verification code.
#[utoipa::path(post, path = "/api/users", tag = "accounts", request_body = SignUpBody,
    responses((status = 201, body = UserView, description = "created; a verification code was emailed"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "username or email taken")))]
pub async fn sign_up(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let body: SignUpBody = req.json()?;
    let mut errors = Vec::new();
    let username = Username::parse_new(&body.username).map_err(|m| errors.push(FieldError::new("username", m))).ok();
    let email = Email::parse(&body.email).map_err(|m| errors.push(FieldError::new("email", m))).ok();
    let pw = Password::parse(&body.password).map_err(|m| errors.push(FieldError::new("password", m))).ok();
    let display = DisplayName::parse(body.display_name.as_deref().unwrap_or(""))
        .map_err(|m| errors.push(FieldError::new("displayName", m)))
        .ok();
    let (Some(username), Some(email), Some(pw), Some(display), true) =
        (username, email, pw, display, errors.is_empty())
    else {
        return Err(DomainError::Invalid(errors).into());
    };
    let now = crate::time::now_rfc3339();
    let user = User {
        id: UserId(random::id(22)),
        username,
        email,
        verified: false,
        display_name: display.as_str().to_owned(),
        bio: String::new(),
        followers: 0,
        followings: 0,
        medias: 0,
        created_at: now.clone(),
        updated_at: now,
        password_hash: password::hash(&pw).await?,
        api_key_hash: None,
        tokens_valid_after: 0,
        profile_photo: None,
        channel_photo: None,
        settings: NotificationSettings::default(),
    };
    let (code, record) = new_code(ctx, &user.id, &user.email);
    ctx.store.create_user(&user, &record).await?;
    ctx.store.search().index(&search_doc(&user), None).await?;
    send_code(ctx, &user.username, &user.email, &code, &record).await;
    Ok(Reply::json(201, &UserView::own(&user)).header("location", &format!("/api/users/{}", user.username)))
}

/// `POST /api/users/{username}/verify/{code}` — confirm the email address.
#[utoipa::path(post, path = "/api/users/{username}/verify/{code}", tag = "accounts",
    params(("username" = String, Path, description = "account"), ("code" = String, Path, description = "the emailed 6-digit code")),
    responses((status = 200, body = UserView, description = "verified"),
              (status = 400, body = Problem, content_type = "application/problem+json", description = "wrong code"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "already verified"),
              (status = 410, body = Problem, content_type = "application/problem+json", description = "code expired"),
              (status = 429, body = Problem, content_type = "application/problem+json", description = "too many wrong codes")))]
pub async fn verify(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let code: String = req.path("code")?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid("code", "must be the 6-digit code from the email").into());
    }
    let user = ctx.store.require_user(&username).await?;
    let Some(record) = ctx.store.get_verification(&username).await?.filter(|r| r.uid == user.id) else {
        return Err(if user.verified {
            DomainError::Conflict("the email address is already verified".into())
        } else {
            DomainError::Gone("no pending code; request a new one".into())
        }
        .into());
    };
    if record.expires_at < crate::time::now_unix() {
        return Err(DomainError::Gone("the code has expired; request a new one".into()).into());
    }
    if record.attempts >= MAX_ATTEMPTS {
        return Err(DomainError::TooManyRequests("too many wrong codes; request a new one".into()).into());
    }
    if !random::constant_time_eq(&code_hash(&user.id, &code), &record.code_hash) {
        if !ctx.store.record_failed_attempt(&username, &record).await? {
            return Err(DomainError::TooManyRequests("too many wrong codes; request a new one".into()).into());
        }
        return Err(DomainError::invalid("code", "is not the code we sent").into());
    }
    ctx.store.confirm_verification(&user, &record).await?;
    let user = ctx.store.require_user(&username).await?;
    Ok(Reply::ok(&UserView::public(&user)))
}

/// `POST /api/users/resend-email` — email a fresh verification code (allowed while unverified).
#[utoipa::path(post, path = "/api/users/resend-email", tag = "accounts",
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 202, body = MessageView, description = "a new code is on its way"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "already verified"),
              (status = 429, body = Problem, content_type = "application/problem+json", description = "asked too recently")))]
pub async fn resend_email(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.caller().await?.user;
    if me.verified {
        return Err(DomainError::Conflict("the email address is already verified".into()).into());
    }
    if let Some(previous) = ctx.store.get_verification(&me.username).await? {
        let wait =
            previous.sent_at + ctx.config.verification_resend_cooldown.as_secs() as i64 - crate::time::now_unix();
        if wait > 0 && previous.uid == me.id {
            return Err(DomainError::TooManyRequests(format!("a code was sent moments ago; retry in {wait} s")).into());
        }
    }
    let (code, record) = new_code(ctx, &me.id, &me.email);
    ctx.store.put_verification(&me.username, &record).await?;
    send_code(ctx, &me.username, &me.email, &code, &record).await;
    Ok(Reply::json(202, &MessageView { message: format!("a new code was sent to {}", me.email) }))
}
