//! Processing by purpose: a video becomes an HLS ladder with an MP4, a poster and a preview;
//! music a loudness-normalised m4a with HLS and artwork; a photo (media, avatar or banner) its
//! sizes as WebP and JPEG without metadata; a subtitle a WebVTT track; a cover the artwork of
//! its music. Outputs go to `media/{upload id}/`, and the result is linked where it belongs.

use serde_json::{Value, json};

use super::JobError;
use super::attach::{apply_cover, refresh_master};
use super::job::Job;
use super::objects::{delete_prefix, publish, put_file};
use crate::domain::{MediaKind, MediaStatus, UploadPurpose};
use crate::media::{audio, photo, subtitles, video};
use crate::store::processing::AccountPhoto;
use crate::store::uploads::UploadState;

/// Runs the pipeline `job.upload.purpose` asks for.
pub async fn process(job: &Job<'_>) -> Result<(), JobError> {
    match &job.upload.purpose {
        UploadPurpose::Media(MediaKind::Video) => media(job, video_files(job).await?).await,
        UploadPurpose::Media(MediaKind::Music) => media(job, music_files(job).await?).await,
        UploadPurpose::Media(MediaKind::Photo) => media(job, photo_files(job, photo::MEDIA_SIZES).await?).await,
        UploadPurpose::Media(MediaKind::Post) => Err(JobError::Refused("a post has no file".into())),
        UploadPurpose::Subtitle { media, lang } => subtitle(job, media, lang.as_str()).await,
        UploadPurpose::Cover { media } => cover(job, media).await,
        UploadPurpose::ProfilePhoto => account_photo(job, AccountPhoto::Profile, photo::AVATAR_SIZES).await,
        UploadPurpose::ChannelPhoto => account_photo(job, AccountPhoto::Channel, photo::BANNER_SIZES).await,
    }
}

/// Publishes the outputs and links `(files, details)` to the upload and its media.
async fn media(job: &Job<'_>, (files, details): (Value, Value)) -> Result<(), JobError> {
    publish(job.ctx, &job.work.join("out"), &job.upload.output_prefix()).await?;
    let state = UploadState::Done { files, details };
    if let Some(linked) = job.ctx.store.finish_upload(job.upload, &state).await? {
        match linked.kind {
            MediaKind::Video => refresh_master(job.ctx, &linked.id).await?,
            MediaKind::Music => apply_cover(job.ctx, &linked.id).await?,
            _ => {}
        }
    }
    Ok(())
}

async fn video_files(job: &Job<'_>) -> Result<(Value, Value), JobError> {
    let out = video::transcode(&job.tools, &job.work.join("input"), &job.work.join("out"), &job.limits).await?;
    let mp4: serde_json::Map<String, Value> =
        out.mp4.iter().map(|(quality, rel)| (quality.clone(), Value::String(job.url(rel)))).collect();
    let files = json!({
        "hls": job.url(&out.master),
        "mp4": mp4,
        "thumbnail": job.url(&out.poster),
        "preview": job.url(&out.preview),
        "duration": out.duration,
        "width": out.width,
        "height": out.height,
        "subtitles": [],
    });
    let details = json!({ "prefix": job.upload.output_prefix(), "video": out });
    Ok((files, details))
}

async fn music_files(job: &Job<'_>) -> Result<(Value, Value), JobError> {
    let out = audio::transcode(&job.tools, &job.work.join("input"), None, &job.work.join("out"), &job.limits).await?;
    let files = json!({
        "hls": job.url(&out.master),
        "m4a": job.url(&out.m4a),
        "artwork": job.url(&out.artwork),
        "thumbnail": job.url(&out.artwork),
        "duration": out.duration,
    });
    let details = json!({ "prefix": job.upload.output_prefix(), "audio": out });
    Ok((files, details))
}

