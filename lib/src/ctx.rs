//! The per-process context: configuration, AWS clients and keys, built once before the first
//! request and shared (as `&'static`) by every invocation. Init reads the environment and parses
//! keys; it makes no network call (checked by `bench/coldstart`).

use std::ops::Deref;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

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
    /// Outgoing mail jobs (its SQS client is built on first use).
    pub mail: MailQueue,
    /// SES client (used by the mailer only), built on first use.
    pub ses: OnDemand<aws_sdk_sesv2::Client>,
    /// S3 client (processed media), path-style against an emulator, built on first use.
    pub s3: OnDemand<aws_sdk_s3::Client>,
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
        let mail = MailQueue::new(OnDemand::new(sdk), config.mail_queue_url.clone());
        let ses = OnDemand::new(sdk);
        let s3 = OnDemand::new(sdk);
        let identity = AwsIdentity {
            credentials: sdk.credentials_provider(),
            region: sdk.region().map(ToString::to_string).unwrap_or_else(|| "us-east-1".into()),
        };
        Ok(Self { config, store, mail, ses, s3, keys, identity, requests })
    }

    /// Builds a context from the process environment (what a Lambda binary does at init).
    pub async fn from_env() -> Result<Self, InitError> {
        let config = Config::from_env()?;
        Self::new(config, &lambda_sdk_config(|name| std::env::var(name).ok()))
    }

    /// Leaks the context so handlers can borrow it for `'static` (one per process).
    pub fn leak(self) -> &'static Ctx {
        Box::leak(Box::new(self))
    }
}

/// The SDK configuration of a Lambda function, from the variables Lambda sets: region, the
/// role's credentials (`AWS_ACCESS_KEY_ID`, … read by the environment provider), and
/// `AWS_ENDPOINT_URL` for an emulator. Not `aws_config::load()`: its provider chains (profile
/// files, SSO, STS web identity, IMDS, ECS) never apply on Lambda, yet they are linked into every
/// binary and cost megabytes (docs/benchmarks.md, "Cold start and size"). Clients fill in the
/// rest (retries, timeouts, sleep, identity cache) from their defaults.
pub fn lambda_sdk_config(lookup: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"));
    let credentials = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region.map(Region::new))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client());
    if let Some(url) = var("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}

/// The HTTP client of every AWS client ([`crate::net::Http1Client`]): HTTP/1.1, rustls on ring,
/// the system's trust roots loaded on the first HTTPS connection rather than at init.
pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(crate::net::Http1Client::new())
}

/// An AWS client built on first use. A function that never uses it links none of its code
/// (S3 and SES are a large part of a binary); building one is cheap and makes no network call.
pub struct OnDemand<T> {
    sdk: SdkConfig,
    client: OnceLock<T>,
}

impl<T: FromSdk> OnDemand<T> {
    /// A client of type `T` to be built from `sdk` when first used.
    pub fn new(sdk: &SdkConfig) -> Self {
        Self { sdk: sdk.clone(), client: OnceLock::new() }
    }
}

impl<T: FromSdk> Deref for OnDemand<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.client.get_or_init(|| T::from_sdk(&self.sdk))
    }
}

/// A client made from the shared SDK configuration.
pub trait FromSdk {
    /// Builds the client.
    fn from_sdk(sdk: &SdkConfig) -> Self;
}

impl FromSdk for aws_sdk_sesv2::Client {
    fn from_sdk(sdk: &SdkConfig) -> Self {
        Self::new(sdk)
    }
}

impl FromSdk for aws_sdk_sqs::Client {
    fn from_sdk(sdk: &SdkConfig) -> Self {
        Self::new(sdk)
    }
}

impl FromSdk for aws_sdk_s3::Client {
    fn from_sdk(sdk: &SdkConfig) -> Self {
        // Emulators (an endpoint override) serve buckets path-style only.
        let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
        Self::from_conf(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_sdk_config_reads_region_endpoint_and_uses_env_credentials() {
        let env = |name: &str| match name {
            "AWS_REGION" => Some("eu-west-3".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:4566".to_owned()),
            _ => None,
        };
        let sdk = lambda_sdk_config(env);
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-3"));
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert!(sdk.credentials_provider().is_some());
        assert_eq!(lambda_sdk_config(|_| None).endpoint_url(), None);
    }
}
