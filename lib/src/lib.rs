//! mediashare: a media storage and sharing backend built as AWS Lambda functions.
//!
//! The crate holds everything but the binaries: the domain (`domain`), the single-table store
//! (`store`), authentication (`auth`), HTTP plumbing (`http`), the route handlers (`api`), the
//! event consumers (`events`, `mail`), and the registry that names every function
//! (`registry`). The Lambda binaries, the local runner and the tests all run the same handlers.

pub mod api;
pub mod auth;
pub mod config;
pub mod ctx;
pub mod domain;
pub mod events;
pub mod http;
pub mod lambda;
pub mod mail;
pub mod media;
pub mod net;
pub mod registry;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod transcode;
pub mod upload;

pub use ctx::Ctx;
