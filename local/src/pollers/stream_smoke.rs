//! TEMPORARY manual verification against moto (removed after the smoke run).
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use mediashare::Ctx;
use mediashare::events::EventError;
use mediashare::registry::BoxFut;
use serde_json::json;

use super::stream::StreamPoller;
use crate::aws::Clients;

static CALLS: AtomicUsize = AtomicUsize::new(0);
static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn handler(_ctx: &'static Ctx, event: Event) -> BoxFut<'static, Result<DynamoDbEventResponse, EventError>> {
    Box::pin(async move {
        CALLS.fetch_add(1, Ordering::SeqCst);
        let mut response = DynamoDbEventResponse::default();
        let pk = |r: &aws_lambda_events::event::dynamodb::EventRecord| serde_json::to_value(&r.change.keys).unwrap()["PK"]["S"].as_str().unwrap_or("?").to_owned();
        let pks: Vec<String> = event.records.iter().map(pk).collect();
        SEEN.lock().unwrap().push(pks.join(","));
        if pks.iter().any(|p| p.starts_with("crash")) {
            return Err(EventError("crash record".into()));
        }
        for r in &event.records {
            {
                if pk(r).starts_with("poison") {
                    let mut f = DynamoDbBatchItemFailure::default();
                    f.item_identifier = r.change.sequence_number.clone();
                    response.batch_item_failures.push(f);
                }
            }
        }
        Ok(response)
    })
}

#[tokio::test]
#[ignore]
async fn stream_retries_then_dead_letters() {
    let sdk = crate::aws::sdk_config().await;
    let clients = Clients::new(&sdk);
    let name = format!("smoke{}", std::process::id());
    let props = json!({"AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"}],"KeySchema":[{"AttributeName":"PK","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamViewType":"NEW_AND_OLD_IMAGES"}});
    crate::provision::table::ensure(&clients.dynamodb, &name, &crate::provision::props_for_smoke(&name, &props)).await.unwrap();
    let dlq = clients.sqs.create_queue().queue_name(format!("{name}-dlq")).send().await.unwrap().queue_url.unwrap();
    let env = std::collections::BTreeMap::from([
        ("TABLE_NAME", name.clone()), ("MAIL_QUEUE_URL", dlq.clone()), ("MAIL_FROM", "a@b.c".into()),
        ("JWT_ISSUER", "i".into()), ("JWT_AUDIENCE", "a".into()),
        ("JWT_SIGNING_KEYS", mediashare::config::generate_local_secret("JWT_SIGNING_KEYS").unwrap()),
        ("CURSOR_SECRET", mediashare::config::generate_local_secret("CURSOR_SECRET").unwrap()),
    ]);
    let config = mediashare::config::Config::from_lookup(|n| env.get(n).cloned()).unwrap();
    let ctx = Ctx::new(config, &sdk).unwrap().leak();
    let template = crate::template::Template::parse(crate::template::tests::SAMPLE).unwrap();
    let resolver = crate::template::resolve::Resolver::new(&template, crate::template::resolve::StackContext::new("x", "us-east-1"), &Default::default()).unwrap();
    let mut physical = crate::template::physical::PhysicalMap::plan(&resolver).unwrap();
    let _ = &mut physical;
    let (trigger, shutdown) = crate::shutdown::channel();
    for pk in ["a1", "poison1", "b1", "crash1", "c1", "d1"] {
        clients.dynamodb.put_item().table_name(&name).item("PK", aws_sdk_dynamodb::types::AttributeValue::S(pk.into())).send().await.unwrap();
    }
    let provisioner = Arc::new(crate::provision::Provisioner::empty_for_smoke(clients.clone()));
    let poller = StreamPoller {
        ctx, handler, binary: "smoke".into(), function_arn: "arn:fn".into(), timeout: Duration::from_secs(5),
        dynamodb: clients.dynamodb.clone(), streams: clients.streams.clone(), sqs: clients.sqs.clone(),
        table_name: name.clone(), region: "us-east-1".into(), starting_position: "TRIM_HORIZON".into(),
        batch_size: 100, maximum_retry_attempts: Some(2), maximum_record_age_seconds: None, bisect_on_error: true,
        report_batch_item_failures: true, on_failure_queue_url: Some(dlq.clone()), provisioner, shutdown,
    };
    let task = tokio::spawn(poller.run());
    tokio::time::sleep(Duration::from_secs(8)).await;
    trigger.fire();
    let _ = task.await;
    for s in SEEN.lock().unwrap().iter() { println!("batch: {s}"); }
    let out = clients.sqs.receive_message().queue_url(&dlq).max_number_of_messages(10).send().await.unwrap();
    for m in out.messages.unwrap_or_default() {
        let v: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
        println!("dlq: condition={} info={} records={}", v["requestContext"]["condition"], v["DDBStreamBatchInfo"], v["Records"].as_array().map(|r| r.len()).unwrap_or(0));
    }
}
