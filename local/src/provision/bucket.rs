//! `AWS::S3::BucketPolicy` → PutBucketPolicy (the emulator honours it for anonymous reads).
//! `AWS::S3::Bucket` → CreateBucket, PutBucketCors, PutPublicAccessBlock, PutBucketVersioning
//! and PutBucketNotificationConfiguration (`QueueConfigurations` to SQS, with key filters).
//! The notification is only written when it differs, because S3 (and moto) announce every
//! write with an `s3:TestEvent` message on the target queues.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CorsConfiguration, CorsRule, CreateBucketConfiguration, Event,
    FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    PublicAccessBlockConfiguration, QueueConfiguration, S3KeyFilter, VersioningConfiguration,
};

use super::props::{Props, built};
use crate::aws::error_code;
use crate::error::RunnerError;

/// Creates the bucket if missing and applies CORS, public-access block, versioning and
/// queue notifications.
pub(crate) async fn ensure(client: &Client, name: &str, region: &str, props: &Props<'_>) -> Result<(), RunnerError> {
    if client.head_bucket().bucket(name).send().await.is_err() {
        create(client, name, region).await?;
    }
    if props.get("/CorsConfiguration").is_some() {
        let rules = cors_rules(props)?;
        let cors = built(props.id, CorsConfiguration::builder().set_cors_rules(Some(rules)).build())?;
        client
            .put_bucket_cors()
            .bucket(name)
            .cors_configuration(cors)
            .send()
            .await
            .map_err(|e| RunnerError::aws(format!("put CORS of bucket {name}"), &e))?;
    }
    if props.get("/PublicAccessBlockConfiguration").is_some() {
        let flag = |key: &str| props.flag(&format!("/PublicAccessBlockConfiguration/{key}"));
        let block = PublicAccessBlockConfiguration::builder()
            .set_block_public_acls(flag("BlockPublicAcls")?)
            .set_block_public_policy(flag("BlockPublicPolicy")?)
            .set_ignore_public_acls(flag("IgnorePublicAcls")?)
            .set_restrict_public_buckets(flag("RestrictPublicBuckets")?)
            .build();
        client
            .put_public_access_block()
            .bucket(name)
            .public_access_block_configuration(block)
            .send()
            .await
            .map_err(|e| RunnerError::aws(format!("block public access to bucket {name}"), &e))?;
    }
    if let Some(status) = props.text("/VersioningConfiguration/Status")? {
        let versioning =
            VersioningConfiguration::builder().status(BucketVersioningStatus::from(status.as_str())).build();
        client
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| RunnerError::aws(format!("set versioning of bucket {name}"), &e))?;
    }
    for unsupported in [
        "/NotificationConfiguration/LambdaConfigurations",
        "/NotificationConfiguration/TopicConfigurations",
        "/LifecycleConfiguration",
    ] {
        if props.get(unsupported).is_some() {
            tracing::debug!(bucket = name, property = unsupported, "not applied locally");
        }
    }
    ensure_notifications(client, name, props).await
}

async fn create(client: &Client, name: &str, region: &str) -> Result<(), RunnerError> {
    tracing::info!(bucket = name, "creating bucket");
    let mut request = client.create_bucket().bucket(name);
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
        );
    }
    match request.send().await {
        Ok(_) => Ok(()),
        Err(e) if error_code(&e) == Some("BucketAlreadyOwnedByYou") => Ok(()),
        Err(e) => Err(RunnerError::aws(format!("create bucket {name}"), &e)),
    }
}

fn cors_rules(props: &Props<'_>) -> Result<Vec<CorsRule>, RunnerError> {
    props
        .list("/CorsConfiguration/CorsRules")?
        .into_iter()
        .map(|rule| {
            let rule = props.nested(rule);
            let max_age = rule.int("/MaxAge")?.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
            built(
                props.id,
                CorsRule::builder()
                    .set_id(rule.text("/Id")?)
                    .set_allowed_headers(Some(rule.texts("/AllowedHeaders")?).filter(|v| !v.is_empty()))
                    .set_allowed_methods(Some(rule.texts("/AllowedMethods")?))
                    .set_allowed_origins(Some(rule.texts("/AllowedOrigins")?))
                    .set_expose_headers(Some(rule.texts("/ExposedHeaders")?).filter(|v| !v.is_empty()))
                    .set_max_age_seconds(max_age)
                    .build(),
            )
        })
        .collect()
}

