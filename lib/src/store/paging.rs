//! Cursor pagination over a Query: asks for one item more than the page to know whether a next
//! page exists, and seals the last returned item's key as the cursor.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::Store;
use super::error::OpContext;
use super::item::{Item, ItemExt, s};
use crate::domain::DomainError;
use crate::http::PageRequest;
use crate::http::cursor::Position;

/// Key attributes of the table and of each index (a cursor must carry all of them).
pub fn key_attrs(index: Option<&str>) -> &'static [&'static str] {
    match index {
        None => &["PK", "SK"],
        Some("GSI1") => &["PK", "SK", "GSI1PK", "GSI1SK"],
        Some("GSI2") => &["PK", "SK", "GSI2PK", "GSI2SK"],
        Some("GSI3") => &["PK", "SK", "GSI3PK", "GSI3SK"],
        Some(_) => &["PK", "SK"],
    }
}

impl Store {
    /// Runs `query` (table, key condition and direction already set) for one page of the list
    /// named `scope`; returns the items and the next cursor.
    pub async fn page(
        &self,
        query: QueryFluentBuilder,
        index: Option<&str>,
        scope: &str,
        page: &PageRequest,
    ) -> Result<(Vec<Item>, Option<String>), DomainError> {
        let attrs = key_attrs(index);
        let mut query = query.table_name(&self.table).limit(page.limit as i32 + 1);
        if let Some(index) = index {
            query = query.index_name(index);
        }
        if let Some(cursor) = &page.cursor {
            let position = self.cursors.open(scope, cursor)?;
            if !attrs.iter().all(|a| position.contains_key(*a)) {
                return Err(DomainError::invalid("cursor", "is not a cursor of this list"));
            }
            for (k, v) in position {
                query = query.exclusive_start_key(k, s(v));
            }
        }
        let out = query.send().await.op("query page")?;
        let mut items = out.items.unwrap_or_default();
        let next = if items.len() > page.limit as usize {
            items.truncate(page.limit as usize);
            items.last().map(|last| self.seal(scope, last, attrs))
        } else {
            None
        };
        Ok((items, next))
    }

    /// The cursor pointing just after `item`.
    pub(crate) fn seal(&self, scope: &str, item: &Item, attrs: &[&str]) -> String {
        let position: Position = attrs.iter().filter_map(|a| item.opt_s(a).map(|v| ((*a).to_owned(), v))).collect();
        self.cursors.seal(scope, &position)
    }
}
