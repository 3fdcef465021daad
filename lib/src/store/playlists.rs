//! Playlists: one item holding the ordered list of media ids (with a `version` for optimistic
//! concurrency), plus one membership item per entry in the media's partition so a deleted media
//! finds the playlists it was in. The list and the memberships change in one transaction.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, ReturnValue, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, item, n, s};
use super::keys::{self, MEDIA, PLAYLIST};
use super::users::{failed_conditions, put};
use super::{Store, StoreError};
use crate::domain::{DomainError, MediaId, ShortId, UserId, Username};
use crate::http::PageRequest;

/// Id of a playlist (the `{url}` of its routes).
pub type PlaylistId = ShortId;

/// Most medias one playlist holds.
pub const MAX_PLAYLIST_MEDIAS: usize = 500;

/// How many times an edit reads and writes the list before giving up with 409 (each lost try
/// means another edit of the same playlist won meanwhile).
const EDIT_ATTEMPTS: u32 = 10;

/// Bounds of the random pause (ms) before an edit tries again after losing to another one.
const RETRY_PAUSE_MS: (u64, u64) = (10, 80);

/// A stored playlist.
#[derive(Clone, Debug)]
pub struct Playlist {
    /// Id.
    pub id: PlaylistId,
    /// Owner's username.
    pub owner: Username,
    /// Owner's account id.
    pub owner_uid: UserId,
    /// Title (1–200).
    pub title: String,
    /// Description (≤ 5,000).
    pub description: String,
    /// Media ids, in order.
    pub items: Vec<MediaId>,
    /// Bumped by every change of `items` (optimistic concurrency).
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl Playlist {
    /// What the search index holds for it: the title.
    pub fn search_text(&self) -> &str {
        &self.title
    }
}

/// A change to a playlist's list of medias.
#[derive(Clone, Debug)]
pub enum PlaylistEdit {
    /// Append at the end (nothing changes when it is already in).
    Append(MediaId),
    /// Move to a 0-based position (`0..count`).
    Move(MediaId, i64),
    /// Take out (nothing changes when it is not in).
    Remove(MediaId),
}

impl PlaylistEdit {
    /// The media the edit is about.
    pub fn media(&self) -> &MediaId {
        match self {
            Self::Append(m) | Self::Move(m, _) | Self::Remove(m) => m,
        }
    }

