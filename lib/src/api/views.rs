//! Response shapes (camelCase JSON, as API.md promises).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{NotificationSetting, NotificationType, User};

/// Image renditions of a profile or channel photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoSet {
    /// Small.
    pub thumb: String,
    /// Medium.
    pub medium: String,
    /// Large.
    pub large: String,
}

/// Settings shown to the account owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// Channels per notification type.
    pub notifications: BTreeMap<NotificationType, NotificationSetting>,
}

/// A user profile. `email` and `settings` only for the account itself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Handle.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Profile text.
    pub bio: String,
    /// Email address confirmed.
    pub verified: bool,
    /// Follower count.
    pub followers: u64,
    /// Following count.
    pub followings: u64,
    /// Media count.
    pub medias: u64,
    /// RFC 3339.
    pub created_at: String,
    /// Avatar renditions, when set.
    pub profile_photo: Option<PhotoSet>,
    /// Banner renditions, when set.
    pub channel_photo: Option<PhotoSet>,
    /// Only to self.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Only to self.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsView>,
}

impl UserView {
    /// What anyone may see.
    pub fn public(user: &User) -> Self {
        Self {
            username: user.username.to_string(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            verified: user.verified,
            followers: user.followers,
            followings: user.followings,
            medias: user.medias,
            created_at: user.created_at.clone(),
            profile_photo: None,
            channel_photo: None,
            email: None,
            settings: None,
        }
    }

    /// What the account itself sees.
    pub fn own(user: &User) -> Self {
        Self {
            email: Some(user.email.to_string()),
            settings: Some(SettingsView { notifications: user.settings.0.clone() }),
            ..Self::public(user)
        }
    }
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokensView {
    /// EdDSA JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use refresh token.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

/// A newly issued API key (shown once).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    /// Send as `X-Api-Key`.
    pub api_key: String,
}

/// A short acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// What happened.
    pub message: String,
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// Users.
    pub items: Vec<UserView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}
