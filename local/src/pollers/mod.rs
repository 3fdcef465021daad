//! Event source mappings, driven locally as Lambda drives them: one task per SQS trigger and
//! per DynamoDB stream trigger, each surviving emulator hiccups (log, back off, re-provision
//! what vanished, carry on) and stopping on shutdown.

pub(crate) mod dynamo_json;
pub(crate) mod sqs;
pub(crate) mod stream;

use std::time::Duration;

/// One event source mapping, ready to run.
pub(crate) enum Poller {
    /// An SQS queue.
    Sqs(sqs::SqsPoller),
    /// A table's stream.
    Stream(stream::StreamPoller),
}

impl Poller {
    /// Polls until shutdown.
    pub(crate) async fn run(self) {
        match self {
            Self::Sqs(poller) => poller.run().await,
            Self::Stream(poller) => poller.run().await,
        }
    }
}

/// Exponential back-off for the `attempt`-th consecutive failure: 100 ms doubling, capped at 5 s.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(6);
    Duration::from_millis(100 * (1u64 << exponent)).min(Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(50), Duration::from_secs(5));
    }
}
