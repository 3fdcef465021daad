//! Presigned uploads: instructions S3 enforces (key, type, size), the per-file maximum and the
//! rolling 24-hour quota refused up front, and a real multipart POST to the emulator's bucket
//! whose object a media then takes.

mod support;

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Value, json};
use support::{Auth, TestApp};

fn policy(res: &support::TestResponse) -> Value {
    let b64 = res.body["upload"]["fields"]["policy"].as_str().unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
}

#[tokio::test]
async fn a_video_goes_straight_to_s3_and_a_media_takes_it() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bytes = vec![7u8; 4096];
    let res = app
        .post(
            "/api/videos/upload",
            json!({"filename": "../My clip.mp4", "contentType": "video/mp4", "size": bytes.len()}),
            &alice.auth(),
        )
        .await;
    res.assert_status(201);
    let file_url = res.body["fileUrl"].as_str().unwrap().to_owned();
    let bucket = app.stack.physical_name("UploadsBucket").unwrap().to_owned();
    let url = res.body["upload"]["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("{}/{bucket}", app.endpoint));
    let fields = res.body["upload"]["fields"].as_object().unwrap().clone();
    let key = fields["key"].as_str().unwrap().to_owned();
    assert_eq!(key, format!("uploads/video/{file_url}/My_clip.mp4"));
    assert_eq!(res.body["maxBytes"], 2_147_483_648u64);
    let conditions = policy(&res)["conditions"].as_array().unwrap().clone();
    assert!(conditions.contains(&json!(["content-length-range", 1, 2_147_483_648u64])));
    assert!(conditions.contains(&json!({"Content-Type": "video/mp4"})));
    assert!(conditions.contains(&json!({"key": key})));
    assert!(conditions.contains(&json!({"bucket": bucket})));

    let media =
        app.post("/api/medias", json!({"kind": "video", "title": "My clip", "fileUrl": file_url}), &alice.auth()).await;
    media.assert_status(201);
    assert_eq!(media.body["status"], "uploading");
    let id = media.body["url"].as_str().unwrap().to_owned();

    // A third-party client: every field, then the file, as multipart/form-data. S3 announces
    // it, and processing finds these bytes are no video.
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in &fields {
        form = form.text(k.clone(), v.as_str().unwrap().to_owned());
    }
    form = form.part("file", reqwest::multipart::Part::bytes(bytes.clone()).file_name("My clip.mp4"));
    let posted = app.http.post(&url).multipart(form).send().await.unwrap();
    assert!(posted.status().is_success(), "S3 POST: {}", posted.status());
    let settled = app.settled_media(&id).await;
    assert_eq!(settled["status"], "failed");
    assert!(settled["statusReason"].as_str().unwrap().contains("not a"), "{settled}");
    assert!(!app.raw_upload_exists(&key).await, "a refused upload is deleted");
    // The same upload cannot be taken by a second media.
    app.post("/api/medias", json!({"kind": "video", "title": "again", "fileUrl": file_url}), &alice.auth())
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn wrong_types_oversized_files_and_spent_quotas_are_refused_up_front() {
    let app = TestApp::spawn_with(BTreeMap::from([
        ("MAX_PHOTO_BYTES".into(), "1000".into()),
        ("UPLOAD_QUOTA_BYTES_PER_DAY".into(), "1500".into()),
    ]))
    .await;
    let alice = app.verified_user().await;
    let before = app.item_count().await;
    let ask = |ct: &str, size: u64| json!({"filename": "a.jpg", "contentType": ct, "size": size});
    let res = app.post("/api/photos/upload", ask("video/mp4", 10), &alice.auth()).await;
    res.assert_problem(400);
    assert_eq!(res.error_fields(), ["contentType"]);
    app.post("/api/photos/upload", ask("image/jpeg", 0), &alice.auth()).await.assert_problem(400);
    app.post("/api/photos/upload", ask("image/jpeg", 1001), &alice.auth()).await.assert_problem(413);
    app.post("/api/photos/upload", json!({"filename": "a.jpg", "contentType": "image/jpeg"}), &alice.auth())
        .await
        .assert_problem(400);
    app.post("/api/photos/upload", ask("image/jpeg", 10), &Auth::None).await.assert_problem(401);
    let unverified = app.unverified_user().await;
    let after_setup = app.item_count().await;
    app.post("/api/photos/upload", ask("image/jpeg", 10), &unverified.auth()).await.assert_problem(403);
    assert_eq!(app.item_count().await, after_setup);
    assert!(after_setup > before, "the unverified user's sign-up is the only change");

    // The quota counts what was asked for in the last 24 hours.
    let first = app.post("/api/photos/upload", ask("image/png", 1000), &alice.auth()).await;
    first.assert_status(201);
    assert_eq!(first.body["maxBytes"], 1000);
    let over = app.post("/api/photos/upload", ask("image/png", 600), &alice.auth()).await;
    over.assert_problem(413);
    assert!(over.body["detail"].as_str().unwrap().contains("500 bytes left"), "{}", over.text);
    let last = app.post("/api/photos/upload", ask("image/png", 500), &alice.auth()).await;
    last.assert_status(201);
    assert_eq!(last.body["maxBytes"], 500);
    let conditions = policy(&last)["conditions"].as_array().unwrap().clone();
    assert!(conditions.contains(&json!(["content-length-range", 1, 500])));
    // Another user has an allowance of their own; an upload of one kind is not a file of another.
    let bob = app.verified_user().await;
    let bobs = app
        .post("/api/musics/upload", json!({"filename": "s.mp3", "contentType": "audio/mpeg", "size": 10}), &bob.auth())
        .await;
    bobs.assert_status(201);
    let file_url = bobs.body["fileUrl"].as_str().unwrap();
    app.post("/api/medias", json!({"kind": "video", "title": "x", "fileUrl": file_url}), &bob.auth())
        .await
        .assert_problem(400);
    app.post("/api/medias", json!({"kind": "music", "title": "x", "fileUrl": file_url}), &alice.auth())
        .await
        .assert_problem(404);
}
