//! `POST /api/{photos|videos|musics}/upload` — presigned S3 POSTs: S3 holds the upload to the
//! exact key, the content type and `maxBytes` = min(per-file maximum, remaining 24-hour quota).
//! A requested size over that is refused before anything is signed. Processing (on arrival)
//! re-checks the real object and is the enforcer of record.

use aws_credential_types::provider::ProvideCredentials;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ctx::Ctx;
use crate::domain::{DomainError, FieldError, Lang, MediaKind, MediaStatus, ShortId, UploadPurpose, User};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::uploads::NewUpload;
use crate::upload::limits::{accepted_types, max_upload_bytes, safe_filename};
use crate::upload::policy::{Fields, PostRequest, SigningCredentials, presign};

/// What the client is about to upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadRequestBody {
    /// Original file name (kept, made safe, at the end of the key).
    pub filename: String,
    /// MIME type; must be one the kind accepts.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// Where and how to POST the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresignedPostView {
    /// The form's action URL.
    pub url: String,
    /// Every field to send before the file.
    pub fields: Fields,
}

/// Upload instructions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    /// Pass as `fileUrl` when creating the media.
    pub file_url: String,
    /// A multipart/form-data POST: every field, then the file in a part named `file`.
    pub upload: PresignedPostView,
    /// The largest body S3 will accept.
    pub max_bytes: u64,
    /// RFC 3339; the POST is refused after.
    pub expires_at: String,
}

/// Upload instructions for `purpose` to the verified caller `me`, checking the announced type
/// and size against the purpose's rules and the caller's remaining 24-hour quota.
pub async fn instructions(ctx: &Ctx, me: &User, purpose: UploadPurpose, body: UploadRequestBody) -> ApiResult<Reply> {
    let allowed = accepted_types(&purpose);
    let content_type = body.content_type.trim().to_ascii_lowercase();
    if !allowed.contains(&content_type.as_str()) {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "contentType",
            format!("must be one of {}", allowed.join(", ")),
        )])
        .into());
    }
    if body.size == 0 {
        return Err(DomainError::invalid("size", "must be at least 1 byte").into());
    }
    let per_file = max_upload_bytes(&ctx.config, &purpose);
    let since = crate::time::rfc3339(time::OffsetDateTime::now_utc() - time::Duration::hours(24));
    let used = ctx.store.bytes_uploaded_since(&me.id, &since).await?;
    let remaining = ctx.config.upload_quota_bytes_per_day.saturating_sub(used);
    let limit = per_file.min(remaining);
    if body.size > limit {
        let why = if body.size > per_file {
            format!("a {} file may be at most {per_file} bytes", purpose.folder())
        } else {
            format!("your 24-hour upload allowance has {remaining} bytes left")
        };
        return Err(DomainError::TooLarge(why).into());
    }
    let id = ShortId::generate();
    let key = format!("uploads/{}/{id}/{}", purpose.folder(), safe_filename(&body.filename));
    let now = time::OffsetDateTime::now_utc();
    let expires_at = now + ctx.config.upload_url_ttl;
    let fields = sign(ctx, &key, &content_type, limit, now, expires_at).await?;
    let record =
        NewUpload { id: id.as_str(), purpose: &purpose, key: &key, size: body.size, content_type: &content_type };
    ctx.store.create_upload(me, &record).await?;
    let bucket = &ctx.config.uploads_bucket;
    let url = if ctx.config.s3_public_endpoint.is_empty() {
        format!("https://{bucket}.s3.{}.amazonaws.com/", ctx.identity.region)
    } else {
        format!("{}/{bucket}", ctx.config.s3_public_endpoint)
    };
    let view = UploadView {
        file_url: id.to_string(),
        upload: PresignedPostView { url, fields },
        max_bytes: limit,
        expires_at: crate::time::rfc3339(expires_at),
    };
    Ok(Reply::json(201, &view).header("cache-control", "no-store"))
}

async fn upload(ctx: &Ctx, req: Req, kind: MediaKind) -> ApiResult<Reply> {
    let me = req.verified_caller().await?.user;
    instructions(ctx, &me, UploadPurpose::Media(kind), req.json()?).await
}

async fn sign(
    ctx: &Ctx,
    key: &str,
    content_type: &str,
    max_bytes: u64,
    now: time::OffsetDateTime,
    expires_at: time::OffsetDateTime,
) -> Result<Fields, DomainError> {
    let provider =
        ctx.identity.credentials.as_ref().ok_or_else(|| DomainError::Internal("no AWS credentials".into()))?;
    let creds = provider.provide_credentials().await.map_err(|e| DomainError::Internal(format!("credentials: {e}")))?;
    let request = PostRequest {
        bucket: &ctx.config.uploads_bucket,
        key,
        content_type,
        max_bytes,
        region: &ctx.identity.region,
        now,
        expires_at,
    };
    let signing = SigningCredentials {
        access_key: creds.access_key_id(),
        secret_key: creds.secret_access_key(),
        session_token: creds.session_token(),
    };
    Ok(presign(&request, &signing))
}

