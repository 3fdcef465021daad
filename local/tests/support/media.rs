//! Media helpers: inputs made with real ffmpeg, uploads exactly as a client makes them (the
//! instructions route, then a multipart POST to the emulator's bucket), waiting for processing
//! to settle, and ffprobe on what came out.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::{TestApp, TestUser, eventually};

/// Runs ffmpeg with `args`, the output being `out` (a file name with the right extension), and
/// returns the bytes produced.
pub async fn generate<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], out: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(out);
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&path)
        .status()
        .await
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?} failed");
    std::fs::read(&path).unwrap()
}

/// ffprobe's report (format and streams) on `bytes`, saved as `name` first.
pub async fn probe(bytes: &[u8], name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    probe_path(&path).await
}

async fn probe_path(path: &Path) -> Value {
    let out = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .await
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The streams of a report of `codec_type` (`video`, `audio`).
pub fn streams<'a>(report: &'a Value, codec_type: &str) -> Vec<&'a Value> {
    report["streams"].as_array().unwrap().iter().filter(|s| s["codec_type"] == codec_type).collect()
}

/// An upload the client made.
pub struct Uploaded {
    /// The `fileUrl`.
    pub file_url: String,
    /// Its object key in the uploads bucket.
    pub key: String,
}

impl TestApp {
    /// Asks `method path` for upload instructions for `bytes` (announced as `announce` bytes,
    /// usually their length) and POSTs the file to S3 as a browser form would.
    pub async fn upload_announced(
        &self,
        user: &TestUser,
        method: &str,
        path: &str,
        (filename, content_type): (&str, &str),
        bytes: &[u8],
        announce: usize,
    ) -> Uploaded {
        let ask = json!({"filename": filename, "contentType": content_type, "size": announce});
        let res = self.request(method, path, Some(ask), &user.auth()).await;
        res.assert_status(201);
        let fields = res.body["upload"]["fields"].as_object().unwrap().clone();
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in &fields {
            form = form.text(k.clone(), v.as_str().unwrap().to_owned());
        }
        form = form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(filename.to_owned()));
        let url = res.body["upload"]["url"].as_str().unwrap();
        let posted = self.http.post(url).multipart(form).send().await.unwrap();
        assert!(posted.status().is_success(), "S3 POST: {}", posted.status());
        let key = fields["key"].as_str().unwrap().to_owned();
        Uploaded { file_url: res.body["fileUrl"].as_str().unwrap().to_owned(), key }
    }

    /// [`upload_announced`](Self::upload_announced) with the true size.
    pub async fn upload(
        &self,
        user: &TestUser,
        method: &str,
        path: &str,
        file: (&str, &str),
        bytes: &[u8],
    ) -> Uploaded {
        self.upload_announced(user, method, path, file, bytes, bytes.len()).await
    }

    /// Uploads `bytes` as a `kind` file and creates the media from it (before or after the
    /// upload, as `media_first` says). Returns the media id.
    pub async fn publish(
        &self,
        user: &TestUser,
        kind: &str,
        file: (&str, &str),
        bytes: &[u8],
        media_first: bool,
    ) -> String {
        let route = match kind {
            "photo" => "/api/photos/upload",
            "video" => "/api/videos/upload",
            _ => "/api/musics/upload",
        };
        let ask = json!({"filename": file.0, "contentType": file.1, "size": bytes.len()});
        let instructions = self.post(route, ask, &user.auth()).await;
        instructions.assert_status(201);
        let file_url = instructions.body["fileUrl"].as_str().unwrap().to_owned();
        let auth = user.auth();
        let body = json!({"kind": kind, "title": file.0, "fileUrl": file_url});
        let create = || self.post("/api/medias", body.clone(), &auth);
        let mut media = None;
        if media_first {
            let created = create().await;
            created.assert_status(201);
            assert_eq!(created.body["status"], "uploading");
            media = Some(created.body["url"].as_str().unwrap().to_owned());
        }
        let fields = instructions.body["upload"]["fields"].as_object().unwrap().clone();
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in &fields {
            form = form.text(k.clone(), v.as_str().unwrap().to_owned());
        }
        form = form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file.0.to_owned()));
        let posted = self.http.post(instructions.body["upload"]["url"].as_str().unwrap()).multipart(form).send();
        assert!(posted.await.unwrap().status().is_success());
        match media {
            Some(id) => id,
            None => {
                let created = create().await;
                created.assert_status(201);
                created.body["url"].as_str().unwrap().to_owned()
            }
        }
    }

    /// The media once processing settled (`ready` or `failed`).
    pub async fn settled_media(&self, id: &str) -> Value {
        let path = format!("/api/medias/{id}");
        eventually(&format!("media {id} to be processed"), Duration::from_secs(120), || async {
            let res = self.get(&path, &super::Auth::None).await;
            matches!(res.body["status"].as_str(), Some("ready" | "failed")).then_some(res.body)
        })
        .await
    }

    /// GETs `url` (a processed file, public) and returns its bytes.
    pub async fn fetch(&self, url: &str) -> Vec<u8> {
        let res = self.http.get(url).send().await.unwrap();
        assert!(res.status().is_success(), "GET {url}: {}", res.status());
        res.bytes().await.unwrap().to_vec()
    }

    /// GETs `url` as text.
    pub async fn fetch_text(&self, url: &str) -> String {
        String::from_utf8(self.fetch(url).await).unwrap()
    }

    /// An S3 client on the emulator.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(self.stack.sdk_config()).force_path_style(true).build(),
        )
    }

    /// Whether the uploads bucket still holds `key`.
    pub async fn raw_upload_exists(&self, key: &str) -> bool {
        let bucket = self.stack.physical_name("UploadsBucket").unwrap();
        self.s3().head_object().bucket(bucket).key(key).send().await.is_ok()
    }

    /// Number of objects in the media bucket under `prefix`.
    pub async fn media_objects(&self, prefix: &str) -> usize {
        let bucket = self.stack.physical_name("MediaBucket").unwrap();
        let listed = self.s3().list_objects_v2().bucket(bucket).prefix(prefix).send().await.unwrap();
        listed.contents().len()
    }

    /// Sends S3's notification for `key` to the transcode queue again (a duplicate delivery)
    /// and waits until the queue has been drained.
    pub async fn redeliver_upload_event(&self, key: &str) {
        let sqs = aws_sdk_sqs::Client::new(self.stack.sdk_config());
        let url = self.stack.physical_name("TranscodeQueue").unwrap().to_owned();
        let bucket = self.stack.physical_name("UploadsBucket").unwrap();
        let encoded = key.replace(' ', "+");
        let body = json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-22T10:00:00.000Z", "eventName": "ObjectCreated:Post",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
                   "object": {"key": encoded, "size": 1}}
        }]});
        sqs.send_message().queue_url(&url).message_body(body.to_string()).send().await.unwrap();
        eventually("the transcode queue to drain", Duration::from_secs(60), || async {
            let attrs = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                .send()
                .await
                .unwrap();
            let count = |name: aws_sdk_sqs::types::QueueAttributeName| {
                attrs.attributes().and_then(|a| a.get(&name)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(1)
            };
            (count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages) == 0
                && count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible) == 0)
                .then_some(())
        })
        .await;
    }
}
