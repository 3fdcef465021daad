//! `GET /api/{photos|videos|musics}/{url}` — 302 to the processed rendition asked for. While
//! the media is uploading or processing, or after its processing failed, a 409 problem says
//! which (with `statusReason`), so players can tell "wait" from "give up".

use serde_json::Value;

use crate::ctx::Ctx;
use crate::domain::{DomainError, MediaId, MediaKind, MediaStatus};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};

/// The ready files of media `{url}`, which must be of `kind`.
async fn ready_files(ctx: &Ctx, req: &Req, kind: MediaKind) -> ApiResult<Value> {
    let id: MediaId = req.path("url")?;
    let media = ctx.store.require_media(&id).await?;
    if media.kind != kind {
        return Err(DomainError::NotFound(match kind {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
            _ => "music",
        })
        .into());
    }
    match media.status {
        MediaStatus::Ready => Ok(media.files.unwrap_or(Value::Null)),
        MediaStatus::Failed => Err(DomainError::Conflict(format!(
            "processing failed: {}",
            media.status_reason.as_deref().unwrap_or("unknown reason")
        ))
        .into()),
        other => Err(DomainError::Conflict(format!("the file is not ready yet (status {})", other.as_str())).into()),
    }
}

/// One query choice among `allowed` (the first is the default).
fn choice(req: &Req, name: &str, allowed: &[&str]) -> Result<String, DomainError> {
    match req.query(name) {
        None => Ok(allowed[0].to_owned()),
        Some(v) if allowed.contains(&v.as_str()) => Ok(v),
        Some(_) => Err(DomainError::invalid(name, format!("must be one of {}", allowed.join(", ")))),
    }
}

fn redirect(url: Option<&str>) -> ApiResult<Reply> {
    let url = url.ok_or(DomainError::NotFound("rendition"))?;
    Ok(Reply::redirect(url).header("cache-control", "public, max-age=60"))
}

/// `GET /api/photos/{url}` — the image: `?size=large|medium|thumb`, `?format=webp|jpeg`.
#[utoipa::path(get, path = "/api/photos/{url}", tag = "files",
    params(("url" = String, Path), ("size" = Option<String>, Query), ("format" = Option<String>, Query)),
    responses((status = 302, description = "to the image"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "not ready, or failed")))]
pub async fn photo(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let size = choice(&req, "size", &["large", "medium", "thumb"])?;
    let format = choice(&req, "format", &["webp", "jpeg"])?;
    let files = ready_files(ctx, &req, MediaKind::Photo).await?;
    let url = if format == "jpeg" { files["jpeg"][&size].as_str() } else { files[&size].as_str() };
    redirect(url)
}

/// `GET /api/videos/{url}` — the HLS master playlist, or `?format=mp4&quality=720p` progressive.
#[utoipa::path(get, path = "/api/videos/{url}", tag = "files",
    params(("url" = String, Path), ("format" = Option<String>, Query), ("quality" = Option<String>, Query)),
    responses((status = 302, description = "to the stream"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "not ready, or failed")))]
pub async fn video(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let format = choice(&req, "format", &["hls", "mp4"])?;
    let files = ready_files(ctx, &req, MediaKind::Video).await?;
    if format == "hls" {
        return redirect(files["hls"].as_str());
    }
    let mp4 = files["mp4"].as_object().cloned().unwrap_or_default();
    let url = match req.query("quality") {
        None => mp4.values().next().and_then(Value::as_str),
        Some(q) => Some(mp4.get(&q).and_then(Value::as_str).ok_or_else(|| {
            let have: Vec<&str> = mp4.keys().map(String::as_str).collect();
            DomainError::invalid("quality", format!("this video has {}", have.join(", ")))
        })?),
    };
    redirect(url)
}

/// `GET /api/musics/{url}` — the HLS audio playlist, or `?format=m4a`.
#[utoipa::path(get, path = "/api/musics/{url}", tag = "files",
    params(("url" = String, Path), ("format" = Option<String>, Query)),
    responses((status = 302, description = "to the audio"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "not ready, or failed")))]
pub async fn music(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let format = choice(&req, "format", &["hls", "m4a"])?;
    let files = ready_files(ctx, &req, MediaKind::Music).await?;
    redirect(files[&format].as_str())
}
