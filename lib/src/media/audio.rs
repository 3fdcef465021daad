//! Music: a loudness-normalised AAC `audio.m4a` carrying its artwork, an HLS rendition cut from it by
//! stream copy, and `artwork.jpg` from the given cover, the file's own picture, or its waveform.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::hls::{self, MasterPlaylist, Variant};
use super::{Limits, MediaError, Tools, absolute, create_dir, probe, relative};

/// EBU R128-style targets for streaming music: -16 LUFS integrated, -1.5 dBTP ceiling.
const LOUDNORM: &str = "loudnorm=I=-16:TP=-1.5:LRA=11";
/// AAC bitrate of the music file.
const MUSIC_KBPS: u32 = 192;
/// HLS segment length for music: no keyframes to honour, Apple's recommended 6 s.
const SEGMENT_SECONDS: u32 = 6;
/// Longest side of square artwork.
const ARTWORK_SIDE: u32 = 600;
/// Size of the waveform drawn when there is no picture.
const WAVEFORM_SIZE: &str = "600x240";

/// Where the artwork came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtworkSource {
    /// The cover uploaded with the music.
    Cover,
    /// The picture embedded in the music file.
    Embedded,
    /// Drawn from the sound: there was no picture.
    Waveform,
}

/// What a transcoded music upload consists of; every path is relative to the output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioOutput {
    /// Duration of the source in seconds.
    pub duration: f64,
    /// The downloadable AAC file with its artwork, `audio.m4a`.
    pub m4a: String,
    /// The master playlist, `hls/master.m3u8`.
    pub master: String,
    /// The audio media playlist, `hls/index.m3u8`.
    pub playlist: String,
    /// The artwork, `artwork.jpg`.
    pub artwork: String,
    /// Where the artwork came from.
    pub artwork_source: ArtworkSource,
}

/// Transcodes the music at `input` into `out`; `cover`, when given, becomes the artwork (and must be a
/// picture). Refuses inputs without sound, without a duration, or beyond `limits`, before encoding.
pub async fn transcode(
    tools: &Tools,
    input: &Path,
    cover: Option<&Path>,
    out: &Path,
    limits: &Limits,
) -> Result<AudioOutput, MediaError> {
    let (input, out) = (absolute(input)?, absolute(out)?);
    let probed = probe(tools, &input).await?;
    let Some(sound) = probed.audio.as_ref() else {
        let what = if probed.video.is_some() { "it is a picture or a silent video" } else { "no audio stream" };
        return Err(MediaError::Refused(format!("not audio: {what}")));
    };
    let duration = limits.check_duration(probed.duration)?;
    create_dir(&out.join("hls")).await?;

    let artwork = out.join("artwork.jpg");
    let embedded = probed.video.as_ref().filter(|v| v.attached_pic).map(|v| v.index);
    let artwork_source = match (cover, embedded) {
        (Some(cover), _) => {
            make_artwork(tools, cover, &artwork).await?;
            ArtworkSource::Cover
        }
        // A picture that will not decode is not worth refusing the music for: draw the waveform.
        (None, Some(index)) if crop_artwork(tools, &input, index, &artwork).await.is_ok() => ArtworkSource::Embedded,
        (None, _) => {
            waveform(tools, &input, sound.index, &artwork).await?;
            ArtworkSource::Waveform
        }
    };

    let m4a = out.join("audio.m4a");
    let rate = if sound.sample_rate == 44_100 { "44100" } else { "48000" };
    let mut cmd = tools.ffmpeg();
    cmd.arg("-i").arg(&input).arg("-i").arg(&artwork);
    cmd.args(["-map", &format!("0:{}", sound.index), "-map", "1:v:0", "-af", &format!("{LOUDNORM},aresample={rate}")]);
    cmd.args(["-c:a", "aac", "-b:a", &format!("{MUSIC_KBPS}k"), "-ar", rate, "-ac", "2", "-c:v", "copy"]);
    cmd.args(["-disposition:v:0", "attached_pic", "-map_metadata", "-1", "-map_chapters", "-1"]);
    cmd.args(["-movflags", "+faststart"]).arg(&m4a);
    tools.run_ffmpeg(cmd).await?;

    let mut cmd = tools.ffmpeg();
    cmd.current_dir(&out).args(["-i", "audio.m4a", "-map", "0:a:0", "-c", "copy", "-f", "hls", "-hls_time"]);
    cmd.args([&SEGMENT_SECONDS.to_string(), "-hls_playlist_type", "vod", "-hls_segment_type", "mpegts"]);
    cmd.args(["-hls_segment_filename", "hls/seg_%03d.ts", "hls/index.m3u8"]);
    tools.run_ffmpeg(cmd).await?;

    let measured = super::video::measure(&out.join("hls")).await?;
    super::video::check_complete(duration, measured.seconds)?;
    let playlist = MasterPlaylist {
        variants: vec![Variant {
            bandwidth: measured.peak,
            average_bandwidth: measured.average,
            resolution: None,
            codecs: hls::AAC_LC.into(),
            frame_rate: None,
            uri: "index.m3u8".into(),
        }],
        audio: None,
        subtitles: Vec::new(),
    };
    let master = out.join("hls/master.m3u8");
    tokio::fs::write(&master, hls::master_playlist(&playlist)).await.map_err(|e| MediaError::io("write master", e))?;
    Ok(AudioOutput {
        duration,
        m4a: relative(&out, &m4a),
        master: relative(&out, &master),
        playlist: "hls/index.m3u8".into(),
        artwork: relative(&out, &artwork),
        artwork_source,
    })
}

