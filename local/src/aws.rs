//! AWS SDK configuration for the emulator: endpoint from `AWS_ENDPOINT_URL` (read by the SDK's
//! own loader), region from `AWS_REGION`/`AWS_DEFAULT_REGION` (default `us-east-1`), and one
//! client per service. S3 uses path-style addressing, which emulators need.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;

/// The region used when the environment names none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Loads the SDK configuration from the environment (without modifying it).
pub async fn sdk_config() -> SdkConfig {
    sdk_config_at(None).await
}

/// Like [`sdk_config`], with the endpoint given explicitly when `endpoint` is set (tests run
/// one emulator per stack).
pub async fn sdk_config_at(endpoint: Option<&str>) -> SdkConfig {
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region))
        .http_client(mediashare::ctx::https_client());
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            // An emulator accepts any key; never fall through to instance metadata lookups.
            loader = loader.credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "emulator",
            ));
        }
    }
    loader.load().await
}

/// The region of `sdk` (the default when unset).
pub fn region_of(sdk: &SdkConfig) -> String {
    sdk.region().map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string)
}

/// The clients the runner uses itself (the library builds its own from the same config).
#[derive(Clone, Debug)]
pub(crate) struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
}

impl Clients {
    pub(crate) fn new(sdk: &SdkConfig) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            streams: aws_sdk_dynamodbstreams::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            ses: aws_sdk_sesv2::Client::new(sdk),
        }
    }
}

/// The service error code of an SDK error, if the service answered.
pub(crate) fn error_code<E: ProvideErrorMetadata>(error: &E) -> Option<&str> {
    error.code()
}

/// Whether an error code says the resource does not exist (any service's spelling).
pub(crate) fn is_missing_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        c.contains("NonExistentQueue")
            || c.contains("QueueDoesNotExist")
            || c.contains("ResourceNotFound")
            || c.contains("NoSuchBucket")
            || c == "NotFound"
    })
}
