//! The shared half of every `search/{term}` route: parse the term, open the cursor, query the
//! index. Each route hydrates the ids into its own entities and drops stale hits.

use crate::ctx::Ctx;
use crate::domain::DomainError;
use crate::http::{ApiResult, Req};
use crate::store::item::{item, s};
use crate::store::search::tokens;

/// One page of raw hits.
pub struct SearchPage {
    /// The term's words (lowercase, accents folded).
    pub term: Vec<String>,
    /// Entity ids, newest first.
    pub ids: Vec<String>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Runs the search of `req`'s `{term}` over `collection`.
pub async fn search_page(ctx: &Ctx, req: &Req, collection: &'static str) -> ApiResult<SearchPage> {
    let raw: String = req.path("term")?;
    let page = req.page()?;
    let term = tokens(&raw);
    if term.is_empty() || raw.chars().count() > 100 {
        return Err(DomainError::invalid("term", "must contain a letter or digit (at most 100 characters)").into());
    }
    let scope = format!("search:{collection}:{}", term.join(" "));
    let start = match &page.cursor {
        Some(c) => {
            let pos = ctx.store.cursors.open(&scope, c)?;
            let (Some(pk), Some(sk)) = (pos.get("PK"), pos.get("SK")) else {
                return Err(DomainError::invalid("cursor", "is not a cursor of this list").into());
            };
            Some(item([("PK", s(pk)), ("SK", s(sk))]))
        }
        None => None,
    };
    let hits = ctx.store.search().search(collection, &term, page.limit as usize, start).await?;
    let next_cursor = hits.next.map(|k| ctx.store.seal(&scope, &k, &["PK", "SK"]));
    Ok(SearchPage { term, ids: hits.ids, next_cursor })
}
