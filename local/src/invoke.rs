//! Running one handler invocation as Lambda would: with the function's timeout, and a panic
//! contained to the invocation instead of taking the runner down.

use std::time::Duration;

use mediashare::registry::BoxFut;

/// Why an invocation produced no result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InvokeError {
    /// The function ran past its `Timeout`.
    #[error("function timed out after {0:?}")]
    TimedOut(Duration),
    /// The function panicked.
    #[error("function crashed: {0}")]
    Crashed(String),
}

/// Runs `future` on its own task, for at most `timeout`.
pub(crate) async fn invoke<T: Send + 'static>(future: BoxFut<'static, T>, timeout: Duration) -> Result<T, InvokeError> {
    let mut task = tokio::spawn(future);
    match tokio::time::timeout(timeout, &mut task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join)) => {
            let message = match join.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_owned()),
                Err(join) => join.to_string(),
            };
            Err(InvokeError::Crashed(message))
        }
        Err(_) => {
            task.abort();
            Err(InvokeError::TimedOut(timeout))
        }
    }
}
