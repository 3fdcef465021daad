//! HTTP plumbing shared by every route: the request wrapper (parsing, auth), replies,
//! problem+json, pagination cursors, and the one place where results become responses.

pub mod cursor;
pub mod page;
pub mod problem;
#[cfg(test)]
mod properties;
pub mod reply;
pub mod request;
pub mod respond;

pub use page::{Page, PageRequest};
pub use problem::ApiError;
pub use reply::Reply;
pub use request::Req;
pub use respond::{respond, respond_static};

/// What a route returns.
pub type ApiResult<T> = Result<T, ApiError>;
