//! The per-process context: configuration, AWS clients and keys, built once before the first
//! request and shared (as `&'static`) by every invocation.

use crate::auth::keys::SigningKeys;
use crate::config::{Config, ConfigError};
use crate::http::cursor::CursorCodec;
use crate::mail::MailQueue;
use crate::store::Store;

/// Everything a handler needs besides its request.
pub struct Ctx {
    /// Parsed settings.
    pub config: Config,
    /// The single-table store.
    pub store: Store,
    /// Outgoing mail jobs.
    pub mail: MailQueue,
    /// SES client (used by the mailer only).
    pub ses: aws_sdk_sesv2::Client,
    /// S3 client (uploads and processed media), path-style against an emulator.
    pub s3: aws_sdk_s3::Client,
    /// Access-token signing and verification keys.
    pub keys: SigningKeys,
    /// The function's own AWS identity (signs presigned uploads).
    pub identity: AwsIdentity,
    /// DynamoDB requests and items read so far by this process (an SDK interceptor).
    pub requests: crate::store::metrics::RequestCounter,
}

/// Credentials and region of the function, for signing requests clients make themselves.
pub struct AwsIdentity {
    /// The SDK's credentials provider (cached and refreshed by the SDK).
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// The region.
    pub region: String,
}

/// Why a context could not be built.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Bad or missing setting.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Unusable key material.
    #[error("signing keys: {0}")]
    Keys(String),
}

impl Ctx {
    /// Builds a context from settings and an AWS SDK configuration. Makes no network call.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Result<Self, InitError> {
        let keys = SigningKeys::parse(&config.jwt_signing_keys, &config.jwt_issuer, &config.jwt_audience)
            .map_err(|e| InitError::Keys(e.to_string()))?;
        let cursors = CursorCodec::new(config.cursor_secret.as_bytes());
        let requests = crate::store::metrics::RequestCounter::default();
        let dynamo_config = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(requests.clone()).build();
        let dynamo = aws_sdk_dynamodb::Client::from_conf(dynamo_config);
        let store = Store::new(dynamo, config.table_name.clone(), cursors);
        let mail = MailQueue::new(aws_sdk_sqs::Client::new(sdk), config.mail_queue_url.clone());
        let ses = aws_sdk_sesv2::Client::new(sdk);
        // Emulators (an endpoint override) serve buckets path-style only.
        let s3_config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
        let s3 = aws_sdk_s3::Client::from_conf(s3_config);
        let identity = AwsIdentity {
            credentials: sdk.credentials_provider(),
            region: sdk.region().map(ToString::to_string).unwrap_or_else(|| "us-east-1".into()),
        };
        Ok(Self { config, store, mail, ses, s3, keys, identity, requests })
    }

    /// Builds a context from the process environment (what a Lambda binary does at init).
    pub async fn from_env() -> Result<Self, InitError> {
        let config = Config::from_env()?;
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        Self::new(config, &sdk)
    }

    /// Leaks the context so handlers can borrow it for `'static` (one per process).
    pub fn leak(self) -> &'static Ctx {
        Box::leak(Box::new(self))
    }
}
