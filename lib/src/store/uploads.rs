//! Upload records: what an upload route signed (owner, purpose, object key, announced size),
//! then the processing state the transcode function drives — a lease while it works, the
//! result or the refusal reason at the end — and which media took the file. The `fileUrl` of
//! a media is the upload id. Records are listed per account by time for the 24-hour quota.

use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{ReturnValue, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, item, n, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, Lang, MediaId, MediaKind, UploadPurpose, User, UserId, Username};

/// How long an upload record is kept.
const KEEP_SECONDS: i64 = 7 * 24 * 3600;

/// Where processing of an upload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadState {
    /// Signed; the object has not been processed yet.
    Pending,
    /// A transcode run holds the lease until this Unix time.
    Processing {
        /// Lease end (a crashed run's lease expires and another may take over).
        lease_until: i64,
    },
    /// Processed: the result (files JSON as the media shows them, and internal details).
    Done {
        /// `files` of the media.
        files: serde_json::Value,
        /// What later steps need (the video ladder for subtitles, the m4a for a cover…).
        details: serde_json::Value,
    },
    /// Refused or broken, with a reason for the owner.
    Failed {
        /// Why.
        reason: String,
    },
}

impl UploadState {
    fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing { .. } => "processing",
            Self::Done { .. } => "done",
            Self::Failed { .. } => "failed",
        }
    }
}

/// A stored upload.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Upload id (the `fileUrl`).
    pub id: String,
    /// Who may use it.
    pub owner_uid: UserId,
    /// Their username when it was signed.
    pub owner: Username,
    /// What it becomes.
    pub purpose: UploadPurpose,
    /// Object key in the uploads bucket.
    pub key: String,
    /// Bytes counted against the quota: announced, then the real size once it arrived.
    pub size: u64,
    /// Processing state.
    pub state: UploadState,
    /// The media that took the file (`POST /api/medias`).
    pub media: Option<MediaId>,
}

impl Upload {
    /// The folder of processed files in the media bucket: `media/{upload id}/`.
    pub fn output_prefix(&self) -> String {
        format!("media/{}/", self.id)
    }
}

/// A new upload to record.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    /// Upload id.
    pub id: &'a str,
    /// What it is for.
    pub purpose: &'a UploadPurpose,
    /// Object key.
    pub key: &'a str,
    /// Announced size (reserved against the quota until processing charges the real one).
    pub size: u64,
    /// Announced content type.
    pub content_type: &'a str,
}

/// The answer to "may I process this upload now?".
#[derive(Debug)]
pub enum Begin {
    /// Yes: the lease is yours.
    Go(Box<Upload>),
    /// Already processed (a duplicate delivery): nothing to do.
    Finished,
    /// Another run holds a live lease.
    Busy,
    /// No such upload (an object nobody signed for).
    Unknown,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn purpose_from(it: &Item) -> Result<UploadPurpose, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt { what: format!("upload {w}") };
    let target = || it.opt_s("target").and_then(|t| MediaId::parse(&t).ok()).ok_or_else(|| corrupt("target"));
    Ok(match it.opt_s("purpose").as_deref().unwrap_or("media") {
        "media" => UploadPurpose::Media(MediaKind::parse(&it.req_s("kind")?).map_err(|_| corrupt("kind"))?),
        "subtitle" => UploadPurpose::Subtitle {
            media: target()?,
            lang: Lang::parse(&it.req_s("lang")?).map_err(|_| corrupt("lang"))?,
        },
        "cover" => UploadPurpose::Cover { media: target()? },
        "avatar" => UploadPurpose::ProfilePhoto,
        "banner" => UploadPurpose::ChannelPhoto,
        _ => return Err(corrupt("purpose")),
    })
}

fn json_attr(it: &Item, name: &str) -> serde_json::Value {
    it.opt_s(name).and_then(|v| serde_json::from_str(&v).ok()).unwrap_or(serde_json::Value::Null)
}

/// Reads an upload item.
pub fn upload_from_item(it: &Item) -> Result<Upload, StoreError> {
    let pk = it.req_s("PK")?;
    let state = match it.opt_s("state").as_deref() {
        None | Some("pending") => UploadState::Pending,
        Some("processing") => UploadState::Processing { lease_until: it.num("leaseUntil") },
        Some("done") => UploadState::Done { files: json_attr(it, "files"), details: json_attr(it, "details") },
        Some(_) => UploadState::Failed { reason: it.opt_s("reason").unwrap_or_default() },
    };
    Ok(Upload {
        id: pk.trim_start_matches("UPLOAD#").to_owned(),
        owner_uid: UserId(it.req_s("ownerUid")?),
        owner: Username::parse(&it.req_s("owner")?).map_err(|_| StoreError::Corrupt { what: "upload owner".into() })?,
        purpose: purpose_from(it)?,
        key: it.req_s("key")?,
        size: it.num("size").max(0) as u64,
        state,
        media: it.opt_s("media").and_then(|m| MediaId::parse(&m).ok()),
    })
}

