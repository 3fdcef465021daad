//! Presigned S3 POST (Signature Version 4): a policy pinning the bucket, the exact key, the
//! content type and `content-length-range`, with a short expiry, signed with the function's
//! credentials. S3 refuses any upload that breaks a condition.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use time::macros::format_description;

/// Credentials to sign with.
pub struct SigningCredentials<'a> {
    /// Access key id.
    pub access_key: &'a str,
    /// Secret key.
    pub secret_key: &'a str,
    /// Session token (Lambda's role credentials have one).
    pub session_token: Option<&'a str>,
}

/// What to allow.
pub struct PostRequest<'a> {
    /// Target bucket.
    pub bucket: &'a str,
    /// Exact object key.
    pub key: &'a str,
    /// Exact content type.
    pub content_type: &'a str,
    /// Largest body S3 accepts.
    pub max_bytes: u64,
    /// Region of the bucket.
    pub region: &'a str,
    /// Signing time.
    pub now: OffsetDateTime,
    /// When the policy stops working.
    pub expires_at: OffsetDateTime,
}

/// Form fields to send with the file (the file last, in a part named `file`).
pub type Fields = BTreeMap<String, String>;

fn sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The SigV4 signing key for `service` on `date` (`yyyymmdd`) in `region`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = sign(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = sign(&k_date, region.as_bytes());
    let k_service = sign(&k_region, service.as_bytes());
    sign(&k_service, b"aws4_request")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The form fields of a presigned POST for `req`.
pub fn presign(req: &PostRequest<'_>, creds: &SigningCredentials<'_>) -> Fields {
    let date = req.now.format(format_description!("[year][month][day]")).unwrap_or_default();
    let amz_date =
        req.now.format(format_description!("[year][month][day]T[hour][minute][second]Z")).unwrap_or_default();
    let credential = format!("{}/{date}/{}/s3/aws4_request", creds.access_key, req.region);
    let mut conditions = vec![
        serde_json::json!({ "bucket": req.bucket }),
        serde_json::json!({ "key": req.key }),
        serde_json::json!({ "Content-Type": req.content_type }),
        serde_json::json!(["content-length-range", 1, req.max_bytes]),
        serde_json::json!({ "x-amz-algorithm": "AWS4-HMAC-SHA256" }),
        serde_json::json!({ "x-amz-credential": credential }),
        serde_json::json!({ "x-amz-date": amz_date }),
    ];
    if let Some(token) = creds.session_token {
        conditions.push(serde_json::json!({ "x-amz-security-token": token }));
    }
    let policy = serde_json::json!({
        "expiration": crate::time::rfc3339(req.expires_at),
        "conditions": conditions,
    });
    let policy_b64 = STANDARD.encode(policy.to_string());
    let signature = hex(&sign(&signing_key(creds.secret_key, &date, req.region, "s3"), policy_b64.as_bytes()));
    let mut fields = Fields::new();
    fields.insert("key".into(), req.key.into());
    fields.insert("Content-Type".into(), req.content_type.into());
    fields.insert("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into());
    fields.insert("x-amz-credential".into(), credential);
    fields.insert("x-amz-date".into(), amz_date);
    if let Some(token) = creds.session_token {
        fields.insert("x-amz-security-token".into(), token.into());
    }
    fields.insert("policy".into(), policy_b64);
    fields.insert("x-amz-signature".into(), signature);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_matches_the_sigv4_reference_derivation() {
        // The derivation example of the SigV4 documentation (secret, 20120215, us-east-1, iam).
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex(&key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn policy_pins_every_condition() {
        let now = OffsetDateTime::from_unix_timestamp(1_795_380_000).unwrap();
        let req = PostRequest {
            bucket: "b-uploads",
            key: "uploads/video/abc/clip.mp4",
            content_type: "video/mp4",
            max_bytes: 1000,
            region: "eu-west-1",
            now,
            expires_at: now + time::Duration::minutes(15),
        };
        let creds = SigningCredentials { access_key: "AKID", secret_key: "secret", session_token: Some("tok") };
        let fields = presign(&req, &creds);
        let policy: serde_json::Value = serde_json::from_slice(&STANDARD.decode(&fields["policy"]).unwrap()).unwrap();
        assert_eq!(policy["expiration"], crate::time::rfc3339(req.expires_at));
        let conditions = policy["conditions"].as_array().unwrap();
        let has = |c: serde_json::Value| conditions.contains(&c);
        assert!(has(serde_json::json!({"bucket": "b-uploads"})));
        assert!(has(serde_json::json!({"key": "uploads/video/abc/clip.mp4"})));
        assert!(has(serde_json::json!({"Content-Type": "video/mp4"})));
        assert!(has(serde_json::json!(["content-length-range", 1, 1000])));
        assert!(has(serde_json::json!({"x-amz-security-token": "tok"})));
        let credential = format!("AKID/{}/eu-west-1/s3/aws4_request", &fields["x-amz-date"][..8]);
        assert_eq!(fields["x-amz-credential"], credential);
        assert!(has(serde_json::json!({"x-amz-credential": credential})));
        assert_eq!(fields["key"], "uploads/video/abc/clip.mp4");
        assert_eq!(fields["x-amz-signature"].len(), 64);
        // The signature covers the policy: any change gives another one.
        let other = presign(&PostRequest { max_bytes: 1001, ..req }, &creds);
        assert_ne!(other["x-amz-signature"], fields["x-amz-signature"]);
    }
}
