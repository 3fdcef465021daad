//! Medias: the media item (with its list keys once ready), its tag items, and the owner's
//! media counter, written together.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, item, n, s};
use super::keys::{self, MEDIA, PROFILE};
use super::users::{delete, failed_conditions, put};
use super::{Store, StoreError};
use crate::domain::{DomainError, Media, MediaId, MediaKind, MediaStatus, Tag, User, UserId, Username};
use crate::http::PageRequest;

/// Filters of the media list (`?kind=&tag=&owner=`).
#[derive(Debug, Default, Clone)]
pub struct MediaFilter {
    /// Only this kind.
    pub kind: Option<MediaKind>,
    /// Only medias with this tag.
    pub tag: Option<Tag>,
    /// Only this owner's medias.
    pub owner: Option<Username>,
}

/// A claim on an upload: the media takes the uploaded object, in the processing state it was
/// read in (the claim fails if processing moved on meanwhile, and the caller reads again).
#[derive(Debug, Clone)]
pub struct UploadRef {
    /// Upload id (the `fileUrl`).
    pub id: String,
    /// `pending`, `processing`, `done` or `failed`, as read.
    pub state: &'static str,
}

/// The conflict a lost upload claim reports (the upload is taken, or its processing moved on).
pub const CLAIM_FAILED: &str = "this file is already used by a media";

/// The media item of `m` (with its list keys when ready).
pub fn media_item(m: &Media) -> Item {
    let mut it = item([
        ("PK", s(keys::media_pk(m.id.as_str()))),
        ("SK", s(MEDIA)),
        ("type", s("media")),
        ("id", s(m.id.as_str())),
        ("kind", s(m.kind.as_str())),
        ("owner", s(m.owner.as_str())),
        ("ownerUid", s(&m.owner_uid.0)),
        ("title", s(&m.title)),
        ("description", s(&m.description)),
        ("body", s(&m.body)),
        ("status", s(m.status.as_str())),
        ("likes", n(m.likes)),
        ("comments", n(m.comments)),
        ("reposts", n(m.reposts)),
        ("createdAt", s(&m.created_at)),
        ("updatedAt", s(&m.updated_at)),
    ]);
    if !m.tags.is_empty() {
        it.insert("tags".into(), AttributeValue::Ss(m.tags.iter().map(|t| t.to_string()).collect()));
    }
    if let Some(r) = &m.status_reason {
        it.insert("statusReason".into(), s(r));
    }
    if let Some(f) = &m.files {
        it.insert("files".into(), s(f.to_string()));
    }
    if let Some(u) = &m.upload {
        it.insert("upload".into(), s(u));
    }
    if let Some(d) = &m.details {
        it.insert("details".into(), s(d.to_string()));
    }
    // Maps present from the start, so an attachment is one `SET map.#key` away.
    if m.kind == MediaKind::Video {
        it.insert("subtitles".into(), string_map(&m.subtitles));
    }
    if matches!(m.kind, MediaKind::Video | MediaKind::Music) {
        it.insert("rejected".into(), string_map(&m.rejected));
    }
    let sk = keys::by_time(&m.created_at, m.id.as_str());
    // The owner's list holds every media (so an erased account finds them all); the public
    // lists only ready ones.
    it.insert("GSI2PK".into(), s(keys::owner_medias(&m.owner)));
    it.insert("GSI2SK".into(), s(&sk));
    if m.status == MediaStatus::Ready {
        it.extend(list_keys(m));
    }
    it
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> AttributeValue {
    AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), s(v))).collect())
}

fn read_string_map(it: &Item, name: &str) -> std::collections::BTreeMap<String, String> {
    match it.get(name) {
        Some(AttributeValue::M(m)) => {
            m.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.clone(), v.clone()))).collect()
        }
        _ => Default::default(),
    }
}

/// The index keys that make a media appear in the public lists (set once it is ready).
pub fn list_keys(m: &Media) -> Item {
    let sk = keys::by_time(&m.created_at, m.id.as_str());
    item([
        ("GSI1PK", s(keys::ALL_MEDIAS)),
        ("GSI1SK", s(&sk)),
        ("GSI3PK", s(keys::kind_medias(m.kind.as_str()))),
        ("GSI3SK", s(&sk)),
    ])
}

