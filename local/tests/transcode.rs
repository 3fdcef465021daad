//! Media processing end to end: files made with real ffmpeg are uploaded through presigned
//! POSTs, S3 announces them on the transcode queue, the transcode function processes them with
//! ffmpeg, and what comes out is checked with ffprobe (codecs, sizes, segments, metadata).

mod support;

use std::collections::BTreeMap;

use serde_json::json;
use support::media::{generate, probe, streams};
use support::{Auth, TestApp};

/// A 640×360, 5-second clip with a 440 Hz tone.
async fn clip_with_sound() -> Vec<u8> {
    let args = mediashare::media::fixtures::clip_args("640x360", 5, true);
    generate(&args, "clip.mp4").await
}

fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[tokio::test]
async fn a_video_becomes_an_hls_ladder_an_mp4_and_stills_then_takes_subtitles() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let id = app.publish(&alice, "video", ("holiday clip.mp4", "video/mp4"), &clip_with_sound().await, true).await;
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "ready", "{media}");
    let files = &media["files"];
    assert_eq!((files["width"].as_u64(), files["height"].as_u64()), (Some(640), Some(360)));
    assert!((files["duration"].as_f64().unwrap() - 5.0).abs() < 0.5, "{files}");

    // The master playlist: one rung per size up to the source's, an audio group, codecs.
    let master = app.fetch_text(files["hls"].as_str().unwrap()).await;
    let variants = lines_starting(&master, "#EXT-X-STREAM-INF");
    assert_eq!(variants.len(), 2, "{master}");
    assert!(variants[0].contains("RESOLUTION=640x360") && variants[1].contains("RESOLUTION=426x240"), "{master}");
    for v in &variants {
        assert!(v.contains("BANDWIDTH=") && v.contains("CODECS=\"avc1.") && v.contains("mp4a.40.2"), "{v}");
        assert!(v.contains("AUDIO=\"aud\""), "{v}");
    }
    assert_eq!(lines_starting(&master, "#EXT-X-MEDIA:TYPE=AUDIO").len(), 1, "{master}");
    // A rung's playlist: 4-second segments (5 s → 2), each a real H.264 transport stream.
    let base = files["hls"].as_str().unwrap().trim_end_matches("master.m3u8").to_owned();
    let rung = master.lines().find(|l| l.ends_with(".m3u8") && l.contains("360p")).unwrap();
    let playlist = app.fetch_text(&format!("{base}{rung}")).await;
    let segments: Vec<&str> = playlist.lines().filter(|l| l.ends_with(".ts")).collect();
    assert_eq!(segments.len(), 2, "{playlist}");
    let rung_dir = rung.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
    let segment_url = format!("{base}{rung_dir}{}", segments[0]);
    let cross_origin = app.http.get(&segment_url).header("origin", "https://player.example").send().await.unwrap();
    let allowed = cross_origin.headers()["access-control-allow-origin"].to_str().unwrap().to_owned();
    assert!(allowed == "*" || allowed == "https://player.example", "players on other origins may fetch segments");
    let segment = probe(&app.fetch(&segment_url).await, "seg.ts").await;
    assert_eq!(streams(&segment, "video")[0]["codec_name"], "h264");
    assert_eq!(streams(&segment, "video")[0]["height"], 360);

    // The progressive MP4: H.264 + AAC, moov first (faststart), the whole duration.
    let mp4_url = files["mp4"]["360p"].as_str().expect("an MP4 of the top rung");
    let mp4 = app.fetch(mp4_url).await;
    let moov = mp4.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = mp4.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov < mdat, "faststart: moov before mdat");
    let report = probe(&mp4, "v.mp4").await;
    assert_eq!(streams(&report, "video")[0]["codec_name"], "h264");
    assert_eq!(streams(&report, "audio")[0]["codec_name"], "aac");
    let seconds: f64 = report["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((seconds - 5.0).abs() < 0.5, "mp4 lasts {seconds}");
    let poster = probe(&app.fetch(files["thumbnail"].as_str().unwrap()).await, "p.jpg").await;
    assert_eq!(streams(&poster, "video")[0]["codec_name"], "mjpeg");
    let preview = probe(&app.fetch(files["preview"].as_str().unwrap()).await, "p.webp").await;
    assert_eq!(streams(&preview, "video")[0]["codec_name"], "webp");

    // The streaming routes redirect to those files.
    let hls = app.get(&format!("/api/videos/{id}"), &Auth::None).await;
    hls.assert_status(302);
    assert_eq!(hls.headers["location"], files["hls"].as_str().unwrap());
    let progressive = app.get(&format!("/api/videos/{id}?format=mp4&quality=360p"), &Auth::None).await;
    progressive.assert_status(302);
    assert_eq!(progressive.headers["location"], mp4_url);
    app.get(&format!("/api/videos/{id}?format=mp4&quality=4k"), &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/musics/{id}"), &Auth::None).await.assert_problem(404);

    // Subtitles: an SRT becomes WebVTT, listed on the media and offered by the master playlist.
    let srt = "1\n00:00:00,500 --> 00:00:02,000\nHello there\n\n2\n00:00:02,500 --> 00:00:04,000\nGoodbye\n";
    let path = format!("/api/medias/{id}/subtitles/en");
    app.upload(&alice, "PUT", &path, ("clip.srt", "application/x-subrip"), srt.as_bytes()).await;
    let with_subs = support::eventually("the subtitle track", std::time::Duration::from_secs(60), || async {
        let m = app.get(&format!("/api/medias/{id}"), &Auth::None).await.body;
        (m["files"]["subtitles"].as_array().is_some_and(|s| !s.is_empty())).then_some(m)
    })
    .await;
    let track = &with_subs["files"]["subtitles"][0];
    assert_eq!(track["lang"], "en");
    let vtt = app.fetch_text(track["url"].as_str().unwrap()).await;
    assert!(vtt.starts_with("WEBVTT") && vtt.contains("00.500 --> 00:02.000") && vtt.contains("Hello there"), "{vtt}");
    // The track is listed first; the master playlist is rewritten right after.
    let master = support::eventually("the master playlist's subtitles", std::time::Duration::from_secs(30), || async {
        let master = app.fetch_text(files["hls"].as_str().unwrap()).await;
        master.contains("#EXT-X-MEDIA:TYPE=SUBTITLES").then_some(master)
    })
    .await;
    assert!(master.contains("LANGUAGE=\"en\""), "{master}");
    assert!(lines_starting(&master, "#EXT-X-STREAM-INF").iter().all(|v| v.contains("SUBTITLES=\"subs\"")));
    let subs_playlist = app.fetch_text(&format!("{base}subs/en.m3u8")).await;
    assert!(subs_playlist.contains("#EXT-X-ENDLIST"), "{subs_playlist}");
    let hls_vtt = app.fetch_text(&format!("{base}subs/en.vtt")).await;
    assert!(hls_vtt.contains("X-TIMESTAMP-MAP=MPEGTS:"), "{hls_vtt}");

    // A broken track is refused with a reason, and the good one stays.
    let path = format!("/api/medias/{id}/subtitles/fr");
    app.upload(&alice, "PUT", &path, ("fr.vtt", "text/vtt"), b"this is not a subtitle file at all").await;
    let refused = support::eventually("the refused track", std::time::Duration::from_secs(60), || async {
        let m = app.get(&format!("/api/medias/{id}"), &Auth::None).await.body;
        m["rejectedFiles"]["subtitles/fr"].as_str().map(str::to_owned)
    })
    .await;
    assert!(refused.contains("subtitle"), "{refused}");
    let after = app.get(&format!("/api/medias/{id}"), &Auth::None).await.body;
    assert_eq!(after["files"]["subtitles"].as_array().unwrap().len(), 1);

    // Only the owner attaches; only videos take subtitles.
    let bob = app.verified_user().await;
    let ask = json!({"filename": "x.vtt", "contentType": "text/vtt", "size": 10});
    app.put(&format!("/api/medias/{id}/subtitles/de"), ask.clone(), &bob.auth()).await.assert_problem(403);
    app.put(&format!("/api/medias/{id}/subtitles/not_a_lang"), ask.clone(), &alice.auth()).await.assert_problem(400);
    app.put(
        &format!("/api/medias/{id}/cover"),
        json!({"filename": "c.png", "contentType": "image/png", "size": 10}),
        &alice.auth(),
    )
    .await
    .assert_problem(409);

    // Deleting the media deletes its files.
    let prefix = format!(
        "media/{}/",
        files["hls"].as_str().unwrap().split("/media/").nth(1).unwrap().split('/').next().unwrap()
    );
    assert!(app.media_objects(&prefix).await > 5);
    app.delete(&format!("/api/medias/{id}"), &alice.auth()).await.assert_status(204);
    support::eventually("the files to go", std::time::Duration::from_secs(60), || async {
        (app.media_objects(&prefix).await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_rotated_silent_phone_video_comes_out_upright_even_when_the_media_comes_second() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let args = mediashare::media::fixtures::clip_args("320x180", 3, false);
    let landscape = generate(&args, "flat.mp4").await;
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.mp4");
    std::fs::write(&flat, &landscape).unwrap();
    let rotated =
        generate(&["-i", flat.to_str().unwrap(), "-c", "copy", "-metadata:s:v:0", "rotate=90"], "phone.mov").await;
    let before = probe(&rotated, "phone.mov").await;
    assert!(before.to_string().contains("rotation"), "the input carries a rotation: {before}");

    let id = app.publish(&alice, "video", ("phone.mov", "video/quicktime"), &rotated, false).await;
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "ready", "{media}");
    let files = &media["files"];
    assert_eq!((files["width"].as_u64(), files["height"].as_u64()), (Some(180), Some(320)));
    let master = app.fetch_text(files["hls"].as_str().unwrap()).await;
    assert!(!master.contains("TYPE=AUDIO") && !master.contains("mp4a"), "no audio group for a silent video: {master}");
    assert!(master.contains("RESOLUTION=180x320"), "{master}");
    let mp4 =
        probe(&app.fetch(files["mp4"].as_object().unwrap().values().next().unwrap().as_str().unwrap()).await, "v.mp4")
            .await;
    assert!(streams(&mp4, "audio").is_empty());
    let video = streams(&mp4, "video")[0];
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(180), Some(320)));
    assert!(!video.to_string().contains("rotation"), "no rotation left: {video}");
}

#[tokio::test]
async fn music_is_normalised_with_waveform_artwork_then_takes_a_cover() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let tone = generate(&["-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-ac", "2"], "tone.wav").await;
    let id = app.publish(&alice, "music", ("tone.wav", "audio/wav"), &tone, true).await;
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "ready", "{media}");
    let files = media["files"].clone();
    // Only the owner gives a music its cover.
    let bob = app.verified_user().await;
    let ask = json!({"filename": "c.png", "contentType": "image/png", "size": 10});
    app.put(&format!("/api/medias/{id}/cover"), ask, &bob.auth()).await.assert_problem(403);
    let m4a = probe(&app.fetch(files["m4a"].as_str().unwrap()).await, "a.m4a").await;
    assert_eq!(streams(&m4a, "audio")[0]["codec_name"], "aac");
    let hls = app.fetch_text(files["hls"].as_str().unwrap()).await;
    assert!(hls.contains("mp4a.40.2"), "{hls}");
    let waveform = probe(&app.fetch(files["artwork"].as_str().unwrap()).await, "w.jpg").await;
    assert_eq!(streams(&waveform, "video")[0]["codec_name"], "mjpeg");
    let m4a_redirect = app.get(&format!("/api/musics/{id}?format=m4a"), &Auth::None).await;
    m4a_redirect.assert_status(302);

    let cover = generate(&["-f", "lavfi", "-i", "testsrc2=size=800x800", "-frames:v", "1"], "cover.png").await;
    app.upload(&alice, "PUT", &format!("/api/medias/{id}/cover"), ("cover.png", "image/png"), &cover).await;
    let covered = support::eventually("the cover", std::time::Duration::from_secs(60), || async {
        let m = app.get(&format!("/api/medias/{id}"), &Auth::None).await.body;
        (m["files"]["artwork"] != files["artwork"]).then_some(m)
    })
    .await;
    assert_eq!(covered["files"]["thumbnail"], covered["files"]["artwork"], "the cover is the thumbnail");
    let artwork = probe(&app.fetch(covered["files"]["artwork"].as_str().unwrap()).await, "c.jpg").await;
    let art = streams(&artwork, "video")[0];
    assert!(art["width"].as_u64().unwrap() <= 600 && art["width"] == art["height"], "{art}");
    let embedded = probe(&app.fetch(covered["files"]["m4a"].as_str().unwrap()).await, "b.m4a").await;
    let pictures = streams(&embedded, "video");
    assert_eq!(pictures.len(), 1, "the cover is embedded: {embedded}");
    assert_eq!(pictures[0]["disposition"]["attached_pic"], 1);
}

