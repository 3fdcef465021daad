//! What removals mean for playlists (called by the table-events dispatcher). Every step is a
//! versioned list edit or a keyed delete, so a replayed record changes nothing.

use super::table::attr;
use crate::ctx::Ctx;
use crate::domain::{DomainError, MediaId, UserId, Username};
use crate::store::item::{Item, ItemExt};
use crate::store::keys;
use crate::store::playlists::{PlaylistEdit, PlaylistId};
use crate::store::search::SearchDoc;

/// A removed media: take it out of every playlist its partition says it was in (a gone
/// playlist is fine) and delete those memberships. `partition` is every item of the media's
/// partition, read before they are deleted.
pub async fn on_media_removed(ctx: &Ctx, media: &MediaId, partition: &[Item]) -> Result<(), DomainError> {
    for it in partition {
        let Some(pid) = it.opt_s("SK").and_then(|sk| sk.strip_prefix(keys::IN_PLAYLIST).map(str::to_owned)) else {
            continue;
        };
        let Ok(pid) = PlaylistId::parse(&pid) else {
            continue;
        };
        match ctx.store.edit_playlist(&pid, None, &PlaylistEdit::Remove(media.clone())).await {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        ctx.store.delete_memberships(&pid, std::slice::from_ref(media)).await?;
    }
    Ok(())
}

/// A removed playlist item (`old` is its last image): delete the memberships of the medias it
/// listed, and its search entries.
pub async fn on_playlist_removed(ctx: &Ctx, old: &serde_dynamo::Item) -> Result<(), DomainError> {
    let Some(pid) = attr(old, "id").and_then(|id| PlaylistId::parse(&id).ok()) else {
        return Ok(());
    };
    let medias: Vec<MediaId> = match old.get("items") {
        Some(serde_dynamo::AttributeValue::L(list)) => list
            .iter()
            .filter_map(|v| match v {
                serde_dynamo::AttributeValue::S(id) => MediaId::parse(id).ok(),
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    ctx.store.delete_memberships(&pid, &medias).await?;
    if let Some(created_at) = attr(old, "createdAt") {
        let doc = SearchDoc {
            collection: "playlists",
            id: pid.to_string(),
            sort_key: keys::by_time(&created_at, pid.as_str()),
            text: attr(old, "title").unwrap_or_default(),
        };
        ctx.store.search().remove(&doc).await?;
    }
    tracing::info!(playlist = %pid, "playlist entries erased");
    Ok(())
}

/// A removed account: delete its playlists (their own REMOVE records then clean up).
pub async fn on_user_removed(ctx: &Ctx, username: &Username, uid: &str) -> Result<(), DomainError> {
    let ids = ctx.store.playlists_of(username, &UserId(uid.to_owned())).await?;
    ctx.store.delete_playlists(&ids).await
}
