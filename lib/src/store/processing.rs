//! What processing writes back: the end of an upload linked to the media that claimed it (in
//! either order — the file may be processed before or after `POST /api/medias`), subtitles and
//! covers attached to a media, and an account's profile or channel photo.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{ItemExt, s};
use super::keys::{self, MEDIA, PROFILE};
use super::medias::list_keys;
use super::uploads::{Upload, UploadState, state_update};
use super::users::failed_conditions;
use super::{Store, StoreError};
use crate::domain::{DomainError, Media, MediaId, MediaStatus, UserId, Username};

/// Rounds of "read the upload, write the outcome" when a media claims it meanwhile.
const LINK_ATTEMPTS: usize = 5;

/// Which photo of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountPhoto {
    /// The avatar (`profilePhoto`).
    Profile,
    /// The banner (`channelPhoto`).
    Channel,
}

impl AccountPhoto {
    /// The profile attribute.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Profile => "profilePhoto",
            Self::Channel => "channelPhoto",
        }
    }
}

fn ccf<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

impl Store {
    /// Records the end of processing of `upload` and, when a media has claimed it, moves the
    /// media to `ready` (with its files and list keys) or `failed` in the same transaction.
    /// Returns that media as written, if any.
    pub async fn finish_upload(&self, upload: &Upload, state: &UploadState) -> Result<Option<Media>, DomainError> {
        for _ in 0..LINK_ATTEMPTS {
            let current = self.get_upload(&upload.id).await?.ok_or(DomainError::NotFound("upload"))?;
            let media = match &current.media {
                Some(id) => self.get_media(id).await?,
                None => None,
            };
            let Some(mut media) = media else {
                if current.media.is_some() {
                    // Claimed by a media deleted since: the upload keeps the outcome alone.
                    self.write_upload_state(&current, state).await?;
                    return Ok(None);
                }
                if self.finish_unclaimed(&current, state).await? {
                    return Ok(None);
                }
                continue;
            };
            let upload_update = state_update(self, &upload.id, state);
            let now = crate::time::now_rfc3339();
            let mut media_update = Update::builder()
                .table_name(&self.table)
                .key("PK", s(keys::media_pk(media.id.as_str())))
                .key("SK", s(MEDIA))
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":now", s(&now));
            match state {
                UploadState::Done { files, details } => {
                    media.status = MediaStatus::Ready;
                    media.files = Some(files.clone());
                    media.details = Some(details.clone());
                    let mut sets = vec![
                        "#status = :ready".to_owned(),
                        "files = :files".to_owned(),
                        "details = :details".to_owned(),
                        "updatedAt = :now".to_owned(),
                    ];
                    media_update = media_update
                        .expression_attribute_values(":ready", s(MediaStatus::Ready.as_str()))
                        .expression_attribute_values(":files", s(files.to_string()))
                        .expression_attribute_values(":details", s(details.to_string()));
                    for (name, value) in list_keys(&media) {
                        sets.push(format!("{name} = :{name}"));
                        media_update = media_update.expression_attribute_values(format!(":{name}"), value);
                    }
                    media_update =
                        media_update.update_expression(format!("SET {} REMOVE statusReason", sets.join(", ")));
                }
                UploadState::Failed { reason } => {
                    media.status = MediaStatus::Failed;
                    media.status_reason = Some(reason.clone());
                    media_update = media_update
                        .update_expression("SET #status = :failed, statusReason = :reason, updatedAt = :now")
                        .expression_attribute_values(":failed", s(MediaStatus::Failed.as_str()))
                        .expression_attribute_values(":reason", s(reason));
                }
                UploadState::Pending | UploadState::Processing { .. } => {
                    return Err(DomainError::Internal("an upload ends done or failed".into()));
                }
            }
            let result = self
                .client
                .transact_write_items()
                .transact_items(
                    TransactWriteItem::builder().update(upload_update.build().op("build upload end")?).build(),
                )
                .transact_items(
                    TransactWriteItem::builder().update(media_update.build().op("build media end")?).build(),
                )
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Some(media)),
                Err(e) if failed_conditions(&e).is_some() => continue,
                Err(e) => return Err(super::error::aws("finish media", e).into()),
            }
        }
        Err(StoreError::Aws { op: "finish upload", message: "the upload kept changing".into() }.into())
    }

    async fn write_upload_state(&self, upload: &Upload, state: &UploadState) -> Result<(), DomainError> {
        let update = state_update(self, &upload.id, state).build().op("build upload state")?;
        self.update_one(update).await.op("write upload state")?;
        Ok(())
    }

    /// Moves a claimed media from `uploading` to `processing` (no-op in any other state).
    pub async fn mark_media_processing(&self, id: &MediaId) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("#status = :uploading")
            .update_expression("SET #status = :processing")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":uploading", s(MediaStatus::Uploading.as_str()))
            .expression_attribute_values(":processing", s(MediaStatus::Processing.as_str()))
            .send()
            .await;
        match result {
            Err(e) if !e.as_service_error().is_some_and(ccf) => Err(super::error::aws("mark processing", e).into()),
            _ => Ok(()),
        }
    }

    /// Adds (or replaces) the `lang` subtitle of video `id`; `prefix` is where its files live.
    pub async fn set_subtitle(&self, id: &MediaId, lang: &str, url: &str, prefix: &str) -> Result<(), DomainError> {
        self.attach(
            id,
            "SET subtitles.#lang = :url, updatedAt = :now REMOVE rejected.#slot ADD prefixes :prefix",
            &[("#lang", lang), ("#slot", &format!("subtitles/{lang}"))],
            vec![(":url", s(url)), (":prefix", AttributeValue::Ss(vec![prefix.to_owned()]))],
        )
        .await
    }

    /// Sets the cover artwork (object key) of music `id`; `prefix` is where its files live.
    pub async fn set_cover(&self, id: &MediaId, key: &str, prefix: &str) -> Result<(), DomainError> {
        self.attach(
            id,
            "SET cover = :key, updatedAt = :now REMOVE rejected.#slot ADD prefixes :prefix",
            &[("#slot", "cover")],
            vec![(":key", s(key)), (":prefix", AttributeValue::Ss(vec![prefix.to_owned()]))],
        )
        .await
    }

    /// Records why the attachment `slot` (`subtitles/en`, `cover`) of media `id` was refused.
    pub async fn reject_attachment(&self, id: &MediaId, slot: &str, reason: &str) -> Result<(), DomainError> {
        self.attach(
            id,
            "SET rejected.#slot = :reason, updatedAt = :now",
            &[("#slot", slot)],
            vec![(":reason", s(reason))],
        )
        .await
    }

    async fn attach(
        &self,
        id: &MediaId,
        expr: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<(), DomainError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("attribute_exists(PK)")
            .update_expression(expr)
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()));
        for (k, v) in names {
            update = update.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            update = update.expression_attribute_values(k, v);
        }
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(ccf) => Err(DomainError::NotFound("media")),
            Err(e) => Err(super::error::aws("attach to media", e).into()),
        }
    }

    /// Records that `cover` is now embedded in music `id`'s files (which become `files`),
    /// unless a newer cover arrived meanwhile (then `false`: embed that one).
    pub async fn set_cover_applied(
        &self,
        id: &MediaId,
        cover: &str,
        files: &serde_json::Value,
    ) -> Result<bool, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::media_pk(id.as_str())))
            .key("SK", s(MEDIA))
            .condition_expression("cover = :cover AND #status = :ready")
            .update_expression("SET coverApplied = :cover, files = :files, updatedAt = :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":cover", s(cover))
            .expression_attribute_values(":ready", s(MediaStatus::Ready.as_str()))
            .expression_attribute_values(":files", s(files.to_string()))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(ccf) => Ok(false),
            Err(e) => Err(super::error::aws("apply cover", e).into()),
        }
    }

    /// Sets an account photo (the renditions' JSON) if the account `uid` still holds
    /// `username`; returns the previous value's JSON (its files can go).
    pub async fn set_account_photo(
        &self,
        username: &Username,
        uid: &UserId,
        which: AccountPhoto,
        photo: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid")
            .update_expression("SET #photo = :photo, updatedAt = :now")
            .expression_attribute_names("#photo", which.attribute())
            .expression_attribute_values(":uid", s(&uid.0))
            .expression_attribute_values(":photo", s(photo.to_string()))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out
                .attributes
                .and_then(|old| old.opt_s(which.attribute()))
                .and_then(|v| serde_json::from_str(&v).ok())),
            Err(e) if e.as_service_error().is_some_and(ccf) => Err(DomainError::NotFound("user")),
            Err(e) => Err(super::error::aws("set account photo", e).into()),
        }
    }
}
