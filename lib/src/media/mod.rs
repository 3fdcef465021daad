//! The media pipeline: ffprobe and ffmpeg plans and runs turning an uploaded file into what players
//! need — an HLS ladder with poster and preview for videos, normalised AAC with artwork for music,
//! stripped and resized WebP/JPEG for photos, WebVTT for subtitles. Everything here works on local
//! files; the transcode Lambda moves them to and from S3.

pub mod audio;
mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod hls;
pub mod ladder;
mod limits;
pub mod photo;
pub mod probe;
pub mod subtitles;
mod tools;
pub mod video;
mod workdir;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use error::MediaError;
pub use limits::Limits;
pub use probe::{AudioStream, Probe, VideoStream, probe};
pub use tools::Tools;
pub use workdir::WorkDir;

/// The `Content-Type` an output file is served with, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("m3u8") => "application/vnd.apple.mpegurl",
        Some("ts") => "video/mp2t",
        Some("m4s" | "mp4") => "video/mp4",
        Some("m4a") => "audio/mp4",
        Some("vtt") => "text/vtt",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

/// Every regular file under `dir`, as paths relative to `dir`, sorted — what the uploader sends to S3.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file()
                && let Ok(rel) = entry.path().strip_prefix(dir)
            {
                files.push(rel.to_path_buf());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `path` relative to `base` as a `/`-separated string, for output descriptions and playlists.
fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Creates `dir` and its parents.
async fn create_dir(dir: &Path) -> Result<(), MediaError> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| MediaError::io(&format!("create {}", dir.display()), e))
}

/// Makes `path` absolute so commands can run from their output directory.
fn absolute(path: &Path) -> Result<PathBuf, MediaError> {
    std::path::absolute(path).map_err(|e| MediaError::io(&format!("resolve {}", path.display()), e))
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let cases = [
            ("hls/master.m3u8", "application/vnd.apple.mpegurl"),
            ("hls/720p/seg_000.ts", "video/mp2t"),
            ("mp4/720p.mp4", "video/mp4"),
            ("a.m4s", "video/mp4"),
            ("audio.m4a", "audio/mp4"),
            ("subs/fr.vtt", "text/vtt"),
            ("poster.JPG", "image/jpeg"),
            ("preview.webp", "image/webp"),
            ("README", "application/octet-stream"),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn files_under_lists_nested_files_relative_and_sorted() {
        let dir = WorkDir::new().unwrap();
        std::fs::create_dir_all(dir.join("hls/240p")).unwrap();
        for f in ["poster.jpg", "hls/master.m3u8", "hls/240p/seg_000.ts", "hls/240p/index.m3u8"] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        let files = files_under(dir.path()).unwrap();
        let expected = ["hls/240p/index.m3u8", "hls/240p/seg_000.ts", "hls/master.m3u8", "poster.jpg"];
        assert_eq!(files, expected.map(PathBuf::from));
    }

    #[test]
    fn work_dirs_are_removed_on_drop() {
        let dir = WorkDir::new().unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(dir.join("x"), b"x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }
}