fn queue_configurations(props: &Props<'_>) -> Result<Vec<QueueConfiguration>, RunnerError> {
    props
        .list("/NotificationConfiguration/QueueConfigurations")?
        .into_iter()
        .map(|item| {
            let item = props.nested(item);
            let rules: Vec<FilterRule> = item
                .list("/Filter/S3Key/Rules")?
                .into_iter()
                .map(|rule| {
                    let rule = props.nested(rule);
                    Ok(FilterRule::builder()
                        .name(FilterRuleName::from(rule.required_text("/Name")?.to_ascii_lowercase().as_str()))
                        .value(rule.required_text("/Value")?)
                        .build())
                })
                .collect::<Result<_, RunnerError>>()?;
            let filter = (!rules.is_empty()).then(|| {
                NotificationConfigurationFilter::builder()
                    .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                    .build()
            });
            built(
                props.id,
                QueueConfiguration::builder()
                    .queue_arn(item.required_text("/Queue")?)
                    .events(Event::from(item.required_text("/Event")?.as_str()))
                    .set_filter(filter)
                    .build(),
            )
        })
        .collect()
}

/// One queue notification as (queue ARN, sorted events, sorted filter rules).
type Summary = (String, Vec<String>, Vec<(String, String)>);

/// A comparable summary of queue notifications.
fn summary(configurations: &[QueueConfiguration]) -> Vec<Summary> {
    let mut out: Vec<_> = configurations
        .iter()
        .map(|c| {
            let mut events: Vec<String> = c.events().iter().map(|e| e.as_str().to_owned()).collect();
            events.sort();
            let mut rules: Vec<(String, String)> = c
                .filter()
                .and_then(|f| f.key())
                .map(|k| {
                    k.filter_rules()
                        .iter()
                        .map(|r| {
                            let name = r.name().map(|n| n.as_str().to_ascii_lowercase()).unwrap_or_default();
                            (name, r.value().unwrap_or_default().to_owned())
                        })
                        .collect()
                })
                .unwrap_or_default();
            rules.sort();
            (c.queue_arn().to_owned(), events, rules)
        })
        .collect();
    out.sort();
    out
}

async fn ensure_notifications(client: &Client, name: &str, props: &Props<'_>) -> Result<(), RunnerError> {
    let desired = queue_configurations(props)?;
    let current = match client.get_bucket_notification_configuration().bucket(name).send().await {
        Ok(current) => summary(current.queue_configurations()),
        // moto answers an empty configuration with a document the SDK cannot parse.
        Err(e) if error_code(&e).is_none() && e.as_service_error().is_some() => Vec::new(),
        Err(e) => {
            return Err(RunnerError::aws(format!("get notifications of bucket {name}"), &e));
        }
    };
    if current == summary(&desired) {
        return Ok(());
    }
    tracing::info!(bucket = name, queues = desired.len(), "setting bucket notifications");
    let configuration = NotificationConfiguration::builder().set_queue_configurations(Some(desired)).build();
    client
        .put_bucket_notification_configuration()
        .bucket(name)
        .notification_configuration(configuration)
        .send()
        .await
        .map_err(|e| RunnerError::aws(format!("set notifications of bucket {name}"), &e))?;
    Ok(())
}

/// Applies an `AWS::S3::BucketPolicy` (`Bucket`, `PolicyDocument`).
pub(crate) async fn ensure_policy(client: &Client, props: &Props<'_>) -> Result<(), RunnerError> {
    let bucket = props.required_text("/Bucket")?;
    let document = props
        .get("/PolicyDocument")
        .ok_or_else(|| RunnerError::template(format!("{}: PolicyDocument is required", props.id)))?;
    client
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(document.to_string())
        .send()
        .await
        .map_err(|e| RunnerError::aws(format!("set the policy of bucket {bucket}"), &e))?;
    Ok(())
}
