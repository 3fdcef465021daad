//! Upload records: what an upload route signed (owner, kind, object key), whether the object
//! has arrived, and which media took it. The `fileUrl` of a media is the upload id.

use super::error::OpContext;
use super::item::{ItemExt, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, MediaKind, UserId};

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

impl Store {
    /// The upload `id`.
    pub async fn get_upload(&self, id: &str) -> Result<Option<Upload>, DomainError> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Ok(None);
        }
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::upload_pk(id)))
            .key("SK", s(keys::ONE))
            .consistent_read(true)
            .send()
            .await
            .op("get upload")?;
        let Some(it) = out.item else { return Ok(None) };
        let corrupt = || StoreError::Corrupt { what: "upload".into() };
        Ok(Some(Upload {
            owner_uid: UserId(it.req_s("ownerUid")?),
            kind: MediaKind::parse(&it.req_s("kind")?).map_err(|_| corrupt())?,
            key: it.req_s("key")?,
            arrived: it.flag("arrived"),
        }))
    }
}
