//! One uploaded object, start to finish: find its upload record, take the processing lease
//! (a duplicate delivery finds the work done or in hand), charge the real size to the owner's
//! quota, process it by purpose, link the outcome, and delete the raw object. Temporary files
//! live in a work directory removed on every path.

use super::objects::{delete_object, download, object_size};
use super::s3_event::CreatedObject;
use super::{JobError, kinds};
use crate::ctx::Ctx;
use crate::domain::{DomainError, UploadPurpose};
use crate::media::{Limits, Tools, WorkDir};
use crate::store::quota::Charge;
use crate::store::uploads::{Begin, Upload, UploadState};

/// Extra lease time beyond one ffmpeg run, for downloads and uploads.
const LEASE_MARGIN_SECONDS: i64 = 120;

/// The upload id in a key `uploads/{folder}/{id}/{file name}`.
pub fn upload_id_of(key: &str) -> Option<&str> {
    let mut parts = key.splitn(4, '/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("uploads"), Some(_), Some(id), Some(name)) if !id.is_empty() && !name.is_empty() => Some(id),
        _ => None,
    }
}

/// What a job works with.
pub struct Job<'a> {
    /// The context.
    pub ctx: &'static Ctx,
    /// The upload record (lease held).
    pub upload: &'a Upload,
    /// ffmpeg and ffprobe.
    pub tools: Tools,
    /// Input limits.
    pub limits: Limits,
    /// The work directory (input and outputs).
    pub work: WorkDir,
}

impl Job<'_> {
    /// The public URL of the output `rel` (relative to this upload's output prefix).
    pub fn url(&self, rel: &str) -> String {
        self.ctx.config.media_url(&format!("{}{rel}", self.upload.output_prefix()))
    }
}

/// Processes the object S3 announced.
pub async fn process_object(ctx: &'static Ctx, object: &CreatedObject) -> Result<(), JobError> {
    if object.bucket != ctx.config.uploads_bucket {
        tracing::warn!(bucket = %object.bucket, key = %object.key, "object of another bucket; ignored");
        return Ok(());
    }
    let Some(id) = upload_id_of(&object.key) else {
        tracing::warn!(key = %object.key, "not an upload key; ignored");
        return Ok(());
    };
    let Some(size) = object_size(ctx, &object.bucket, &object.key).await? else {
        tracing::info!(key = %object.key, "object already gone (processed before); nothing to do");
        return Ok(());
    };
    let lease_until = crate::time::now_unix() + ctx.config.ffmpeg_timeout.as_secs() as i64 + LEASE_MARGIN_SECONDS;
    let upload = match ctx.store.begin_processing(id, size, lease_until).await? {
        Begin::Go(upload) if upload.key == object.key => upload,
        Begin::Go(upload) => {
            ctx.store.release_upload(&upload.id).await?;
            tracing::warn!(key = %object.key, expected = %upload.key, "object at an unexpected key; deleted");
            return delete_object(ctx, &object.bucket, &object.key).await;
        }
        Begin::Finished => {
            tracing::info!(upload = id, "already processed (duplicate delivery); skipped");
            return delete_object(ctx, &object.bucket, &object.key).await;
        }
        Begin::Busy => return Err(JobError::Retry(format!("upload {id} is being processed by another run"))),
        Begin::Unknown => {
            tracing::warn!(key = %object.key, "no upload record for this object; deleted");
            return delete_object(ctx, &object.bucket, &object.key).await;
        }
    };
    tracing::info!(upload = %upload.id, purpose = upload.purpose.folder(), bytes = size, "processing");
    let started = std::time::Instant::now();
    match run(ctx, &upload, object, size).await {
        Ok(()) => {
            tracing::info!(upload = %upload.id, seconds = started.elapsed().as_secs_f64(), "processed");
            delete_object(ctx, &object.bucket, &object.key).await
        }
        Err(JobError::Refused(reason)) => {
            tracing::info!(upload = %upload.id, %reason, "refused");
            ctx.store.refund_upload(&upload.owner_uid, &upload.id).await?;
            let slot = match &upload.purpose {
                UploadPurpose::Subtitle { media, lang } => Some((media, format!("subtitles/{lang}"))),
                UploadPurpose::Cover { media } => Some((media, "cover".to_owned())),
                _ => None,
            };
            if let Some((media, slot)) = slot {
                match ctx.store.reject_attachment(media, &slot, &reason).await {
                    Ok(()) | Err(DomainError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            ctx.store.finish_upload(&upload, &UploadState::Failed { reason }).await?;
            delete_object(ctx, &object.bucket, &object.key).await
        }
        Err(e @ JobError::Retry(_)) => {
            ctx.store.release_upload(&upload.id).await?;
            Err(e)
        }
    }
}

async fn run(ctx: &'static Ctx, upload: &Upload, object: &CreatedObject, size: u64) -> Result<(), JobError> {
    if let Some(media) = &upload.media {
        ctx.store.mark_media_processing(media).await?;
    }
    let quota = ctx.config.upload_quota_bytes_per_day;
    if let Charge::OverQuota { used } = ctx.store.charge_upload(&upload.owner_uid, &upload.id, size, quota).await? {
        return Err(JobError::Refused(format!(
            "over your 24-hour upload allowance: {used} of {quota} bytes already used, this file has {size}"
        )));
    }
    let work = WorkDir::new()?;
    download(ctx, &object.bucket, &object.key, &work.join("input")).await?;
    tokio::fs::create_dir_all(work.join("out")).await.map_err(|e| JobError::Retry(format!("create out dir: {e}")))?;
    let job = Job {
        ctx,
        upload,
        tools: Tools::from_env(ctx.config.ffmpeg_timeout),
        limits: Limits {
            max_duration_seconds: ctx.config.max_media_duration.as_secs_f64(),
            max_pixels: ctx.config.max_image_pixels,
        },
        work,
    };
    kinds::process(&job).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_come_from_keys() {
        assert_eq!(upload_id_of("uploads/video/Xk3uT9bQe2A/holiday clip.mp4"), Some("Xk3uT9bQe2A"));
        assert_eq!(upload_id_of("uploads/video/Xk3uT9bQe2A/a/b.mp4"), Some("Xk3uT9bQe2A"));
        assert_eq!(upload_id_of("media/Xk3/x.mp4"), None);
        assert_eq!(upload_id_of("uploads/video/Xk3uT9bQe2A/"), None);
        assert_eq!(upload_id_of("uploads/video"), None);
    }
}