#[tokio::test]
async fn photos_lose_gps_and_stand_upright_and_avatars_come_in_square_sizes() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let plain = generate(&["-f", "lavfi", "-i", "testsrc2=size=400x300", "-frames:v", "1", "-q:v", "3"], "p.jpg").await;
    let phone = mediashare::media::fixtures::with_phone_exif(&plain);
    assert!(phone.windows(4).any(|w| w == b"Exif"));
    let id = app.publish(&alice, "photo", ("phone.jpg", "image/jpeg"), &phone, true).await;
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "ready", "{media}");
    let files = &media["files"];
    assert_eq!((files["width"].as_u64(), files["height"].as_u64()), (Some(300), Some(400)), "oriented");
    for size in ["thumb", "medium", "large"] {
        for url in [files[size].as_str().unwrap(), files["jpeg"][size].as_str().unwrap()] {
            let bytes = app.fetch(url).await;
            assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{url} carries EXIF");
            let report = probe(&bytes, if url.ends_with(".webp") { "x.webp" } else { "x.jpg" }).await;
            let image = streams(&report, "video")[0];
            let (w, h) = (image["width"].as_u64().unwrap(), image["height"].as_u64().unwrap());
            assert!(h > w && h <= 400, "{url}: {w}x{h} is upright and never upscaled");
            assert!(!report.to_string().contains("GPS"), "{report}");
        }
    }
    let thumb = app.get(&format!("/api/photos/{id}?size=thumb&format=jpeg"), &Auth::None).await;
    thumb.assert_status(302);
    assert_eq!(thumb.headers["location"], files["jpeg"]["thumb"].as_str().unwrap());

    // A duplicate delivery of the same S3 event changes nothing.
    let key = app
        .upload(
            &alice,
            "PUT",
            &format!("/api/users/{}/profile-photo", alice.username),
            ("me.jpg", "image/jpeg"),
            &phone,
        )
        .await
        .key;
    let user = support::eventually("the avatar", std::time::Duration::from_secs(60), || async {
        let u = app.get(&format!("/api/users/{}", alice.username), &Auth::None).await.body;
        u["profilePhoto"].is_object().then_some(u)
    })
    .await;
    let thumb = probe(&app.fetch(user["profilePhoto"]["thumb"].as_str().unwrap()).await, "t.webp").await;
    assert_eq!(
        (streams(&thumb, "video")[0]["width"].as_u64(), streams(&thumb, "video")[0]["height"].as_u64()),
        (Some(64), Some(64))
    );
    assert!(!app.raw_upload_exists(&key).await, "the raw upload is deleted once processed");
    app.redeliver_upload_event(&key).await;
    let again = app.get(&format!("/api/users/{}", alice.username), &Auth::None).await.body;
    assert_eq!(again["profilePhoto"], user["profilePhoto"]);

    // Account photos are the account's own business.
    let bob = app.verified_user().await;
    let ask = json!({"filename": "me.jpg", "contentType": "image/jpeg", "size": 10});
    for route in ["profile-photo", "channel-photo"] {
        let path = format!("/api/users/{}/{route}", alice.username);
        app.put(&path, ask.clone(), &bob.auth()).await.assert_problem(403);
        app.put(&path, ask.clone(), &Auth::None).await.assert_problem(401);
    }
}