/// Reads a media item.
pub fn media_from_item(it: &Item) -> Result<Media, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt { what: format!("media {w}") };
    let mut tags: Vec<Tag> = match it.get("tags") {
        Some(AttributeValue::Ss(v)) => v.iter().filter_map(|t| Tag::parse(t).ok()).collect(),
        _ => vec![],
    };
    tags.sort();
    Ok(Media {
        id: MediaId::parse(&it.req_s("id")?).map_err(|_| corrupt("id"))?,
        kind: MediaKind::parse(&it.req_s("kind")?).map_err(|_| corrupt("kind"))?,
        owner: Username::parse(&it.req_s("owner")?).map_err(|_| corrupt("owner"))?,
        owner_uid: UserId(it.req_s("ownerUid")?),
        title: it.opt_s("title").unwrap_or_default(),
        description: it.opt_s("description").unwrap_or_default(),
        body: it.opt_s("body").unwrap_or_default(),
        tags,
        status: MediaStatus::parse(&it.req_s("status")?).ok_or_else(|| corrupt("status"))?,
        status_reason: it.opt_s("statusReason"),
        likes: it.num("likes").max(0) as u64,
        comments: it.num("comments").max(0) as u64,
        reposts: it.num("reposts").max(0) as u64,
        created_at: it.req_s("createdAt")?,
        updated_at: it.opt_s("updatedAt").unwrap_or_default(),
        files: it.opt_s("files").and_then(|f| serde_json::from_str(&f).ok()),
        upload: it.opt_s("upload"),
        details: it.opt_s("details").and_then(|f| serde_json::from_str(&f).ok()),
        subtitles: read_string_map(it, "subtitles"),
        cover: it.opt_s("cover"),
        cover_applied: it.opt_s("coverApplied"),
        rejected: read_string_map(it, "rejected"),
    })
}

fn tag_item(m: &Media, tag: &Tag) -> Item {
    item([
        ("PK", s(keys::tag_pk(tag.as_str()))),
        ("SK", s(keys::by_time(&m.created_at, m.id.as_str()))),
        ("type", s("mediaTag")),
        ("id", s(m.id.as_str())),
        ("kind", s(m.kind.as_str())),
        ("owner", s(m.owner.as_str())),
    ])
}

fn owner_counter(store: &Store, owner: &Username, uid: &UserId, delta: i64) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(&store.table)
        .key("PK", s(keys::user_pk(owner)))
        .key("SK", s(PROFILE))
        .condition_expression("uid = :uid")
        .update_expression("ADD medias :d")
        .expression_attribute_values(":uid", s(&uid.0))
        .expression_attribute_values(":d", n(delta))
        .build()
        .op("build counter")?;
    Ok(TransactWriteItem::builder().update(update).build())
}

