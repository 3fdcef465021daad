//! The user entity and its notification settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Email, Username};

/// An account's immutable internal id. Tokens and keys carry it, so a username freed by a
/// deleted account and taken again never inherits the old account's sessions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

/// A stored account.
#[derive(Clone, Debug)]
pub struct User {
    /// Internal id.
    pub id: UserId,
    /// Public handle.
    pub username: Username,
    /// Current address.
    pub email: Email,
    /// Whether `email` has been confirmed.
    pub verified: bool,
    /// Shown name (may be empty).
    pub display_name: String,
    /// Profile text (may be empty).
    pub bio: String,
    /// Counters, changed transactionally with the items they count.
    pub followers: u64,
    /// See `followers`.
    pub followings: u64,
    /// See `followers`.
    pub medias: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// SHA-256 of the current API key, if any.
    pub api_key_hash: Option<String>,
    /// Unix milliseconds: sessions started before are refused, and so are access tokens
    /// issued in an earlier second (moved forward by a password change).
    pub tokens_valid_after: i64,
    /// Per-type notification channels.
    pub settings: NotificationSettings,
    /// Avatar renditions (`{thumb, medium, large, …}` URLs) once processed.
    pub profile_photo: Option<serde_json::Value>,
    /// Banner renditions, same shape.
    pub channel_photo: Option<serde_json::Value>,
}

impl User {
    /// 403 unless this is the account `username` (the "self" rule of API.md).
    pub fn require_self_name(&self, username: &Username) -> Result<(), super::DomainError> {
        if &self.username != username {
            return Err(super::DomainError::Forbidden("you can only do this for your own account".into()));
        }
        Ok(())
    }
}

/// The kinds of notification (see API.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationType {
    /// Someone you follow published.
    NewMedia,
    /// A comment on your media.
    NewComment,
    /// A reply to your comment.
    NewReply,
    /// A like on your media.
    MediaLiked,
    /// A like on your comment.
    CommentLiked,
    /// A new follower.
    NewFollower,
    /// A repost of your media.
    Reposted,
}

impl NotificationType {
    /// Every type.
    pub const ALL: [NotificationType; 7] = [
        Self::NewMedia,
        Self::NewComment,
        Self::NewReply,
        Self::MediaLiked,
        Self::CommentLiked,
        Self::NewFollower,
        Self::Reposted,
    ];
}

/// Channels for one notification type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationSetting {
    /// Store it in the in-app list.
    pub in_app: bool,
    /// Send an email.
    pub email: bool,
}

/// Channels per notification type; every type always has an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings(pub BTreeMap<NotificationType, NotificationSetting>);

impl Default for NotificationSettings {
    /// Everything in-app; email only for what is personal and rare (followers, comments,
    /// replies) so a busy account's inbox is not flooded by likes.
    fn default() -> Self {
        use NotificationType::*;
        let map = NotificationType::ALL
            .into_iter()
            .map(|t| {
                let email = matches!(t, NewFollower | NewComment | NewReply);
                (t, NotificationSetting { in_app: true, email })
            })
            .collect();
        Self(map)
    }
}

impl NotificationSettings {
    /// Applies a partial update: only the given types change.
    pub fn merge(&mut self, changes: &BTreeMap<NotificationType, NotificationSetting>) {
        for (t, s) in changes {
            self.0.insert(*t, *s);
        }
    }

    /// Fills types missing from a stored map with their defaults (new types added later).
    pub fn with_defaults(mut self) -> Self {
        for (t, s) in NotificationSettings::default().0 {
            self.0.entry(t).or_insert(s);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_type_and_merge_is_partial() {
        let mut s = NotificationSettings::default();
        assert_eq!(s.0.len(), NotificationType::ALL.len());
        let change =
            BTreeMap::from([(NotificationType::MediaLiked, NotificationSetting { in_app: false, email: true })]);
        s.merge(&change);
        assert_eq!(s.0[&NotificationType::MediaLiked], NotificationSetting { in_app: false, email: true });
        assert!(s.0[&NotificationType::NewFollower].email);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["media_liked"]["inApp"], false);
    }
}
