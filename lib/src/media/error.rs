//! The one error type of the media pipeline: refused input (final) versus failed processing (retryable).

/// Why a media operation did not produce its outputs.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The input is not acceptable (not what it claims, broken/truncated, too long, too large, no video
    /// stream...) — a user-facing reason, final, never retried.
    #[error("{0}")]
    Refused(String),
    /// Processing broke for another reason (ffmpeg crashed/killed/timed out, disk) — may be retried.
    #[error("{0}")]
    Failed(String),
}

impl MediaError {
    /// True when retrying cannot help: the input itself is the problem.
    pub fn is_refused(&self) -> bool {
        matches!(self, MediaError::Refused(_))
    }

    pub(crate) fn io(what: &str, err: std::io::Error) -> Self {
        MediaError::Failed(format!("{what}: {err}"))
    }
}
