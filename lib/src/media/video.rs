//! Videos: one ffmpeg run decodes the upload once and writes the whole HLS ladder (shared AAC audio
//! rendition), the poster and the animated preview; a stream copy then makes the progressive MP4.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::hls::{self, AudioRendition, MasterPlaylist, Variant};
use super::ladder::{self, RungPlan};
use super::{Limits, MediaError, Probe, Tools, VideoStream, absolute, create_dir, probe, relative};

/// Target segment length in seconds; keyframes are forced on this grid so every rung cuts alike.
pub const SEGMENT_SECONDS: u32 = 4;
/// Bitrate of the shared AAC audio rendition, kb/s.
const AUDIO_KBPS: u32 = 128;
/// Longest side of the poster.
const POSTER_MAX_SIDE: u32 = 1280;
/// Longest side of the animated preview.
const PREVIEW_SIDE: u32 = 320;
/// Preview length in seconds and frames per second.
const PREVIEW_SECONDS: u32 = 3;
const PREVIEW_FPS: u32 = 8;
/// Frame rates above this are halved-ish to 30: high-speed phone footage is not worth the bits.
const MAX_FRAME_RATE: f64 = 60.5;
/// Directory name of the audio rendition inside `hls/`.
const AUDIO_NAME: &str = "audio";

/// What a transcoded video consists of; every path is relative to the output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoOutput {
    /// Duration of the source in seconds.
    pub duration: f64,
    /// Displayed width of the source (after rotation).
    pub width: u32,
    /// Displayed height of the source (after rotation).
    pub height: u32,
    /// The HLS renditions, best first.
    pub rungs: Vec<Rung>,
    /// The source had sound, so there is an audio rendition.
    pub has_audio: bool,
    /// Progressive downloads as (rung name, path), e.g. `("720p", "mp4/720p.mp4")`.
    pub mp4: Vec<(String, String)>,
    /// The master playlist, `hls/master.m3u8`.
    pub master: String,
    /// What the master playlist says, URIs relative to it: add subtitles and rewrite it with
    /// [`hls::master_playlist`].
    pub playlist: MasterPlaylist,
    /// A JPEG still from early in the video.
    pub poster: String,
    /// A short silent animated WebP.
    pub preview: String,
    /// Start time of the first video segment, in seconds: WebVTT needs it for `X-TIMESTAMP-MAP`.
    pub segment_start: f64,
}

/// One HLS rendition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// Named by its short side, e.g. `720p`.
    pub name: String,
    /// Encoded width.
    pub width: u32,
    /// Encoded height.
    pub height: u32,
    /// Peak bits per second measured over segments, audio included.
    pub bandwidth: u64,
    /// Average bits per second, audio included.
    pub average_bandwidth: u64,
    /// RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`.
    pub codecs: String,
    /// The rendition's media playlist, e.g. `hls/720p/index.m3u8`.
    pub playlist: String,
}

