//! Property tests of the table-events consumer over arbitrary DynamoDB stream records, as
//! Lambda delivers them (stream JSON): nothing panics, records of entity types the consumer
//! has no reaction for are skipped without a single AWS request, and a record it cannot
//! process is reported as the batch's failure by its sequence number.
//!
//! Also home of [`offline_ctx`], a context whose AWS clients count every request and refuse
//! it, so consumers run here without an emulator and a test sees whether they reached out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::ctx::Ctx;

/// An HTTP client that refuses every request and counts them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Refusing(Arc<AtomicUsize>);

impl Refusing {
    /// Requests attempted so far.
    pub(crate) fn attempts(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl HttpConnector for Refusing {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        self.0.fetch_add(1, Ordering::SeqCst);
        HttpConnectorFuture::ready(Err(ConnectorError::io("offline test context: no network".into())))
    }
}

impl HttpClient for Refusing {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A context for consumer tests: real configuration and keys, AWS clients that never reach a
/// network (every request fails at once, without retries), and the counter of their attempts.
pub(crate) fn offline_ctx() -> (&'static Ctx, Refusing) {
    let settings = BTreeMap::from([
        ("TABLE_NAME", "offline-table".to_owned()),
        ("MAIL_QUEUE_URL", "http://127.0.0.1:1/queue/mail".to_owned()),
        ("MAIL_FROM", "noreply@example.com".to_owned()),
        ("UPLOADS_BUCKET", "offline-uploads".to_owned()),
        ("MEDIA_BUCKET", "offline-media".to_owned()),
        ("JWT_ISSUER", "https://issuer".to_owned()),
        ("JWT_AUDIENCE", "api".to_owned()),
        ("JWT_SIGNING_KEYS", crate::auth::keys::generate_entry()),
        ("CURSOR_SECRET", "offline cursor secret".to_owned()),
    ]);
    let config = crate::config::Config::from_lookup(|k| settings.get(k).cloned()).expect("offline config");
    let client = Refusing::default();
    let credentials = aws_credential_types::Credentials::new("AKIDOFFLINE", "secret", None, None, "offline");
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(credentials))
        .endpoint_url("http://127.0.0.1:1")
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .http_client(client.clone())
        .build();
    (Ctx::new(config, &sdk).expect("offline context").leak(), client)
}

/// The settings of every property test here: 256 cases keep the unit suite at seconds; a
/// failure prints its minimal input instead of writing regression files into the tree.
pub(crate) fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// An SQS batch of `bodies`, message ids `m0`, `m1`, …
pub(crate) fn sqs_event<'a>(bodies: impl IntoIterator<Item = &'a str>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut message = SqsMessage::default();
            message.message_id = Some(format!("m{i}"));
            message.body = Some(body.to_owned());
            message
        })
        .collect();
    event
}

/// Runs `future` to completion on a small runtime (proptest bodies are synchronous).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// Entity types some reaction of the consumer handles (`derived` and `table`).
const KNOWN_TYPES: &[&str] = &["media", "reposts", "likes", "comment", "follow", "user", "playlist"];

/// A DynamoDB attribute value in stream JSON, nested up to a few levels.
fn attribute() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(|s| json!({"S": s})),
        any::<i64>().prop_map(|n| json!({"N": n.to_string()})),
        "[0-9eE.+-]{0,12}".prop_map(|n| json!({"N": n})),
        any::<bool>().prop_map(|b| json!({"BOOL": b})),
        Just(json!({"NULL": true})),
        prop::collection::vec(any::<u8>(), 0..9).prop_map(|b| json!({"B": STANDARD.encode(b)})),
        prop::collection::vec(any::<String>(), 0..4).prop_map(|ss| json!({"SS": ss})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|l| json!({"L": l})),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4).prop_map(|m| json!({"M": m})),
        ]
    })
}

