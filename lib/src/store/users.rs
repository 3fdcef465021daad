//! Accounts: the profile item, the email uniqueness item and the API-key item, always written
//! together in one transaction so they can never disagree.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::error::OpContext;
use super::item::{Item, ItemExt, b, item, n, s};
use super::keys::{self, PROFILE};
use super::verification::VerificationRecord;
use super::{Store, StoreError};
use crate::domain::{DomainError, Email, NotificationSettings, User, UserId, Username};
use crate::http::PageRequest;

/// Profile fields a user may change directly.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New bio.
    pub bio: Option<String>,
    /// New (complete) settings.
    pub settings: Option<NotificationSettings>,
}

/// Which condition items of a transaction failed (`ConditionalCheckFailed`), by position.
pub(crate) fn failed_conditions(err: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> Option<Vec<bool>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            Some(e.cancellation_reasons().iter().map(|r| r.code() == Some("ConditionalCheckFailed")).collect())
        }
        _ => None,
    }
}

pub(crate) fn put(store: &Store, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(&store.table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .build()
        .op("build put")?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub(crate) fn delete(store: &Store, pk: String, sk: &str) -> Result<TransactWriteItem, StoreError> {
    let delete =
        Delete::builder().table_name(&store.table).key("PK", s(pk)).key("SK", s(sk)).build().op("build delete")?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The profile item of `user` (what sign-up writes, without the email and code items).
pub fn profile_item(user: &User) -> Item {
    let mut it = item([
        ("PK", s(keys::user_pk(&user.username))),
        ("SK", s(PROFILE)),
        ("type", s("user")),
        ("GSI1PK", s(keys::ALL_USERS)),
        ("GSI1SK", s(keys::user_list_sk(&user.created_at, &user.username))),
        ("uid", s(&user.id.0)),
        ("username", s(user.username.as_str())),
        ("email", s(user.email.as_str())),
        ("verified", b(user.verified)),
        ("displayName", s(&user.display_name)),
        ("bio", s(&user.bio)),
        ("followers", n(user.followers)),
        ("followings", n(user.followings)),
        ("medias", n(user.medias)),
        ("createdAt", s(&user.created_at)),
        ("updatedAt", s(&user.updated_at)),
        ("passwordHash", s(&user.password_hash)),
        ("tokensValidAfter", n(user.tokens_valid_after)),
        ("settings", s(serde_json::to_string(&user.settings).unwrap_or_default())),
    ]);
    if let Some(h) = &user.api_key_hash {
        it.insert("apiKeyHash".into(), s(h));
    }
    it
}

/// Reads a profile item.
pub fn user_from_item(it: &Item) -> Result<User, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt { what: what.to_owned() };
    let settings = it
        .opt_s("settings")
        .and_then(|j| serde_json::from_str::<NotificationSettings>(&j).ok())
        .unwrap_or_default()
        .with_defaults();
    Ok(User {
        id: UserId(it.req_s("uid")?),
        username: Username::parse(&it.req_s("username")?).map_err(|_| corrupt("username"))?,
        email: Email::parse(&it.req_s("email")?).map_err(|_| corrupt("email"))?,
        verified: it.flag("verified"),
        display_name: it.opt_s("displayName").unwrap_or_default(),
        bio: it.opt_s("bio").unwrap_or_default(),
        followers: it.num("followers").max(0) as u64,
        followings: it.num("followings").max(0) as u64,
        medias: it.num("medias").max(0) as u64,
        created_at: it.req_s("createdAt")?,
        updated_at: it.opt_s("updatedAt").unwrap_or_default(),
        password_hash: it.req_s("passwordHash")?,
        api_key_hash: it.opt_s("apiKeyHash"),
        tokens_valid_after: it.num("tokensValidAfter"),
        settings,
        profile_photo: it.opt_s("profilePhoto").and_then(|j| serde_json::from_str(&j).ok()),
        channel_photo: it.opt_s("channelPhoto").and_then(|j| serde_json::from_str(&j).ok()),
    })
}

impl Store {
    /// Creates the account, its email item and its first verification code in one
    /// transaction. 409 naming `username` or `email` when taken (exactly one of two concurrent
    /// sign-ups for a name wins).
    pub async fn create_user(&self, user: &User, code: &VerificationRecord) -> Result<(), DomainError> {
        let email_item = item([
            ("PK", s(keys::email_pk(user.email.as_str()))),
            ("SK", s(keys::ONE)),
            ("type", s("email")),
            ("username", s(user.username.as_str())),
            ("uid", s(&user.id.0)),
        ]);
        let result = self
            .client
            .transact_write_items()
            .transact_items(put(self, profile_item(user), Some("attribute_not_exists(PK)"))?)
            .transact_items(put(self, email_item, Some("attribute_not_exists(PK)"))?)
            .transact_items(put(self, code.to_item(&user.username), None)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e).as_deref() {
                Some([true, ..]) => Err(DomainError::Conflict("username is already taken".into())),
                Some([_, true, ..]) => Err(DomainError::Conflict("email is already registered".into())),
                _ => Err(super::error::aws("create user", e).into()),
            },
        }
    }

    /// The account named `username`.
    pub async fn get_user(&self, username: &Username) -> Result<Option<User>, DomainError> {
        let item = self.get_by_key(keys::user_pk(username), PROFILE, "get user").await?;
        Ok(item.as_ref().map(user_from_item).transpose()?)
    }

    /// The account named `username`, or 404.
    pub async fn require_user(&self, username: &Username) -> Result<User, DomainError> {
        self.get_user(username).await?.ok_or(DomainError::NotFound("user"))
    }

    /// The account registered with `email`.
    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        let item = self.get_by_key(keys::email_pk(email.as_str()), keys::ONE, "get email").await?;
        let Some(username) = item.as_ref().and_then(|i| i.opt_s("username")) else {
            return Ok(None);
        };
        let username = Username::parse(&username).map_err(|_| StoreError::Corrupt { what: "email item".into() })?;
        self.get_user(&username).await
    }

    /// Users, newest first.
    pub async fn list_users(&self, page: &PageRequest) -> Result<(Vec<User>, Option<String>), DomainError> {
        let query = self
            .client
            .query()
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(keys::ALL_USERS))
            .scan_index_forward(false);
        let (items, next) = self.page(query, Some("GSI1"), "users", page).await?;
        let users = items.iter().map(user_from_item).collect::<Result<Vec<_>, _>>()?;
        Ok((users, next))
    }

    /// The accounts among `names` that exist, in the order of `names`.
    pub async fn get_users(&self, names: &[Username]) -> Result<Vec<User>, DomainError> {
        let key_of = |name: &str| (keys::user_pk_str(name), PROFILE.to_owned());
        Ok(self.get_in_order(names, key_of, user_from_item, |u| u.username.to_string(), "batch get users").await?)
    }

    /// Applies profile changes; 404 when the account is gone.
    pub async fn update_profile(&self, user: &User, changes: &ProfileChanges) -> Result<(), DomainError> {
        let mut sets = vec!["updatedAt = :now".to_owned()];
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid")
            .expression_attribute_values(":uid", s(&user.id.0))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()));
        if let Some(v) = &changes.display_name {
            sets.push("displayName = :dn".into());
            update = update.expression_attribute_values(":dn", s(v));
        }
        if let Some(v) = &changes.bio {
            sets.push("bio = :bio".into());
            update = update.expression_attribute_values(":bio", s(v));
        }
        if let Some(v) = &changes.settings {
            sets.push("settings = :st".into());
            update = update.expression_attribute_values(":st", s(serde_json::to_string(v).unwrap_or_default()));
        }
        let result = update.update_expression(format!("SET {}", sets.join(", "))).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(DomainError::NotFound("user"))
            }
            Err(e) => Err(super::error::aws("update profile", e).into()),
        }
    }

    /// Replaces the password hash and refuses every token and session issued before now.
    pub async fn set_password(&self, user: &User, hash: &str) -> Result<(), DomainError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid")
            .update_expression("SET passwordHash = :h, tokensValidAfter = :t, updatedAt = :now")
            .expression_attribute_values(":uid", s(&user.id.0))
            .expression_attribute_values(":h", s(hash))
            .expression_attribute_values(":t", n(crate::time::now_unix_ms()))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .send()
            .await
            .op("set password")?;
        Ok(())
    }

    /// Moves the account to `email` (unverified) with a new verification code; 409 when the
    /// address belongs to another account.
    pub async fn change_email(&self, user: &User, email: &Email, code: &VerificationRecord) -> Result<(), DomainError> {
        let email_item = item([
            ("PK", s(keys::email_pk(email.as_str()))),
            ("SK", s(keys::ONE)),
            ("type", s("email")),
            ("username", s(user.username.as_str())),
            ("uid", s(&user.id.0)),
        ]);
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid AND email = :old")
            .update_expression("SET email = :e, verified = :f, updatedAt = :now")
            .expression_attribute_values(":uid", s(&user.id.0))
            .expression_attribute_values(":old", s(user.email.as_str()))
            .expression_attribute_values(":e", s(email.as_str()))
            .expression_attribute_values(":f", b(false))
            .expression_attribute_values(":now", s(crate::time::now_rfc3339()))
            .build()
            .op("build update")?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(put(self, email_item, Some("attribute_not_exists(PK)"))?)
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(delete(self, keys::email_pk(user.email.as_str()), keys::ONE)?)
            .transact_items(put(self, code.to_item(&user.username), None)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e).as_deref() {
                Some([true, ..]) => Err(DomainError::Conflict("email is already registered".into())),
                Some([_, true, ..]) => Err(DomainError::Conflict("the account changed meanwhile; retry".into())),
                _ => Err(super::error::aws("change email", e).into()),
            },
        }
    }

    /// Makes `hash` the account's only API key.
    pub async fn replace_api_key(&self, user: &User, hash: &str) -> Result<(), DomainError> {
        let key_item = item([
            ("PK", s(keys::api_key_pk(hash))),
            ("SK", s(keys::ONE)),
            ("type", s("apiKey")),
            ("username", s(user.username.as_str())),
            ("uid", s(&user.id.0)),
            ("createdAt", s(crate::time::now_rfc3339())),
        ]);
        let (condition, old) = match &user.api_key_hash {
            Some(old) => ("uid = :uid AND apiKeyHash = :old", Some(old)),
            None => ("uid = :uid AND attribute_not_exists(apiKeyHash)", None),
        };
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression(condition)
            .update_expression("SET apiKeyHash = :h")
            .expression_attribute_values(":uid", s(&user.id.0))
            .expression_attribute_values(":h", s(hash));
        if let Some(old) = old {
            update = update.expression_attribute_values(":old", s(old));
        }
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update.build().op("build update")?).build())
            .transact_items(put(self, key_item, Some("attribute_not_exists(PK)"))?);
        if let Some(old) = old {
            tx = tx.transact_items(delete(self, keys::api_key_pk(old), keys::ONE)?);
        }
        match tx.send().await {
            Ok(_) => Ok(()),
            Err(e) if failed_conditions(&e).is_some() => {
                Err(DomainError::Conflict("the API key changed meanwhile; retry".into()))
            }
            Err(e) => Err(super::error::aws("replace api key", e).into()),
        }
    }

    /// The owner (username, account id) of the API key with this hash.
    pub async fn api_key_owner(&self, hash: &str) -> Result<Option<(Username, UserId)>, DomainError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::api_key_pk(hash)))
            .key("SK", s(keys::ONE))
            .send()
            .await
            .op("get api key")?;
        let Some(it) = out.item else { return Ok(None) };
        let username = Username::parse(&it.req_s("username")?)
            .map_err(|_| StoreError::Corrupt { what: "api key owner".into() })?;
        Ok(Some((username, UserId(it.req_s("uid")?))))
    }

    /// Deletes the profile, the email item and the API key in one transaction: sign-in,
    /// tokens and the key stop working at once. The rest of the partition (sessions, codes)
    /// and the user's content are erased by the stream consumer when it sees the profile go.
    pub async fn delete_user(&self, user: &User) -> Result<(), DomainError> {
        let profile = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::user_pk(&user.username)))
            .key("SK", s(PROFILE))
            .condition_expression("uid = :uid")
            .expression_attribute_values(":uid", s(&user.id.0))
            .build()
            .op("build delete")?;
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(profile).build())
            .transact_items(delete(self, keys::email_pk(user.email.as_str()), keys::ONE)?);
        if let Some(h) = &user.api_key_hash {
            tx = tx.transact_items(delete(self, keys::api_key_pk(h), keys::ONE)?);
        }
        match tx.send().await {
            Ok(_) => Ok(()),
            Err(e) if failed_conditions(&e).is_some() => Err(DomainError::NotFound("user")),
            Err(e) => Err(super::error::aws("delete user", e).into()),
        }
    }
}
