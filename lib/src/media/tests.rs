//! End-to-end checks of the media pipeline against the real ffmpeg: inputs are generated with lavfi,
//! outputs are inspected with ffprobe and by reading their bytes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::audio::{self, ArtworkSource};
use super::photo::{self, AVATAR_SIZES, MEDIA_SIZES};
use super::{Limits, MediaError, Tools, WorkDir, files_under, subtitles, video};

fn tools() -> Tools {
    Tools::from_env(Duration::from_secs(120))
}

/// Runs ffmpeg to make a test input; panics with its stderr when it fails.
async fn make(args: &[&str]) {
    let tools = tools();
    let out = tokio::process::Command::new(&tools.ffmpeg)
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Makes a test clip (see [`clip_args`](super::fixtures::clip_args)) at `out`.
async fn make_clip(size: &str, seconds: u32, sound: bool, out: &str) {
    let mut args = super::fixtures::clip_args(size, seconds, sound);
    args.push(out.to_owned());
    make(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
}

/// ffprobe's JSON report on an output file.
async fn inspect(path: &Path) -> Value {
    let tools = tools();
    let out = tokio::process::Command::new(&tools.ffprobe)
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffprobe {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Integrated loudness in LUFS, from ffmpeg's EBU R128 meter summary.
async fn loudness(path: &Path) -> f64 {
    let out = tokio::process::Command::new(&tools().ffmpeg)
        .args(["-hide_banner", "-nostats", "-nostdin", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-af", "ebur128", "-f", "null", "-"])
        .output()
        .await
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = log.rsplit("Integrated loudness:").next().unwrap();
    let line = summary.lines().find(|l| l.trim_start().starts_with("I:")).unwrap();
    line.trim_start().trim_start_matches("I:").trim().trim_end_matches("LUFS").trim().parse().unwrap()
}

fn streams(report: &Value) -> &Vec<Value> {
    report["streams"].as_array().unwrap()
}

fn first_of(report: &Value, kind: &str) -> Value {
    streams(report).iter().find(|s| s["codec_type"] == kind).cloned().unwrap_or(Value::Null)
}

fn size_of(stream: &Value) -> (u64, u64) {
    (stream["width"].as_u64().unwrap(), stream["height"].as_u64().unwrap())
}

fn duration_of(report: &Value) -> f64 {
    report["format"]["duration"].as_str().unwrap().parse().unwrap()
}

fn segment_count(playlist: &Path) -> usize {
    std::fs::read_to_string(playlist).unwrap().lines().filter(|l| l.ends_with(".ts")).count()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn refused(result: Result<impl std::fmt::Debug, MediaError>) -> String {
    match result {
        Err(MediaError::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A 6 s 640×360 H.264/AAC clip.
async fn clip_with_sound(dir: &WorkDir) -> PathBuf {
    let path = dir.join("clip.mp4");
    let p = path.to_str().unwrap();
    make_clip("640x360", 6, true, p).await;
    path
}

#[tokio::test]
async fn a_video_with_sound_becomes_an_hls_ladder_with_poster_preview_and_mp4() {
    let work = WorkDir::new().unwrap();
    let input = clip_with_sound(&work).await;
    let out = work.join("out");
    let result = video::transcode(&tools(), &input, &out, &Limits::default()).await.unwrap();

    assert_eq!((result.width, result.height, result.has_audio), (640, 360, true));
    assert!((result.duration - 6.0).abs() < 0.2, "{}", result.duration);
    let names: Vec<&str> = result.rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["360p", "240p"]);
    for rung in &result.rungs {
        let playlist = out.join(&rung.playlist);
        assert_eq!(segment_count(&playlist), 2, "{}", rung.name);
        let segment = inspect(&playlist.with_file_name("seg_000.ts")).await;
        let v = first_of(&segment, "video");
        assert_eq!(v["codec_name"], "h264");
        assert_eq!(size_of(&v), (u64::from(rung.width), u64::from(rung.height)));
        assert_eq!(first_of(&segment, "audio"), Value::Null, "audio lives in its own rendition");
        assert!(rung.bandwidth >= rung.average_bandwidth && rung.average_bandwidth > 128_000);
        assert!(rung.codecs.starts_with("avc1.64") && rung.codecs.ends_with(",mp4a.40.2"), "{}", rung.codecs);
    }
    assert_eq!(segment_count(&out.join("hls/audio/index.m3u8")), 2);
    let audio_segment = inspect(&out.join("hls/audio/seg_000.ts")).await;
    let a = first_of(&audio_segment, "audio");
    assert_eq!(
        (a["codec_name"].as_str(), a["sample_rate"].as_str(), a["channels"].as_u64()),
        (Some("aac"), Some("48000"), Some(2))
    );
    assert!(result.segment_start > 0.0, "TS segments start after the mux delay");

    let master = std::fs::read_to_string(out.join(&result.master)).unwrap();
    assert_eq!(result.master, "hls/master.m3u8");
    assert!(master.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\""));
    assert_eq!(master.matches("#EXT-X-STREAM-INF:BANDWIDTH=").count(), 2);
    assert!(master.contains("RESOLUTION=640x360,CODECS=\"avc1.64"));
    assert!(master.contains("RESOLUTION=426x240,"));
    assert!(master.contains("FRAME-RATE=25.000,AUDIO=\"aud\"\n360p/index.m3u8\n"));

    assert_eq!(result.mp4, [("360p".to_string(), "mp4/360p.mp4".to_string())]);
    let mp4 = out.join("mp4/360p.mp4");
    let bytes = std::fs::read(&mp4).unwrap();
    assert!(position(&bytes, b"moov").unwrap() < position(&bytes, b"mdat").unwrap(), "faststart");
    let report = inspect(&mp4).await;
    assert!((duration_of(&report) - 6.0).abs() < 0.3);
    assert_eq!(
        (first_of(&report, "video")["codec_name"].as_str(), first_of(&report, "audio")["codec_name"].as_str()),
        (Some("h264"), Some("aac"))
    );

    let poster = inspect(&out.join(&result.poster)).await;
    assert_eq!(first_of(&poster, "video")["codec_name"], "mjpeg");
    assert_eq!(size_of(&first_of(&poster, "video")), (640, 360));
    let preview = std::fs::read(out.join(&result.preview)).unwrap();
    assert!(preview.starts_with(b"RIFF") && contains(&preview, b"ANIM") && contains(&preview, b"ANMF"));

    let files = files_under(&out).unwrap();
    assert!(files.contains(&PathBuf::from("hls/240p/seg_001.ts")));
    let json = serde_json::to_string(&result).unwrap();
    assert_eq!(serde_json::from_str::<video::VideoOutput>(&json).unwrap(), result);
}

#[tokio::test]
async fn a_silent_video_has_no_audio_rendition() {
    let work = WorkDir::new().unwrap();
    let input = work.join("silent.mp4");
    make_clip("320x240", 5, false, input.to_str().unwrap()).await;
    let out = work.join("out");
    let result = video::transcode(&tools(), &input, &out, &Limits::default()).await.unwrap();

    assert!(!result.has_audio);
    assert_eq!(
        result.rungs.iter().map(|r| (r.name.as_str(), r.width, r.height)).collect::<Vec<_>>(),
        [("240p", 320, 240)]
    );
    assert_eq!(segment_count(&out.join("hls/240p/index.m3u8")), 2);
    assert!(!out.join("hls/audio").exists());
    let master = std::fs::read_to_string(out.join("hls/master.m3u8")).unwrap();
    assert!(!master.contains("AUDIO") && !master.contains("mp4a"), "{master}");
    let mp4 = inspect(&out.join("mp4/240p.mp4")).await;
    assert_eq!(streams(&mp4).len(), 1);
}

#[tokio::test]
async fn a_rotated_phone_video_comes_out_portrait() {
    let work = WorkDir::new().unwrap();
    let (raw, input) = (work.join("raw.mp4"), work.join("phone.mp4"));
    make_clip("320x180", 3, false, raw.to_str().unwrap()).await;
    make(&["-i", raw.to_str().unwrap(), "-c", "copy", "-metadata:s:v:0", "rotate=90", input.to_str().unwrap()]).await;
    let probed = super::probe(&tools(), &input).await.unwrap();
    assert_eq!(probed.video.unwrap().display_size(), (180, 320));

    let out = work.join("out");
    let result = video::transcode(&tools(), &input, &out, &Limits::default()).await.unwrap();
    assert_eq!((result.width, result.height), (180, 320));
    assert_eq!(
        result.rungs.iter().map(|r| (r.name.as_str(), r.width, r.height)).collect::<Vec<_>>(),
        [("180p", 180, 320)]
    );
    let v = first_of(&inspect(&out.join("mp4/180p.mp4")).await, "video");
    assert_eq!(size_of(&v), (180, 320));
    assert!(v.get("side_data_list").is_none(), "no rotation left: {v}");
    let poster = first_of(&inspect(&out.join("poster.jpg")).await, "video");
    assert_eq!(size_of(&poster), (180, 320));
}

#[tokio::test]
async fn what_is_not_a_usable_video_is_refused_before_encoding() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let out = work.join("out");

    let text = work.join("notes.mp4");
    std::fs::write(&text, "this is not a video\n".repeat(50)).unwrap();
    assert_eq!(refused(video::transcode(&tools, &text, &out, &Limits::default()).await), "not a readable media file");

    let clip = clip_with_sound(&work).await;
    let bytes = std::fs::read(&clip).unwrap();
    let truncated = work.join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    refused(video::transcode(&tools, &truncated, &out, &Limits::default()).await);

    // With the index first, half a file probes fine and decodes without an error exit.
    let faststart = work.join("faststart.mp4");
    make(&["-i", clip.to_str().unwrap(), "-c", "copy", "-movflags", "+faststart", faststart.to_str().unwrap()]).await;
    let bytes = std::fs::read(&faststart).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let reason = refused(video::transcode(&tools, &truncated, &work.join("half"), &Limits::default()).await);
    assert!(reason.starts_with("the file is truncated"), "{reason}");

    let short = Limits { max_duration_seconds: 2.0, ..Limits::default() };
    assert!(refused(video::transcode(&tools, &clip, &out, &short).await).starts_with("longer than 2 s"));

    let sound = work.join("sound.m4a");
    make(&["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", sound.to_str().unwrap()]).await;
    assert!(refused(video::transcode(&tools, &sound, &out, &Limits::default()).await).starts_with("not a video"));
    let picture = work.join("picture.mp4");
    make(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        picture.to_str().unwrap(),
    ])
    .await;
    assert_eq!(
        refused(video::transcode(&tools, &picture, &out, &Limits::default()).await),
        "not a video: it is a still mjpeg picture"
    );
    assert!(files_under(&out).map(|f| f.is_empty()).unwrap_or(true), "nothing was encoded");
}

/// 5 s of a 440 Hz tone at 44.1 kHz, as MP3.
async fn tone(dir: &WorkDir) -> PathBuf {
    let path = dir.join("tone.mp3");
    make(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100:duration=5",
        "-c:a",
        "libmp3lame",
        path.to_str().unwrap(),
    ])
    .await;
    path
}

async fn assert_is_music(out: &Path, result: &audio::AudioOutput) {
    assert!((result.duration - 5.0).abs() < 0.2);
    let m4a = inspect(&out.join(&result.m4a)).await;
    let a = first_of(&m4a, "audio");
    assert_eq!((a["codec_name"].as_str(), a["channels"].as_u64()), (Some("aac"), Some(2)));
    let lufs = loudness(&out.join(&result.m4a)).await;
    assert!((lufs + 16.0).abs() < 1.5, "normalised to -16 LUFS: {lufs}");
    let cover = first_of(&m4a, "video");
    assert_eq!(cover["disposition"]["attached_pic"], 1, "artwork embedded: {cover}");
    let bytes = std::fs::read(out.join(&result.m4a)).unwrap();
    assert!(position(&bytes, b"moov").unwrap() < position(&bytes, b"mdat").unwrap(), "faststart");
    assert_eq!(segment_count(&out.join(&result.playlist)), 1);
    let master = std::fs::read_to_string(out.join(&result.master)).unwrap();
    assert!(master.contains(",CODECS=\"mp4a.40.2\"\nindex.m3u8\n"), "{master}");
    assert_eq!(first_of(&inspect(&out.join("hls/seg_000.ts")).await, "audio")["codec_name"], "aac");
}

#[tokio::test]
async fn music_without_a_picture_gets_its_waveform_then_keeps_it_as_embedded_art() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let input = tone(&work).await;
    let out = work.join("out");
    let result = audio::transcode(&tools, &input, None, &out, &Limits::default()).await.unwrap();
    assert_eq!(result.artwork_source, ArtworkSource::Waveform);
    assert_eq!(size_of(&first_of(&inspect(&out.join(&result.artwork)).await, "video")), (600, 240));
    assert_is_music(&out, &result).await;
    assert_eq!(first_of(&inspect(&out.join("audio.m4a")).await, "audio")["sample_rate"], "44100");

    let again = work.join("again");
    let result = audio::transcode(&tools, &out.join("audio.m4a"), None, &again, &Limits::default()).await.unwrap();
    assert_eq!(result.artwork_source, ArtworkSource::Embedded);
    assert_eq!(size_of(&first_of(&inspect(&again.join("artwork.jpg")).await, "video")), (240, 240));
}

#[tokio::test]
async fn music_with_a_cover_uses_it_and_refuses_a_cover_that_is_not_a_picture() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let input = tone(&work).await;
    let cover = work.join("cover.png");
    make(&["-f", "lavfi", "-i", "testsrc2=size=800x700", "-frames:v", "1", cover.to_str().unwrap()]).await;
    let out = work.join("out");
    let result = audio::transcode(&tools, &input, Some(&cover), &out, &Limits::default()).await.unwrap();
    assert_eq!(result.artwork_source, ArtworkSource::Cover);
    let art = first_of(&inspect(&out.join("artwork.jpg")).await, "video");
    assert_eq!((art["codec_name"].as_str(), size_of(&art)), (Some("mjpeg"), (600, 600)));
    assert_is_music(&out, &result).await;

    let small = work.join("small.jpg");
    audio::make_artwork(&tools, &input.with_file_name("cover.png"), &small).await.unwrap();
    let replaced = work.join("replaced.m4a");
    audio::embed_cover(&tools, &out.join("audio.m4a"), &small, &replaced).await.unwrap();
    assert_eq!(first_of(&inspect(&replaced).await, "video")["disposition"]["attached_pic"], 1);

    let bogus = work.join("cover.jpg");
    std::fs::write(&bogus, "not a picture").unwrap();
    let reason = refused(audio::transcode(&tools, &input, Some(&bogus), &work.join("o2"), &Limits::default()).await);
    assert!(reason.starts_with("not an image"), "{reason}");
    let clip = work.join("silent.mp4");
    make(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:duration=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        clip.to_str().unwrap(),
    ])
    .await;
    assert!(
        refused(audio::transcode(&tools, &clip, None, &work.join("o3"), &Limits::default()).await)
            .starts_with("not audio")
    );
}

/// A 400×300 JPEG whose EXIF says "rotate 90° clockwise" (Orientation 6) and carries a GPS position.
async fn phone_photo(dir: &WorkDir) -> PathBuf {
    let plain = dir.join("plain.jpg");
    make(&["-f", "lavfi", "-i", "testsrc2=size=400x300", "-frames:v", "1", "-q:v", "3", plain.to_str().unwrap()]).await;
    let jpeg = std::fs::read(&plain).unwrap();
    let photo = dir.join("phone.jpg");
    std::fs::write(&photo, super::fixtures::with_phone_exif(&jpeg)).unwrap();
    photo
}

#[tokio::test]
async fn a_phone_photo_comes_out_upright_stripped_and_never_upscaled() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let input = phone_photo(&work).await;
    let original = std::fs::read(&input).unwrap();
    assert!(contains(&original, b"Exif") && contains(&original, b"MM\x00\x2a"));

    let out = work.join("media");
    let result = photo::process(&tools, &input, &out, MEDIA_SIZES, &Limits::default()).await.unwrap();
    assert_eq!((result.width, result.height), (300, 400), "upright");
    let sizes: Vec<(&str, u32, u32)> = result.files.iter().map(|f| (f.name.as_str(), f.width, f.height)).collect();
    assert_eq!(sizes, [("thumb", 240, 320), ("medium", 300, 400), ("large", 300, 400)]);
    for file in &result.files {
        for (path, codec) in [(&file.webp, "webp"), (&file.jpeg, "mjpeg")] {
            let path = out.join(path);
            let stream = first_of(&inspect(&path).await, "video");
            assert_eq!(
                (stream["codec_name"].as_str(), size_of(&stream)),
                (Some(codec), (u64::from(file.width), u64::from(file.height)))
            );
            let bytes = std::fs::read(&path).unwrap();
            for marker in
                [&b"Exif"[..], b"GPS", b"MM\x00\x2a", b"II\x2a\x00", b"http://ns.adobe.com", b"ICC_PROFILE", b"Lavc"]
            {
                assert!(!contains(&bytes, marker), "{} holds {:?}", path.display(), String::from_utf8_lossy(marker));
            }
        }
    }

    let avatar = work.join("avatar");
    let result = photo::process(&tools, &input, &avatar, AVATAR_SIZES, &Limits::default()).await.unwrap();
    let sizes: Vec<(u32, u32)> = result.files.iter().map(|f| (f.width, f.height)).collect();
    assert_eq!(sizes, [(64, 64), (256, 256), (300, 300)]);
    assert_eq!(size_of(&first_of(&inspect(&avatar.join("large.jpg")).await, "video")), (300, 300));
}

#[tokio::test]
async fn photos_refuse_videos_and_decompression_bombs_and_take_a_gif_s_first_frame() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let input = phone_photo(&work).await;
    let tiny = Limits { max_pixels: 100_000, ..Limits::default() };
    assert!(
        refused(photo::process(&tools, &input, &work.join("a"), MEDIA_SIZES, &tiny).await)
            .starts_with("image too large")
    );

    let clip = work.join("clip.mp4");
    make(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:duration=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        clip.to_str().unwrap(),
    ])
    .await;
    assert!(
        refused(photo::process(&tools, &clip, &work.join("b"), MEDIA_SIZES, &Limits::default()).await)
            .starts_with("not a photo")
    );
    let text = work.join("text.jpg");
    std::fs::write(&text, "hello").unwrap();
    refused(photo::process(&tools, &text, &work.join("c"), MEDIA_SIZES, &Limits::default()).await);

    let gif = work.join("anim.gif");
    make(&["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5:duration=2", gif.to_str().unwrap()]).await;
    let result = photo::process(&tools, &gif, &work.join("d"), MEDIA_SIZES, &Limits::default()).await.unwrap();
    assert_eq!((result.width, result.height), (160, 120));
    let bytes = std::fs::read(work.join("d/thumb.webp")).unwrap();
    assert!(!contains(&bytes, b"ANIM"), "a still, not an animation");
}

