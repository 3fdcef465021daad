//! HLS text: the master playlist (written by us so it can be rebuilt when subtitles arrive), media
//! playlist reading, and the RFC 6381 codec strings variants advertise.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// `GROUP-ID` of the audio rendition group.
pub const AUDIO_GROUP: &str = "aud";
/// `GROUP-ID` of the subtitles rendition group.
pub const SUBTITLES_GROUP: &str = "subs";
/// RFC 6381 codec of AAC-LC audio.
pub const AAC_LC: &str = "mp4a.40.2";

/// Everything a master playlist says; URIs are relative to the master playlist itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MasterPlaylist {
    /// The variant streams, best first.
    pub variants: Vec<Variant>,
    /// The audio rendition shared by every variant, when the video has sound.
    pub audio: Option<AudioRendition>,
    /// Subtitle renditions, in menu order.
    #[serde(default)]
    pub subtitles: Vec<SubtitleRendition>,
}

/// One `#EXT-X-STREAM-INF` variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Peak bits per second, audio included.
    pub bandwidth: u64,
    /// Average bits per second, audio included.
    pub average_bandwidth: u64,
    /// Width×height, absent for audio-only variants.
    pub resolution: Option<(u32, u32)>,
    /// RFC 6381 codecs of every stream the variant plays, e.g. `avc1.64001f,mp4a.40.2`.
    pub codecs: String,
    /// Frames per second, absent for audio-only variants.
    pub frame_rate: Option<f64>,
    /// The media playlist.
    pub uri: String,
}

/// The `#EXT-X-MEDIA:TYPE=AUDIO` rendition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioRendition {
    /// Name shown in players' menus.
    pub name: String,
    /// The media playlist.
    pub uri: String,
}

/// One `#EXT-X-MEDIA:TYPE=SUBTITLES` rendition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubtitleRendition {
    /// Name shown in players' menus, e.g. `Français`.
    pub name: String,
    /// BCP 47 language tag, e.g. `fr`.
    pub language: String,
    /// The media playlist, conventionally `subs/{language}.m3u8`.
    pub uri: String,
}

impl SubtitleRendition {
    /// A rendition at the conventional `subs/{language}.m3u8`.
    pub fn new(language: &str, name: &str) -> Self {
        SubtitleRendition { name: name.to_owned(), language: language.to_owned(), uri: format!("subs/{language}.m3u8") }
    }
}

/// Writes the master playlist.
pub fn master_playlist(master: &MasterPlaylist) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    if let Some(audio) = &master.audio {
        let _ = writeln!(
            out,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AUDIO_GROUP}\",NAME=\"{}\",\
             DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"{}\"",
            quoted(&audio.name),
            quoted(&audio.uri)
        );
    }
    for sub in &master.subtitles {
        let _ = writeln!(
            out,
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"{SUBTITLES_GROUP}\",NAME=\"{}\",LANGUAGE=\"{}\",\
             DEFAULT=NO,AUTOSELECT=YES,URI=\"{}\"",
            quoted(&sub.name),
            quoted(&sub.language),
            quoted(&sub.uri)
        );
    }
    for v in &master.variants {
        let _ = write!(
            out,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={}",
            v.bandwidth.max(v.average_bandwidth),
            v.average_bandwidth
        );
        if let Some((w, h)) = v.resolution {
            let _ = write!(out, ",RESOLUTION={w}x{h}");
        }
        let _ = write!(out, ",CODECS=\"{}\"", quoted(&v.codecs));
        if let Some(fps) = v.frame_rate {
            let _ = write!(out, ",FRAME-RATE={fps:.3}");
        }
        if master.audio.is_some() {
            let _ = write!(out, ",AUDIO=\"{AUDIO_GROUP}\"");
        }
        if !master.subtitles.is_empty() {
            let _ = write!(out, ",SUBTITLES=\"{SUBTITLES_GROUP}\"");
        }
        let _ = writeln!(out, "\n{}", v.uri);
    }
    out
}

/// One segment of a media playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// `#EXTINF` duration in seconds.
    pub duration: f64,
    /// The segment URI as written.
    pub uri: String,
}

/// The segments of a media playlist, in order.
pub fn media_segments(playlist: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut pending: Option<f64> = None;
    for line in playlist.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            pending = rest.split(',').next().and_then(|d| d.trim().parse().ok());
        } else if !line.starts_with('#')
            && let Some(duration) = pending.take()
        {
            segments.push(Segment { duration, uri: line.to_owned() });
        }
    }
    segments
}

/// Peak and average bits per second of segments given as (duration, bytes).
pub fn bitrates(segments: &[(f64, u64)]) -> (u64, u64) {
    let total_bits: f64 = segments.iter().map(|(_, bytes)| *bytes as f64 * 8.0).sum();
    let total_seconds: f64 = segments.iter().map(|(d, _)| *d).sum();
    let average = if total_seconds > 0.0 { total_bits / total_seconds } else { 0.0 };
    let peak =
        segments.iter().filter(|(d, _)| *d > 0.0).map(|(d, bytes)| *bytes as f64 * 8.0 / d).fold(average, f64::max);
    (peak.ceil() as u64, average.ceil() as u64)
}