/// Replaces the cover art of `m4a` with `cover_jpg`, writing `out_m4a` by stream copy — for a cover
/// that arrives after the music was processed.
pub async fn embed_cover(tools: &Tools, m4a: &Path, cover_jpg: &Path, out_m4a: &Path) -> Result<(), MediaError> {
    let mut cmd = tools.ffmpeg();
    cmd.arg("-i").arg(m4a).arg("-i").arg(cover_jpg);
    cmd.args(["-map", "0:a:0", "-map", "1:v:0", "-c", "copy", "-disposition:v:0", "attached_pic"]);
    cmd.args(["-movflags", "+faststart"]).arg(out_m4a);
    tools.run_ffmpeg(cmd).await
}

/// Turns any picture ffmpeg reads into square artwork (centre crop) of at most 600×600, never
/// upscaled, stripped of metadata. Something that is not a picture is refused.
pub async fn make_artwork(tools: &Tools, image: &Path, out_jpg: &Path) -> Result<(), MediaError> {
    let probed = probe(tools, image).await.map_err(|e| match e {
        MediaError::Refused(_) => MediaError::Refused("not an image: unreadable cover".into()),
        failed => failed,
    })?;
    let picture =
        probed.video.as_ref().ok_or_else(|| MediaError::Refused("not an image: the cover has no picture".into()))?;
    let max_pixels = Limits::default().max_pixels;
    if u64::from(picture.width) * u64::from(picture.height) > max_pixels {
        return Err(MediaError::Refused(format!("image too large: {}×{} pixels", picture.width, picture.height)));
    }
    crop_artwork(tools, image, picture.index, out_jpg).await.map_err(|e| match e {
        MediaError::Refused(_) => MediaError::Refused("not an image: the cover cannot be decoded".into()),
        failed => failed,
    })
}

async fn crop_artwork(tools: &Tools, input: &Path, index: usize, out_jpg: &Path) -> Result<(), MediaError> {
    let filter = format!(
        "crop=w='min(iw,ih)':h='min(iw,ih)',\
         scale=w='min({ARTWORK_SIDE},iw)':h='min({ARTWORK_SIDE},ih)':flags=lanczos,setsar=1,format=yuvj420p"
    );
    let mut cmd = tools.ffmpeg();
    cmd.arg("-i").arg(input).args(["-map", &format!("0:{index}"), "-frames:v", "1", "-vf", &filter]);
    cmd.args(["-c:v", "mjpeg", "-q:v", "3", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]);
    cmd.args(["-update", "1"]).arg(out_jpg);
    tools.run_ffmpeg(cmd).await?;
    match tokio::fs::metadata(out_jpg).await {
        Ok(meta) if meta.len() > 0 => Ok(()),
        _ => Err(MediaError::Refused("not an image: no picture could be decoded".into())),
    }
}

async fn waveform(tools: &Tools, input: &Path, index: usize, out_jpg: &Path) -> Result<(), MediaError> {
    let filter =
        format!("[0:{index}]showwavespic=s={WAVEFORM_SIZE}:split_channels=0:colors=0x5b8def,format=yuvj420p[w]");
    let mut cmd = tools.ffmpeg();
    cmd.arg("-i").arg(input).args(["-filter_complex", &filter, "-map", "[w]", "-frames:v", "1", "-c:v", "mjpeg"]);
    cmd.args(["-q:v", "3", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-update", "1"]);
    cmd.arg(out_jpg);
    tools.run_ffmpeg(cmd).await
}