impl Store {
    /// The upload `id`.
    pub async fn get_upload(&self, id: &str) -> Result<Option<Upload>, DomainError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let it = self.get_by_key(keys::upload_pk(id), keys::ONE, "get upload").await?;
        Ok(it.as_ref().map(upload_from_item).transpose()?)
    }

    /// Records an upload of `owner`.
    pub async fn create_upload(&self, owner: &User, upload: &NewUpload<'_>) -> Result<(), DomainError> {
        let now = crate::time::now_rfc3339();
        let mut it = item([
            ("PK", s(keys::upload_pk(upload.id))),
            ("SK", s(keys::ONE)),
            ("type", s("upload")),
            ("ownerUid", s(&owner.id.0)),
            ("owner", s(owner.username.as_str())),
            ("purpose", s(upload.purpose.folder())),
            ("key", s(upload.key)),
            ("size", n(upload.size)),
            ("contentType", s(upload.content_type)),
            ("createdAt", s(&now)),
            ("GSI2PK", s(keys::user_uploads(&owner.id.0))),
            ("GSI2SK", s(&now)),
            ("ttl", n(crate::time::now_unix() + KEEP_SECONDS)),
        ]);
        match upload.purpose {
            UploadPurpose::Media(kind) => {
                it.insert("purpose".into(), s("media"));
                it.insert("kind".into(), s(kind.as_str()));
            }
            UploadPurpose::Subtitle { media, lang } => {
                it.insert("target".into(), s(media.as_str()));
                it.insert("lang".into(), s(lang.as_str()));
            }
            UploadPurpose::Cover { media } => {
                it.insert("target".into(), s(media.as_str()));
            }
            UploadPurpose::ProfilePhoto | UploadPurpose::ChannelPhoto => {}
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(it))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .op("create upload")?;
        Ok(())
    }

    /// Bytes `owner` has announced or uploaded in uploads created after `since` (RFC 3339);
    /// refused uploads count nothing.
    pub async fn bytes_uploaded_since(&self, owner: &UserId, since: &str) -> Result<u64, DomainError> {
        let pk = keys::user_uploads(&owner.0);
        let uploads = self.query_all_after(Some("GSI2"), "GSI2PK", &pk, Some(("GSI2SK", since)), "sum uploads").await?;
        Ok(uploads.iter().map(|u| u.num("size").max(0) as u64).sum())
    }

    /// Takes the processing lease of upload `id` until `lease_until` (Unix seconds), recording
    /// the object's real size. Refused while another run's lease is live or once finished.
    pub async fn begin_processing(&self, id: &str, real_size: u64, lease_until: i64) -> Result<Begin, DomainError> {
        if !valid_id(id) {
            return Ok(Begin::Unknown);
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::upload_pk(id)))
            .key("SK", s(keys::ONE))
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(#state) OR #state = :pending \
                 OR (#state = :processing AND leaseUntil < :now))",
            )
            .update_expression("SET #state = :processing, leaseUntil = :lease, #size = :size ADD attempts :one")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#size", "size")
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":processing", s("processing"))
            .expression_attribute_values(":now", n(crate::time::now_unix()))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":size", n(real_size))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Begin::Go(Box::new(upload_from_item(&out.attributes.unwrap_or_default())?))),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Ok(match self.get_upload(id).await? {
                    None => Begin::Unknown,
                    Some(u) if matches!(u.state, UploadState::Processing { .. }) => Begin::Busy,
                    Some(_) => Begin::Finished,
                })
            }
            Err(e) => Err(super::error::aws("begin processing", e).into()),
        }
    }

    /// Records the end of processing of `upload` (which must hold the lease): `Done` or
    /// `Failed`. A refused upload's size drops to 0 (nothing counts against the quota).
    /// Returns `false` when a media claimed the upload meanwhile (the caller links it).
    pub(crate) async fn finish_unclaimed(&self, upload: &Upload, state: &UploadState) -> Result<bool, DomainError> {
        let update = state_update(self, &upload.id, state).condition_expression("attribute_not_exists(media)").build();
        match self.update_one(update.op("build upload end")?).await {
            Ok(()) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(super::error::aws("finish upload", e).into()),
        }
    }

    /// Gives the lease of upload `id` back after a failed run, so a retry can start at once.
    pub async fn release_upload(&self, id: &str) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::upload_pk(id)))
            .key("SK", s(keys::ONE))
            .condition_expression("#state = :processing")
            .update_expression("SET #state = :pending REMOVE leaseUntil")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":processing", s("processing"))
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await;
        match result {
            Err(e) if !e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                Err(super::error::aws("release upload", e).into())
            }
            _ => Ok(()),
        }
    }
}

/// The update that writes `state` on upload `id` (a refused upload's size drops to 0).
pub(crate) fn state_update(store: &Store, id: &str, state: &UploadState) -> UpdateBuilder {
    let update = Update::builder()
        .table_name(&store.table)
        .key("PK", s(keys::upload_pk(id)))
        .key("SK", s(keys::ONE))
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":state", s(state.name()));
    match state {
        UploadState::Done { files, details } => update
            .update_expression("SET #state = :state, files = :files, details = :details REMOVE leaseUntil")
            .expression_attribute_values(":files", s(files.to_string()))
            .expression_attribute_values(":details", s(details.to_string())),
        UploadState::Failed { reason } => update
            .update_expression("SET #state = :state, reason = :reason, #size = :zero REMOVE leaseUntil")
            .expression_attribute_names("#size", "size")
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":zero", n(0)),
        UploadState::Pending | UploadState::Processing { .. } => update.update_expression("SET #state = :state"),
    }
}
