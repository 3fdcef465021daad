//! The two reads every entity needs: one item by key (consistent) and many items by key
//! (BatchGetItem, 100 keys a request, unprocessed keys retried).

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::error::OpContext;
use super::item::{Item, item, s};
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
