//! What removed comments, medias and accounts take with them among comments. Every step is a
//! keyed delete, or a comment delete with its counters in one transaction that does nothing
//! when the comment is already gone, so stream redeliveries change nothing.

use super::table::attr;
use crate::ctx::Ctx;
use crate::domain::{DomainError, MediaId, ShortId, Username};
use crate::store::comments::{CommentsOf, Uncount};

/// A removed comment: its likes and, for a top-level comment, its replies (each counted off
/// the media while the media exists; each reply's own removal then takes its likes).
pub async fn on_comment_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let Some(id) = attr(old, "id").and_then(|i| ShortId::parse(&i).ok()) else {
        return Ok(());
    };
    ctx.store.erase_comment_partition(&id).await?;
    if attr(old, "replyTo").is_some() {
        return Ok(());
    }
    let replies = ctx.store.all_comments(CommentsOf::Replies(&id)).await?;
    if replies.is_empty() {
        return Ok(());
    }
    let media_exists = match attr(old, "media").and_then(|m| ShortId::parse(&m).ok()) {
        Some(media) => ctx.store.get_media(&media).await?.is_some(),
        None => false,
    };
    for reply in &replies {
        ctx.store.delete_comment(reply, Uncount { media: media_exists, parent: false }).await?;
    }
    tracing::info!(comment = %id, replies = replies.len(), "comment thread erased");
    Ok(())
}

/// A removed media: every comment and reply of it with their likes (no counters: the media is
/// gone, and so are the top-level comments the replies count on).
pub async fn on_media_removed(ctx: &Ctx, media: &MediaId) -> Result<(), DomainError> {
    let comments = ctx.store.all_comments(CommentsOf::Media(media)).await?;
    for comment in &comments {
        ctx.store.erase_comment_partition(&comment.id).await?;
    }
    if !comments.is_empty() {
        tracing::info!(%media, comments = comments.len(), "media comments erased");
    }
    Ok(())
}

/// A removed account: every comment and reply it wrote, counted off their media and
/// top-level comment where those still exist. Comments of a newer account that took the
/// name are left alone.
pub async fn on_user_removed(ctx: &Ctx, username: &Username, uid: &str) -> Result<(), DomainError> {
    let mut comments = ctx.store.all_comments(CommentsOf::Author(username)).await?;
    comments.retain(|c| c.author_uid.0 == uid);
    // Replies first, so each still finds its top-level comment to count off.
    comments.sort_by_key(|c| c.reply_to.is_none());
    for comment in &comments {
        ctx.store.delete_comment(comment, Uncount { media: true, parent: true }).await?;
    }
    if !comments.is_empty() {
        tracing::info!(%username, comments = comments.len(), "account comments erased");
    }
    Ok(())
}
