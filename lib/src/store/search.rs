//! Word-prefix search without a search engine. Text is tokenised (accents folded, lowercase,
//! split on anything not alphanumeric); each word prefix of an entity gets an index item
//! `SEARCH#{collection}#{prefix}` sorted newest first, so a search is one Query on the longest
//! word's prefix, filtered on the other words. Behind [`SearchIndex`] so an OpenSearch adapter
//! can replace it.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::StoreError;
use super::error::OpContext;
use super::item::{Item, ItemExt, item, s};
use super::keys;
use crate::registry::BoxFut;

/// Longest indexed prefix; longer search words are matched by the filter.
pub const MAX_PREFIX: usize = 12;
/// Words indexed per entity.
const MAX_WORDS: usize = 24;
/// Characters kept per word.
const MAX_WORD: usize = 40;
/// Query rounds per search page (bounds the cost of very selective multi-word searches).
const MAX_ROUNDS: usize = 6;

/// What is indexed for one entity.
#[derive(Clone, Debug)]
pub struct SearchDoc {
    /// Collection (`users`, `medias`, `playlists`).
    pub collection: &'static str,
    /// The entity id returned by searches.
    pub id: String,
    /// Sort key inside a prefix partition (newest first: creation time then id).
    pub sort_key: String,
    /// All searchable text.
    pub text: String,
}

/// One page of search hits (ids, newest first) and the raw position after the last one.
#[derive(Debug, Default)]
pub struct Hits {
    /// Entity ids.
    pub ids: Vec<String>,
    /// The next page's start (`PK`, `SK`), when there may be more.
    pub next: Option<Item>,
}

/// The search port.
pub trait SearchIndex: Send + Sync {
    /// Indexes `doc`, removing prefixes of `previous_text` that it no longer has.
    fn index<'a>(&'a self, doc: &'a SearchDoc, previous_text: Option<&'a str>) -> BoxFut<'a, Result<(), StoreError>>;
    /// Removes every index item of `doc`.
    fn remove<'a>(&'a self, doc: &'a SearchDoc) -> BoxFut<'a, Result<(), StoreError>>;
    /// Up to `limit` ids whose text has a word starting with each word of `term`, newest
    /// first, starting after `start`.
    fn search<'a>(
        &'a self,
        collection: &'static str,
        term: &'a [String],
        limit: usize,
        start: Option<Item>,
    ) -> BoxFut<'a, Result<Hits, StoreError>>;
}

/// Lowercase, accent-folded words of `text`, in order, without duplicates.
pub fn tokens(text: &str) -> Vec<String> {
    let folded: String = text.nfkd().filter(|c| !is_combining_mark(*c)).collect::<String>().to_lowercase();
    let mut seen = BTreeSet::new();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD).collect::<String>())
        .filter(|w| seen.insert(w.clone()))
        .take(MAX_WORDS)
        .collect()
}

/// Whether every word of `term` starts a word of `text` (the rule the index implements; used
/// to drop stale hits).
pub fn matches(text: &str, term: &[String]) -> bool {
    let words = tokens(text);
    term.iter().all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
}

fn prefixes(words: &[String]) -> BTreeSet<String> {
    words
        .iter()
        .flat_map(|w| {
            let chars: Vec<char> = w.chars().collect();
            (1..=chars.len().min(MAX_PREFIX)).map(move |l| chars[..l].iter().collect::<String>())
        })
        .collect()
}

/// The index kept in the main table.
pub struct DynamoSearch {
    client: Client,
    table: String,
}

impl DynamoSearch {
    /// An index in `table`.
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    async fn write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        super::access::batch_write(&self.client, &self.table, requests, "write search index").await
    }

    fn delete_request(doc: &SearchDoc, prefix: &str) -> Result<WriteRequest, StoreError> {
        let del = DeleteRequest::builder()
            .key("PK", s(keys::search_pk(doc.collection, prefix)))
            .key("SK", s(&doc.sort_key))
            .build()
            .op("build delete request")?;
        Ok(WriteRequest::builder().delete_request(del).build())
    }
}

