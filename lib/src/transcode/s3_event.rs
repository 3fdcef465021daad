//! S3 event notifications as they arrive in an SQS message body: the objects created, with
//! their keys URL-decoded (S3 encodes them, with `+` for spaces). The `s3:TestEvent` S3 sends
//! when notifications are configured carries no object.

use serde::Deserialize;

/// The parts of an S3 notification the function reads. (The full `aws_lambda_events` type
/// requires fields, such as `userIdentity`, that emulators and some S3 implementations omit.)
#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "Records", default)]
    records: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_name: Option<String>,
    s3: Entity,
}

#[derive(Deserialize)]
struct Entity {
    bucket: Bucket,
    object: Object,
}

#[derive(Deserialize)]
struct Bucket {
    name: String,
}

#[derive(Deserialize)]
struct Object {
    key: String,
    size: Option<i64>,
}

/// An object S3 announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    /// Bucket.
    pub bucket: String,
    /// Key, decoded.
    pub key: String,
    /// Size in bytes, as announced (the transcode function asks S3 again).
    pub size: u64,
}

/// Why a message body is not an S3 notification.
#[derive(Debug, thiserror::Error)]
#[error("not an S3 event notification: {0}")]
pub struct NotAnS3Event(String);

/// The created objects of a notification body (none for a test event).
pub fn created_objects(body: &str) -> Result<Vec<CreatedObject>, NotAnS3Event> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| NotAnS3Event(e.to_string()))?;
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    let event: Notification = serde_json::from_value(value).map_err(|e| NotAnS3Event(e.to_string()))?;
    if event.records.is_empty() {
        return Err(NotAnS3Event("no records".into()));
    }
    let mut out = Vec::new();
    for record in event.records {
        let created = record.event_name.as_deref().is_some_and(|n| n.starts_with("ObjectCreated:"));
        if !created {
            continue;
        }
        let raw_key = record.s3.object.key;
        let key = decode_key(&raw_key).ok_or_else(|| NotAnS3Event(format!("undecodable key {raw_key:?}")))?;
        let size = record.s3.object.size.unwrap_or(0).max(0) as u64;
        out.push(CreatedObject { bucket: record.s3.bucket.name, key, size });
    }
    Ok(out)
}

/// Decodes an S3 event key: `+` is a space, `%XX` a byte; the result must be UTF-8.
pub fn decode_key(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_decoded() {
        assert_eq!(decode_key("uploads%2Fvideo%2Fab%2Fmy+clip%281%29.mp4").unwrap(), "uploads/video/ab/my clip(1).mp4");
        assert_eq!(decode_key("caf%C3%A9.jpg").unwrap(), "café.jpg");
        assert!(decode_key("bad%zz").is_none() && decode_key("cut%4").is_none() && decode_key("%ff%fe").is_none());
    }

    #[test]
    fn the_sample_event_names_one_object() {
        let sample: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/transcode.json")).expect("sample event");
        let body = sample["Records"][0]["body"].as_str().expect("body");
        let objects = created_objects(body).expect("parses");
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].key, "uploads/video/Xk3uT9bQe2A/holiday clip.mp4");
        assert_eq!(objects[0].size, 1_048_576);
    }

    #[test]
    fn test_events_and_garbage() {
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-22T10:00:00Z","Bucket":"b"}"#;
        assert!(created_objects(test).unwrap().is_empty());
        assert!(created_objects("{\"id\":\"mail\"}").is_err());
        assert!(created_objects("not json").is_err());
    }
}