/// RFC 6381 `avc1.PPCCLL` from ffprobe's profile name and level (e.g. `High`, 31 → `avc1.64001f`).
pub fn avc1(profile: &str, level: i32) -> String {
    let (profile_idc, constraints) = match profile {
        "Constrained Baseline" => (0x42, 0xe0),
        "Baseline" => (0x42, 0x00),
        "Main" => (0x4d, 0x40),
        "Extended" => (0x58, 0x00),
        "High 10" => (0x6e, 0x00),
        "High 4:2:2" => (0x7a, 0x00),
        "High 4:4:4 Predictive" => (0xf4, 0x00),
        _ => (0x64, 0x00),
    };
    format!("avc1.{profile_idc:02x}{constraints:02x}{:02x}", level.clamp(0, 255))
}

fn quoted(value: &str) -> String {
    // Quoted-string attribute values cannot contain a double quote or a line break (RFC 8216 §4.2).
    value.replace(['"', '\n', '\r'], "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_rungs(audio: bool) -> MasterPlaylist {
        let codecs = if audio { "avc1.64001f,mp4a.40.2" } else { "avc1.64001f" };
        MasterPlaylist {
            variants: vec![
                Variant {
                    bandwidth: 3_500_000,
                    average_bandwidth: 3_100_000,
                    resolution: Some((1280, 720)),
                    codecs: codecs.into(),
                    frame_rate: Some(30000.0 / 1001.0),
                    uri: "720p/index.m3u8".into(),
                },
                Variant {
                    bandwidth: 200_000,
                    average_bandwidth: 150_000,
                    resolution: Some((426, 240)),
                    codecs: codecs.replace("1f", "15"),
                    frame_rate: Some(30000.0 / 1001.0),
                    uri: "240p/index.m3u8".into(),
                },
            ],
            audio: audio.then(|| AudioRendition { name: "Audio".into(), uri: "audio/index.m3u8".into() }),
            subtitles: vec![],
        }
    }

    #[test]
    fn a_master_lists_every_rung_with_its_audio_group() {
        let text = master_playlist(&two_rungs(true));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "#EXTM3U");
        assert!(lines.contains(
            &"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/index.m3u8\""
        ));
        assert!(lines.contains(&"#EXT-X-STREAM-INF:BANDWIDTH=3500000,AVERAGE-BANDWIDTH=3100000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=29.970,AUDIO=\"aud\""));
        let uri_after = |tag: &str| lines.iter().position(|l| l.contains(tag)).map(|i| lines[i + 1]);
        assert_eq!(uri_after("RESOLUTION=426x240"), Some("240p/index.m3u8"));
        assert!(!text.contains("SUBTITLES"));
    }

    #[test]
    fn a_silent_video_has_no_audio_group() {
        let text = master_playlist(&two_rungs(false));
        assert!(!text.contains("AUDIO"));
        assert!(!text.contains("mp4a"));
    }

    #[test]
    fn subtitles_join_every_variant() {
        let mut master = two_rungs(true);
        master.subtitles.push(SubtitleRendition::new("fr", "Français"));
        master.subtitles.push(SubtitleRendition::new("en", "English \"CC\""));
        let text = master_playlist(&master);
        assert!(text.contains("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Français\",LANGUAGE=\"fr\",DEFAULT=NO,AUTOSELECT=YES,URI=\"subs/fr.m3u8\"\n"));
        assert!(text.contains("NAME=\"English 'CC'\""));
        assert_eq!(text.matches("SUBTITLES=\"subs\"").count(), 2);
    }

    #[test]
    fn an_audio_only_master_has_no_resolution() {
        let master = MasterPlaylist {
            variants: vec![Variant {
                bandwidth: 200_000,
                average_bandwidth: 195_000,
                resolution: None,
                codecs: AAC_LC.into(),
                frame_rate: None,
                uri: "index.m3u8".into(),
            }],
            audio: None,
            subtitles: vec![],
        };
        let text = master_playlist(&master);
        assert!(text.contains(
            "#EXT-X-STREAM-INF:BANDWIDTH=200000,AVERAGE-BANDWIDTH=195000,CODECS=\"mp4a.40.2\"\nindex.m3u8\n"
        ));
    }

    #[test]
    fn a_master_survives_a_json_round_trip() {
        let master = two_rungs(true);
        let json = serde_json::to_string(&master).unwrap();
        assert_eq!(serde_json::from_str::<MasterPlaylist>(&json).unwrap(), master);
    }

    #[test]
    fn media_playlists_list_their_segments() {
        let playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n\
            #EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.000000,\nseg_000.ts\n#EXTINF:2.040000,\nseg_001.ts\n#EXT-X-ENDLIST\n";
        assert_eq!(
            media_segments(playlist),
            [Segment { duration: 4.0, uri: "seg_000.ts".into() }, Segment { duration: 2.04, uri: "seg_001.ts".into() }]
        );
    }

    #[test]
    fn peak_is_never_below_average() {
        assert_eq!(bitrates(&[(4.0, 500_000), (2.0, 500_000)]), (2_000_000, 1_333_334));
        assert_eq!(bitrates(&[]), (0, 0));
    }

    #[test]
    fn codec_strings_follow_rfc_6381() {
        assert_eq!(avc1("High", 40), "avc1.640028");
        assert_eq!(avc1("High", 31), "avc1.64001f");
        assert_eq!(avc1("Main", 30), "avc1.4d401e");
        assert_eq!(avc1("Constrained Baseline", 21), "avc1.42e015");
    }
}
