//! Where ffmpeg and ffprobe live, and how they are run: bounded in time, killed with the job, with
//! the end of their stderr kept for the error message.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::MediaError;

/// The Lambda layer puts the static ffmpeg build here.
const LAYER_DIR: &str = "/opt/bin";
/// How many stderr lines an error message keeps: the cause is at the end.
const STDERR_TAIL_LINES: usize = 20;
/// Largest frame ffprobe may decode to learn a stream's parameters (twice the default photo
/// limit). It decodes a first frame at the size the header claims: a 74-byte PNG claiming
/// 16000×16000 would cost ~800 MB before any size check ran. A bigger picture is left
/// undecoded and shows no size, which the pipeline refuses.
const PROBE_MAX_PIXELS: &str = "100000000";

/// The ffmpeg and ffprobe binaries and the time any single run may take.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The ffmpeg binary.
    pub ffmpeg: PathBuf,
    /// The ffprobe binary.
    pub ffprobe: PathBuf,
    /// Longest a single ffmpeg or ffprobe run may take before it is killed.
    pub timeout: Duration,
}

impl Tools {
    /// `FFMPEG_PATH` / `FFPROBE_PATH` if set, else `/opt/bin/…` if it exists (Lambda layer), else the
    /// names on `PATH`.
    pub fn from_env(timeout: Duration) -> Self {
        Tools { ffmpeg: locate("FFMPEG_PATH", "ffmpeg"), ffprobe: locate("FFPROBE_PATH", "ffprobe"), timeout }
    }

    /// An ffmpeg command that never reads stdin, overwrites outputs and only logs errors.
    pub(crate) fn ffmpeg(&self) -> Command {
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]);
        cmd
    }

    /// An ffprobe command printing JSON and only logging errors.
    pub(crate) fn ffprobe(&self) -> Command {
        let mut cmd = Command::new(&self.ffprobe);
        cmd.args(["-hide_banner", "-loglevel", "error", "-max_pixels", PROBE_MAX_PIXELS, "-print_format", "json"]);
        cmd
    }

    /// Runs `cmd` to completion within the timeout and returns its stdout. A non-zero exit is returned as
    /// the inner `Err` so the caller decides whether the input or the processing is to blame; a missing
    /// binary, a timeout or a kill by signal are [`MediaError::Failed`].
    pub(crate) async fn run(&self, mut cmd: Command) -> Result<Result<Vec<u8>, Exited>, MediaError> {
        let program = Path::new(cmd.as_std().get_program()).file_name().unwrap_or(OsStr::new("?")).to_owned();
        let program = program.to_string_lossy().into_owned();
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        tracing::debug!(command = ?cmd.as_std(), "running");
        let child = cmd.spawn().map_err(|e| MediaError::Failed(format!("cannot start {program}: {e}")))?;
        // Dropping the wait future on timeout drops the child, and kill_on_drop kills it.
        let output = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(result) => result.map_err(|e| MediaError::Failed(format!("{program} did not finish: {e}")))?,
            Err(_) => return Err(MediaError::Failed(format!("{program} timed out after {:?}", self.timeout))),
        };
        if output.status.success() {
            return Ok(Ok(output.stdout));
        }
        let stderr = tail(&String::from_utf8_lossy(&output.stderr), STDERR_TAIL_LINES);
        match output.status.code() {
            Some(code) => Ok(Err(Exited { program, code, stderr })),
            // No exit code: a signal (OOM killer, crash) — not the user's fault.
            None => Err(MediaError::Failed(format!("{program} was killed ({}): {stderr}", output.status))),
        }
    }

    /// Runs ffmpeg; a failure caused by unreadable input data is refused, any other failure may be retried.
    pub(crate) async fn run_ffmpeg(&self, cmd: Command) -> Result<(), MediaError> {
        match self.run(cmd).await? {
            Ok(_) => Ok(()),
            Err(exited) => Err(exited.into_error(|stderr| looks_like_bad_input(stderr).then(|| damaged(stderr)))),
        }
    }
}

/// A run that ended with a non-zero exit code.
#[derive(Debug)]
pub(crate) struct Exited {
    program: String,
    code: i32,
    stderr: String,
}

impl Exited {
    /// `refuse` may claim the failure as the input's fault (returning the reason), else it is Failed.
    pub(crate) fn into_error(self, refuse: impl FnOnce(&str) -> Option<String>) -> MediaError {
        match refuse(&self.stderr) {
            Some(reason) => MediaError::Refused(reason),
            None => MediaError::Failed(format!("{} exited with {}: {}", self.program, self.code, self.stderr)),
        }
    }
}

/// ffmpeg's words for input it cannot decode: a truncated, corrupt or mislabelled upload.
fn looks_like_bad_input(stderr: &str) -> bool {
    const SIGNS: [&str; 7] = [
        "Invalid data found when processing input",
        "moov atom not found",
        "Error while decoding",
        "error while decoding",
        "corrupt",
        "Invalid NAL unit",
        "could not find codec parameters",
    ];
    SIGNS.iter().any(|s| stderr.contains(s))
}

fn damaged(stderr: &str) -> String {
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    format!("the file is damaged or truncated ({last})")
}

fn locate(var: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(path);
    }
    let layer = Path::new(LAYER_DIR).join(name);
    if layer.exists() { layer } else { PathBuf::from(name) }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let text = (1..=30).map(|i| i.to_string()).collect::<Vec<_>>().join("\n");
        assert_eq!(tail(&text, 3), "28\n29\n30");
        assert_eq!(tail("one\n\ntwo\n", 20), "one\ntwo");
    }

    #[test]
    fn decoder_complaints_are_the_input_s_fault() {
        assert!(looks_like_bad_input("in.mp4: Invalid data found when processing input"));
        assert!(!looks_like_bad_input("No space left on device"));
    }
}
