//! DynamoDB Streams SDK records → the JSON of a Lambda DynamoDB event record, with attribute
//! values in DynamoDB JSON (`{"S": …}`, `{"N": …}`, `{"M": {…}}`, `{"B": base64}`, …).

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use base64::Engine as _;
use serde_json::{Map, Value as Json, json};

/// One attribute value.
pub(crate) fn attribute(value: &AttributeValue) -> Json {
    let b64 = |blob: &aws_sdk_dynamodbstreams::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(blob.as_ref())
    };
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(items) => json!({ "SS": items }),
        AttributeValue::Ns(items) => json!({ "NS": items }),
        AttributeValue::Bs(items) => json!({ "BS": items.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(items) => json!({ "L": items.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({ "M": item(map) }),
        _ => json!({ "NULL": true }),
    }
}

/// An item (attribute name → value).
pub(crate) fn item(map: &HashMap<String, AttributeValue>) -> Json {
    Json::Object(map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect::<Map<_, _>>())
}

/// A record as Lambda delivers it, for the stream `stream_arn`.
pub(crate) fn record(record: &Record, stream_arn: &str, region: &str) -> Json {
    let mut change = Map::new();
    if let Some(stream) = record.dynamodb() {
        let created = stream.approximate_creation_date_time().map_or(0.0, |t| t.as_secs_f64());
        change.insert("ApproximateCreationDateTime".into(), json!(created));
        if let Some(keys) = stream.keys() {
            change.insert("Keys".into(), item(keys));
        }
        if let Some(image) = stream.new_image() {
            change.insert("NewImage".into(), item(image));
        }
        if let Some(image) = stream.old_image() {
            change.insert("OldImage".into(), item(image));
        }
        change.insert("SequenceNumber".into(), json!(stream.sequence_number()));
        change.insert("SizeBytes".into(), json!(stream.size_bytes().unwrap_or_default()));
        if let Some(view) = stream.stream_view_type() {
            change.insert("StreamViewType".into(), json!(view.as_str()));
        }
    }
    let mut out = json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or(region),
        "eventSourceARN": stream_arn,
        "dynamodb": change,
    });
    if let (Some(identity), Some(object)) = (record.user_identity(), out.as_object_mut()) {
        object.insert(
            "userIdentity".into(),
            json!({ "type": identity.r#type(), "principalId": identity.principal_id() }),
        );
    }
    out
}

/// The sequence number of a converted record.
pub(crate) fn sequence_number(record: &Json) -> Option<&str> {
    record.pointer("/dynamodb/SequenceNumber").and_then(Json::as_str)
}

/// The approximate creation time (seconds since the epoch) of a converted record.
pub(crate) fn created_at(record: &Json) -> Option<f64> {
    record.pointer("/dynamodb/ApproximateCreationDateTime").and_then(Json::as_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::dynamodb::Event;
    use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime};
    use aws_sdk_dynamodbstreams::types::{OperationType, StreamRecord, StreamViewType};

    #[test]
    fn converts_every_attribute_type_into_a_lambda_event() {
        let image = HashMap::from([
            ("PK".to_owned(), AttributeValue::S("USER#a".into())),
            ("n".to_owned(), AttributeValue::N("42".into())),
            ("b".to_owned(), AttributeValue::B(Blob::new(vec![1, 2]))),
            ("t".to_owned(), AttributeValue::Bool(true)),
            ("z".to_owned(), AttributeValue::Null(true)),
            ("ss".to_owned(), AttributeValue::Ss(vec!["x".into()])),
            ("ns".to_owned(), AttributeValue::Ns(vec!["1".into()])),
            ("l".to_owned(), AttributeValue::L(vec![AttributeValue::S("e".into())])),
            ("m".to_owned(), AttributeValue::M(HashMap::from([("k".to_owned(), AttributeValue::N("1".into()))]))),
        ]);
        let record = Record::builder()
            .event_id("e1")
            .event_name(OperationType::Insert)
            .aws_region("us-east-1")
            .dynamodb(
                StreamRecord::builder()
                    .approximate_creation_date_time(DateTime::from_secs(1_700_000_000))
                    .keys("PK", AttributeValue::S("USER#a".into()))
                    .set_new_image(Some(image))
                    .sequence_number("100")
                    .size_bytes(10)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build(),
            )
            .build();
        let json = super::record(&record, "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x", "us-east-1");
        assert_eq!(json["dynamodb"]["NewImage"]["b"], json!({"B": "AQI="}));
        assert_eq!(json["dynamodb"]["NewImage"]["m"], json!({"M": {"k": {"N": "1"}}}));
        assert_eq!(sequence_number(&json), Some("100"));
        let event: Event = serde_json::from_value(json!({ "Records": [json] })).expect("lambda event");
        let parsed = &event.records[0];
        assert_eq!(parsed.event_name, "INSERT");
        assert_eq!(parsed.change.sequence_number.as_deref(), Some("100"));
        assert_eq!(parsed.change.new_image.len(), 9);
        assert_eq!(parsed.change.approximate_creation_date_time.timestamp(), 1_700_000_000);
    }
}