impl SearchIndex for DynamoSearch {
    fn index<'a>(&'a self, doc: &'a SearchDoc, previous_text: Option<&'a str>) -> BoxFut<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let words = tokens(&doc.text);
            let new = prefixes(&words);
            let old = previous_text.map(|t| prefixes(&tokens(t))).unwrap_or_default();
            let spaced = format!(" {} ", words.join(" "));
            let mut requests = Vec::new();
            for gone in old.difference(&new) {
                requests.push(Self::delete_request(doc, gone)?);
            }
            for prefix in &new {
                let put = PutRequest::builder()
                    .set_item(Some(item([
                        ("PK", s(keys::search_pk(doc.collection, prefix))),
                        ("SK", s(&doc.sort_key)),
                        ("type", s("searchEntry")),
                        ("id", s(&doc.id)),
                        ("words", s(&spaced)),
                    ])))
                    .build()
                    .op("build put request")?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            self.write(requests).await
        })
    }

    fn remove<'a>(&'a self, doc: &'a SearchDoc) -> BoxFut<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let requests = prefixes(&tokens(&doc.text))
                .iter()
                .map(|p| Self::delete_request(doc, p))
                .collect::<Result<Vec<_>, _>>()?;
            self.write(requests).await
        })
    }

    fn search<'a>(
        &'a self,
        collection: &'static str,
        term: &'a [String],
        limit: usize,
        start: Option<Item>,
    ) -> BoxFut<'a, Result<Hits, StoreError>> {
        Box::pin(async move {
            let Some(longest) = term.iter().max_by_key(|w| w.chars().count()) else {
                return Ok(Hits::default());
            };
            let prefix: String = longest.chars().take(MAX_PREFIX).collect();
            let filter = (0..term.len()).map(|i| format!("contains(words, :w{i})")).collect::<Vec<_>>().join(" AND ");
            let mut hits = Hits::default();
            let mut start = start;
            for _ in 0..MAX_ROUNDS {
                let mut query = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("PK = :pk")
                    .filter_expression(&filter)
                    .expression_attribute_values(":pk", s(keys::search_pk(collection, &prefix)))
                    .scan_index_forward(false)
                    .limit(((limit + 1) * 2).min(200) as i32)
                    .set_exclusive_start_key(start.take());
                for (i, w) in term.iter().enumerate() {
                    query = query.expression_attribute_values(format!(":w{i}"), s(format!(" {w}")));
                }
                let out = query.send().await.op("search")?;
                for it in out.items.unwrap_or_default() {
                    if hits.ids.len() == limit {
                        // One more exists: the page ends at the previous item.
                        return Ok(hits);
                    }
                    hits.ids.push(it.req_s("id")?);
                    hits.next = Some(item([("PK", s(it.req_s("PK")?)), ("SK", s(it.req_s("SK")?))]));
                }
                match out.last_evaluated_key {
                    Some(lek) => start = Some(lek),
                    None => {
                        hits.next = None;
                        return Ok(hits);
                    }
                }
            }
            // Out of rounds: continue from where the reading stopped.
            hits.next = start;
            Ok(hits)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_accents_and_split() {
        assert_eq!(tokens("Élodie  O'Brien_the-3rd"), ["elodie", "o", "brien", "the", "3rd"]);
        assert_eq!(tokens("Zoë zoe ZOE"), ["zoe"]);
    }

    #[test]
    fn matching_is_per_word_prefix() {
        let term = tokens("ali smi");
        assert!(matches("alice_smith", &term));
        assert!(matches("Smithers Alison", &term));
        assert!(!matches("alice", &term));
        assert!(!matches("malice smith", &tokens("ali")));
    }

    #[test]
    fn prefixes_are_capped() {
        let p = prefixes(&tokens("abcdefghijklmnopqrstuvwxyz ab"));
        assert!(p.contains("a") && p.contains("abcdefghijkl") && !p.contains("abcdefghijklm"));
        assert_eq!(p.len(), MAX_PREFIX);
    }
}
