//! The warnings and errors a function logs during one invocation, kept so the runner can say
//! why a record failed. A partial batch response names the failed records but carries no
//! reason (on AWS the reason is only in the function's own log), so the runner reads the
//! function's log lines as they are emitted: the handler runs under a subscriber that keeps
//! warn/error events and forwards everything to the subscriber that was in place.

use std::sync::{Arc, Mutex};

use mediashare::registry::BoxFut;
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};

/// At most this many lines are kept per invocation.
const MAX_LINES: usize = 100;

/// One warn or error event: its message and its other fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl Line {
    /// The line's `reason` or `error` field, else its message with its fields.
    fn reason(&self) -> String {
        let field = |name: &str| self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        field("reason").or_else(|| field("error")).unwrap_or_else(|| {
            let fields: Vec<String> = self.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{} {}", self.message, fields.join(" ")).trim().to_owned()
        })
    }
}

/// Captures one poller's invocations (a poller runs one invocation at a time).
#[derive(Clone)]
pub(crate) struct LogCapture {
    dispatch: Dispatch,
    lines: Arc<Mutex<Vec<Line>>>,
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture").finish_non_exhaustive()
    }
}

impl LogCapture {
    /// A capture forwarding to the subscriber in place now (the global one, or none).
    pub(crate) fn new() -> Self {
        let inner = tracing::dispatcher::get_default(Dispatch::clone);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let dispatch = Dispatch::new(Capturing { inner, lines: Arc::clone(&lines) });
        Self { dispatch, lines }
    }

    /// `future` with its log captured; forgets what earlier invocations logged.
    pub(crate) fn run<T: 'static>(&self, future: BoxFut<'static, T>) -> BoxFut<'static, T> {
        self.lock().clear();
        Box::pin(future.with_subscriber(self.dispatch.clone()))
    }

    /// What the last invocation logged at warn or error.
    pub(crate) fn take(&self) -> Vec<Line> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Line>> {
        self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why the record `id` (a message id or a stream record's event id) failed, from `lines`: the
/// line naming the record, else the last line, else `None`.
pub(crate) fn reason_for(lines: &[Line], id: &str) -> Option<String> {
    let naming = lines.iter().rev().find(|l| !id.is_empty() && l.fields.iter().any(|(_, v)| v == id));
    naming.or_else(|| lines.last()).map(Line::reason)
}

struct Capturing {
    inner: Dispatch,
    lines: Arc<Mutex<Vec<Line>>>,
}

fn kept(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && *metadata.level() <= Level::WARN
}

impl Subscriber for Capturing {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        let inner = self.inner.register_callsite(metadata);
        if kept(metadata) { Interest::always() } else { inner }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        kept(metadata) || self.inner.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        // What the inner subscriber wants more is enabled by its own hint (it is registered too).
        Some(tracing::level_filters::LevelFilter::WARN)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        if kept(event.metadata()) {
            let mut line = Line::default();
            event.record(&mut line);
            let mut lines = self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if lines.len() < MAX_LINES {
                lines.push(line);
            }
        }
        if self.inner.enabled(event.metadata()) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.inner.try_close(id)
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.push((field.name().to_owned(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.push((field.name().to_owned(), text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn warnings_of_the_invocation_are_kept_with_their_fields() {
        let capture = LogCapture::new();
        let future: BoxFut<'static, ()> = Box::pin(async {
            tracing::info!("not kept");
            tracing::warn!(message_id = %"m-1", reason = %"not a mail job: bad JSON", "mail job failed");
            tracing::error!(event_id = "e-2", error = "boom", "stream record failed");
        });
        tokio::spawn(capture.run(future)).await.unwrap();
        tracing::warn!(message_id = "m-1", "outside the invocation: not kept");
        let lines = capture.take();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(reason_for(&lines, "m-1").as_deref(), Some("not a mail job: bad JSON"));
        assert_eq!(reason_for(&lines, "e-2").as_deref(), Some("boom"));
        assert_eq!(reason_for(&lines, "unknown").as_deref(), Some("boom"), "the last line");
        assert_eq!(reason_for(&[], "m-1"), None);
    }
}