/// `POST /api/photos/upload` — upload instructions for a photo.
#[utoipa::path(post, path = "/api/photos/upload", tag = "uploads", request_body = UploadRequestBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json", description = "over the per-file maximum or the 24-hour quota"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn photo(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    upload(ctx, req, MediaKind::Photo).await
}

/// `POST /api/videos/upload` — upload instructions for a video.
#[utoipa::path(post, path = "/api/videos/upload", tag = "uploads", request_body = UploadRequestBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json", description = "over the per-file maximum or the 24-hour quota"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn video(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    upload(ctx, req, MediaKind::Video).await
}

/// `POST /api/musics/upload` — upload instructions for audio.
#[utoipa::path(post, path = "/api/musics/upload", tag = "uploads", request_body = UploadRequestBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json", description = "over the per-file maximum or the 24-hour quota"),
              (status = 403, body = Problem, content_type = "application/problem+json", description = "email address not verified")))]
pub async fn music(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    upload(ctx, req, MediaKind::Music).await
}

impl crate::http::request::PathParam for Lang {
    fn parse_param(raw: &str) -> Result<Self, String> {
        Lang::parse(raw)
    }
}

/// `PUT /api/medias/{url}/subtitles/{lang}` — upload instructions for a `.vtt` or `.srt`
/// track of the caller's video; once processed it is listed on the media and offered by the
/// HLS master playlist. A track for a language already present replaces it.
#[utoipa::path(put, path = "/api/medias/{url}/subtitles/{lang}", tag = "uploads", request_body = UploadRequestBody,
    params(("url" = String, Path), ("lang" = String, Path, description = "BCP 47 language tag: en, fr, pt-BR")),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "not a video, or its processing failed"),
              (status = 413, body = Problem, content_type = "application/problem+json")))]
pub async fn subtitles(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (me, media) = super::medias::owned_media(ctx, &req).await?;
    let lang: Lang = req.path("lang")?;
    attachable(&media, MediaKind::Video, "subtitles")?;
    instructions(ctx, &me, UploadPurpose::Subtitle { media: media.id, lang }, req.json()?).await
}

/// `PUT /api/medias/{url}/cover` — upload instructions for the cover image of the caller's
/// music: it becomes the artwork and is embedded in the audio file.
#[utoipa::path(put, path = "/api/medias/{url}/cover", tag = "uploads", request_body = UploadRequestBody,
    params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "not music, or its processing failed"),
              (status = 413, body = Problem, content_type = "application/problem+json")))]
pub async fn cover(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (me, media) = super::medias::owned_media(ctx, &req).await?;
    attachable(&media, MediaKind::Music, "a cover")?;
    instructions(ctx, &me, UploadPurpose::Cover { media: media.id }, req.json()?).await
}

/// 409 unless `media` is a live media of `kind`.
fn attachable(media: &crate::domain::Media, kind: MediaKind, what: &str) -> Result<(), DomainError> {
    if media.kind != kind {
        return Err(DomainError::Conflict(format!("{what} can only be added to a {}", kind.as_str())));
    }
    if media.status == MediaStatus::Failed {
        return Err(DomainError::Conflict("this media's processing failed".into()));
    }
    Ok(())
}

/// `PUT /api/users/{username}/profile-photo` — upload instructions for the caller's avatar
/// (processed to square sizes).
#[utoipa::path(put, path = "/api/users/{username}/profile-photo", tag = "uploads", request_body = UploadRequestBody,
    params(("username" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json")))]
pub async fn profile_photo(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    account_photo(ctx, req, UploadPurpose::ProfilePhoto).await
}

/// `PUT /api/users/{username}/channel-photo` — upload instructions for the caller's banner
/// (processed to wide sizes).
#[utoipa::path(put, path = "/api/users/{username}/channel-photo", tag = "uploads", request_body = UploadRequestBody,
    params(("username" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = UploadView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json")))]
pub async fn channel_photo(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    account_photo(ctx, req, UploadPurpose::ChannelPhoto).await
}

async fn account_photo(ctx: &Ctx, req: Req, purpose: UploadPurpose) -> ApiResult<Reply> {
    let username: crate::domain::Username = req.path("username")?;
    let me = req.verified_caller().await?.user;
    me.require_self_name(&username)?;
    instructions(ctx, &me, purpose, req.json()?).await
}