impl Store {
    /// Stores a new media, its tag items and the owner's counter in one transaction; a file
    /// media also takes its upload (which must be the owner's and not taken yet).
    pub async fn create_media(&self, media: &Media, upload: Option<&UploadRef>) -> Result<(), DomainError> {
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(put(self, media_item(media), Some("attribute_not_exists(PK)"))?)
            .transact_items(owner_counter(self, &media.owner, &media.owner_uid, 1)?);
        if let Some(upload) = upload {
            let claim = Update::builder()
                .table_name(&self.table)
                .key("PK", s(keys::upload_pk(&upload.id)))
                .key("SK", s(keys::ONE))
                .condition_expression(if upload.state == "pending" {
                    "ownerUid = :uid AND attribute_not_exists(media) AND (attribute_not_exists(#state) OR #state = :state)"
                } else {
                    "ownerUid = :uid AND attribute_not_exists(media) AND #state = :state"
                })
                .update_expression("SET media = :m")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":state", s(upload.state))
                .expression_attribute_values(":uid", s(&media.owner_uid.0))
                .expression_attribute_values(":m", s(media.id.as_str()))
                .build()
                .op("build upload claim")?;
            tx = tx.transact_items(TransactWriteItem::builder().update(claim).build());
        }
        for tag in &media.tags {
            tx = tx.transact_items(put(self, tag_item(media, tag), None)?);
        }
        match tx.send().await {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e).as_deref() {
                Some([_, true, ..]) => Err(DomainError::NotFound("user")),
                Some([_, _, true, ..]) => Err(DomainError::Conflict(CLAIM_FAILED.into())),
                Some(_) => Err(DomainError::Conflict("the media could not be created; retry".into())),
                None => Err(super::error::aws("create media", e).into()),
            },
        }
    }

    /// The media `id`.
    pub async fn get_media(&self, id: &MediaId) -> Result<Option<Media>, DomainError> {
        let item = self.get_by_key(keys::media_pk(id.as_str()), MEDIA, "get media").await?;
        Ok(item.as_ref().map(media_from_item).transpose()?)
    }

    /// The media `id`, or 404.
    pub async fn require_media(&self, id: &MediaId) -> Result<Media, DomainError> {
        self.get_media(id).await?.ok_or(DomainError::NotFound("media"))
    }

    /// The medias among `ids` that exist, in the order of `ids`.
    pub async fn get_medias(&self, ids: &[MediaId]) -> Result<Vec<Media>, DomainError> {
        let key_of = |id: &str| (keys::media_pk(id), MEDIA.to_owned());
        Ok(self.get_in_order(ids, key_of, media_from_item, |m| m.id.to_string(), "batch get medias").await?)
    }

    /// Ready medias, newest first, filtered. The most selective filter picks the index (tag,
    /// then owner, then kind); the others are applied as filter expressions.
    pub async fn list_medias(
        &self,
        filter: &MediaFilter,
        page: &PageRequest,
    ) -> Result<(Vec<Media>, Option<String>), DomainError> {
        let scope = format!(
            "medias:{}:{}:{}",
            filter.kind.map(|k| k.as_str()).unwrap_or(""),
            filter.tag.as_ref().map(Tag::as_str).unwrap_or(""),
            filter.owner.as_ref().map(Username::as_str).unwrap_or("")
        );
        let mut query = self.client.query().scan_index_forward(false);
        let mut conditions = Vec::new();
        let (index, by_tag) = if let Some(tag) = &filter.tag {
            query = query
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(keys::tag_pk(tag.as_str())));
            (None, true)
        } else if let Some(owner) = &filter.owner {
            query = query
                .key_condition_expression("GSI2PK = :pk")
                .expression_attribute_values(":pk", s(keys::owner_medias(owner)))
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":ready", s(MediaStatus::Ready.as_str()));
            conditions.push("#status = :ready");
            (Some("GSI2"), false)
        } else if let Some(kind) = filter.kind {
            query = query
                .key_condition_expression("GSI3PK = :pk")
                .expression_attribute_values(":pk", s(keys::kind_medias(kind.as_str())));
            (Some("GSI3"), false)
        } else {
            query =
                query.key_condition_expression("GSI1PK = :pk").expression_attribute_values(":pk", s(keys::ALL_MEDIAS));
            (Some("GSI1"), false)
        };
        if let (Some(kind), true) = (filter.kind, filter.tag.is_some() || filter.owner.is_some()) {
            conditions.push("kind = :kind");
            query = query.expression_attribute_values(":kind", s(kind.as_str()));
        }
        if let (Some(owner), true) = (&filter.owner, by_tag) {
            conditions.push("#owner = :owner");
            query = query
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_values(":owner", s(owner.as_str()));
        }
        if !conditions.is_empty() {
            query = query.filter_expression(conditions.join(" AND "));
        }
        let (items, next) = self.page(query, index, &scope, page).await?;
        let medias = if by_tag {
            let ids: Vec<MediaId> =
                items.iter().filter_map(|i| i.opt_s("id")).filter_map(|i| MediaId::parse(&i).ok()).collect();
            self.get_medias(&ids).await?.into_iter().filter(|m| m.status == MediaStatus::Ready).collect()
        } else {
            items.iter().map(media_from_item).collect::<Result<Vec<_>, _>>()?
        };
        Ok((medias, next))
    }

    /// Changes title and description (owner checked by the caller, guarded here by `ownerUid`).
    pub async fn update_media(
        &self,
        media: &Media,
        title: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), DomainError> {
        let mut sets = vec!["updatedAt = :now"];
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(media.id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("ownerUid = :uid")
            .expression_attribute_values(":uid", s(&media.owner_uid.0))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()));
        if let Some(t) = title {
            sets.push("title = :t");
            update = update.expression_attribute_values(":t", s(t));
        }
        if let Some(d) = description {
            sets.push("description = :d");
            update = update.expression_attribute_values(":d", s(d));
        }
        match update.update_expression(format!("SET {}", sets.join(", "))).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(DomainError::NotFound("media"))
            }
            Err(e) => Err(super::error::aws("update media", e).into()),
        }
    }

    /// Adds `tag` (idempotent); 409 past [`MAX_TAGS`](crate::domain::media::MAX_TAGS).
    pub async fn add_tag(&self, media: &Media, tag: &Tag) -> Result<bool, DomainError> {
        if media.tags.contains(tag) {
            return Ok(false);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(media.id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("attribute_exists(PK) AND (attribute_not_exists(tags) OR size(tags) < :max)")
            .update_expression("ADD tags :t")
            .expression_attribute_values(":max", n(crate::domain::media::MAX_TAGS))
            .expression_attribute_values(":t", AttributeValue::Ss(vec![tag.to_string()]))
            .build()
            .op("build add tag")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(put(self, tag_item(media, tag), None)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if failed_conditions(&e).is_some() => {
                Err(DomainError::Conflict(format!("a media has at most {} tags", crate::domain::media::MAX_TAGS)))
            }
            Err(e) => Err(super::error::aws("add tag", e).into()),
        }
    }

    /// Removes `tag` (idempotent).
    pub async fn remove_tag(&self, media: &Media, tag: &Tag) -> Result<(), DomainError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(media.id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("attribute_exists(PK)")
            .update_expression("DELETE tags :t")
            .expression_attribute_values(":t", AttributeValue::Ss(vec![tag.to_string()]))
            .build()
            .op("build remove tag")?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(delete(
                self,
                keys::tag_pk(tag.as_str()),
                &keys::by_time(&media.created_at, media.id.as_str()),
            )?)
            .send()
            .await
            .op("remove tag")?;
        Ok(())
    }

    /// Deletes the media item and decrements the owner's counter; the stream consumer then
    /// erases what hangs off it (likes, reposts, comments, tags, playlist entries, search).
    pub async fn delete_media(&self, media: &Media, owner: &User) -> Result<(), DomainError> {
        let del = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(media.id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("ownerUid = :uid")
            .expression_attribute_values(":uid", s(&media.owner_uid.0))
            .build()
            .op("build delete media")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(del).build())
            .transact_items(owner_counter(self, &owner.username, &owner.id, -1)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if failed_conditions(&e).is_some() => Err(DomainError::NotFound("media")),
            Err(e) => Err(super::error::aws("delete media", e).into()),
        }
    }
}
