//! Watches the emulator for a restart: moto keeps everything in memory, so a restart loses
//! every table, queue, bucket and identity while the runner is still up. A cheap probe (one
//! DescribeTable) every second notices the loss even when no poller or request touched the
//! emulator yet, and has everything provisioned again; while the emulator is down it retries
//! with a bounded back-off. Pollers that notice a loss first trigger the same repair.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::provision::{Probe, Provisioner};
use crate::shutdown::Shutdown;

/// Pause between probes while the emulator is healthy.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Longest pause between probes while the emulator is down (recovery should follow its
/// return promptly).
const MAX_DOWN_PAUSE: Duration = Duration::from_secs(1);

/// Probes until shutdown.
pub(crate) async fn run(provisioner: Arc<Provisioner>, mut shutdown: Shutdown) {
    let mut down_since: Option<Instant> = None;
    let mut failures = 0u32;
    while !shutdown.is_stopping() {
        let pause = match provisioner.probe().await {
            Probe::Present => {
                if let Some(since) = down_since.take() {
                    tracing::info!(
                        down_ms = since.elapsed().as_millis() as u64,
                        "emulator reachable again; nothing was lost"
                    );
                }
                failures = 0;
                PROBE_EVERY
            }
            Probe::Missing(what) => {
                if let Some(since) = down_since.take() {
                    tracing::info!(down_ms = since.elapsed().as_millis() as u64, "emulator reachable again");
                }
                if provisioner.repair(&format!("{what} is missing")).await {
                    failures = 0;
                    PROBE_EVERY
                } else {
                    failures = failures.saturating_add(1);
                    crate::pollers::backoff(failures).min(MAX_DOWN_PAUSE)
                }
            }
            Probe::Unreachable(error) => {
                if down_since.is_none() {
                    tracing::warn!(%error, "emulator unreachable; probing with back-off until it answers");
                    down_since = Some(Instant::now());
                }
                failures = failures.saturating_add(1);
                crate::pollers::backoff(failures).min(MAX_DOWN_PAUSE)
            }
        };
        if !shutdown.sleep(pause).await {
            break;
        }
    }
    tracing::debug!("emulator watchdog stopped");
}