    /// The new list, or `None` when the edit changes nothing.
    fn apply(&self, items: &[MediaId]) -> Result<Option<Vec<MediaId>>, DomainError> {
        let at = items.iter().position(|m| m == self.media());
        match (self, at) {
            (Self::Append(_), Some(_)) | (Self::Remove(_), None) => Ok(None),
            (Self::Append(m), None) => {
                if items.len() >= MAX_PLAYLIST_MEDIAS {
                    return Err(DomainError::Conflict(format!(
                        "a playlist holds at most {MAX_PLAYLIST_MEDIAS} medias"
                    )));
                }
                Ok(Some(items.iter().cloned().chain([m.clone()]).collect()))
            }
            (Self::Remove(_), Some(i)) => {
                let mut next = items.to_vec();
                next.remove(i);
                Ok(Some(next))
            }
            (Self::Move(_, _), None) => Err(DomainError::NotFound("media in this playlist")),
            (Self::Move(_, to), Some(i)) => {
                let last = items.len() as i64 - 1;
                if !(0..=last).contains(to) {
                    return Err(DomainError::invalid("position", format!("must be 0 to {last}")));
                }
                let to = *to as usize;
                if to == i {
                    return Ok(None);
                }
                let mut next = items.to_vec();
                let m = next.remove(i);
                next.insert(to, m);
                Ok(Some(next))
            }
        }
    }
}

/// The outcome of an edit.
#[derive(Debug)]
pub struct Edited {
    /// The playlist after the edit.
    pub playlist: Playlist,
    /// Whether the list changed.
    pub changed: bool,
}

fn id_list(ids: &[MediaId]) -> AttributeValue {
    AttributeValue::L(ids.iter().map(|m| s(m.as_str())).collect())
}

fn playlist_item(p: &Playlist) -> Item {
    let sk = keys::by_time(&p.created_at, p.id.as_str());
    item([
        ("PK", s(keys::playlist_pk(p.id.as_str()))),
        ("SK", s(PLAYLIST)),
        ("type", s("playlist")),
        ("id", s(p.id.as_str())),
        ("owner", s(p.owner.as_str())),
        ("ownerUid", s(&p.owner_uid.0)),
        ("title", s(&p.title)),
        ("description", s(&p.description)),
        ("items", id_list(&p.items)),
        ("count", n(p.items.len())),
        ("version", n(p.version)),
        ("createdAt", s(&p.created_at)),
        ("updatedAt", s(&p.updated_at)),
        ("GSI1PK", s(keys::ALL_PLAYLISTS)),
        ("GSI1SK", s(&sk)),
        ("GSI2PK", s(keys::owner_playlists(&p.owner))),
        ("GSI2SK", s(&sk)),
    ])
}

/// The media ids of a playlist item's `items` list (also used on stream images).
pub fn item_ids(it: &Item) -> Vec<MediaId> {
    match it.get("items") {
        Some(AttributeValue::L(v)) => v
            .iter()
            .filter_map(|x| match x {
                AttributeValue::S(id) => MediaId::parse(id).ok(),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// Reads a playlist item.
pub fn playlist_from_item(it: &Item) -> Result<Playlist, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt { what: format!("playlist {w}") };
    Ok(Playlist {
        id: PlaylistId::parse(&it.req_s("id")?).map_err(|_| corrupt("id"))?,
        owner: Username::parse(&it.req_s("owner")?).map_err(|_| corrupt("owner"))?,
        owner_uid: UserId(it.req_s("ownerUid")?),
        title: it.opt_s("title").unwrap_or_default(),
        description: it.opt_s("description").unwrap_or_default(),
        items: item_ids(it),
        version: it.num("version"),
        created_at: it.req_s("createdAt")?,
        updated_at: it.opt_s("updatedAt").unwrap_or_default(),
    })
}

/// Why a write of a playlist's list did not happen.
enum Lost {
    /// Another edit changed the list (its version moved) or the playlist went: read again.
    Race,
    /// The media is gone.
    MediaGone,
}

impl Store {
    /// Stores a new playlist.
    pub async fn create_playlist(&self, p: &Playlist) -> Result<(), DomainError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(playlist_item(p)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .op("create playlist")?;
        Ok(())
    }

    /// The playlist `id`.
    pub async fn get_playlist(&self, id: &PlaylistId) -> Result<Option<Playlist>, DomainError> {
        let item = self.get_by_key(keys::playlist_pk(id.as_str()), PLAYLIST, "get playlist").await?;
        Ok(item.as_ref().map(playlist_from_item).transpose()?)
    }

    /// The playlist `id`, or 404.
    pub async fn require_playlist(&self, id: &PlaylistId) -> Result<Playlist, DomainError> {
        self.get_playlist(id).await?.ok_or(DomainError::NotFound("playlist"))
    }

    /// The playlists among `ids` that exist, in the order of `ids`.
    pub async fn get_playlists(&self, ids: &[PlaylistId]) -> Result<Vec<Playlist>, DomainError> {
        let key_of = |id: &str| (keys::playlist_pk(id), PLAYLIST.to_owned());
        Ok(self.get_in_order(ids, key_of, playlist_from_item, |p| p.id.to_string(), "batch get playlists").await?)
    }

    /// Every playlist, newest first.
    pub async fn list_playlists(&self, page: &PageRequest) -> Result<(Vec<Playlist>, Option<String>), DomainError> {
        let query = self
            .client
            .query()
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(keys::ALL_PLAYLISTS))
            .scan_index_forward(false);
        let (items, next) = self.page(query, Some("GSI1"), "playlists", page).await?;
        Ok((items.iter().map(playlist_from_item).collect::<Result<Vec<_>, _>>()?, next))
    }

    /// The ids of the playlists of the account `uid` named `owner` (all pages).
    pub async fn playlists_of(&self, owner: &Username, uid: &UserId) -> Result<Vec<PlaylistId>, DomainError> {
        let mut ids = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI2")
                .key_condition_expression("GSI2PK = :pk")
                .expression_attribute_values(":pk", s(keys::owner_playlists(owner)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .op("query owner playlists")?;
            for it in out.items.unwrap_or_default() {
                if it.opt_s("ownerUid").as_deref() == Some(uid.0.as_str())
                    && let Some(id) = it.opt_s("id").and_then(|i| PlaylistId::parse(&i).ok())
                {
                    ids.push(id);
                }
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(ids),
            }
        }
    }

    /// Changes title and description of `p` (guarded by its owner); the playlist afterwards.
    pub async fn update_playlist(
        &self,
        p: &Playlist,
        title: Option<&str>,
        description: Option<&str>,
    ) -> Result<Playlist, DomainError> {
        let mut sets = vec!["updatedAt = :now"];
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::playlist_pk(p.id.as_str())))
            .key("SK", s(PLAYLIST))
            .condition_expression("ownerUid = :uid")
            .expression_attribute_values(":uid", s(&p.owner_uid.0))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .return_values(ReturnValue::AllNew);
        if let Some(t) = title {
            sets.push("title = :t");
            update = update.expression_attribute_values(":t", s(t));
        }
        if let Some(d) = description {
            sets.push("description = :d");
            update = update.expression_attribute_values(":d", s(d));
        }
        match update.update_expression(format!("SET {}", sets.join(", "))).send().await {
            Ok(out) => Ok(playlist_from_item(&out.attributes.unwrap_or_default())?),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(DomainError::NotFound("playlist"))
            }
            Err(e) => Err(super::error::aws("update playlist", e).into()),
        }
    }

    /// Deletes the playlist item (guarded by its owner); the stream consumer then deletes its
    /// memberships.
    pub async fn delete_playlist(&self, p: &Playlist) -> Result<(), DomainError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(keys::playlist_pk(p.id.as_str())))
            .key("SK", s(PLAYLIST))
            .condition_expression("ownerUid = :uid")
            .expression_attribute_values(":uid", s(&p.owner_uid.0))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(DomainError::NotFound("playlist"))
            }
            Err(e) => Err(super::error::aws("delete playlist", e).into()),
        }
    }

    /// Deletes playlist items by id, whoever owns them (account erasure).
    pub async fn delete_playlists(&self, ids: &[PlaylistId]) -> Result<(), DomainError> {
        let keys = ids.iter().map(|id| (keys::playlist_pk(id.as_str()), PLAYLIST.to_owned())).collect();
        Ok(self.delete_keys(keys, "delete playlists").await?)
    }

    /// Deletes the memberships of `medias` in playlist `id` (idempotent).
    pub async fn delete_memberships(&self, id: &PlaylistId, medias: &[MediaId]) -> Result<(), DomainError> {
        let keys = medias.iter().map(|m| (keys::media_pk(m.as_str()), keys::in_playlist_sk(id.as_str()))).collect();
        Ok(self.delete_keys(keys, "delete playlist memberships").await?)
    }

    /// Applies `edit` to the playlist `id`: 404 when it is gone, 403 when `by` (the caller's
    /// account, `None` for the system) does not own it (nothing is written then).
    ///
    /// Optimistic concurrency: the list is read, the new one computed, and one transaction
    /// writes it, guarded by the version read and the owner, together with the membership
    /// change. When another edit won meanwhile (the version moved), the edit reads again after a
    /// short random pause; 409 when it still loses after a few tries.
    pub async fn edit_playlist(
        &self,
        id: &PlaylistId,
        by: Option<&UserId>,
        edit: &PlaylistEdit,
    ) -> Result<Edited, DomainError> {
        for attempt in 1..=EDIT_ATTEMPTS {
            let playlist = self.require_playlist(id).await?;
            if let Some(uid) = by
                && playlist.owner_uid != *uid
            {
                return Err(DomainError::Forbidden("only the owner may change this playlist".into()));
            }
            let Some(items) = edit.apply(&playlist.items)? else {
                return Ok(Edited { playlist, changed: false });
            };
            match self.write_list(&playlist, &items, edit).await? {
                Ok(playlist) => {
                    return Ok(Edited { playlist, changed: true });
                }
                Err(Lost::MediaGone) => return Err(DomainError::NotFound("media")),
                Err(Lost::Race) if attempt < EDIT_ATTEMPTS => {
                    let (min, max) = RETRY_PAUSE_MS;
                    let jitter = u64::from(crate::auth::random::bytes(1)[0]) % (max - min + 1);
                    tokio::time::sleep(std::time::Duration::from_millis(min + jitter)).await;
                }
                Err(Lost::Race) => {}
            }
        }
        Err(DomainError::Conflict("the playlist is being changed by other requests; retry".into()))
    }

    /// One transaction: the new list on the playlist (if its version and owner are still the
    /// ones read) and the membership change in the media's partition (an appended media must
    /// exist).
    async fn write_list(
        &self,
        playlist: &Playlist,
        items: &[MediaId],
        edit: &PlaylistEdit,
    ) -> Result<Result<Playlist, Lost>, DomainError> {
        let now = crate::time::now_rfc3339();
        let media = edit.media();
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::playlist_pk(playlist.id.as_str())))
            .key("SK", s(PLAYLIST))
            .condition_expression("#v = :v AND ownerUid = :uid")
            .update_expression("SET #items = :items, #count = :count, #v = #v + :one, updatedAt = :now")
            .expression_attribute_names("#items", "items")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(playlist.version))
            .expression_attribute_values(":uid", s(&playlist.owner_uid.0))
            .expression_attribute_values(":items", id_list(items))
            .expression_attribute_values(":count", n(items.len()))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(&now))
            .build()
            .op("build playlist update")?;
        let mut tx =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().update(update).build());
        let membership_pk = keys::media_pk(media.as_str());
        let membership_sk = keys::in_playlist_sk(playlist.id.as_str());
        match edit {
            PlaylistEdit::Append(_) => {
                let exists = ConditionCheck::builder()
                    .table_name(&self.table)
                    .key("PK", s(&membership_pk))
                    .key("SK", s(MEDIA))
                    .condition_expression("attribute_exists(PK)")
                    .build()
                    .op("build media check")?;
                let membership = item([
                    ("PK", s(&membership_pk)),
                    ("SK", s(&membership_sk)),
                    ("type", s("playlistEntry")),
                    ("playlist", s(playlist.id.as_str())),
                    ("media", s(media.as_str())),
                    ("owner", s(playlist.owner.as_str())),
                    ("addedAt", s(&now)),
                ]);
                // Unconditional: the list and the memberships only ever change together, so a
                // leftover membership can only be stale, and overwriting it heals it.
                tx = tx
                    .transact_items(TransactWriteItem::builder().condition_check(exists).build())
                    .transact_items(put(self, membership, None)?);
            }
            PlaylistEdit::Remove(_) => {
                let del = Delete::builder()
                    .table_name(&self.table)
                    .key("PK", s(&membership_pk))
                    .key("SK", s(&membership_sk))
                    .build()
                    .op("build membership delete")?;
                tx = tx.transact_items(TransactWriteItem::builder().delete(del).build());
            }
            PlaylistEdit::Move(..) => {}
        }
        match tx.send().await {
            Ok(_) => Ok(Ok(Playlist {
                items: items.to_vec(),
                version: playlist.version + 1,
                updated_at: now,
                ..playlist.clone()
            })),
            Err(e) => {
                if is_conflict(&e) {
                    return Ok(Err(Lost::Race));
                }
                match failed_conditions(&e).as_deref() {
                    Some([_, true, ..]) => Ok(Err(Lost::MediaGone)),
                    Some(_) => Ok(Err(Lost::Race)),
                    None => Err(super::error::aws("edit playlist", e).into()),
                }
            }
        }
    }
}