/// An image: arbitrary attributes, some under the names the consumer reads.
fn image() -> impl Strategy<Value = BTreeMap<String, Value>> {
    let name = prop_oneof![
        "[a-zA-Z]{1,10}",
        prop::sample::select(vec![
            "PK",
            "SK",
            "id",
            "owner",
            "createdAt",
            "status",
            "username",
            "target",
            "targetOwner",
            "media",
            "author",
            "replyTo",
            "follower",
            "followee",
            "uid",
            "upload",
            "title",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::btree_map(name, attribute(), 0..8)
}

/// A `type` attribute naming no entity the consumer reacts to (or not a string at all).
fn unknown_type() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        any::<String>()
            .prop_filter("an unknown type", |t| !KNOWN_TYPES.contains(&t.as_str()))
            .prop_map(|t| Some(json!({"S": t}))),
        prop::sample::select(KNOWN_TYPES).prop_map(|t| Some(json!({"SS": [t]}))),
        Just(Some(json!({"N": "7"}))),
    ]
}

fn event_name() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(vec!["INSERT", "MODIFY", "REMOVE"]).prop_map(str::to_owned), "[A-Z]{0,8}"]
}

/// A stream event of one record, in the JSON Lambda delivers.
fn record_json(name: &str, seq: u64, old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> Value {
    json!({"Records": [{
        "eventID": format!("e{seq}"), "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795378560, "Keys": {}, "OldImage": old, "NewImage": new,
            "SequenceNumber": seq.to_string(), "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x"
    }]})
}

fn with_type(mut image: BTreeMap<String, Value>, kind: Option<Value>) -> BTreeMap<String, Value> {
    image.remove("type");
    if let Some(kind) = kind {
        image.insert("type".into(), kind);
    }
    image
}

proptest! {
    #![proptest_config(crate::events::properties::config())]

    #[test]
    fn unknown_entity_types_are_skipped_without_a_request(
        name in event_name(), seq in any::<u64>(),
        old in image(), new in image(), old_type in unknown_type(), new_type in unknown_type(),
    ) {
        static OFFLINE: OnceLock<(&Ctx, Refusing)> = OnceLock::new();
        let (ctx, client) = OFFLINE.get_or_init(offline_ctx);
        let before = client.attempts();
        let raw = record_json(&name, seq, &with_type(old, old_type), &with_type(new, new_type));
        let event: Event = serde_json::from_value(raw).expect("stream JSON of valid attribute values parses");
        let response = block_on(super::table::handle(ctx, event)).expect("the batch is handled");
        prop_assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
        prop_assert_eq!(client.attempts(), before);
    }

    #[test]
    fn records_of_known_types_with_any_attributes_never_panic(
        name in event_name(), seq in any::<u64>(), old in image(), new in image(),
        kind in prop::sample::select(KNOWN_TYPES), on_old in any::<bool>(), on_new in any::<bool>(),
    ) {
        static OFFLINE: OnceLock<(&Ctx, Refusing)> = OnceLock::new();
        let (ctx, _) = OFFLINE.get_or_init(offline_ctx);
        let kind = Some(json!({"S": kind}));
        let old = with_type(old, if on_old { kind.clone() } else { None });
        let new = with_type(new, if on_new { kind } else { None });
        let event: Event = serde_json::from_value(record_json(&name, seq, &old, &new)).expect("parses");
        let response = block_on(super::table::handle(ctx, event)).expect("the batch is handled");
        // Unreachable AWS or missing attributes fail the record, reported by its sequence number.
        for failure in &response.batch_item_failures {
            prop_assert_eq!(failure.item_identifier.clone(), Some(seq.to_string()));
        }
        prop_assert!(response.batch_item_failures.len() <= 1);
    }

    #[test]
    fn arbitrary_stream_json_never_panics(raw in attribute(), images in attribute()) {
        // Not stream records at all, or images that are not maps: refused by parsing.
        let event = json!({"Records": [{"eventName": "INSERT", "dynamodb": {"NewImage": images, "OldImage": raw}}]});
        if let Ok(event) = serde_json::from_value::<Event>(event) {
            static OFFLINE: OnceLock<(&Ctx, Refusing)> = OnceLock::new();
            let (ctx, _) = OFFLINE.get_or_init(offline_ctx);
            block_on(super::table::handle(ctx, event)).expect("the batch is handled");
        }
    }
}
