//! Per-purpose upload rules: accepted content types and the per-file maximum (configurable).

use crate::config::Config;
use crate::domain::{MediaKind, UploadPurpose};

/// Largest subtitle file.
pub const MAX_SUBTITLE_BYTES: u64 = 2 * 1024 * 1024;

/// Image types every image upload accepts (HEIF is left out: the ffmpeg we ship, 5.1, cannot
/// decode it).
const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// Content types accepted for `purpose` (what ffprobe will then check for real).
pub fn accepted_types(purpose: &UploadPurpose) -> &'static [&'static str] {
    match purpose {
        UploadPurpose::Media(kind) => content_types(*kind),
        UploadPurpose::Subtitle { .. } => &["text/vtt", "application/x-subrip", "text/srt", "text/plain"],
        UploadPurpose::Cover { .. } | UploadPurpose::ProfilePhoto | UploadPurpose::ChannelPhoto => IMAGE_TYPES,
    }
}

/// The largest file accepted for `purpose`.
pub fn max_upload_bytes(config: &Config, purpose: &UploadPurpose) -> u64 {
    match purpose {
        UploadPurpose::Media(kind) => max_bytes(config, *kind),
        UploadPurpose::Subtitle { .. } => MAX_SUBTITLE_BYTES,
        UploadPurpose::Cover { .. } | UploadPurpose::ProfilePhoto | UploadPurpose::ChannelPhoto => {
            config.max_photo_bytes
        }
    }
}

/// Content types accepted for `kind` (what ffprobe will then check for real).
pub fn content_types(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Photo => IMAGE_TYPES,
        MediaKind::Video => &["video/mp4", "video/quicktime", "video/webm", "video/x-matroska"],
        MediaKind::Music => &[
            "audio/mpeg",
            "audio/mp4",
            "audio/aac",
            "audio/wav",
            "audio/x-wav",
            "audio/flac",
            "audio/ogg",
            "audio/webm",
        ],
        MediaKind::Post => &[],
    }
}

/// The largest file accepted for `kind`.
pub fn max_bytes(config: &Config, kind: MediaKind) -> u64 {
    match kind {
        MediaKind::Photo => config.max_photo_bytes,
        MediaKind::Video => config.max_video_bytes,
        MediaKind::Music => config.max_music_bytes,
        MediaKind::Post => 0,
    }
}

/// A file name safe inside an object key: `[A-Za-z0-9._-]`, at most 100 characters, never
/// empty or a dot-only name.
pub fn safe_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c } else { '_' })
        .take(100)
        .collect();
    if name.trim_matches('.').is_empty() {
        name = "file".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("my clip (1).mp4"), "my_clip__1_.mp4");
        assert_eq!(safe_filename(".."), "file");
        assert_eq!(safe_filename(""), "file");
        assert_eq!(safe_filename(&"a".repeat(300)).len(), 100);
    }

    #[test]
    fn kinds_have_their_own_types() {
        assert!(content_types(MediaKind::Photo).contains(&"image/jpeg"));
        assert!(!content_types(MediaKind::Video).contains(&"image/jpeg"));
        assert!(content_types(MediaKind::Post).is_empty());
    }
}
