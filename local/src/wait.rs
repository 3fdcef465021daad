//! Polling with a deadline (never a fixed sleep for readiness).

use std::future::Future;
use std::time::Duration;

use crate::error::RunnerError;

/// Calls `probe` until it returns `Some`, backing off from 50 ms to 1 s, for at most `limit`.
pub(crate) async fn until<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> Result<T, RunnerError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, RunnerError>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    let mut pause = Duration::from_millis(50);
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if tokio::time::Instant::now() + pause > deadline {
            return Err(RunnerError::Timeout(what.to_owned()));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}
