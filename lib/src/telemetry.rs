//! Structured logs: JSON lines on Lambda (CloudWatch reads them as fields), human-readable when
//! `LOG_FORMAT=text`. Filtered by `RUST_LOG` (default `info`) as `level` or `target=level`
//! directives: a `Targets` filter, not `EnvFilter`, whose regex engine cost every binary
//! ~0.3 MB (docs/benchmarks.md, cold start).

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Installs the global subscriber once; later calls are no-ops.
pub fn init(function_name: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO));
    let text = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "text");
    let layer = fmt::layer().with_target(false);
    let installed = if text {
        tracing_subscriber::registry().with(layer.with_filter(filter)).try_init()
    } else {
        let json = layer.json().flatten_event(true).with_current_span(true);
        tracing_subscriber::registry().with(json.with_filter(filter)).try_init()
    };
    if installed.is_ok() {
        tracing::info!(function = function_name, cold_start = true, "initialised");
    }
}
