//! Idle connections by origin. HTTP/1.1 carries one exchange at a time, so a connection goes
//! back to the pool only when its response body has been read; concurrent requests open
//! connections of their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_types::body::SdkBody;
use hyper::client::conn::http1::SendRequest;

use super::connect::Origin;

/// Idle connections kept per origin (the home timeline has up to 16 queries in flight).
const MAX_IDLE_PER_ORIGIN: usize = 32;
/// Idle connections older than this are not reused: servers close them (DynamoDB after about a
/// minute), and a request on a connection closed under it fails.
const MAX_IDLE: Duration = Duration::from_secs(50);

/// An idle connection and since when it has been idle.
type Idle = (SendRequest<SdkBody>, Instant);

/// The pool.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<Origin, Vec<Idle>>>,
}

impl Pool {
    /// The most recently used live idle connection to `origin`, if any.
    pub fn take(&self, origin: &Origin) -> Option<SendRequest<SdkBody>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(origin)?;
        while let Some((sender, since)) = list.pop() {
            if since.elapsed() < MAX_IDLE && sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    /// Returns `sender` to the pool when its connection can take the next request (after the
    /// response body is read); a connection that closes first is dropped.
    pub fn recycle(self: &Arc<Self>, origin: Origin, mut sender: SendRequest<SdkBody>) {
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            if sender.ready().await.is_ok() {
                let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                let list = idle.entry(origin).or_default();
                list.retain(|(s, since)| since.elapsed() < MAX_IDLE && !s.is_closed());
                if list.len() < MAX_IDLE_PER_ORIGIN {
                    list.push((sender, Instant::now()));
                }
            }
        });
    }

    /// Idle connections to `origin` (for tests).
    #[cfg(test)]
    pub fn idle(&self, origin: &Origin) -> usize {
        self.idle.lock().unwrap().get(origin).map_or(0, Vec::len)
    }
}
