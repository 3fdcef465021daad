//! Configuration: environment variables only. The template sets them on Lambda; the local
//! runner resolves the same template entries and hands them over through [`Config::from_lookup`]
//! (so several stacks can live in one test process without touching the process environment).

use std::time::Duration;

/// Every setting a function may need, parsed once per process.
#[derive(Clone, Debug)]
pub struct Config {
    /// The single DynamoDB table.
    pub table_name: String,
    /// SQS queue of outgoing mail jobs (consumed by the mailer function).
    pub mail_queue_url: String,
    /// Verified SES sender address.
    pub mail_from: String,
    /// Base URL of the public API, used in links inside emails.
    pub public_base_url: String,
    /// `iss` of access tokens.
    pub jwt_issuer: String,
    /// `aud` of access tokens.
    pub jwt_audience: String,
    /// `kid:base64url(pkcs8 Ed25519)` entries separated by commas; the first one signs.
    pub jwt_signing_keys: String,
    /// Secret that authenticates pagination cursors (base64url or any long string).
    pub cursor_secret: String,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh-token family since its last rotation.
    pub refresh_token_ttl: Duration,
    /// Lifetime of an email verification code.
    pub verification_ttl: Duration,
    /// Minimum time between two verification emails for one account.
    pub verification_resend_cooldown: Duration,
    /// Bucket that receives uploads (presigned POST).
    pub uploads_bucket: String,
    /// Base URL of S3 as clients see it (`{endpoint}/{bucket}` path style); empty: AWS's
    /// virtual-hosted `https://{bucket}.s3.{region}.amazonaws.com`.
    pub s3_public_endpoint: String,
    /// Largest photo file.
    pub max_photo_bytes: u64,
    /// Largest video file.
    pub max_video_bytes: u64,
    /// Largest audio file.
    pub max_music_bytes: u64,
    /// Bytes a user may upload in any 24 hours.
    pub upload_quota_bytes_per_day: u64,
    /// Lifetime of a presigned upload.
    pub upload_url_ttl: Duration,
    /// Bucket holding processed files (public read under `media/`).
    pub media_bucket: String,
    /// Base URL of processed files (`{base}/media/...`); empty: the bucket's public S3 URL.
    pub media_base_url: String,
    /// Longest video or audio accepted, checked before any encoding.
    pub max_media_duration: Duration,
    /// Largest image accepted, in pixels (decompression-bomb guard).
    pub max_image_pixels: u64,
    /// How long one ffmpeg run may take before it is killed.
    pub ffmpeg_timeout: Duration,
    /// Authors with at most this many followers are fanned out on write; bigger ones are
    /// merged into their followers' home timelines at read time.
    pub fanout_max_followers: u64,
    /// Entries a home-timeline partition keeps (the oldest go past it).
    pub home_timeline_cap: usize,
    /// Big accounts' feeds a home-timeline page queries at once (at least 1).
    pub home_feeds_in_flight: usize,
}

/// A missing or malformed setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is absent or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable is present but cannot be parsed.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (a map in tests and in the local runner).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required =
            |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty()).ok_or(ConfigError::Missing(name));
        let seconds = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|e| ConfigError::Invalid { name, reason: e.to_string() }),
            }
        };
        let bytes = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => v.trim().parse::<u64>().map_err(|e| ConfigError::Invalid { name, reason: e.to_string() }),
            }
        };
        const MIB: u64 = 1024 * 1024;
        Ok(Self {
            uploads_bucket: required("UPLOADS_BUCKET")?,
            s3_public_endpoint: lookup("S3_PUBLIC_ENDPOINT").unwrap_or_default().trim_end_matches('/').to_owned(),
            max_photo_bytes: bytes("MAX_PHOTO_BYTES", 25 * MIB)?,
            max_video_bytes: bytes("MAX_VIDEO_BYTES", 2048 * MIB)?,
            max_music_bytes: bytes("MAX_MUSIC_BYTES", 200 * MIB)?,
            upload_quota_bytes_per_day: bytes("UPLOAD_QUOTA_BYTES_PER_DAY", 5 * 1024 * MIB)?,
            upload_url_ttl: seconds("UPLOAD_URL_TTL_SECONDS", 900)?,
            media_bucket: lookup("MEDIA_BUCKET").unwrap_or_default(),
            media_base_url: lookup("MEDIA_BASE_URL").unwrap_or_default().trim_end_matches('/').to_owned(),
            max_media_duration: seconds("MAX_MEDIA_SECONDS", 600)?,
            max_image_pixels: bytes("MAX_IMAGE_PIXELS", 50_000_000)?,
            ffmpeg_timeout: seconds("FFMPEG_TIMEOUT_SECONDS", 780)?,
            fanout_max_followers: bytes("FANOUT_MAX_FOLLOWERS", 10)?,
            home_timeline_cap: bytes("HOME_TIMELINE_CAP", 800)? as usize,
            home_feeds_in_flight: bytes("HOME_FEEDS_IN_FLIGHT", 16)?.max(1) as usize,
            table_name: required("TABLE_NAME")?,
            mail_queue_url: required("MAIL_QUEUE_URL")?,
            mail_from: required("MAIL_FROM")?,
            public_base_url: lookup("PUBLIC_BASE_URL").unwrap_or_default(),
            jwt_issuer: required("JWT_ISSUER")?,
            jwt_audience: required("JWT_AUDIENCE")?,
            jwt_signing_keys: required("JWT_SIGNING_KEYS")?,
            cursor_secret: required("CURSOR_SECRET")?,
            access_token_ttl: seconds("ACCESS_TOKEN_TTL_SECONDS", 900)?,
            refresh_token_ttl: seconds("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            verification_ttl: seconds("VERIFICATION_TTL_SECONDS", 24 * 3600)?,
            verification_resend_cooldown: seconds("VERIFICATION_RESEND_COOLDOWN_SECONDS", 30)?,
        })
    }

    /// Public URL of the processed object `key`.
    pub fn media_url(&self, key: &str) -> String {
        if !self.media_base_url.is_empty() {
            format!("{}/{key}", self.media_base_url)
        } else if !self.s3_public_endpoint.is_empty() {
            format!("{}/{}/{key}", self.s3_public_endpoint, self.media_bucket)
        } else {
            format!("https://{}.s3.amazonaws.com/{key}", self.media_bucket)
        }
    }

    /// The folder `media/{upload id}/` of a processed file's public URL (its upload's outputs).
    pub fn media_prefix_of(&self, url: &str) -> Option<String> {
        let key = url.strip_prefix(&self.media_url(""))?;
        let id = key.strip_prefix("media/")?.split('/').next().filter(|id| !id.is_empty())?;
        Some(format!("media/{id}/"))
    }
}

/// A fresh value for a secret setting, for local stacks only (the local runner calls this for
/// template values that are `{{resolve:secretsmanager:…}}` references). `None` when the
/// variable is not a secret this crate knows how to make.
pub fn generate_local_secret(variable: &str) -> Option<String> {
    match variable {
        "JWT_SIGNING_KEYS" => Some(crate::auth::keys::generate_signing_keys_value()),
        "CURSOR_SECRET" => Some(crate::auth::random::token(32)),
        _ => None,
    }
}
