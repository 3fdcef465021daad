//! Real clients against the local runner, each run as a user or a third party would run it:
//! Schemathesis fuzzes every operation of `/docs/openapi.json`; a Python script that knows
//! nothing of mediashare uploads a video with the presigned POST; Debian's chromium (driven by
//! playwright-core) renders the Swagger UI and plays the processed video through hls.js from a
//! page on another origin. The tools come from `make test` (`.venv`, `tools/browser`, apt).
//! Screenshots and reports are kept in `target/test-artifacts/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::json;
use support::media::generate;
use support::{Auth, TestApp};

/// Seed of Schemathesis' generator: a failure it prints can be replayed with the same one.
const SCHEMATHESIS_SEED: u32 = 20261123;
/// Schemathesis' time budget: its fuzzing phase repeats until it is spent.
const SCHEMATHESIS_SECONDS: u32 = 45;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Where screenshots and reports stay after the run (`target/` is ignored by git).
fn artifacts(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-artifacts").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `path` must exist, or the suite was not started the way that installs it.
fn installed(path: &Path) -> &Path {
    assert!(path.exists(), "{} is missing: run `make test` (it installs the test clients)", path.display());
    path
}

/// Runs `cmd` to completion within `limit`, killing it past that.
async fn run(cmd: &mut tokio::process::Command, limit: Duration) -> Output {
    cmd.kill_on_drop(true).stdin(std::process::Stdio::null());
    let started = Instant::now();
    let out = tokio::time::timeout(limit, cmd.output()).await;
    let out = out.unwrap_or_else(|_| panic!("{cmd:?} did not finish within {limit:?}")).expect("the client starts");
    eprintln!("{:?} took {:.1} s", cmd.as_std().get_program(), started.elapsed().as_secs_f64());
    out
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The body's `url` (an id) of a 201.
fn created(res: &support::TestResponse) -> String {
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let _bob = app.verified_user().await; // someone to follow: Schemathesis reads names from GET /api/users
    // Things for the id parameters to point at, so requests get past "not found".
    let auth = alice.auth();
    let post = created(&app.post("/api/medias", json!({"kind": "post", "body": "hello", "tags": ["x"]}), &auth).await);
    let comment = created(&app.post(&format!("/api/comments/medias/{post}"), json!({"body": "hi"}), &auth).await);
    let playlist = created(&app.post("/api/playlists", json!({"title": "mix"}), &auth).await);

    let work = tempfile::tempdir().unwrap(); // Schemathesis' cache and Hypothesis' database go here
    let config = work.path().join("schemathesis.toml");
    std::fs::write(&config, schemathesis_config(&post, &comment, &playlist)).unwrap();
    let report_dir = artifacts("schemathesis");
    let schemathesis = repo_root().join(".venv/bin/schemathesis");
    let out = run(
        tokio::process::Command::new(installed(&schemathesis))
            .current_dir(work.path())
            .env("NO_COLOR", "1")
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(app.url("/docs/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {}", alice.access)])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,\
                 response_schema_conformance,negative_data_rejection",
            ])
            // Deleting the account would end the session every other request runs with; the
            // accounts tests cover that route.
            .args(["--exclude-name", "DELETE /api/users/{username}"])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", "10", "--workers", "1"])
            .args(["--max-time", &SCHEMATHESIS_SECONDS.to_string()])
            .args(["--seed", &SCHEMATHESIS_SEED.to_string()])
            .args(["--request-timeout", "10", "--no-color"])
            .args(["--report", "junit", "--report-junit-path"])
            .arg(report_dir.join("junit.xml")),
        Duration::from_secs(SCHEMATHESIS_SECONDS as u64 + 60),
    )
    .await;
    let report = text(&out);
    eprintln!("{}", report.lines().skip_while(|l| !l.contains("SUMMARY")).collect::<Vec<_>>().join("\n"));
    assert!(out.status.success(), "Schemathesis found problems (seed {SCHEMATHESIS_SEED}):\n{report}");
    let selected = report.lines().find_map(|l| l.trim().strip_prefix("Selected: ")).expect("a summary");
    let (tested, total) = selected.split_once('/').unwrap();
    assert_eq!(tested.parse::<u32>().unwrap() + 1, total.parse::<u32>().unwrap(), "all but one operation tested");
}

