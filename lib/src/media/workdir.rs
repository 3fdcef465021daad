//! Scratch directories for one media job, removed whatever way the job ends.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::MediaError;

const PREFIX: &str = "media-";

/// A temporary directory under `MEDIA_TMP_DIR` (or the system temp dir, `/tmp` on Lambda), deleted on
/// drop — on success, on error and on unwinding panics alike.
#[derive(Debug)]
pub struct WorkDir(tempfile::TempDir);

impl WorkDir {
    /// Creates a fresh, empty directory.
    pub fn new() -> Result<Self, MediaError> {
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(root())
            .map_err(|e| MediaError::io("create work directory", e))?;
        Ok(WorkDir(dir))
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// A path inside the directory.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.0.path().join(rel)
    }

    /// Removes work directories older than `max_age` left by a process that aborted (release builds
    /// `panic = "abort"`, so drop never ran) — Lambda keeps `/tmp` across invocations of a warm sandbox.
    /// Returns how many were removed; failures are skipped because another job may own the entry.
    pub fn sweep_stale(max_age: Duration) -> usize {
        let Ok(entries) = std::fs::read_dir(root()) else { return 0 };
        let now = SystemTime::now();
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
            .filter(|e| {
                e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > max_age))
            })
            .filter(|e| std::fs::remove_dir_all(e.path()).is_ok())
            .count()
    }
}

fn root() -> PathBuf {
    std::env::var_os("MEDIA_TMP_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir)
}
