//! The local runner of mediashare: runs the whole system on one machine against an AWS
//! emulator (moto by default, anything through `AWS_ENDPOINT_URL`).
//!
//! [`Stack::start`] reads `template.yaml`, provisions its tables, queues, buckets and email
//! identities (idempotently; [`provision`] does only that), builds one library context from the
//! functions' resolved environment, serves every HttpApi route by turning HTTP requests into
//! API Gateway v2 events, and drives the SQS and DynamoDB-stream functions as Lambda would.
//! Several stacks with different names can run in one process. A watchdog notices when the
//! emulator restarted and lost its state and provisions everything again; [`Faults`] injects
//! crashes and keeps journals of deliveries and dead-lettered items. [`template`] is public so tests
//! can compare the template's functions and routes with the library's registry.

#![warn(missing_docs)]

mod aws;
mod capture;
mod costs;
mod environment;
mod error;
mod faults;
mod gateway;
mod ids;
mod invoke;
mod pollers;
mod provision;
mod replay;
mod secrets;
mod shutdown;
mod stack;
pub mod template;
mod wait;
mod watchdog;
mod wiring;

pub use aws::{DEFAULT_REGION, region_of, sdk_config};
pub use costs::{CostLog, InvocationCost};
pub use error::RunnerError;
pub use faults::{Crash, DeadLetter, Delivery, Faults};
pub use secrets::SecretsSource;
pub use stack::{Stack, StackOptions, provision};
pub use template::physical::PhysicalMap;
