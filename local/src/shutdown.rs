//! A stop signal shared by the HTTP server and the pollers of one stack.

use std::time::Duration;

use tokio::sync::watch;

/// The sending side, kept by the stack.
#[derive(Debug)]
pub(crate) struct Trigger(watch::Sender<bool>);

/// The receiving side, one clone per task.
#[derive(Clone, Debug)]
pub(crate) struct Shutdown(watch::Receiver<bool>);

/// A connected pair.
pub(crate) fn channel() -> (Trigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (Trigger(tx), Shutdown(rx))
}

impl Trigger {
    /// Asks every task to stop.
    pub(crate) fn fire(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    /// Whether a stop was requested.
    pub(crate) fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when a stop is requested (or the stack is gone).
    pub(crate) async fn stopped(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    /// Sleeps for `duration`; `false` when a stop was requested meanwhile.
    pub(crate) async fn sleep(&mut self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => !self.is_stopping(),
            () = self.stopped() => false,
        }
    }
}
