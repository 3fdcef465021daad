//! What a media file contains, read with ffprobe: container, duration, first video and audio streams.

use std::path::Path;

use serde::Deserialize;

use super::{MediaError, Tools};

/// The parts of an ffprobe report the pipeline decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// ffprobe's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `image2`, `png_pipe`.
    pub format_name: String,
    /// Container duration in seconds, when known.
    pub duration: Option<f64>,
    /// The first real video stream, else the first attached picture (cover art).
    pub video: Option<VideoStream>,
    /// The first audio stream.
    pub audio: Option<AudioStream>,
}

/// A video (or picture) stream.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoStream {
    /// Absolute stream index in the file, for `-map 0:{index}`.
    pub index: usize,
    /// Codec name, e.g. `h264`, `mjpeg`.
    pub codec: String,
    /// Coded width in pixels, before rotation.
    pub width: u32,
    /// Coded height in pixels, before rotation.
    pub height: u32,
    /// Clockwise rotation needed to display the frames upright: 0, 90, 180 or 270.
    pub rotation: i32,
    /// Average frame rate, when the container knows it.
    pub frame_rate: Option<f64>,
    /// The stream is cover art (`disposition.attached_pic`), not moving pictures.
    pub attached_pic: bool,
    /// Frame count, when the container states it.
    pub frames: Option<u64>,
    /// H.264 profile as ffprobe names it (`High`, `Main`, ...).
    pub profile: Option<String>,
    /// Codec level as ffprobe reports it (H.264: 10 × the level, e.g. 31).
    pub level: Option<i32>,
    /// First timestamp in seconds.
    pub start_time: Option<f64>,
}

/// An audio stream.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioStream {
    /// Absolute stream index in the file, for `-map 0:{index}`.
    pub index: usize,
    /// Codec name, e.g. `aac`, `mp3`.
    pub codec: String,
    /// Channel count.
    pub channels: u32,
    /// Samples per second.
    pub sample_rate: u32,
}

impl VideoStream {
    /// Width and height as displayed (swapped for 90/270).
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 { (self.height, self.width) } else { (self.width, self.height) }
    }
}

/// Runs ffprobe on `input`. Something ffprobe cannot read at all is refused as not a media file.
pub async fn probe(tools: &Tools, input: &Path) -> Result<Probe, MediaError> {
    let mut cmd = tools.ffprobe();
    cmd.args(["-show_format", "-show_streams"]).arg(input);
    match tools.run(cmd).await? {
        Ok(stdout) => parse(&stdout),
        Err(exited) => Err(exited.into_error(|_| Some("not a readable media file".into()))),
    }
}

/// Clockwise rotation of the first decoded frame, 0/90/180/270. Photos carry their EXIF orientation only
/// on frames, not on the stream, so this decodes one frame: call it after the size checks.
pub async fn first_frame_rotation(tools: &Tools, input: &Path) -> Result<i32, MediaError> {
    let mut cmd = tools.ffprobe();
    cmd.args(["-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames"]).arg(input);
    match tools.run(cmd).await? {
        Ok(stdout) => parse_frame_rotation(&stdout),
        Err(exited) => Err(exited.into_error(|_| Some("not a readable image".into()))),
    }
}

/// Parses `ffprobe -print_format json -show_format -show_streams` output.
pub fn parse(json: &[u8]) -> Result<Probe, MediaError> {
    let raw: RawProbe = serde_json::from_slice(json).map_err(|e| MediaError::Failed(format!("ffprobe output: {e}")))?;
    let Some(format) = raw.format else { return Err(MediaError::Refused("not a readable media file".into())) };
    let videos = raw.streams.iter().filter(|s| s.codec_type.as_deref() == Some("video"));
    let pictures_last = videos.clone().filter(|s| !s.is_attached_pic()).chain(videos.filter(|s| s.is_attached_pic()));
    let video = pictures_last.filter_map(RawStream::video).next();
    let audio = raw.streams.iter().filter(|s| s.codec_type.as_deref() == Some("audio")).find_map(RawStream::audio);
    Ok(Probe { format_name: format.format_name, duration: number(format.duration.as_deref()), video, audio })
}

