//! Pending email verification: one item per account holding the hash of the emailed code, the
//! address it confirms, failed attempts and an expiry (TTL).

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, b, item, n, s};
use super::keys::{self, PROFILE, VERIFY};
use super::{Store, StoreError};
use crate::domain::{DomainError, Email, User, UserId, Username};

/// Wrong guesses allowed per code.
pub const MAX_ATTEMPTS: i64 = 5;

/// A stored verification code.
#[derive(Clone, Debug)]
pub struct VerificationRecord {
    /// Account the code belongs to.
    pub uid: UserId,
    /// Address it confirms.
    pub email: Email,
    /// Hash of the code (see [`code_hash`]).
    pub code_hash: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Unix seconds when it was sent.
    pub sent_at: i64,
    /// Unix seconds when it stops working (also the TTL).
    pub expires_at: i64,
}

/// The stored form of a code: bound to the account so equal codes of two users differ.
pub fn code_hash(uid: &UserId, code: &str) -> String {
    crate::auth::random::sha256_hex(&format!("{}:{code}", uid.0))
}

impl VerificationRecord {
    /// A fresh record for `code`, valid `ttl_seconds`.
    pub fn new(uid: &UserId, email: &Email, code: &str, ttl_seconds: i64) -> Self {
        let now = crate::time::now_unix();
        Self {
            uid: uid.clone(),
            email: email.clone(),
            code_hash: code_hash(uid, code),
            attempts: 0,
            sent_at: now,
            expires_at: now + ttl_seconds,
        }
    }

    pub(crate) fn to_item(&self, username: &Username) -> Item {
        item([
            ("PK", s(keys::user_pk(username))),
            ("SK", s(VERIFY)),
            ("type", s("verification")),
            ("uid", s(&self.uid.0)),
            ("email", s(self.email.as_str())),
            ("codeHash", s(&self.code_hash)),
            ("attempts", n(self.attempts)),
            ("sentAt", n(self.sent_at)),
            ("ttl", n(self.expires_at)),
        ])
    }

    fn from_item(it: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            uid: UserId(it.req_s("uid")?),
            email: Email::parse(&it.req_s("email")?)
                .map_err(|_| StoreError::Corrupt { what: "verification email".into() })?,
            code_hash: it.req_s("codeHash")?,
            attempts: it.num("attempts"),
            sent_at: it.num("sentAt"),
            expires_at: it.num("ttl"),
        })
    }
}

impl Store {
    /// The pending code of `username`.
    pub async fn get_verification(&self, username: &Username) -> Result<Option<VerificationRecord>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(username)))
            .key("SK", s(VERIFY))
            .consistent_read(true)
            .send()
            .await
            .op("get verification")?;
        Ok(out.item.as_ref().map(VerificationRecord::from_item).transpose()?)
    }

    /// Replaces the pending code.
    pub async fn put_verification(&self, username: &Username, record: &VerificationRecord) -> Result<(), DomainError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record.to_item(username)))
            .send()
            .await
            .op("put verification")?;
        Ok(())
    }

    /// Counts a wrong guess; false when the attempts were already used up (concurrent guesses
    /// cannot exceed the limit).
    pub async fn record_failed_attempt(
        &self,
        username: &Username,
        record: &VerificationRecord,
    ) -> Result<bool, DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(username)))
            .key("SK", s(VERIFY))
            .condition_expression("codeHash = :h AND attempts < :max")
            .update_expression("ADD attempts :one")
            .expression_attribute_values(":h", s(&record.code_hash))
            .expression_attribute_values(":max", n(MAX_ATTEMPTS))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(super::error::aws("record attempt", e).into()),
        }
    }

    /// Marks the address verified and consumes the code, in one transaction; 409 when the
    /// account's address changed since the code was sent.
    pub async fn confirm_verification(&self, user: &User, record: &VerificationRecord) -> Result<(), DomainError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid AND email = :e")
            .update_expression("SET verified = :t, updatedAt = :now")
            .expression_attribute_values(":uid", s(&record.uid.0))
            .expression_attribute_values(":e", s(record.email.as_str()))
            .expression_attribute_values(":t", b(true))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .build()
            .op("build update")?;
        let consume = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(VERIFY))
            .condition_expression("codeHash = :h")
            .expression_attribute_values(":h", s(&record.code_hash))
            .build()
            .op("build delete")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().delete(consume).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if super::users::failed_conditions(&e).is_some() => {
                Err(DomainError::Conflict("the code no longer matches this account; request a new one".into()))
            }
            Err(e) => Err(super::error::aws("confirm verification", e).into()),
        }
    }
}
