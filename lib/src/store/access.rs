//! The generic reads and writes every entity uses: one item by key (consistent), many items by
//! key (BatchGetItem), a whole partition (Query, all pages), and batched deletes
//! (BatchWriteItem), each retrying what DynamoDB leaves unprocessed.

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, WriteRequest};

use super::error::OpContext;
use super::item::{Item, ItemExt, item, s};
use super::{Store, StoreError};

/// Rounds of BatchGetItem for keys DynamoDB left unprocessed (throttling).
const BATCH_ROUNDS: usize = 8;

impl Store {
    /// The item at (`pk`, `sk`), read consistently.
    pub(crate) async fn get_by_key(&self, pk: String, sk: &str, op: &'static str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .consistent_read(true)
            .send()
            .await
            .op(op)?;
        Ok(out.item)
    }

    /// The entities among `ids` that exist, in the order of `ids`: one BatchGetItem per 100,
    /// each item read by `parse` and matched back by `id_of`.
    pub(crate) async fn get_in_order<I: AsRef<str>, T>(
        &self,
        ids: &[I],
        key_of: impl Fn(&str) -> (String, String),
        parse: impl Fn(&Item) -> Result<T, StoreError>,
        id_of: impl Fn(&T) -> String,
        op: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let keys = ids.iter().map(|id| key_of(id.as_ref())).collect();
        let mut found = std::collections::HashMap::new();
        for it in self.get_by_keys(keys, op).await? {
            let entity = parse(&it)?;
            found.insert(id_of(&entity), entity);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id.as_ref())).collect())
    }

    /// The items that exist among `keys` (any order).
    pub(crate) async fn get_by_keys(
        &self,
        keys: Vec<(String, String)>,
        op: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut request = KeysAndAttributes::builder();
            for (pk, sk) in chunk {
                request = request.keys(item([("PK", s(pk)), ("SK", s(sk))]));
            }
            let mut pending = Some(request.build().op("build batch get")?);
            for _ in 0..BATCH_ROUNDS {
                let Some(req) = pending.take() else { break };
                let out = self.client.batch_get_item().request_items(&self.table, req).send().await.op(op)?;
                found.extend(out.responses.unwrap_or_default().remove(&self.table).unwrap_or_default());
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
            }
            if pending.is_some() {
                return Err(StoreError::Aws { op, message: "keys left unprocessed".into() });
            }
        }
        Ok(found)
    }
}

/// Writes `requests` 25 per BatchWriteItem, retrying what DynamoDB leaves unprocessed with a
/// short back-off.
pub(crate) async fn batch_write(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    requests: Vec<WriteRequest>,
    op: &'static str,
) -> Result<(), StoreError> {
    for chunk in requests.chunks(25) {
        let mut batch = chunk.to_vec();
        for round in 0..BATCH_ROUNDS {
            let out = client.batch_write_item().request_items(table, batch).send().await.op(op)?;
            batch = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20 << round.min(5))).await;
        }
        if !batch.is_empty() {
            return Err(StoreError::Aws { op, message: "items left unprocessed".into() });
        }
    }
    Ok(())
}

impl Store {
    /// Sends one `Update` (as built for transactions) as an UpdateItem, so a write is spelled
    /// once whether it goes alone or in a transaction.
    pub(crate) async fn update_one(
        &self,
        update: aws_sdk_dynamodb::types::Update,
    ) -> Result<(), aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError>> {
        self.client
            .update_item()
            .table_name(update.table_name)
            .set_key(Some(update.key))
            .update_expression(update.update_expression)
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await
            .map(|_| ())
    }

    /// Deletes the items at `keys` (idempotent: absent items are fine).
    pub(crate) async fn delete_keys(&self, keys: Vec<(String, String)>, op: &'static str) -> Result<(), StoreError> {
        let requests = keys
            .into_iter()
            .map(|(pk, sk)| {
                let del = DeleteRequest::builder().key("PK", s(pk)).key("SK", s(sk)).build().op("build delete")?;
                Ok(WriteRequest::builder().delete_request(del).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        batch_write(&self.client, &self.table, requests, op).await
    }

    /// Deletes `items` by their `PK`/`SK`.
    pub(crate) async fn delete_items(&self, items: &[Item], op: &'static str) -> Result<(), StoreError> {
        let keys =
            items.iter().map(|it| Ok((it.req_s("PK")?, it.req_s("SK")?))).collect::<Result<Vec<_>, StoreError>>()?;
        self.delete_keys(keys, op).await
    }

    /// Every item whose `pk_attr` (of the table or of `index`) is `pk`, all pages.
    pub(crate) async fn query_all(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        pk: &str,
        op: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_all_after(index, pk_attr, pk, None, op).await
    }

    /// Like [`query_all`](Self::query_all), keeping only items whose sort key (`sk_after.0`) is
    /// greater than `sk_after.1` (a key condition: nothing else is read).
    pub(crate) async fn query_all_after(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        pk: &str,
        sk_after: Option<(&str, &str)>,
        op: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        let condition = if sk_after.is_some() { "#pk = :pk AND #sk > :after" } else { "#pk = :pk" };
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(condition)
                .expression_attribute_names("#pk", pk_attr)
                .expression_attribute_values(":pk", s(pk));
            if let Some((sk_attr, after)) = sk_after {
                query =
                    query.expression_attribute_names("#sk", sk_attr).expression_attribute_values(":after", s(after));
            }
            let page = query.set_exclusive_start_key(start.take()).send().await.op(op)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }
}