/// Transcodes the video at `input` into `out`: `hls/master.m3u8` and one folder per rung,
/// `hls/audio/` when there is sound, `mp4/{rung}.mp4`, `poster.jpg` and `preview.webp`.
/// Refuses inputs that are not videos, lack a duration or exceed `limits`, before encoding anything.
pub async fn transcode(tools: &Tools, input: &Path, out: &Path, limits: &Limits) -> Result<VideoOutput, MediaError> {
    let (input, out) = (absolute(input)?, absolute(out)?);
    let probed = probe(tools, &input).await?;
    let video = probed
        .video
        .as_ref()
        .filter(|v| !v.attached_pic && !super::photo::is_image_format(&probed.format_name))
        .ok_or_else(|| MediaError::Refused(format!("not a video: {}", describe(&probed))))?;
    let duration = limits.check_duration(probed.duration)?;
    let (width, height) = video.display_size();
    let plans = ladder::ladder(width, height);
    let audio_index = probed.audio.as_ref().map(|a| a.index);

    for plan in &plans {
        create_dir(&out.join("hls").join(&plan.name)).await?;
    }
    if audio_index.is_some() {
        create_dir(&out.join("hls").join(AUDIO_NAME)).await?;
    }
    let mut cmd = tools.ffmpeg();
    cmd.current_dir(&out).arg("-i").arg(&input).args(encode_args(video, audio_index, &plans, duration));
    tools.run_ffmpeg(cmd).await?;

    let hls_dir = out.join("hls");
    let audio_measured = match audio_index {
        Some(_) => Some(measure(&hls_dir.join(AUDIO_NAME)).await?),
        None => None,
    };
    let frame_rate = video.frame_rate.map(|f| if f > MAX_FRAME_RATE { 30.0 } else { f });
    let mut rungs = Vec::with_capacity(plans.len());
    let mut variants = Vec::with_capacity(plans.len());
    let mut segment_start = 0.0;
    for (i, plan) in plans.iter().enumerate() {
        let dir = hls_dir.join(&plan.name);
        let measured = measure(&dir).await?;
        if i == 0 {
            check_complete(duration, measured.seconds.max(audio_measured.map_or(0.0, |a| a.seconds)))?;
        }
        let (audio_peak, audio_average) = audio_measured.map_or((0, 0), |a| (a.peak, a.average));
        let first = probe(tools, &dir.join(segment_name(0))).await?;
        let encoded = first.video.as_ref().ok_or_else(|| MediaError::Failed(format!("{} has no video", plan.name)))?;
        if i == 0 {
            segment_start = encoded.start_time.unwrap_or(0.0);
        }
        let mut codecs = hls::avc1(encoded.profile.as_deref().unwrap_or("High"), encoded.level.unwrap_or(40));
        if audio_measured.is_some() {
            codecs = format!("{codecs},{}", hls::AAC_LC);
        }
        let (bandwidth, average_bandwidth) = (measured.peak + audio_peak, measured.average + audio_average);
        variants.push(Variant {
            bandwidth,
            average_bandwidth,
            resolution: Some((plan.width, plan.height)),
            codecs: codecs.clone(),
            frame_rate,
            uri: format!("{}/index.m3u8", plan.name),
        });
        rungs.push(Rung {
            name: plan.name.clone(),
            width: plan.width,
            height: plan.height,
            bandwidth,
            average_bandwidth,
            codecs,
            playlist: format!("hls/{}/index.m3u8", plan.name),
        });
    }
    let playlist = MasterPlaylist {
        variants,
        audio: audio_index.map(|_| AudioRendition { name: "Audio".into(), uri: format!("{AUDIO_NAME}/index.m3u8") }),
        subtitles: Vec::new(),
    };
    let master = hls_dir.join("master.m3u8");
    tokio::fs::write(&master, hls::master_playlist(&playlist)).await.map_err(|e| MediaError::io("write master", e))?;

    let mut mp4 = Vec::new();
    if let Some(plan) = ladder::progressive_rung(&plans) {
        let file = progressive(tools, &out, &plan.name, audio_index.is_some()).await?;
        mp4.push((plan.name.clone(), relative(&out, &file)));
    }
    Ok(VideoOutput {
        duration,
        width,
        height,
        rungs,
        has_audio: audio_index.is_some(),
        mp4,
        master: relative(&out, &master),
        playlist,
        poster: "poster.jpg".into(),
        preview: "preview.webp".into(),
        segment_start,
    })
}