/// Parses `ffprobe -show_frames` output for the first frame's display matrix.
pub fn parse_frame_rotation(json: &[u8]) -> Result<i32, MediaError> {
    let raw: RawFrames =
        serde_json::from_slice(json).map_err(|e| MediaError::Failed(format!("ffprobe output: {e}")))?;
    Ok(raw.frames.first().map_or(0, |f| side_data_rotation(&f.side_data_list).unwrap_or(0)))
}

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize)]
struct RawFormat {
    #[serde(default)]
    format_name: String,
    duration: Option<String>,
}

#[derive(Deserialize)]
struct RawFrames {
    #[serde(default)]
    frames: Vec<RawFrame>,
}

#[derive(Deserialize)]
struct RawFrame {
    #[serde(default)]
    side_data_list: Vec<RawSideData>,
}

#[derive(Deserialize, Default)]
struct RawStream {
    #[serde(default)]
    index: usize,
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    channels: Option<u32>,
    sample_rate: Option<String>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    nb_frames: Option<String>,
    profile: Option<String>,
    level: Option<i32>,
    start_time: Option<String>,
    #[serde(default)]
    disposition: RawDisposition,
    #[serde(default)]
    tags: RawTags,
    #[serde(default)]
    side_data_list: Vec<RawSideData>,
}

#[derive(Deserialize, Default)]
struct RawDisposition {
    #[serde(default)]
    attached_pic: i64,
}

#[derive(Deserialize, Default)]
struct RawTags {
    rotate: Option<String>,
}

#[derive(Deserialize)]
struct RawSideData {
    // ffprobe prints it as an integer in some versions and a float in others.
    rotation: Option<f64>,
}

impl RawStream {
    fn is_attached_pic(&self) -> bool {
        self.disposition.attached_pic != 0
    }

    fn video(&self) -> Option<VideoStream> {
        let (width, height) = (self.width.filter(|w| *w > 0)?, self.height.filter(|h| *h > 0)?);
        // The display matrix is counter-clockwise; the legacy `rotate` tag is already clockwise.
        let rotation = match self.tags.rotate.as_deref().and_then(|r| r.trim().parse::<f64>().ok()) {
            Some(clockwise) => normalise(clockwise),
            None => side_data_rotation(&self.side_data_list).unwrap_or(0),
        };
        Some(VideoStream {
            index: self.index,
            codec: self.codec_name.clone().unwrap_or_default(),
            width,
            height,
            rotation,
            frame_rate: rate(self.avg_frame_rate.as_deref()).or_else(|| rate(self.r_frame_rate.as_deref())),
            attached_pic: self.is_attached_pic(),
            frames: self.nb_frames.as_deref().and_then(|n| n.parse().ok()),
            profile: self.profile.clone(),
            level: self.level,
            start_time: number(self.start_time.as_deref()),
        })
    }

    fn audio(&self) -> Option<AudioStream> {
        Some(AudioStream {
            index: self.index,
            codec: self.codec_name.clone().unwrap_or_default(),
            channels: self.channels.unwrap_or(0),
            sample_rate: self.sample_rate.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0),
        })
    }
}

fn side_data_rotation(list: &[RawSideData]) -> Option<i32> {
    list.iter().find_map(|d| d.rotation).map(|ccw| normalise(-ccw))
}

/// Snaps any angle to the nearest quarter turn in 0..360.
fn normalise(degrees: f64) -> i32 {
    let quarters = (degrees / 90.0).round() as i64;
    (quarters.rem_euclid(4) * 90) as i32
}

