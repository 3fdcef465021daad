//! The CPU work a request really does, timed in the binary's own profile: one Argon2id verify
//! (user-sign-in; OWASP parameters, the bulk of its CPU time), one EdDSA access token signed and
//! verified (sign-in, refresh; verified by every authenticated route), and a 20-item JSON page
//! parsed and written back (every listing). Used to choose the release profile
//! (`bench/coldstart/coldstart.py --cpu`, docs/benchmarks.md "Release profile").
//! Prints the median of each over its rounds.

use std::time::Instant;

use mediashare::auth::jwt::{self, Claims};
use mediashare::auth::keys::{SigningKeys, generate_signing_keys_value};
use mediashare::auth::password;
use mediashare::domain::Password;

fn median_us(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

fn page() -> String {
    let item = serde_json::json!({
        "url": "p4Zk2vQm9xTa", "kind": "video", "title": "Sunset over the harbour, take 3",
        "description": "Shot on a phone, stabilised, 1080p. Tags and subtitles below.",
        "owner": {"username": "alice", "displayName": "Alice", "profilePhoto": {"thumb": "https://cdn.example.com/media/a/thumb.webp"}},
        "tags": ["sunset", "harbour", "timelapse"], "status": "ready", "likes": 1204, "comments": 87, "reposts": 12,
        "files": {"hls": "https://cdn.example.com/media/u/master.m3u8", "mp4": "https://cdn.example.com/media/u/720.mp4",
                  "poster": "https://cdn.example.com/media/u/poster.jpg", "subtitles": {"en": "https://cdn.example.com/media/u/subs/en.vtt"}},
        "durationSeconds": 93.4, "width": 1920, "height": 1080,
        "createdAt": "2026-11-20T10:21:33Z", "updatedAt": "2026-11-20T10:23:01Z"
    });
    serde_json::json!({ "items": vec![item; 20], "next": "eyJrIjoiTUVESUEjcDRaazJ2UW0ifQ" }).to_string()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let phc = runtime.block_on(password::hash(&Password::parse("correct horse battery").unwrap())).unwrap();
    let argon = median_us(15, || assert!(runtime.block_on(password::verify("correct horse battery", &phc))));

    let keys = SigningKeys::parse(&generate_signing_keys_value(), "https://api.example.com", "mediashare").unwrap();
    let claims = Claims {
        iss: keys.issuer.clone(),
        aud: keys.audience.clone(),
        sub: "alice".into(),
        uid: "u_0123456789".into(),
        iat: 1_700_000_000,
        exp: 4_000_000_000,
        jti: "j_0123456789abcdef".into(),
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(keys.current_kid().to_owned());
    let token = || jsonwebtoken::encode(&header, &claims, keys.encoding_key()).unwrap();
    let jwt = median_us(2001, || {
        let t = token();
        assert_eq!(jwt::verify(&keys, &t).unwrap().sub, "alice");
    });

    let body = page();
    let json = median_us(2001, || {
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap().len(), body.len());
    });
    println!("argon2id verify (19 MiB, t=2): {:>9.1} us", argon);
    println!("jwt sign + verify (EdDSA):     {:>9.1} us", jwt);
    println!("json page parse + write (20):  {:>9.1} us", json);
}
