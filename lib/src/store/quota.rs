//! The upload quota ledger, the enforcer of record: the real bytes charged per upload over a
//! rolling 24 hours, one item per account (`QUOTA#{uid}`) holding `charges` (upload id →
//! `bytes@unix`). Every change is guarded by a version, so two uploads arriving together cannot
//! both fit into the same remaining allowance; charging is idempotent per upload id.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{ItemExt, item, n, s};
use super::keys;
use super::{Store, StoreError};
use crate::domain::{DomainError, UserId};

/// The window of the quota.
const WINDOW_SECONDS: i64 = 24 * 3600;
/// Version-guard retries before giving up (each retry means another charge just landed).
const ATTEMPTS: usize = 8;

/// The outcome of a charge.
#[derive(Debug, PartialEq, Eq)]
pub enum Charge {
    /// Counted now.
    Charged,
    /// Counted by an earlier delivery of the same upload.
    AlreadyCharged,
    /// Does not fit: `used` bytes already count in the window.
    OverQuota {
        /// Bytes charged in the last 24 hours.
        used: u64,
    },
}

/// The ledger's entries: upload id → (bytes, charged at).
fn entries(it: &HashMap<String, AttributeValue>) -> HashMap<String, (u64, i64)> {
    let Some(AttributeValue::M(map)) = it.get("charges") else { return HashMap::new() };
    map.iter()
        .filter_map(|(id, v)| {
            let (bytes, at) = v.as_s().ok()?.split_once('@')?;
            Some((id.clone(), (bytes.parse().ok()?, at.parse().ok()?)))
        })
        .collect()
}

/// Bytes charged after `since` (Unix seconds).
fn used_since(entries: &HashMap<String, (u64, i64)>, since: i64) -> u64 {
    entries.values().filter(|(_, at)| *at > since).map(|(bytes, _)| bytes).sum()
}

impl Store {
    /// Charges `bytes` of upload `upload_id` to `owner` if they fit into `quota` over the last
    /// 24 hours; expired charges are dropped in the same write.
    pub async fn charge_upload(
        &self,
        owner: &UserId,
        upload_id: &str,
        bytes: u64,
        quota: u64,
    ) -> Result<Charge, DomainError> {
        let pk = keys::quota_pk(&owner.0);
        for _ in 0..ATTEMPTS {
            let now = crate::time::now_unix();
            let current = self.get_by_key(pk.clone(), keys::ONE, "read quota").await?;
            let ledger = current.as_ref().map(entries).unwrap_or_default();
            if ledger.contains_key(upload_id) {
                return Ok(Charge::AlreadyCharged);
            }
            let used = used_since(&ledger, now - WINDOW_SECONDS);
            if used.saturating_add(bytes) > quota {
                return Ok(Charge::OverQuota { used });
            }
            let entry = s(format!("{bytes}@{now}"));
            let ttl = n(now + 2 * WINDOW_SECONDS);
            let written = match &current {
                None => {
                    let it = item([
                        ("PK", s(&pk)),
                        ("SK", s(keys::ONE)),
                        ("type", s("quota")),
                        ("version", n(1)),
                        ("charges", AttributeValue::M(HashMap::from([(upload_id.to_owned(), entry)]))),
                        ("ttl", ttl),
                    ]);
                    let put = self.client.put_item().table_name(&self.table).set_item(Some(it));
                    match put.condition_expression("attribute_not_exists(PK)").send().await {
                        Ok(_) => true,
                        Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                            false
                        }
                        Err(e) => return Err(super::error::aws("create quota", e).into()),
                    }
                }
                Some(it) => {
                    let version = it.num("version");
                    let mut update = self
                        .client
                        .update_item()
                        .table_name(&self.table)
                        .key("PK", s(&pk))
                        .key("SK", s(keys::ONE))
                        .condition_expression("version = :v")
                        .expression_attribute_names("#new", upload_id)
                        .expression_attribute_values(":v", n(version))
                        .expression_attribute_values(":next", n(version + 1))
                        .expression_attribute_values(":e", entry)
                        .expression_attribute_values(":ttl", ttl);
                    let mut expr = "SET charges.#new = :e, version = :next, #ttl = :ttl".to_owned();
                    update = update.expression_attribute_names("#ttl", "ttl");
                    let expired: Vec<&String> =
                        ledger.iter().filter(|(_, (_, at))| *at <= now - WINDOW_SECONDS).map(|(id, _)| id).collect();
                    for (i, id) in expired.iter().enumerate() {
                        expr.push_str(if i == 0 { " REMOVE " } else { ", " });
                        expr.push_str(&format!("charges.#old{i}"));
                        update = update.expression_attribute_names(format!("#old{i}"), id.as_str());
                    }
                    match update.update_expression(expr).send().await {
                        Ok(_) => true,
                        Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => {
                            false
                        }
                        Err(e) => return Err(super::error::aws("charge quota", e).into()),
                    }
                }
            };
            if written {
                return Ok(Charge::Charged);
            }
        }
        Err(StoreError::Aws { op: "charge quota", message: "too much contention on the quota ledger".into() }.into())
    }

    /// Gives back what upload `upload_id` was charged (idempotent).
    pub async fn refund_upload(&self, owner: &UserId, upload_id: &str) -> Result<(), DomainError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::quota_pk(&owner.0)))
            .key("SK", s(keys::ONE))
            .condition_expression("attribute_exists(PK)")
            .update_expression("REMOVE charges.#id ADD version :one")
            .expression_attribute_names("#id", upload_id)
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|x| x.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(super::error::aws("refund quota", e).into()),
        }
    }

    /// Bytes charged to `owner` over the last 24 hours.
    pub async fn charged_bytes(&self, owner: &UserId) -> Result<u64, DomainError> {
        let it = self.get_by_key(keys::quota_pk(&owner.0), keys::ONE, "read quota").await?;
        Ok(it.as_ref().map(|it| used_since(&entries(it), crate::time::now_unix() - WINDOW_SECONDS)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_window_counts() {
        let it = HashMap::from([(
            "charges".to_owned(),
            AttributeValue::M(HashMap::from([
                ("a".to_owned(), s("100@1000")),
                ("b".to_owned(), s("50@5000")),
                ("junk".to_owned(), s("x")),
            ])),
        )]);
        let ledger = entries(&it);
        assert_eq!(ledger.len(), 2);
        assert_eq!(used_since(&ledger, 999), 150);
        assert_eq!(used_since(&ledger, 1000), 50);
    }
}