fn number(text: Option<&str>) -> Option<f64> {
    text?.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `30000/1001` → 29.97; `0/0` → None.
fn rate(text: Option<&str>) -> Option<f64> {
    let (num, den) = text?.split_once('/')?;
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    (num > 0.0 && den > 0.0).then_some(num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE_VIDEO: &str = r#"{
        "streams": [
            {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 1920, "height": 1080,
             "avg_frame_rate": "30000/1001", "r_frame_rate": "30/1", "nb_frames": "300", "profile": "High",
             "level": 40, "start_time": "0.000000",
             "disposition": {"default": 1, "attached_pic": 0},
             "side_data_list": [{"side_data_type": "Display Matrix", "displaymatrix": "...", "rotation": -90}]},
            {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000", "channels": 2,
             "disposition": {"default": 1, "attached_pic": 0}}
        ],
        "format": {"filename": "in.mov", "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10.010000"}
    }"#;

    #[test]
    fn a_phone_video_is_portrait_once_rotated() {
        let probe = parse(PHONE_VIDEO.as_bytes()).unwrap();
        assert_eq!(probe.format_name, "mov,mp4,m4a,3gp,3g2,mj2");
        assert_eq!(probe.duration, Some(10.01));
        let video = probe.video.unwrap();
        assert_eq!((video.codec.as_str(), video.rotation, video.display_size()), ("h264", 90, (1080, 1920)));
        assert!((video.frame_rate.unwrap() - 29.97).abs() < 0.01);
        assert_eq!((video.frames, video.level, video.attached_pic), (Some(300), Some(40), false));
        let audio = probe.audio.unwrap();
        assert_eq!((audio.index, audio.codec.as_str(), audio.channels, audio.sample_rate), (1, "aac", 2, 48000));
    }

    #[test]
    fn the_legacy_rotate_tag_is_clockwise() {
        let json = r#"{"streams": [{"index": 0, "codec_type": "video", "codec_name": "h264", "width": 320,
            "height": 180, "tags": {"rotate": "-90"}}], "format": {"format_name": "mov"}}"#;
        let video = parse(json.as_bytes()).unwrap().video.unwrap();
        assert_eq!((video.rotation, video.display_size()), (270, (180, 320)));
    }

    #[test]
    fn cover_art_counts_only_when_there_is_no_real_video() {
        let json = r#"{"streams": [
            {"index": 0, "codec_type": "video", "codec_name": "mjpeg", "width": 500, "height": 500,
             "disposition": {"attached_pic": 1}},
            {"index": 1, "codec_type": "audio", "codec_name": "mp3", "sample_rate": "44100", "channels": 2},
            {"index": 2, "codec_type": "video", "codec_name": "h264", "width": 640, "height": 360,
             "disposition": {"attached_pic": 0}}
        ], "format": {"format_name": "mov", "duration": "3.5"}}"#;
        let probe = parse(json.as_bytes()).unwrap();
        assert_eq!(probe.video.unwrap().index, 2);

        let music = r#"{"streams": [
            {"index": 0, "codec_type": "audio", "codec_name": "mp3", "sample_rate": "44100", "channels": 2},
            {"index": 1, "codec_type": "video", "codec_name": "mjpeg", "width": 500, "height": 500,
             "avg_frame_rate": "0/0", "disposition": {"attached_pic": 1}}
        ], "format": {"format_name": "mp3", "duration": "180.2"}}"#;
        let video = parse(music.as_bytes()).unwrap().video.unwrap();
        assert!(video.attached_pic);
        assert_eq!(video.frame_rate, None);
    }

    #[test]
    fn an_empty_report_has_no_streams() {
        assert!(matches!(parse(b"{}"), Err(MediaError::Refused(_))));
        let probe = parse(br#"{"format": {"format_name": "srt"}}"#).unwrap();
        assert_eq!((probe.video, probe.audio, probe.duration), (None, None, None));
    }

    #[test]
    fn exif_orientation_shows_on_the_first_frame() {
        let json = r#"{"frames": [{"media_type": "video", "width": 400, "height": 300,
            "side_data_list": [{"side_data_type": "3x3 displaymatrix", "rotation": -90}]}]}"#;
        assert_eq!(parse_frame_rotation(json.as_bytes()).unwrap(), 90);
        assert_eq!(parse_frame_rotation(br#"{"frames": [{}]}"#).unwrap(), 0);
    }

    #[test]
    fn angles_snap_to_quarter_turns() {
        assert_eq!(
            [0.0, 90.0, -90.0, 180.0, -180.0, 270.0, 360.0, 89.6].map(normalise),
            [0, 90, 270, 180, 180, 270, 0, 90]
        );
    }
}