/// Whether a transaction lost to another one on the same items.
fn is_conflict(e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
            c.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<MediaId> {
        (0..n).map(|_| MediaId::generate()).collect()
    }

    #[test]
    fn edits() {
        let l = ids(3);
        let extra = MediaId::generate();
        let appended = PlaylistEdit::Append(extra.clone()).apply(&l).unwrap().unwrap();
        assert_eq!(appended, [l[0].clone(), l[1].clone(), l[2].clone(), extra.clone()]);
        assert!(PlaylistEdit::Append(l[1].clone()).apply(&l).unwrap().is_none());
        let moved = PlaylistEdit::Move(l[2].clone(), 0).apply(&l).unwrap().unwrap();
        assert_eq!(moved, [l[2].clone(), l[0].clone(), l[1].clone()]);
        let moved = PlaylistEdit::Move(l[0].clone(), 2).apply(&l).unwrap().unwrap();
        assert_eq!(moved, [l[1].clone(), l[2].clone(), l[0].clone()]);
        assert!(PlaylistEdit::Move(l[1].clone(), 1).apply(&l).unwrap().is_none());
        assert!(matches!(PlaylistEdit::Move(l[1].clone(), 3).apply(&l), Err(DomainError::Invalid(_))));
        assert!(matches!(PlaylistEdit::Move(l[1].clone(), -1).apply(&l), Err(DomainError::Invalid(_))));
        assert!(matches!(PlaylistEdit::Move(extra.clone(), 0).apply(&l), Err(DomainError::NotFound(_))));
        let removed = PlaylistEdit::Remove(l[1].clone()).apply(&l).unwrap().unwrap();
        assert_eq!(removed, [l[0].clone(), l[2].clone()]);
        assert!(PlaylistEdit::Remove(extra.clone()).apply(&l).unwrap().is_none());
        let full = ids(MAX_PLAYLIST_MEDIAS);
        assert!(matches!(PlaylistEdit::Append(extra).apply(&full), Err(DomainError::Conflict(_))));
    }
}
