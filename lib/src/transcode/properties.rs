//! Property tests of the transcode function's input: S3 notification bodies as they arrive
//! from SQS. Keys encoded as S3 encodes them decode back to the original (spaces, `+`, `%2B`,
//! any Unicode); no body, however odd, panics; and a batch of messages is answered per message
//! — refused bodies are reported as failures by id, test events and objects that are none of
//! this function's business are acknowledged without an AWS request.

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::s3_event::{created_objects, decode_key};
use crate::ctx::Ctx;
use crate::events::properties::{Refusing, block_on, offline_ctx, sqs_event};

/// `key` as S3 writes it into an event: form-URL-encoded, `+` for a space.
fn s3_encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Keys with the characters that trip decoders up, among any others.
fn key() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![" ", "+", "%", "%2B", "%20", "/", "é", "日本", "🎬", "?", "#", "&", "="]);
    prop::collection::vec(prop_oneof![tricky.prop_map(str::to_owned), "\\PC{1,4}"], 0..12).prop_map(|p| p.concat())
}

fn notification(records: Vec<(String, String, String, i64)>) -> String {
    let records: Vec<Value> = records
        .into_iter()
        .map(|(event, bucket, key, size)| {
            json!({"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event,
                   "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": size}}})
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn offline() -> &'static (&'static Ctx, Refusing) {
    static OFFLINE: OnceLock<(&Ctx, Refusing)> = OnceLock::new();
    OFFLINE.get_or_init(offline_ctx)
}

proptest! {
    #![proptest_config(crate::events::properties::config())]

    #[test]
    fn encoded_keys_decode_to_the_original(key in key()) {
        prop_assert_eq!(decode_key(&s3_encode(&key)), Some(key.clone()));
        // Lower-case hex is decoded the same.
        prop_assert_eq!(decode_key(&s3_encode(&key).to_lowercase()).map(|k| k.to_lowercase()), Some(key.to_lowercase()));
    }

    #[test]
    fn any_raw_key_decodes_or_is_refused_never_panics(raw in "\\PC{0,40}") {
        if let Some(decoded) = decode_key(&raw) {
            prop_assert_eq!(decode_key(&s3_encode(&decoded)), Some(decoded));
        }
    }

    #[test]
    fn created_objects_are_the_object_created_records_with_decoded_keys(
        records in prop::collection::vec(
            (prop_oneof![Just("ObjectCreated:Put"), Just("ObjectCreated:Post"), Just("ObjectRemoved:Delete"), Just("s3:TestEvent")],
             "[a-z0-9-]{3,20}", key(), any::<i64>()),
            1..5),
    ) {
        let body = notification(records.iter().map(|(e, b, k, s)| (e.to_string(), b.clone(), s3_encode(k), *s)).collect());
        let objects = created_objects(&body).expect("a notification parses");
        let expected: Vec<(String, String, u64)> = records
            .iter()
            .filter(|r| r.0.starts_with("ObjectCreated:"))
            .map(|(_, b, k, s)| (b.clone(), k.clone(), (*s).max(0) as u64))
            .collect();
        let got: Vec<(String, String, u64)> = objects.into_iter().map(|o| (o.bucket, o.key, o.size)).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn any_body_parses_or_is_refused_never_panics(body in "\\PC{0,200}", value in any_json()) {
        let _ = created_objects(&body);
        let _ = created_objects(&value.to_string());
    }

    #[test]
    fn a_batch_is_answered_message_by_message(
        bodies in prop::collection::vec(prop_oneof![
            "\\PC{0,60}".prop_map(Some),
            any_json().prop_map(|v| Some(v.to_string())),
            Just(Some(json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}).to_string())),
            // Another bucket's object, or one of ours outside `uploads/{kind}/{id}/{name}`: ignored.
            ("[a-z]{3,10}", key()).prop_map(|(b, k)| Some(notification(vec![("ObjectCreated:Put".into(), b, s3_encode(&k), 1)]))),
            key().prop_filter("not an upload key", |k| super::job::upload_id_of(k).is_none())
                .prop_map(|k| Some(notification(vec![("ObjectCreated:Put".into(), "offline-uploads".into(), s3_encode(&k), 1)]))),
            Just(None),
        ], 0..6),
    ) {
        let (ctx, client) = offline();
        let before = client.attempts();
        let event = sqs_event(bodies.iter().map(|b| b.as_deref().unwrap_or("")));
        let response = block_on(super::handle(ctx, event)).expect("the batch is handled");
        let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        for (i, body) in bodies.iter().enumerate() {
            let refused = created_objects(body.as_deref().unwrap_or("")).is_err();
            prop_assert_eq!(failed.contains(&format!("m{i}").as_str()), refused, "message {}: {:?}", i, body);
        }
        prop_assert_eq!(client.attempts(), before, "no AWS request for messages that are not ours");
    }
}

/// Any JSON value, a few levels deep, with the keys S3 notifications use among others.
pub(crate) fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        prop::sample::select(vec![
            "Records",
            "s3",
            "object",
            "key",
            "size",
            "bucket",
            "name",
            "eventName",
            "Event",
            "id",
            "to",
            "kind",
            "data"
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z]{1,6}",
    ];
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