/// The arguments after `-i input` of the single encoding run; paths are relative to the output
/// directory the command runs in.
pub fn encode_args(video: &VideoStream, audio: Option<usize>, plans: &[RungPlan], duration: f64) -> Vec<String> {
    let Some(top) = plans.first() else { return Vec::new() };
    let n = plans.len();
    let mut graph = format!("[0:{}]", video.index);
    if video.frame_rate.is_some_and(|f| f > MAX_FRAME_RATE) {
        graph.push_str("fps=30,");
    }
    graph.push_str(&format!("split={}", n + 2));
    for i in 0..n {
        graph.push_str(&format!("[s{i}]"));
    }
    graph.push_str("[sp][sv];");
    for (i, plan) in plans.iter().enumerate() {
        graph.push_str(&format!("[s{i}]scale={}:{},setsar=1,format=yuv420p[v{i}];", plan.width, plan.height));
    }
    // trim/end_frame ends the poster branch after its frame so split stops feeding it.
    let (poster_w, poster_h) = fit(top.width, top.height, POSTER_MAX_SIDE);
    graph.push_str(&format!(
        "[sp]trim=start={:.3},setpts=PTS-STARTPTS,trim=end_frame=1,\
         scale={poster_w}:{poster_h},setsar=1,format=yuvj420p[poster];",
        poster_time(duration)
    ));
    let (preview_w, preview_h) = fit(top.width, top.height, PREVIEW_SIDE);
    graph.push_str(&format!(
        "[sv]trim=duration={PREVIEW_SECONDS},setpts=PTS-STARTPTS,fps={PREVIEW_FPS},\
         scale={preview_w}:{preview_h},setsar=1[preview]"
    ));

    let mut args: Vec<String> = vec!["-filter_complex".into(), graph];
    for i in 0..n {
        args.extend(["-map".into(), format!("[v{i}]")]);
    }
    if let Some(index) = audio {
        args.extend(["-map".into(), format!("0:{index}")]);
    }
    args.extend(strs(&["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]));
    for (i, plan) in plans.iter().enumerate() {
        args.extend([
            format!("-b:v:{i}"),
            format!("{}k", plan.video_kbps),
            format!("-maxrate:v:{i}"),
            format!("{}k", plan.maxrate_kbps()),
            format!("-bufsize:v:{i}"),
            format!("{}k", plan.bufsize_kbps()),
        ]);
    }
    args.extend([
        "-force_key_frames".into(),
        format!("expr:gte(t,n_forced*{SEGMENT_SECONDS})"),
        "-sc_threshold".into(),
        "0".into(),
    ]);
    let mut stream_map: Vec<String> = Vec::new();
    if audio.is_some() {
        args.extend(strs(&["-c:a", "aac", "-b:a"]));
        args.extend([format!("{AUDIO_KBPS}k")]);
        args.extend(strs(&["-ar", "48000", "-ac", "2"]));
        stream_map.push(format!("a:0,agroup:{},name:{AUDIO_NAME}", hls::AUDIO_GROUP));
    }
    for (i, plan) in plans.iter().enumerate() {
        let group = if audio.is_some() { format!(",agroup:{}", hls::AUDIO_GROUP) } else { String::new() };
        stream_map.push(format!("v:{i}{group},name:{}", plan.name));
    }
    args.extend(strs(&["-map_metadata", "-1", "-max_muxing_queue_size", "4096", "-f", "hls", "-hls_time"]));
    args.extend([SEGMENT_SECONDS.to_string()]);
    args.extend(strs(&["-hls_playlist_type", "vod", "-hls_flags", "independent_segments", "-hls_segment_type"]));
    args.extend(strs(&["mpegts", "-hls_segment_filename", "hls/%v/seg_%03d.ts", "-var_stream_map"]));
    args.extend([stream_map.join(" "), "hls/%v/index.m3u8".into()]);

    args.extend(strs(&["-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-map_metadata", "-1"]));
    args.extend(strs(&["-update", "1", "poster.jpg"]));
    args.extend(strs(&["-map", "[preview]", "-an", "-c:v", "libwebp", "-quality", "60", "-compression_level", "4"]));
    args.extend(strs(&["-loop", "0", "-map_metadata", "-1", "preview.webp"]));
    args
}

/// Name of the `n`th segment written by [`encode_args`].
fn segment_name(n: usize) -> String {
    format!("seg_{n:03}.ts")
}

/// Stream-copies a rung (and the audio rendition) into a progressive MP4 with the index up front.
async fn progressive(tools: &Tools, out: &Path, name: &str, audio: bool) -> Result<PathBuf, MediaError> {
    create_dir(&out.join("mp4")).await?;
    let file = out.join("mp4").join(format!("{name}.mp4"));
    let mut cmd = tools.ffmpeg();
    cmd.current_dir(out).arg("-i").arg(format!("hls/{name}/index.m3u8"));
    if audio {
        cmd.args(["-i", &format!("hls/{AUDIO_NAME}/index.m3u8"), "-map", "0:v:0", "-map", "1:a:0"]);
    } else {
        cmd.args(["-map", "0:v:0"]);
    }
    cmd.args(["-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart"]).arg(&file);
    tools.run_ffmpeg(cmd).await?;
    Ok(file)
}

/// What a media playlist holds, measured from its segments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measured {
    /// Peak bits per second over segments.
    pub peak: u64,
    /// Average bits per second.
    pub average: u64,
    /// Sum of segment durations, seconds.
    pub seconds: f64,
}

/// Measures the media playlist `dir/index.m3u8` from its segments' durations and sizes.
pub(crate) async fn measure(dir: &Path) -> Result<Measured, MediaError> {
    let playlist = dir.join("index.m3u8");
    let text = tokio::fs::read_to_string(&playlist)
        .await
        .map_err(|e| MediaError::io(&format!("read {}", playlist.display()), e))?;
    let mut sized = Vec::new();
    for segment in hls::media_segments(&text) {
        let path = dir.join(&segment.uri);
        let meta = tokio::fs::metadata(&path).await.map_err(|e| MediaError::io(&format!("{}", path.display()), e))?;
        sized.push((segment.duration, meta.len()));
    }
    if sized.is_empty() {
        return Err(MediaError::Refused("the video could not be decoded: it is damaged or truncated".into()));
    }
    let (peak, average) = hls::bitrates(&sized);
    Ok(Measured { peak, average, seconds: sized.iter().map(|(d, _)| d).sum() })
}

/// Refuses an output much shorter than the probed duration: a file cut short after its index (MP4
/// with the moov atom first) probes fine and decodes without a failing exit, just with less media.
pub(crate) fn check_complete(probed: f64, produced: f64) -> Result<(), MediaError> {
    if produced + (probed * 0.1).max(2.0) < probed {
        return Err(MediaError::Refused(format!(
            "the file is truncated or damaged: only {produced:.0} s of {probed:.0} s could be decoded"
        )));
    }
    Ok(())
}

/// Where the poster frame is taken: 10 % in, at most 1 s, so short clips still have a frame there.
fn poster_time(duration: f64) -> f64 {
    (duration * 0.1).clamp(0.0, 1.0)
}

/// `width`×`height` scaled down (never up) so the long side is at most `side`, even dimensions.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= side {
        return (width & !1, height & !1);
    }
    let scale =
        |n: u32| ((((u64::from(n) * u64::from(side)) as f64 / f64::from(long)) / 2.0).round() as u32 * 2).max(2);
    (scale(width), scale(height))
}

