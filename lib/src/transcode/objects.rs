//! The S3 side of a transcode job: the uploaded object's real size, downloading it to the work
//! directory, publishing every produced file under the media bucket's `media/{upload}/`
//! prefix (with content types and cache headers players expect), and cleaning up.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use tokio::io::AsyncWriteExt;

use super::JobError;
use crate::ctx::Ctx;
use crate::media::{content_type, files_under};

fn retry(what: &str, e: impl std::fmt::Display) -> JobError {
    JobError::Retry(format!("{what}: {e}"))
}

/// The size of `bucket/key`, or `None` when the object is gone.
pub async fn object_size(ctx: &Ctx, bucket: &str, key: &str) -> Result<Option<u64>, JobError> {
    match ctx.s3.head_object().bucket(bucket).key(key).send().await {
        Ok(head) => Ok(Some(head.content_length.unwrap_or(0).max(0) as u64)),
        Err(e) if e.as_service_error().is_some_and(|x| x.is_not_found()) => Ok(None),
        Err(e) => Err(retry("head object", aws_sdk_s3::error::DisplayErrorContext(e))),
    }
}

/// Streams `bucket/key` into the file `dest`.
pub async fn download(ctx: &Ctx, bucket: &str, key: &str, dest: &Path) -> Result<(), JobError> {
    let object = ctx
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| retry("get object", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    let mut reader = object.body.into_async_read();
    let mut file = tokio::fs::File::create(dest).await.map_err(|e| retry("create input file", e))?;
    tokio::io::copy(&mut reader, &mut file).await.map_err(|e| retry("download", e))?;
    file.flush().await.map_err(|e| retry("write input file", e))?;
    Ok(())
}

/// How long clients may cache `key`: playlists and files that may be replaced later (a master
/// playlist gains subtitles, an m4a gains a cover) briefly, everything else for good.
fn cache_control(key: &str) -> &'static str {
    if key.ends_with(".m3u8") || key.ends_with(".m4a") || key.ends_with(".mp4") {
        "public, max-age=60"
    } else {
        "public, max-age=31536000, immutable"
    }
}

/// Uploads one file to the media bucket at `key`.
pub async fn put_file(ctx: &Ctx, path: &Path, key: &str) -> Result<(), JobError> {
    let body = ByteStream::from_path(path).await.map_err(|e| retry("read output", e))?;
    ctx.s3
        .put_object()
        .bucket(&ctx.config.media_bucket)
        .key(key)
        .content_type(content_type(path))
        .cache_control(cache_control(key))
        .body(body)
        .send()
        .await
        .map_err(|e| retry("put object", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// Uploads a small text body (a regenerated playlist) to the media bucket at `key`.
pub async fn put_text(ctx: &Ctx, key: &str, content_type: &str, text: String) -> Result<(), JobError> {
    ctx.s3
        .put_object()
        .bucket(&ctx.config.media_bucket)
        .key(key)
        .content_type(content_type)
        .cache_control(cache_control(key))
        .body(ByteStream::from(text.into_bytes()))
        .send()
        .await
        .map_err(|e| retry("put object", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// Uploads every file under `dir` to `prefix` + its relative path, eight at a time.
pub async fn publish(ctx: &'static Ctx, dir: &Path, prefix: &str) -> Result<usize, JobError> {
    let files = files_under(dir).map_err(|e| retry("list outputs", e))?;
    let mut tasks = tokio::task::JoinSet::new();
    for rel in &files {
        if tasks.len() >= 8
            && let Some(done) = tasks.join_next().await
        {
            done.map_err(|e| retry("upload task", e))??;
        }
        let key = format!("{prefix}{}", rel.to_string_lossy());
        let path = dir.join(rel);
        tasks.spawn(async move { put_file(ctx, &path, &key).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| retry("upload task", e))??;
    }
    Ok(files.len())
}

/// Deletes `bucket/key` (absent is fine).
pub async fn delete_object(ctx: &Ctx, bucket: &str, key: &str) -> Result<(), JobError> {
    ctx.s3
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| retry("delete object", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// Deletes every object of the media bucket under `prefix`.
pub async fn delete_prefix(ctx: &Ctx, prefix: &str) -> Result<usize, JobError> {
    let bucket = &ctx.config.media_bucket;
    let mut deleted = 0;
    loop {
        let listed = ctx
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(1000)
            .send()
            .await
            .map_err(|e| retry("list objects", aws_sdk_s3::error::DisplayErrorContext(e)))?;
        let ids: Vec<ObjectIdentifier> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
            .collect();
        if ids.is_empty() {
            return Ok(deleted);
        }
        deleted += ids.len();
        let delete = Delete::builder().set_objects(Some(ids)).quiet(true).build().map_err(|e| retry("delete", e))?;
        ctx.s3
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| retry("delete objects", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
}
