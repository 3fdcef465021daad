//! Response shapes (camelCase JSON, as API.md promises).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{NotificationSetting, NotificationType, User};

/// Image renditions of a profile or channel photo (WebP), with JPEG fallbacks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhotoSet {
    /// Small.
    pub thumb: String,
    /// Medium.
    pub medium: String,
    /// Large.
    pub large: String,
    /// The same sizes as JPEG, for clients without WebP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jpeg: Option<BTreeMap<String, String>>,
}

impl PhotoSet {
    /// Reads the stored JSON (processing writes this very shape).
    pub fn of(stored: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(stored.clone()).ok()
    }
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
            profile_photo: user.profile_photo.as_ref().and_then(PhotoSet::of),
            channel_photo: user.channel_photo.as_ref().and_then(PhotoSet::of),
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

/// A media (photo, video, music or text post).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaView {
    /// Id.
    pub url: String,
    /// `photo | video | music | post`.
    pub kind: crate::domain::MediaKind,
    /// Owner's username.
    pub owner: String,
    /// Title (empty for posts).
    pub title: String,
    /// Description.
    pub description: String,
    /// Text of a post.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `uploading | processing | ready | failed`.
    pub status: crate::domain::MediaStatus,
    /// Why processing failed.
    pub status_reason: Option<String>,
    /// Like count.
    pub likes: u64,
    /// Comment count.
    pub comments: u64,
    /// Repost count.
    pub reposts: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Processed files once ready.
    #[schema(value_type = Option<Object>)]
    pub files: Option<serde_json::Value>,
    /// Subtitle tracks or covers that processing refused, by slot (`subtitles/en`, `cover`),
    /// with the reason; cleared by a later successful upload for the same slot.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rejected_files: BTreeMap<String, String>,
    /// Whether the caller liked it (authenticated calls only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liked: Option<bool>,
    /// Whether the caller reposted it (authenticated calls only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reposted: Option<bool>,
}

impl MediaView {
    /// The view of `m` (without the caller's flags).
    pub fn of(m: &crate::domain::Media) -> Self {
        Self {
            url: m.id.to_string(),
            kind: m.kind,
            owner: m.owner.to_string(),
            title: m.title.clone(),
            description: m.description.clone(),
            body: m.body.clone(),
            tags: m.tags.iter().map(|t| t.to_string()).collect(),
            status: m.status,
            status_reason: m.status_reason.clone(),
            likes: m.likes,
            comments: m.comments,
            reposts: m.reposts,
            created_at: m.created_at.clone(),
            updated_at: m.updated_at.clone(),
            files: files_of(m),
            rejected_files: m.rejected.clone(),
            liked: None,
            reposted: None,
        }
    }
}

/// The processed files of `m` once ready; a video's `subtitles` come from its subtitle
/// tracks (added after processing, one item each).
fn files_of(m: &crate::domain::Media) -> Option<serde_json::Value> {
    if m.status != crate::domain::MediaStatus::Ready {
        return None;
    }
    let mut files = m.files.clone()?;
    if m.kind == crate::domain::MediaKind::Video
        && let Some(obj) = files.as_object_mut()
    {
        let subs: Vec<_> =
            m.subtitles.iter().map(|(lang, url)| serde_json::json!({ "lang": lang, "url": url })).collect();
        obj.insert("subtitles".into(), serde_json::Value::Array(subs));
    }
    Some(files)
}

/// A page of medias.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaPage {
    /// Medias.
    pub items: Vec<MediaView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}