/// A user-facing account of what a non-video upload turned out to be.
pub(crate) fn describe(probe: &Probe) -> String {
    match (&probe.video, &probe.audio) {
        (Some(v), _) if v.attached_pic => "it only has a still picture".into(),
        (None, Some(_)) => "it is audio only".into(),
        (None, None) => format!("no video stream in {}", probe.format_name),
        (Some(v), _) => format!("it is a still {} picture", v.codec),
    }
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    fn stream(fps: f64) -> VideoStream {
        VideoStream {
            index: 0,
            codec: "h264".into(),
            width: 1920,
            height: 1080,
            rotation: 0,
            frame_rate: Some(fps),
            attached_pic: false,
            frames: None,
            profile: None,
            level: None,
            start_time: None,
        }
    }

    #[test]
    fn one_decode_feeds_every_rung_the_poster_and_the_preview() {
        let plans = ladder::ladder(1920, 1080);
        let args = encode_args(&stream(30.0), Some(1), &plans, 60.0);
        let graph = &args[1];
        assert!(graph.starts_with("[0:0]split=7[s0][s1][s2][s3][s4][sp][sv];"), "{graph}");
        assert!(graph.contains("[s1]scale=1280:720,setsar=1,format=yuv420p[v1];"));
        assert!(graph.contains("[sp]trim=start=1.000,"));
        assert!(graph.contains("scale=1280:720,setsar=1,format=yuvj420p[poster]"));
        assert!(graph.contains("fps=8,scale=320:180"));
        let joined = args.join(" ");
        assert!(joined.contains("-b:v:1 3000k -maxrate:v:1 3300k -bufsize:v:1 6000k"));
        assert!(
            joined.contains(
                "-var_stream_map a:0,agroup:aud,name:audio v:0,agroup:aud,name:1080p v:1,agroup:aud,name:720p"
            )
        );
        assert_eq!(args.iter().filter(|a| *a == "-map").count(), 5 + 1 + 2);
    }

    #[test]
    fn a_silent_video_has_no_audio_group() {
        let args = encode_args(&stream(30.0), None, &ladder::ladder(320, 240), 6.0);
        let joined = args.join(" ");
        assert!(joined.contains("-var_stream_map v:0,name:240p hls/%v/index.m3u8"));
        assert!(!joined.contains("-c:a"));
    }

    #[test]
    fn high_frame_rates_are_brought_down() {
        let args = encode_args(&stream(120.0), None, &ladder::ladder(1920, 1080), 6.0);
        assert!(args[1].starts_with("[0:0]fps=30,split="));
    }

    #[test]
    fn an_output_much_shorter_than_the_source_means_a_truncated_upload() {
        assert!(check_complete(6.0, 5.96).is_ok());
        assert!(check_complete(600.0, 560.0).is_ok());
        assert!(matches!(check_complete(6.0, 3.04), Err(MediaError::Refused(_))));
    }

    #[test]
    fn posters_fit_without_upscaling() {
        assert_eq!(fit(1920, 1080, 1280), (1280, 720));
        assert_eq!(fit(1080, 1920, 320), (180, 320));
        assert_eq!(fit(426, 240, 1280), (426, 240));
        assert!((poster_time(6.0) - 0.6).abs() < 1e-9);
        assert_eq!(poster_time(600.0), 1.0);
    }
}
