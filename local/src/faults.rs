//! Fault injection and a record of what the event pollers did, so failure handling can be
//! exercised and checked from outside: a function can be made to crash mid-batch (it handles
//! the first records, then dies without a response, as a Lambda process killed mid-batch), a
//! function's pollers can be paused (records pile up and arrive as one batch when resumed),
//! and every delivery and every dead-lettered item is kept in bounded in-memory journals.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::error::RunnerError;
use crate::shutdown::Shutdown;

/// How many deliveries the journal keeps (oldest dropped first).
const MAX_DELIVERIES: usize = 2000;
/// How many dead-lettered items are kept (oldest dropped first).
const MAX_DEAD_LETTERS: usize = 200;
/// How long [`Faults::pause`] waits for a poller to finish the batch it is on.
const PAUSE_WAIT: Duration = Duration::from_secs(60);

/// A simulated crash: the `nth` invocation of `function` (1: the next one) whose batch holds
/// more than `after_records` records runs the handler on the first `after_records` records
/// only, then fails without a response — the side effects of those records happened, the
/// event source sees a failed invocation and retries (SQS: the whole batch; streams: retry
/// and bisect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    /// The function's binary name (`mailer`, `table-events`, `transcode`).
    pub function: String,
    /// Which matching invocation crashes, counted from when the crash is armed (1-based).
    pub nth: u32,
    /// How many records are handled before the crash.
    pub after_records: usize,
}

impl Crash {
    /// Parses `function:nth:after_records` (the `LOCAL_CRASH` setting of `serve`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [function, nth, after] = parts.as_slice() else {
            return Err(format!("{text:?}: expected function:nth:after_records"));
        };
        let nth: u32 = nth.parse().map_err(|e| format!("{text:?}: nth: {e}"))?;
        let after_records = after.parse().map_err(|e| format!("{text:?}: after_records: {e}"))?;
        if function.is_empty() || nth == 0 {
            return Err(format!("{text:?}: a function name and nth ≥ 1 are needed"));
        }
        Ok(Self { function: (*function).to_owned(), nth, after_records })
    }
}

/// One invocation of an event function, as the runner saw it.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The function's binary name.
    pub function: String,
    /// The records delivered, in batch order: SQS message ids or stream sequence numbers.
    pub records: Vec<String>,
    /// The records that failed and go back to their source (retried or dead-lettered).
    pub failed: Vec<String>,
    /// Whether an injected crash ended the invocation.
    pub crashed: bool,
    /// When the invocation ended.
    pub at: SystemTime,
}

/// An item the runner gave up on: an SQS message that failed its last allowed receive (the
/// queue's redrive policy moves it to the dead-letter queue), or stream records sent to the
/// mapping's on-failure destination.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    /// The function's binary name.
    pub function: String,
    /// Where the item came from: the queue URL or the stream ARN.
    pub source: String,
    /// Where it goes: the dead-letter queue's ARN or the on-failure queue's URL (empty when
    /// the source has none and the item is dropped).
    pub destination: String,
    /// The SQS message id, or `first..last` sequence numbers of the stream records.
    pub id: String,
    /// Receives (SQS) or invocation attempts (streams) spent.
    pub attempts: u32,
    /// The handler's error, as the function reported or logged it.
    pub reason: String,
    /// When it was given up.
    pub at: SystemTime,
}

#[derive(Debug, Default)]
struct Armed {
    crash: Option<Crash>,
    seen: u32,
}

#[derive(Debug, Default)]
struct Journal {
    crashes: Vec<Armed>,
    deliveries: VecDeque<Delivery>,
    dead_letters: VecDeque<DeadLetter>,
}

/// Which functions are paused, and how many of their pollers are parked.
#[derive(Debug, Default)]
struct Gates {
    paused: BTreeSet<String>,
    parked: BTreeMap<String, usize>,
}

/// Fault injection and journals of one stack (see the module documentation).
#[derive(Debug)]
pub struct Faults {
    journal: Mutex<Journal>,
    gates: watch::Sender<Gates>,
    pollers: Mutex<BTreeMap<String, usize>>,
}

impl Default for Faults {
    fn default() -> Self {
        Self { journal: Mutex::default(), gates: watch::Sender::new(Gates::default()), pollers: Mutex::default() }
    }
}

impl Faults {
    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Arms a simulated crash (several can be armed at once).
    pub fn crash(&self, crash: Crash) {
        tracing::warn!(function = %crash.function, nth = crash.nth, after_records = crash.after_records, "fault armed: the function will crash mid-batch");
        self.journal().crashes.push(Armed { crash: Some(crash), seen: 0 });
    }

    /// How many armed crashes have not fired yet.
    pub fn pending_crashes(&self) -> usize {
        self.journal().crashes.iter().filter(|a| a.crash.is_some()).count()
    }

