//! Subtitles: SRT or WebVTT uploads become validated WebVTT, with the one-segment playlist and the
//! timestamp mapping HLS players need to line cues up with MPEG-TS video.

use std::fmt::Write as _;
use std::path::Path;

use super::{MediaError, Tools, absolute, create_dir};

/// Largest subtitle upload accepted: a feature film's subtitles are well under 200 KB.
pub const MAX_SUBTITLE_BYTES: u64 = 2 * 1024 * 1024;
/// MPEG-TS clock ticks per second.
const MPEGTS_HZ: f64 = 90_000.0;

/// The subtitle formats accepted, told apart by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtitleFormat {
    /// SubRip: numbered cues with `00:00:01,000 --> 00:00:02,000` timings.
    Srt,
    /// WebVTT: a `WEBVTT` signature line.
    WebVtt,
}

impl SubtitleFormat {
    fn demuxer(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "srt",
            SubtitleFormat::WebVtt => "webvtt",
        }
    }
}

/// Recognises SRT or WebVTT from the text itself, whatever the file is called.
pub fn sniff(text: &str) -> Option<SubtitleFormat> {
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("WEBVTT") {
        return Some(SubtitleFormat::WebVtt);
    }
    let mut lines = text.lines().map(str::trim).skip_while(|l| l.is_empty());
    let (first, second) = (lines.next()?, lines.next()?);
    let numbered = !first.is_empty() && first.chars().all(|c| c.is_ascii_digit());
    (numbered && is_timing(second)).then_some(SubtitleFormat::Srt)
}

/// UTF-8 as is; anything else is taken as Windows-1252, what most non-UTF-8 SRT files are.
fn decode_text(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    bytes.iter().map(|&b| cp1252(b)).collect()
}

fn cp1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

fn is_timing(line: &str) -> bool {
    let Some((start, end)) = line.split_once("-->") else { return false };
    let looks_like_time = |t: &str| {
        let t = t.split_whitespace().next().unwrap_or("");
        t.len() >= 8 && t.chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | ',' | '.'))
    };
    looks_like_time(start) && looks_like_time(end.trim_start())
}

/// Converts the SRT or WebVTT at `input` to WebVTT at `out_file`. Garbage, empty files and files
/// without a single cue are refused.
pub async fn to_webvtt(tools: &Tools, input: &Path, out_file: &Path) -> Result<(), MediaError> {
    let size = tokio::fs::metadata(input).await.map_err(|e| MediaError::io("read subtitles", e))?.len();
    if size > MAX_SUBTITLE_BYTES {
        return Err(MediaError::Refused(format!("not a subtitle file: larger than {MAX_SUBTITLE_BYTES} bytes")));
    }
    let bytes = tokio::fs::read(input).await.map_err(|e| MediaError::io("read subtitles", e))?;
    let text = decode_text(&bytes);
    let format =
        sniff(&text).ok_or_else(|| MediaError::Refused("not a subtitle file: neither SRT nor WebVTT".into()))?;
    // ffmpeg reads the normalised UTF-8 copy, so legacy-encoded SRT files come out readable.
    let out_dir = absolute(out_file)?.parent().map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    create_dir(&out_dir).await?;
    let source = tempfile::NamedTempFile::new_in(&out_dir).map_err(|e| MediaError::io("subtitle copy", e))?;
    tokio::fs::write(source.path(), text.trim_start_matches('\u{feff}'))
        .await
        .map_err(|e| MediaError::io("subtitle copy", e))?;
    let mut cmd = tools.ffmpeg();
    cmd.args(["-f", format.demuxer(), "-i"]).arg(source.path()).args(["-map", "0:s:0", "-f", "webvtt"]);
    cmd.arg(absolute(out_file)?);
    if let Err(exited) = tools.run(cmd).await? {
        return Err(exited.into_error(|_| Some(format!("not a subtitle file: unreadable {}", format.demuxer()))));
    }
    let converted = tokio::fs::read_to_string(out_file).await.map_err(|e| MediaError::io("read WebVTT", e))?;
    if !converted.lines().any(|l| l.contains("-->")) {
        return Err(MediaError::Refused("not a subtitle file: it has no cues".into()));
    }
    Ok(())
}