/// Schemathesis' settings. The ids seeded by the test are mixed into the generated values
/// (half of the time) for the parameters that name them, so those operations reach their logic.
fn schemathesis_config(media: &str, comment: &str, playlist: &str) -> String {
    format!(
        r#"
# Schemathesis would otherwise read constraints into our 400 problems' text and then call its
# own guesses violated: "currentPassword is required to change the email or password" became
# "currentPassword is required" (it is not, for a bio change). The document is the contract.
[phases.fuzzing.error-feedback]
enabled = false

[dictionaries.media]
values = ["{media}"]
[dictionaries.comment]
values = ["{comment}"]
[dictionaries.playlist]
values = ["{playlist}"]

[parameters]
"path.commentUrl" = {{ dictionary = "comment", probability = 0.5 }}
"path.playlistUrl" = {{ dictionary = "playlist", probability = 0.5 }}

# `{{url}}` is a media in these routes and a playlist in the next ones. DELETEs get no seeded id:
# they would remove it for everything after them.
[[operations]]
include-name-regex = '^(GET|POST|PUT) /api/(medias|comments/medias|photos|videos|musics)/\{{url\}}'
parameters = {{ "path.url" = {{ dictionary = "media", probability = 0.5 }} }}

[[operations]]
include-name-regex = '^(GET|POST|PUT) /api/playlists/\{{url\}}'
parameters = {{ "path.url" = {{ dictionary = "playlist", probability = 0.5 }} }}
"#
    )
}

#[tokio::test]
async fn a_video_uploaded_by_a_third_party_client_plays_in_chromium_from_another_origin() {
    let node_modules = repo_root().join("tools/browser/node_modules/playwright-core");
    installed(&node_modules);
    installed(Path::new(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())));
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;

    // A third-party client follows the upload instructions with nothing but `requests`.
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    std::fs::write(&clip, generate(&mediashare::media::fixtures::clip_args("640x360", 4, true), "clip.mp4").await)
        .unwrap();
    let size = std::fs::metadata(&clip).unwrap().len();
    let ask = json!({"filename": "clip.mp4", "contentType": "video/mp4", "size": size});
    let instructions = app.post("/api/videos/upload", ask, &alice.auth()).await;
    instructions.assert_status(201);
    let python = repo_root().join(".venv/bin/python");
    let out = run(
        tokio::process::Command::new(installed(&python))
            .arg(repo_root().join("tools/clients/presigned_upload.py"))
            .arg(&instructions.text)
            .arg(&clip),
        Duration::from_secs(60),
    )
    .await;
    assert!(out.status.success(), "the presigned POST failed:\n{}", text(&out));
    let file_url = instructions.body["fileUrl"].as_str().unwrap();
    let video = json!({"kind": "video", "title": "Clip", "fileUrl": file_url});
    let id = created(&app.post("/api/medias", video, &alice.auth()).await);
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "ready", "{media}");
    let hls = media["files"]["hls"].as_str().unwrap();
    let redirect = app.get(&format!("/api/videos/{id}"), &Auth::None).await;
    assert_eq!(redirect.headers["location"], hls, "the API sends players to the master playlist");

    // Chromium: the Swagger UI renders, and the video plays from a page on another origin.
    let shots = artifacts("browser");
    for shot in ["docs.png", "playback.png"] {
        let _ = std::fs::remove_file(shots.join(shot)); // only this run's screenshots count
    }
    let out = run(
        tokio::process::Command::new("node")
            .arg(repo_root().join("tools/browser/check.mjs"))
            .args(["--base", app.stack.base_url().trim_end_matches('/'), "--hls", hls, "--out"])
            .arg(&shots),
        Duration::from_secs(90),
    )
    .await;
    let report = text(&out);
    eprintln!("{report}");
    assert!(out.status.success(), "the browser check failed:\n{report}");
    assert!(report.contains("currentTime reached"), "{report}");
    for shot in ["docs.png", "playback.png"] {
        let (width, height, bytes) = png_size(&shots.join(shot));
        assert!(width >= 640 && height >= 360 && bytes > 10_000, "{shot}: {width}x{height}, {bytes} bytes");
    }
}

/// Width, height and file size of a PNG (panics when it is not one).
fn png_size(path: &Path) -> (u32, u32, usize) {
    let png = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR", "{} is not a PNG", path.display());
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20), png.len())
}