#[tokio::test]
async fn subtitles_become_webvtt_whatever_their_name() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    let srt = work.join("subs.vtt");
    std::fs::write(
        &srt,
        "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>world</i>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n",
    )
    .unwrap();
    let out = work.join("fr.vtt");
    subtitles::to_webvtt(&tools, &srt, &out).await.unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("WEBVTT"));
    assert!(text.contains("00:01.000 --> 00:02.500") && text.contains("Bye"), "{text}");

    let vtt = work.join("en.srt");
    std::fs::write(&vtt, "WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nHi\n").unwrap();
    let (file, playlist) =
        subtitles::write_hls_subtitles(&tools, &vtt, &work.join("subs"), "en", 6.0, 1.4).await.unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n"), "{text}");
    assert!(text.contains("00:00.500 --> 00:01.000"), "{text}");
    assert!(std::fs::read_to_string(playlist).unwrap().contains("#EXTINF:6.000,\nen.vtt\n"));

    for (name, content) in
        [("garbage.srt", &b"\x00\x01binary\xff"[..]), ("empty.vtt", b""), ("words.srt", b"just some words\n")]
    {
        let path = work.join(name);
        std::fs::write(&path, content).unwrap();
        let reason = refused(subtitles::to_webvtt(&tools, &path, &work.join("x.vtt")).await);
        assert!(reason.starts_with("not a subtitle file"), "{name}: {reason}");
    }
    let no_cues = work.join("nocues.vtt");
    std::fs::write(&no_cues, "WEBVTT\n\nNOTE nothing here\n").unwrap();
    assert!(
        refused(subtitles::to_webvtt(&tools, &no_cues, &work.join("y.vtt")).await).starts_with("not a subtitle file")
    );
}