/// Converts subtitles for a video's HLS: writes `{dir}/{language}.vtt` (with the timestamp map for
/// `segment_start`) and `{dir}/{language}.m3u8`, and returns both paths.
pub async fn write_hls_subtitles(
    tools: &Tools,
    input: &Path,
    dir: &Path,
    language: &str,
    duration: f64,
    segment_start: f64,
) -> Result<(std::path::PathBuf, std::path::PathBuf), MediaError> {
    create_dir(dir).await?;
    let vtt = dir.join(format!("{language}.vtt"));
    to_webvtt(tools, input, &vtt).await?;
    let text = tokio::fs::read_to_string(&vtt).await.map_err(|e| MediaError::io("read WebVTT", e))?;
    tokio::fs::write(&vtt, with_timestamp_map(&text, segment_start))
        .await
        .map_err(|e| MediaError::io("write WebVTT", e))?;
    let playlist = dir.join(format!("{language}.m3u8"));
    tokio::fs::write(&playlist, subtitle_playlist(&format!("{language}.vtt"), duration, segment_start))
        .await
        .map_err(|e| MediaError::io("write subtitle playlist", e))?;
    Ok((vtt, playlist))
}

/// A VOD media playlist whose single segment is the whole WebVTT file. `segment_start` is not needed
/// in the playlist itself (the mapping lives in the WebVTT header) and is accepted so both are built
/// from the same values.
pub fn subtitle_playlist(vtt_uri: &str, duration: f64, _segment_start: f64) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
    let _ = writeln!(out, "#EXT-X-TARGETDURATION:{}", duration.ceil().max(1.0) as u64);
    out.push_str("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n");
    let _ = writeln!(out, "#EXTINF:{duration:.3},\n{vtt_uri}\n#EXT-X-ENDLIST");
    out
}

/// Adds (or replaces) the `X-TIMESTAMP-MAP` header line right after `WEBVTT`, mapping cue time zero to
/// the first video segment's MPEG-TS timestamp so players align cues with the video.
pub fn with_timestamp_map(vtt: &str, segment_start: f64) -> String {
    let vtt = vtt.trim_start_matches('\u{feff}');
    let ticks = (segment_start.max(0.0) * MPEGTS_HZ).round() as u64;
    let map = format!("X-TIMESTAMP-MAP=MPEGTS:{ticks},LOCAL:00:00:00.000");
    let mut lines = vtt.lines();
    let signature = lines.next().unwrap_or("WEBVTT");
    let mut out = format!("{signature}\n{map}\n");
    for line in lines.filter(|l| !l.starts_with("X-TIMESTAMP-MAP=")) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn subtitles_are_recognised_by_content() {
        assert_eq!(sniff("\u{feff}WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n"), Some(SubtitleFormat::WebVtt));
        assert_eq!(sniff("\n1\n00:00:01,000 --> 00:00:02,500\nHello\n"), Some(SubtitleFormat::Srt));
        assert_eq!(sniff("1\r\n00:00:01,000 --> 00:00:02,500 X1:0\r\nHello\r\n"), Some(SubtitleFormat::Srt));
        assert_eq!(sniff("hello world\nthis is not a subtitle"), None);
        assert_eq!(sniff("1\nnot a timing --> nope"), None);
        assert_eq!(sniff(""), None);
    }

    #[test]
    fn legacy_encodings_are_read_as_windows_1252() {
        assert_eq!(decode_text(b"caf\xe9 \x93ok\x94"), "café “ok”");
        assert_eq!(decode_text("déjà".as_bytes()), "déjà");
    }

    #[test]
    fn the_timestamp_map_follows_the_signature() {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n";
        let mapped = with_timestamp_map(vtt, 1.48);
        assert_eq!(
            mapped,
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:133200,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.000\nHello\n"
        );
        assert_eq!(with_timestamp_map(&mapped, 1.4), mapped.replace("133200", "126000"));
    }

    #[test]
    fn the_subtitle_playlist_has_one_segment() {
        let text = subtitle_playlist("fr.vtt", 6.04, 1.48);
        assert_eq!(
            text,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n\
             #EXTINF:6.040,\nfr.vtt\n#EXT-X-ENDLIST\n"
        );
    }
}
