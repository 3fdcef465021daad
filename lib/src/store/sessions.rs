//! Sessions: a refresh-token family per sign-in. Refresh tokens are opaque, stored by hash,
//! rotated on every use; presenting a spent one again revokes the whole family (the token was
//! stolen or replayed). Logout revokes the family.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, b, item, n, s};
use super::keys::{self, PROFILE};
use super::users::{failed_conditions, put};
use super::{Store, StoreError};
use crate::auth::random;
use crate::domain::{DomainError, User, UserId, Username};

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct RefreshRecord {
    /// Owner.
    pub username: Username,
    /// Owner's account id.
    pub uid: UserId,
    /// Session (family) id.
    pub family: String,
    /// Already exchanged.
    pub spent: bool,
}

fn refresh_item(hash: &str, user: &User, family: &str, ttl: i64) -> Item {
    item([
        ("PK", s(keys::refresh_pk(hash))),
        ("SK", s(keys::ONE)),
        ("type", s("refreshToken")),
        ("username", s(user.username.as_str())),
        ("uid", s(&user.id.0)),
        ("family", s(family)),
        ("spent", b(false)),
        ("ttl", n(ttl)),
    ])
}

fn unauthenticated(why: &str) -> DomainError {
    DomainError::Unauthenticated(format!("invalid refresh token: {why}"))
}

impl Store {
    /// Starts a session for `user`; returns the first refresh token.
    pub async fn start_session(&self, user: &User, ttl_seconds: i64) -> Result<String, DomainError> {
        let token = random::token(32);
        let family = random::id(16);
        let now = crate::time::now_unix();
        let session = item([
            ("PK", s(keys::user_pk(&user.username))),
            ("SK", s(keys::session_sk(&family))),
            ("type", s("session")),
            ("uid", s(&user.id.0)),
            ("startedAt", n(crate::time::now_unix_ms())),
            ("revoked", b(false)),
            ("ttl", n(now + ttl_seconds)),
        ]);
        self.client
            .transact_write_items()
            .transact_items(put(self, session, None)?)
            .transact_items(put(
                self,
                refresh_item(&random::sha256_hex(&token), user, &family, now + ttl_seconds),
                None,
            )?)
            .send()
            .await
            .op("start session")?;
        Ok(token)
    }

    /// The stored record of a refresh token.
    pub async fn refresh_record(&self, token: &str) -> Result<Option<RefreshRecord>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::refresh_pk(&random::sha256_hex(token))))
            .key("SK", s(keys::ONE))
            .consistent_read(true)
            .send()
            .await
            .op("get refresh token")?;
        let Some(it) = out.item else { return Ok(None) };
        if it.num("ttl") < crate::time::now_unix() {
            return Ok(None); // expired; TTL deletion is lazy
        }
        Ok(Some(RefreshRecord {
            username: Username::parse(&it.req_s("username")?)
                .map_err(|_| StoreError::Corrupt { what: "refresh owner".into() })?,
            uid: UserId(it.req_s("uid")?),
            family: it.req_s("family")?,
            spent: it.flag("spent"),
        }))
    }

    /// Exchanges `token` for a new one in the same family. A spent token revokes the family.
    pub async fn rotate_refresh(&self, token: &str, user: &User, ttl_seconds: i64) -> Result<String, DomainError> {
        let record = self.refresh_record(token).await?.ok_or_else(|| unauthenticated("unknown or expired"))?;
        if record.uid != user.id {
            return Err(unauthenticated("unknown or expired"));
        }
        if record.spent {
            self.revoke_session(&record.username, &record.family).await?;
            return Err(unauthenticated("already used; the session has been revoked"));
        }
        let new_token = random::token(32);
        let now = crate::time::now_unix();
        let hash = random::sha256_hex(token);
        let spend = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::refresh_pk(&hash)))
            .key("SK", s(keys::ONE))
            .condition_expression("spent = :f")
            .update_expression("SET spent = :t")
            .expression_attribute_values(":f", b(false))
            .expression_attribute_values(":t", b(true))
            .build()
            .op("build spend")?;
        let extend = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(keys::session_sk(&record.family)))
            .condition_expression("uid = :uid AND revoked = :f AND startedAt >= :valid")
            .update_expression("SET #ttl = :ttl")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":uid", s(&user.id.0))
            .expression_attribute_values(":f", b(false))
            .expression_attribute_values(":valid", n(user.tokens_valid_after))
            .expression_attribute_values(":ttl", n(now + ttl_seconds))
            .build()
            .op("build extend")?;
        let owner = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid")
            .expression_attribute_values(":uid", s(&user.id.0))
            .build()
            .op("build check")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(spend).build())
            .transact_items(TransactWriteItem::builder().update(extend).build())
            .transact_items(TransactWriteItem::builder().condition_check(owner).build())
            .transact_items(put(
                self,
                refresh_item(&random::sha256_hex(&new_token), user, &record.family, now + ttl_seconds),
                None,
            )?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(new_token),
            Err(e) => match failed_conditions(&e).as_deref() {
                Some([true, ..]) => {
                    // Lost a race with another use of the same token: that is reuse too.
                    self.revoke_session(&record.username, &record.family).await?;
                    Err(unauthenticated("already used; the session has been revoked"))
                }
                Some(_) => Err(unauthenticated("the session has ended")),
                None => Err(super::error::aws("rotate refresh token", e).into()),
            },
        }
    }

    /// Revokes a session: none of its refresh tokens work any more.
    pub async fn revoke_session(&self, username: &Username, family: &str) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(username)))
            .key("SK", s(keys::session_sk(family)))
            .condition_expression("attribute_exists(PK)")
            .update_expression("SET revoked = :t")
            .expression_attribute_values(":t", b(true))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(super::error::aws("revoke session", e).into()),
        }
    }
}
