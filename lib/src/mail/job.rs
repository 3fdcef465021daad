//! A mail job: who, which message, the data to fill it, and an id that makes it idempotent.

use serde::{Deserialize, Serialize};

/// Which message to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// Email address verification code.
    VerifyEmail,
    /// A notification (`data.type` says which).
    Notification,
}

/// One message to one recipient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailJob {
    /// De-duplication key: a redelivered job with the same id is sent once.
    pub id: String,
    /// Recipient address.
    pub to: String,
    /// The message.
    pub kind: MailKind,
    /// Values the message needs (`username`, `code`, …).
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl MailJob {
    /// The verification email for a new code. `code_id` identifies this code (one email per
    /// code, however often the job is delivered).
    pub fn verify_email(username: &str, to: &str, code: &str, code_id: &str) -> Self {
        let mut data = serde_json::Map::new();
        data.insert("username".into(), username.into());
        data.insert("code".into(), code.into());
        Self { id: format!("verify-email:{username}:{code_id}"), to: to.to_owned(), kind: MailKind::VerifyEmail, data }
    }

    /// The email of notification `id` to `username` at `to`: `what` is the notification type
    /// (snake_case), `actor`, `media` and `comment` what it is about.
    pub fn notification(
        username: &str,
        to: &str,
        id: &str,
        what: &str,
        actor: &str,
        media: Option<&str>,
        comment: Option<&str>,
    ) -> Self {
        let mut data = serde_json::Map::new();
        data.insert("username".into(), username.into());
        data.insert("type".into(), what.into());
        data.insert("actor".into(), actor.into());
        data.insert("media".into(), media.unwrap_or("").into());
        data.insert("comment".into(), comment.unwrap_or("").into());
        Self { id: format!("notification:{username}:{id}"), to: to.to_owned(), kind: MailKind::Notification, data }
    }

    /// A string field of `data` (empty when absent).
    pub fn field(&self, name: &str) -> &str {
        self.data.get(name).and_then(|v| v.as_str()).unwrap_or("")
    }
}