async fn photo_files(job: &Job<'_>, sizes: &[photo::PhotoSize]) -> Result<(Value, Value), JobError> {
    let out = photo::process(&job.tools, &job.work.join("input"), &job.work.join("out"), sizes, &job.limits).await?;
    let mut files = serde_json::Map::new();
    let mut jpeg = serde_json::Map::new();
    for f in &out.files {
        files.insert(f.name.to_owned(), Value::String(job.url(&f.webp)));
        jpeg.insert(f.name.to_owned(), Value::String(job.url(&f.jpeg)));
    }
    files.insert("width".into(), json!(out.width));
    files.insert("height".into(), json!(out.height));
    files.insert("jpeg".into(), Value::Object(jpeg));
    let details = json!({ "prefix": job.upload.output_prefix(), "photo": out });
    Ok((Value::Object(files), details))
}

/// The file name of a subtitle track inside its upload's output prefix.
fn subtitle_file(lang: &str) -> String {
    format!("{lang}.vtt")
}

async fn subtitle(job: &Job<'_>, media_id: &crate::domain::MediaId, lang: &str) -> Result<(), JobError> {
    let media =
        job.ctx.store.get_media(media_id).await?.ok_or_else(|| JobError::Refused("the video is gone".into()))?;
    if media.kind != MediaKind::Video {
        return Err(JobError::Refused("subtitles are for videos".into()));
    }
    let rel = subtitle_file(lang);
    let out = job.work.join("out").join(&rel);
    subtitles::to_webvtt(&job.tools, &job.work.join("input"), &out).await?;
    let prefix = job.upload.output_prefix();
    put_file(job.ctx, &out, &format!("{prefix}{rel}")).await?;
    job.ctx.store.set_subtitle(media_id, lang, &job.url(&rel), &prefix).await?;
    let files = json!({ "lang": lang, "url": job.url(&rel) });
    job.ctx.store.finish_upload(job.upload, &UploadState::Done { files, details: json!({ "prefix": prefix }) }).await?;
    refresh_master(job.ctx, media_id).await
}

async fn cover(job: &Job<'_>, media_id: &crate::domain::MediaId) -> Result<(), JobError> {
    let media =
        job.ctx.store.get_media(media_id).await?.ok_or_else(|| JobError::Refused("the music is gone".into()))?;
    if media.kind != MediaKind::Music {
        return Err(JobError::Refused("a cover is for music".into()));
    }
    let out = job.work.join("out").join("artwork.jpg");
    audio::make_artwork(&job.tools, &job.work.join("input"), &out).await?;
    let prefix = job.upload.output_prefix();
    let key = format!("{prefix}artwork.jpg");
    put_file(job.ctx, &out, &key).await?;
    job.ctx.store.set_cover(media_id, &key, &prefix).await?;
    let files = json!({ "artwork": job.url("artwork.jpg") });
    job.ctx.store.finish_upload(job.upload, &UploadState::Done { files, details: json!({ "prefix": prefix }) }).await?;
    if media.status == MediaStatus::Failed {
        return Ok(());
    }
    apply_cover(job.ctx, media_id).await
}

async fn account_photo(job: &Job<'_>, which: AccountPhoto, sizes: &[photo::PhotoSize]) -> Result<(), JobError> {
    let (files, details) = photo_files(job, sizes).await?;
    publish(job.ctx, &job.work.join("out"), &job.upload.output_prefix()).await?;
    let set = json!({
        "thumb": files["thumb"], "medium": files["medium"], "large": files["large"], "jpeg": files["jpeg"],
    });
    let previous =
        job.ctx.store.set_account_photo(&job.upload.owner, &job.upload.owner_uid, which, &set).await.map_err(|e| {
            match e {
                crate::domain::DomainError::NotFound(_) => JobError::Refused("the account is gone".into()),
                other => other.into(),
            }
        })?;
    job.ctx.store.finish_upload(job.upload, &UploadState::Done { files, details }).await?;
    // The replaced photo's files go (best effort: a leftover is only storage).
    if let Some(prefix) =
        previous.as_ref().and_then(|p| p["thumb"].as_str()).and_then(|u| job.ctx.config.media_prefix_of(u))
        && prefix != job.upload.output_prefix()
        && let Err(e) = delete_prefix(job.ctx, &prefix).await
    {
        tracing::warn!(%prefix, error = %e, "could not delete the replaced photo");
    }
    Ok(())
}