    /// Every delivery kept (oldest first), of every function.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.journal().deliveries.iter().cloned().collect()
    }

    /// Every dead-lettered item kept (oldest first).
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.journal().dead_letters.iter().cloned().collect()
    }

    /// Stops the pollers of `function` once they finish the batch they are on; returns when
    /// they are all parked. Records arriving meanwhile wait in their queue or stream.
    pub async fn pause(&self, function: &str) -> Result<(), RunnerError> {
        let expected = self.pollers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(function).copied();
        let Some(expected) = expected else {
            return Err(RunnerError::template(format!("no poller runs function {function}")));
        };
        self.gates.send_modify(|g| {
            g.paused.insert(function.to_owned());
        });
        let mut gates = self.gates.subscribe();
        let parked = gates.wait_for(|g| g.parked.get(function).copied().unwrap_or(0) >= expected);
        match tokio::time::timeout(PAUSE_WAIT, parked).await {
            Ok(Ok(_)) => {
                tracing::info!(function, "pollers paused");
                Ok(())
            }
            _ => Err(RunnerError::Timeout(format!("the pollers of {function} to pause"))),
        }
    }

    /// Lets the pollers of `function` go on.
    pub fn resume(&self, function: &str) {
        self.gates.send_modify(|g| {
            g.paused.remove(function);
        });
        tracing::info!(function, "pollers resumed");
    }

    /// Counts a poller of `function` (before it runs), so [`Faults::pause`] knows how many to wait for.
    pub(crate) fn register(&self, function: &str) {
        *self
            .pollers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(function.to_owned())
            .or_default() += 1;
    }

    /// Called by a poller before each poll: waits while `function` is paused. `false` when
    /// the stack stops meanwhile.
    pub(crate) async fn gate(&self, function: &str, shutdown: &mut Shutdown) -> bool {
        let mut gates = self.gates.subscribe();
        if !gates.borrow().paused.contains(function) {
            return true;
        }
        self.gates.send_modify(|g| *g.parked.entry(function.to_owned()).or_default() += 1);
        let go_on = tokio::select! {
            resumed = gates.wait_for(|g| !g.paused.contains(function)) => resumed.is_ok(),
            () = shutdown.stopped() => false,
        };
        self.gates.send_modify(|g| {
            if let Some(n) = g.parked.get_mut(function) {
                *n = n.saturating_sub(1);
            }
        });
        go_on
    }

    /// Whether this invocation of `function` with `records` records crashes; if so, after how
    /// many records.
    pub(crate) fn take_crash(&self, function: &str, records: usize) -> Option<usize> {
        let mut journal = self.journal();
        for armed in &mut journal.crashes {
            let Some(crash) = &armed.crash else { continue };
            if crash.function != function || records <= crash.after_records {
                continue;
            }
            armed.seen += 1;
            if armed.seen == crash.nth {
                let after = crash.after_records;
                armed.crash = None;
                return Some(after);
            }
        }
        None
    }

    /// Records one invocation.
    pub(crate) fn delivered(&self, delivery: Delivery) {
        let mut journal = self.journal();
        if journal.deliveries.len() >= MAX_DELIVERIES {
            journal.deliveries.pop_front();
        }
        journal.deliveries.push_back(delivery);
    }

    /// Records an item given up on.
    pub(crate) fn dead_lettered(&self, item: DeadLetter) {
        let mut journal = self.journal();
        if journal.dead_letters.len() >= MAX_DEAD_LETTERS {
            journal.dead_letters.pop_front();
        }
        journal.dead_letters.push_back(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_hits_the_nth_invocation_big_enough_and_only_once() {
        let faults = Faults::default();
        faults.crash(Crash { function: "mailer".into(), nth: 2, after_records: 1 });
        assert_eq!(faults.take_crash("mailer", 1), None, "too small to crash mid-batch: not counted");
        assert_eq!(faults.take_crash("table-events", 5), None, "another function");
        assert_eq!(faults.take_crash("mailer", 3), None, "first matching invocation");
        assert_eq!(faults.take_crash("mailer", 3), Some(1));
        assert_eq!(faults.take_crash("mailer", 3), None, "fired once");
        assert_eq!(faults.pending_crashes(), 0);
    }

    #[test]
    fn crash_settings_parse() {
        assert_eq!(Crash::parse("mailer:1:2"), Ok(Crash { function: "mailer".into(), nth: 1, after_records: 2 }));
        assert!(Crash::parse("mailer:0:2").is_err());
        assert!(Crash::parse("mailer:2").is_err());
    }

    #[tokio::test]
    async fn a_paused_poller_parks_until_resumed() {
        let faults = std::sync::Arc::new(Faults::default());
        faults.register("mailer");
        let (trigger, shutdown) = crate::shutdown::channel();
        let poller = {
            let (faults, mut shutdown) = (faults.clone(), shutdown.clone());
            tokio::spawn(async move {
                let mut polls = 0u64;
                while faults.gate("mailer", &mut shutdown).await && !shutdown.is_stopping() {
                    polls += 1;
                    tokio::task::yield_now().await;
                }
                polls
            })
        };
        faults.pause("mailer").await.expect("paused");
        let parked_at = faults.gates.borrow().parked.get("mailer").copied();
        assert_eq!(parked_at, Some(1));
        assert!(!poller.is_finished());
        faults.resume("mailer");
        trigger.fire();
        poller.await.expect("the poller ends on shutdown");
        assert!(faults.pause("nobody").await.is_err());
    }
}
