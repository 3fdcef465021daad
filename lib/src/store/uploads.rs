//! Upload records: what an upload route signed (owner, kind, object key, announced size),
//! whether the object has arrived, and which media took it. The `fileUrl` of a media is the
//! upload id. Records are listed per account by time for the rolling 24-hour quota.

use super::error::OpContext;
use super::item::{ItemExt, item, n, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, MediaKind, User, UserId};

/// How long an unused upload record is kept.
const KEEP_SECONDS: i64 = 7 * 24 * 3600;

/// A stored upload.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Who may use it.
    pub owner_uid: UserId,
    /// What it must contain.
    pub kind: MediaKind,
    /// Object key in the uploads bucket.
    pub key: String,
    /// The object has arrived (processing can start).
    pub arrived: bool,
}

/// A new upload to record.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    /// Upload id.
    pub id: &'a str,
    /// Kind of media it is for.
    pub kind: MediaKind,
    /// Object key.
    pub key: &'a str,
    /// Announced size (reserved against the quota until processing charges the real one).
    pub size: u64,
    /// Announced content type.
    pub content_type: &'a str,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Store {
    /// The upload `id`.
    pub async fn get_upload(&self, id: &str) -> Result<Option<Upload>, DomainError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let Some(it) = self.get_by_key(keys::upload_pk(id), keys::ONE, "get upload").await? else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt { what: "upload".into() };
        Ok(Some(Upload {
            owner_uid: UserId(it.req_s("ownerUid")?),
            kind: MediaKind::parse(&it.req_s("kind")?).map_err(|_| corrupt())?,
            key: it.req_s("key")?,
            arrived: it.flag("arrived"),
        }))
    }

    /// Records an upload of `owner`.
    pub async fn create_upload(&self, owner: &User, upload: &NewUpload<'_>) -> Result<(), DomainError> {
        let now = crate::time::now_rfc3339();
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item([
                ("PK", s(keys::upload_pk(upload.id))),
                ("SK", s(keys::ONE)),
                ("type", s("upload")),
                ("ownerUid", s(&owner.id.0)),
                ("owner", s(owner.username.as_str())),
                ("kind", s(upload.kind.as_str())),
                ("key", s(upload.key)),
                ("size", n(upload.size)),
                ("contentType", s(upload.content_type)),
                ("createdAt", s(&now)),
                ("GSI2PK", s(keys::user_uploads(&owner.id.0))),
                ("GSI2SK", s(&now)),
                ("ttl", n(crate::time::now_unix() + KEEP_SECONDS)),
            ])))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .op("create upload")?;
        Ok(())
    }

    /// Bytes `owner` announced in uploads created after `since` (RFC 3339).
    pub async fn bytes_uploaded_since(&self, owner: &UserId, since: &str) -> Result<u64, DomainError> {
        let pk = keys::user_uploads(&owner.0);
        let uploads = self.query_all_after(Some("GSI2"), "GSI2PK", &pk, Some(("GSI2SK", since)), "sum uploads").await?;
        Ok(uploads.iter().map(|u| u.num("size").max(0) as u64).sum())
    }
}