#[tokio::test]
async fn a_tiny_png_claiming_a_huge_size_is_refused_without_being_decoded() {
    let work = WorkDir::new().unwrap();
    let tools = tools();
    // 9000² = 81 MP: probed (one frame decoded), then refused by the 50 MP limit.
    let big = work.join("big.png");
    std::fs::write(&big, super::fixtures::png_claiming(9000)).unwrap();
    let reason = refused(photo::process(&tools, &big, &work.join("a"), MEDIA_SIZES, &Limits::default()).await);
    assert!(reason.starts_with("image too large: 9000×9000"), "{reason}");
    // 16000² = 256 MP from 74 bytes: ffprobe must not decode it (that alone takes ~800 MB), so
    // it shows no picture at all and is refused as too large to read.
    let bomb = work.join("bomb.png");
    std::fs::write(&bomb, super::fixtures::png_claiming(16000)).unwrap();
    assert_eq!(super::probe(&tools, &bomb).await.unwrap().video, None, "the probe decoded a 256 MP frame");
    let reason = refused(photo::process(&tools, &bomb, &work.join("b"), MEDIA_SIZES, &Limits::default()).await);
    assert!(reason.starts_with("image too large"), "{reason}");
    assert!(files_under(&work.join("b")).map(|f| f.is_empty()).unwrap_or(true), "nothing was encoded");
}

#[tokio::test]
async fn a_run_past_the_time_limit_is_killed_and_left_to_a_retry() {
    let work = WorkDir::new().unwrap();
    let input = clip_with_sound(&work).await;
    // The probe fits in the limit; the ladder (seconds of encoding) does not.
    let hurried = Tools::from_env(Duration::from_millis(400));
    let started = std::time::Instant::now();
    match video::transcode(&hurried, &input, &work.join("out"), &Limits::default()).await {
        Err(MediaError::Failed(why)) => assert!(why.contains("timed out"), "{why}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "killed at the limit, not run to the end");
}
