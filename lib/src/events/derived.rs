//! What follows from writes, derived from the table's stream so a crash between a write and
//! its consequences loses nothing: feeds and home timelines (hybrid fan-out) and
//! notifications. Every step is a keyed, conditional or idempotent write, so a redelivered
//! record changes nothing.

use aws_lambda_events::event::dynamodb::EventRecord;

use super::notify::notify;
use super::table::attr;
use crate::ctx::Ctx;
use crate::domain::{DomainError, MediaId, NotificationType, ShortId, Username};
use crate::store::keys;
use crate::store::notifications::NewNotification;
use crate::store::timeline::Entry;

/// How many recent items of an account a new follower's home timeline receives.
const BACKFILL: usize = 20;

/// Derives what `record` implies (removals of whole accounts and medias are in `cascade`).
pub async fn on_record(ctx: &Ctx, record: &EventRecord) -> Result<(), DomainError> {
    let (old, new) = (&record.change.old_image, &record.change.new_image);
    match record.event_name.as_str() {
        "INSERT" | "MODIFY" => match attr(new, "type").as_deref() {
            Some("media") if became_ready(old, new) => media_published(ctx, new).await,
            Some("reposts") if record.event_name == "INSERT" => reposted(ctx, new).await,
            Some("likes") if record.event_name == "INSERT" => liked(ctx, new).await,
            Some("comment") if record.event_name == "INSERT" => commented(ctx, new).await,
            Some("follow") if record.event_name == "INSERT" => followed(ctx, new).await,
            _ => Ok(()),
        },
        "REMOVE" => match attr(old, "type").as_deref() {
            Some("media") => media_removed(ctx, old).await,
            Some("reposts") => repost_removed(ctx, old).await,
            Some("follow") => unfollowed(ctx, old).await,
            Some("user") => account_removed(ctx, old).await,
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn became_ready(old: &serde_dynamo::Item, new: &serde_dynamo::Item) -> bool {
    attr(new, "status").as_deref() == Some("ready") && attr(old, "status").as_deref() != Some("ready")
}

fn required(image: &serde_dynamo::Item, name: &str) -> Result<String, DomainError> {
    attr(image, name).ok_or_else(|| DomainError::Internal(format!("stream image without {name}")))
}

/// Puts `entry` on `actor`'s own home timeline and, when `actor` is small, on each follower's.
/// Returns the followers (for notifications).
async fn spread(ctx: &Ctx, actor: &str, entry: &Entry) -> Result<Vec<String>, DomainError> {
    let cap = ctx.config.home_timeline_cap;
    if ctx.store.put_home_entry(actor, entry).await? {
        ctx.store.count_home_entry(actor, cap).await?;
    }
    let Ok(name) = Username::parse(actor) else { return Ok(vec![]) };
    let Some(profile) = ctx.store.get_user(&name).await? else { return Ok(vec![]) };
    let followers = ctx.store.follower_names(&name).await?;
    if profile.followers <= ctx.config.fanout_max_followers {
        for follower in &followers {
            if ctx.store.put_home_entry(follower, entry).await? {
                ctx.store.count_home_entry(follower, cap).await?;
            }
        }
    }
    Ok(followers)
}

async fn media_published(ctx: &Ctx, media: &serde_dynamo::Item) -> Result<(), DomainError> {
    let entry = Entry {
        media: required(media, "id")?,
        author: required(media, "owner")?,
        reposted_by: None,
        at: required(media, "createdAt")?,
    };
    ctx.store.put_feed_entry(&entry.author, &entry).await?;
    let followers = spread(ctx, &entry.author, &entry).await?;
    for follower in followers {
        let note = NewNotification {
            recipient: follower,
            kind: NotificationType::NewMedia,
            actor: entry.author.clone(),
            media: Some(entry.media.clone()),
            comment: None,
        };
        notify(ctx, note).await?;
    }
    Ok(())
}

async fn reposted(ctx: &Ctx, repost: &serde_dynamo::Item) -> Result<(), DomainError> {
    let reposter = required(repost, "username")?;
    let entry = Entry {
        media: required(repost, "target")?,
        author: required(repost, "targetOwner")?,
        reposted_by: Some(reposter.clone()),
        at: required(repost, "createdAt")?,
    };
    ctx.store.put_feed_entry(&reposter, &entry).await?;
    spread(ctx, &reposter, &entry).await?;
    let note = NewNotification {
        recipient: entry.author.clone(),
        kind: NotificationType::Reposted,
        actor: reposter,
        media: Some(entry.media),
        comment: None,
    };
    notify(ctx, note).await
}

async fn liked(ctx: &Ctx, like: &serde_dynamo::Item) -> Result<(), DomainError> {
    let target = required(like, "target")?;
    let on_comment = required(like, "PK")?.starts_with("COMMENT#");
    let note = NewNotification {
        recipient: required(like, "targetOwner")?,
        kind: if on_comment { NotificationType::CommentLiked } else { NotificationType::MediaLiked },
        actor: required(like, "username")?,
        media: (!on_comment).then(|| target.clone()),
        comment: on_comment.then_some(target),
    };
    notify(ctx, note).await
}

async fn commented(ctx: &Ctx, comment: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (id, media, author) = (required(comment, "id")?, required(comment, "media")?, required(comment, "author")?);
    let (kind, recipient) = match attr(comment, "replyTo") {
        Some(parent) => {
            let parent = ShortId::parse(&parent).map_err(DomainError::Internal)?;
            let Some(parent) = ctx.store.get_comment(&parent).await? else { return Ok(()) };
            (NotificationType::NewReply, parent.author.to_string())
        }
        None => {
            let media_id = MediaId::parse(&media).map_err(DomainError::Internal)?;
            let Some(m) = ctx.store.get_media(&media_id).await? else { return Ok(()) };
            (NotificationType::NewComment, m.owner.to_string())
        }
    };
    notify(ctx, NewNotification { recipient, kind, actor: author, media: Some(media), comment: Some(id) }).await
}

async fn followed(ctx: &Ctx, edge: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (follower, followee) = (required(edge, "follower")?, required(edge, "followee")?);
    let note = NewNotification {
        recipient: followee.clone(),
        kind: NotificationType::NewFollower,
        actor: follower.clone(),
        media: None,
        comment: None,
    };
    notify(ctx, note).await?;
    let Ok(name) = Username::parse(&followee) else { return Ok(()) };
    let Some(profile) = ctx.store.get_user(&name).await? else { return Ok(()) };
    if profile.followers > ctx.config.fanout_max_followers {
        // A big account: its items are merged at read time through the marked edge. The first
        // follow past the threshold marks every edge into it.
        ctx.store.mark_big_edge(&follower, &followee).await?;
        if ctx.store.mark_big_account(&name).await? {
            for f in ctx.store.follower_names(&name).await? {
                ctx.store.mark_big_edge(&f, &followee).await?;
            }
        }
        return Ok(());
    }
    // A small account: its recent items come in now; new ones are fanned out.
    for entry in ctx.store.feed_entries(&followee, None, BACKFILL).await? {
        if ctx.store.put_home_entry(&follower, &entry).await? {
            ctx.store.count_home_entry(&follower, ctx.config.home_timeline_cap).await?;
        }
    }
    Ok(())
}

async fn unfollowed(ctx: &Ctx, edge: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (follower, followee) = (required(edge, "follower")?, required(edge, "followee")?);
    let removed = ctx.store.remove_home_entries(&follower, |e| e.actor() == followee).await?;
    // A media the unfollowed account reposted stays when its author is still followed: back
    // to its original entry.
    for entry in removed.into_iter().filter(|e| e.reposted_by.is_some()) {
        let (Ok(who), Ok(author)) = (Username::parse(&follower), Username::parse(&entry.author)) else { continue };
        if author == who || ctx.store.follows(&who, &author).await? {
            let Ok(id) = MediaId::parse(&entry.media) else { continue };
            let Some(media) = ctx.store.get_media(&id).await? else { continue };
            let original = Entry { reposted_by: None, at: media.created_at, ..entry };
            ctx.store.put_home_entry(&follower, &original).await?;
        }
    }
    Ok(())
}

async fn media_removed(ctx: &Ctx, media: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (id, owner, at) = (required(media, "id")?, required(media, "owner")?, required(media, "createdAt")?);
    ctx.store.delete_feed_entry(&owner, &at, &id).await?;
    ctx.store.remove_media_from_homes(&id, |_| true).await
}

async fn repost_removed(ctx: &Ctx, repost: &serde_dynamo::Item) -> Result<(), DomainError> {
    let (media, reposter, at) =
        (required(repost, "target")?, required(repost, "username")?, required(repost, "createdAt")?);
    ctx.store.delete_feed_entry(&reposter, &at, &media).await?;
    ctx.store.remove_media_from_homes(&media, |e| e.reposted_by.as_deref() == Some(reposter.as_str())).await
}

async fn account_removed(ctx: &Ctx, user: &serde_dynamo::Item) -> Result<(), DomainError> {
    let name = required(user, "username")?;
    for pk in [keys::home_pk(&name), keys::feed_pk(&name), keys::notifications_pk(&name)] {
        let items = ctx.store.query_all(None, "PK", &pk, "erase timelines").await?;
        ctx.store.delete_items(&items, "erase timelines").await?;
    }
    Ok(())
}
