//! Processed files follow their owner out: a deleted media takes its renditions, subtitle
//! tracks and cover from the media bucket; a deleted account its profile and channel photos.

use super::table::attr;
use crate::ctx::Ctx;
use crate::domain::DomainError;
use crate::transcode::objects::delete_prefix;

async fn delete_all(ctx: &Ctx, prefixes: Vec<String>) -> Result<(), DomainError> {
    for prefix in prefixes {
        // Only ever under media/: a malformed item must not empty the bucket.
        if !prefix.starts_with("media/") || prefix.len() <= "media/".len() {
            continue;
        }
        let deleted = delete_prefix(ctx, &prefix).await.map_err(|e| DomainError::Internal(e.to_string()))?;
        tracing::info!(%prefix, deleted, "processed files deleted");
    }
    Ok(())
}

/// Deletes the files of the removed media `old`.
pub async fn on_media_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let mut prefixes: Vec<String> = attr(old, "upload").map(|u| format!("media/{u}/")).into_iter().collect();
    if let Some(serde_dynamo::AttributeValue::Ss(more)) = old.get("prefixes") {
        prefixes.extend(more.iter().cloned());
    }
    delete_all(ctx, prefixes).await
}

/// Deletes the photos of the removed account `old`.
pub async fn on_user_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let prefixes = ["profilePhoto", "channelPhoto"]
        .into_iter()
        .filter_map(|name| attr(old, name))
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .filter_map(|photo| photo["thumb"].as_str().and_then(|url| ctx.config.media_prefix_of(url)))
        .collect();
    delete_all(ctx, prefixes).await
}
