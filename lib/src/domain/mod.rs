//! The domain in types: values that cannot hold invalid data, and the domain error.

pub mod email;
pub mod error;
pub mod media;
pub mod password;
pub mod text;
pub mod upload;
pub mod user;
pub mod username;

pub use email::Email;
pub use error::{DomainError, FieldError};
pub use media::{CommentBody, Description, Media, MediaId, MediaKind, MediaStatus, PostBody, ShortId, Tag, Title};
pub use password::Password;
pub use text::{Bio, DisplayName};
pub use upload::{Lang, UploadPurpose};
pub use user::{NotificationSetting, NotificationSettings, NotificationType, User, UserId};
pub use username::Username;
