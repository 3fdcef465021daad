//! Things that join a media after its own processing, in whatever order they arrive: subtitle
//! tracks (referenced from the video's HLS master playlist) and a music cover (embedded in the
//! m4a). Each step re-reads the media after writing and goes again if it changed meanwhile, so
//! concurrent arrivals converge on files that include everything.

use serde_json::Value;

use super::JobError;
use super::objects::{download, put_file, put_text};
use crate::ctx::Ctx;
use crate::domain::{MediaId, MediaKind, MediaStatus};
use crate::media::audio::{AudioOutput, embed_cover};
use crate::media::hls::{SubtitleRendition, master_playlist};
use crate::media::subtitles::{subtitle_playlist, with_timestamp_map};
use crate::media::video::VideoOutput;
use crate::media::{Tools, WorkDir};

/// Rounds before giving up on a media that keeps changing.
const ROUNDS: usize = 5;

fn details<T: serde::de::DeserializeOwned>(details: Option<&Value>, part: &str) -> Option<(String, T)> {
    let d = details?;
    let prefix = d.get("prefix")?.as_str()?.to_owned();
    Some((prefix, serde_json::from_value(d.get(part)?.clone()).ok()?))
}

async fn fetch_text(ctx: &Ctx, key: &str) -> Result<String, JobError> {
    let object = ctx
        .s3
        .get_object()
        .bucket(&ctx.config.media_bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| JobError::Retry(format!("get {key}: {}", aws_sdk_s3::error::DisplayErrorContext(e))))?;
    let bytes = object.body.collect().await.map_err(|e| JobError::Retry(format!("read {key}: {e}")))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| JobError::Retry(format!("{key} is not UTF-8")))
}

/// Rewrites the HLS master playlist of video `id` with a SUBTITLES group holding every track
/// it has, once the video is ready (before that, its processing calls this when it ends).
pub async fn refresh_master(ctx: &Ctx, id: &MediaId) -> Result<(), JobError> {
    let base = ctx.config.media_url("");
    for _ in 0..ROUNDS {
        let Some(media) = ctx.store.get_media(id).await? else { return Ok(()) };
        if media.kind != MediaKind::Video || media.status != MediaStatus::Ready || media.subtitles.is_empty() {
            return Ok(());
        }
        let Some((prefix, video)) = details::<VideoOutput>(media.details.as_ref(), "video") else {
            return Err(JobError::Retry(format!("media {id} is ready without its video details")));
        };
        let mut master = video.playlist.clone();
        for (lang, url) in &media.subtitles {
            let Some(key) = url.strip_prefix(&base) else { continue };
            let vtt = with_timestamp_map(&fetch_text(ctx, key).await?, video.segment_start);
            put_text(ctx, &format!("{prefix}hls/subs/{lang}.vtt"), "text/vtt", vtt).await?;
            let playlist = subtitle_playlist(&format!("{lang}.vtt"), video.duration, video.segment_start);
            put_text(ctx, &format!("{prefix}hls/subs/{lang}.m3u8"), "application/vnd.apple.mpegurl", playlist).await?;
            master.subtitles.push(SubtitleRendition::new(lang, lang));
        }
        put_text(ctx, &format!("{prefix}{}", video.master), "application/vnd.apple.mpegurl", master_playlist(&master))
            .await?;
        let after = ctx.store.get_media(id).await?;
        if after.is_none_or(|m| m.subtitles == media.subtitles) {
            return Ok(());
        }
    }
    Err(JobError::Retry(format!("the subtitles of media {id} kept changing")))
}

/// Embeds the latest cover of music `id` in its m4a and makes it the artwork, once the music is
/// ready (before that, its processing calls this when it ends).
pub async fn apply_cover(ctx: &Ctx, id: &MediaId) -> Result<(), JobError> {
    for _ in 0..ROUNDS {
        let Some(media) = ctx.store.get_media(id).await? else { return Ok(()) };
        let Some(cover) = media.cover.clone() else { return Ok(()) };
        if media.kind != MediaKind::Music || media.status != MediaStatus::Ready || media.cover_applied == media.cover {
            return Ok(());
        }
        let Some((prefix, audio)) = details::<AudioOutput>(media.details.as_ref(), "audio") else {
            return Err(JobError::Retry(format!("media {id} is ready without its audio details")));
        };
        let work = WorkDir::new()?;
        let bucket = &ctx.config.media_bucket;
        let m4a_key = format!("{prefix}{}", audio.m4a);
        download(ctx, bucket, &m4a_key, &work.join("in.m4a")).await?;
        download(ctx, bucket, &cover, &work.join("cover.jpg")).await?;
        let tools = Tools::from_env(ctx.config.ffmpeg_timeout);
        embed_cover(&tools, &work.join("in.m4a"), &work.join("cover.jpg"), &work.join("out.m4a")).await?;
        put_file(ctx, &work.join("out.m4a"), &m4a_key).await?;
        let mut files = media.files.clone().unwrap_or(Value::Null);
        if let Some(obj) = files.as_object_mut() {
            // The artwork is the music's thumbnail too.
            for field in ["artwork", "thumbnail"] {
                obj.insert(field.into(), Value::String(ctx.config.media_url(&cover)));
            }
        }
        if ctx.store.set_cover_applied(id, &cover, &files).await? {
            return Ok(());
        }
    }
    Err(JobError::Retry(format!("the cover of media {id} kept changing")))
}