#[tokio::test]
async fn fakes_fail_with_a_reason_and_the_real_size_is_charged_to_the_quota() {
    // Noise does not compress: a photo of a known, sizeable weight.
    let photo = generate(
        &["-f", "lavfi", "-i", "nullsrc=size=160x120,geq=lum='random(1)*255':cb=128:cr=128", "-frames:v", "1"],
        "n.png",
    )
    .await;
    assert!(photo.len() > 5_000, "{} bytes", photo.len());
    let quota = photo.len() * 3 / 2;
    let app = TestApp::spawn_with(BTreeMap::from([
        ("UPLOAD_QUOTA_BYTES_PER_DAY".into(), quota.to_string()),
        ("MAX_MEDIA_SECONDS".into(), "2".into()),
    ]))
    .await;
    let alice = app.verified_user().await;
    // A text file named .mp4 (1.2 photos heavy): refused, raw object deleted, and refunded —
    // otherwise no photo would fit below.
    let fake = b"just some text, no video. ".repeat(photo.len() * 6 / 5 / 26);
    let id = app.publish(&alice, "video", ("fake.mp4", "video/mp4"), &fake, true).await;
    let media = app.settled_media(&id).await;
    assert_eq!(media["status"], "failed");
    assert!(media["statusReason"].as_str().unwrap().contains("not"), "{media}");
    assert!(media["files"].is_null());
    app.get(&format!("/api/videos/{id}"), &Auth::None).await.assert_problem(409);
    // Longer than MAX_MEDIA_SECONDS: refused from the probe, before any encoding.
    let tone =
        generate(&["-f", "lavfi", "-i", "sine=duration=3", "-ac", "1", "-ar", "8000", "-b:a", "8k"], "long.mp3").await;
    let long = app.publish(&alice, "music", ("long.mp3", "audio/mpeg"), &tone, true).await;
    let settled = app.settled_media(&long).await;
    assert_eq!(settled["status"], "failed");
    assert!(settled["statusReason"].as_str().unwrap().contains("longer than 2 s"), "{settled}");

    // S3 is told the announced size; the emulator does not enforce it, so the transcode side
    // charges the real one: two of these photos do not fit into 1.5 of them.
    let first = app.upload_announced(&alice, "POST", "/api/photos/upload", ("a.png", "image/png"), &photo, 100).await;
    let second = app.upload_announced(&alice, "POST", "/api/photos/upload", ("b.png", "image/png"), &photo, 100).await;
    let mut outcomes = Vec::new();
    for up in [&first, &second] {
        let body = json!({"kind": "photo", "title": "p", "fileUrl": up.file_url});
        let created = app.post("/api/medias", body, &alice.auth()).await;
        let status = if created.status == 201 {
            let settled = app.settled_media(created.body["url"].as_str().unwrap()).await;
            if settled["status"] == "failed" {
                assert!(settled["statusReason"].as_str().unwrap().contains("allowance"), "{settled}");
            }
            settled["status"].as_str().unwrap().to_owned()
        } else {
            assert!(created.text.contains("allowance"), "{}", created.text);
            "refused".to_owned()
        };
        outcomes.push(status);
        assert!(!app.raw_upload_exists(&up.key).await);
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "ready").count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o == "failed" || o == "refused"), "{outcomes:?}");
}

#[tokio::test]
async fn a_notification_that_keeps_failing_lands_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("TranscodeQueue").unwrap().to_owned();
    let dlq = app.stack.physical_name("TranscodeDeadLetterQueue").unwrap().to_owned();
    sqs.send_message().queue_url(&queue).message_body("{\"not\": \"an S3 event\"}").send().await.unwrap();
    let body = support::eventually("the poison message in the DLQ", std::time::Duration::from_secs(90), || {
        let (sqs, dlq) = (sqs.clone(), dlq.clone());
        async move {
            let out = sqs.receive_message().queue_url(dlq).wait_time_seconds(1).send().await.ok()?;
            out.messages.unwrap_or_default().into_iter().next().and_then(|m| m.body)
        }
    })
    .await;
    assert!(body.contains("an S3 event"));
}
