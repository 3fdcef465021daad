//! The single-table store. Every request-path read is a GetItem, BatchGetItem or Query, never a
//! Scan; every multi-item write is one TransactWriteItems. Key patterns live in [`keys`] and
//! in `docs/data-model.md`.

pub mod access;
pub mod comments;
pub mod error;
pub mod follows;
pub mod item;
pub mod keys;
pub mod mail_log;
pub mod medias;
pub mod metrics;
pub mod notifications;
pub mod paging;
pub mod playlists;
pub mod processing;
pub mod quota;
pub mod reactions;
pub mod search;
pub mod sessions;
pub mod timeline;
pub mod uploads;
pub mod users;
pub mod verification;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

pub use error::StoreError;
use search::{DynamoSearch, SearchIndex};

use crate::http::cursor::CursorCodec;

/// Handle on the table (cheap to share: the SDK client is reference-counted).
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
    pub(crate) cursors: CursorCodec,
    search: Arc<dyn SearchIndex>,
}

impl Store {
    /// A store over `table`, with word-prefix search kept in the same table.
    pub fn new(client: Client, table: String, cursors: CursorCodec) -> Self {
        let search = Arc::new(DynamoSearch::new(client.clone(), table.clone()));
        Self { client, table, cursors, search }
    }

    /// The search index.
    pub fn search(&self) -> &dyn SearchIndex {
        self.search.as_ref()
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}
