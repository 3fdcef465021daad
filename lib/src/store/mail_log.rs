//! De-duplication of mail jobs: a job id is claimed before sending and marked sent after, so
//! a redelivered job sends once. A claim left by a crash expires after a few minutes and the
//! job can be retried.

use super::Store;
use super::error::OpContext;
use super::item::{ItemExt, item, n, s};
use super::keys;
use crate::domain::DomainError;

/// How long a claim blocks others before it is considered abandoned.
const CLAIM_SECONDS: i64 = 120;
/// How long sent-job records are kept.
const KEEP_SECONDS: i64 = 7 * 24 * 3600;

/// Outcome of a claim.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This worker should send it.
    Claimed,
    /// Already sent: skip.
    AlreadySent,
    /// Another worker is sending it right now: retry later.
    InProgress,
}

impl Store {
    /// Claims the job `id` for sending.
    pub async fn claim_mail(&self, id: &str) -> Result<Claim, DomainError> {
        let now = crate::time::now_unix();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item([
                ("PK", s(keys::mail_pk(id))),
                ("SK", s(keys::ONE)),
                ("type", s("mailLog")),
                ("status", s("sending")),
                ("claimedAt", n(now)),
                ("ttl", n(now + KEEP_SECONDS)),
            ])))
            .condition_expression("attribute_not_exists(PK) OR (#s = :sending AND claimedAt < :stale)")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":stale", n(now - CLAIM_SECONDS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                let current = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("PK", s(keys::mail_pk(id)))
                    .key("SK", s(keys::ONE))
                    .consistent_read(true)
                    .send()
                    .await
                    .op("read mail claim")?;
                let sent = current.item.and_then(|i| i.opt_s("status")).as_deref() == Some("sent");
                Ok(if sent { Claim::AlreadySent } else { Claim::InProgress })
            }
            Err(e) => Err(super::error::aws("claim mail", e).into()),
        }
    }

    /// Records that job `id` was sent.
    pub async fn mark_mail_sent(&self, id: &str) -> Result<(), DomainError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::mail_pk(id)))
            .key("SK", s(keys::ONE))
            .update_expression("SET #s = :sent")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":sent", s("sent"))
            .send()
            .await
            .op("mark mail sent")?;
        Ok(())
    }

    /// Releases a claim after a failed send so a retry can claim it at once.
    pub async fn release_mail(&self, id: &str) -> Result<(), DomainError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(keys::mail_pk(id)))
            .key("SK", s(keys::ONE))
            .condition_expression("#s = :sending")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":sending", s("sending"))
            .send()
            .await
            .ok();
        Ok(())
    }
}
