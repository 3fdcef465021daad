//! Pagination: `?limit=` (default 20, max 100) and an opaque `?cursor=`; pages are
//! `{items, nextCursor}`.

use serde::Serialize;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;

/// A validated page request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Items wanted (1..=100).
    pub limit: u32,
    /// Where the previous page stopped (still sealed; the store opens it for its scope).
    pub cursor: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps every item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}
