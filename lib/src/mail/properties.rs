//! Property tests of the mailer's input: SQS bodies carrying mail jobs. Every job survives the
//! queue (serialised by the producer, parsed by the consumer) unchanged; any other body is
//! reported as that message's failure — so it ends in the dead-letter queue — without a
//! request to SES or the table, and never panics.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::{MailJob, MailKind};
use crate::ctx::Ctx;
use crate::events::properties::{Refusing, block_on, offline_ctx, sqs_event};
use crate::transcode::properties::any_json;

fn job() -> impl Strategy<Value = MailJob> {
    let kind = prop_oneof![Just(MailKind::VerifyEmail), Just(MailKind::Notification)];
    let data = prop::collection::btree_map("[a-z]{1,8}", "\\PC{0,20}", 0..5);
    ("\\PC{1,40}", "\\PC{1,40}", kind, data).prop_map(|(id, to, kind, data)| MailJob {
        id,
        to,
        kind,
        data: data.into_iter().map(|(k, v)| (k, v.into())).collect(),
    })
}

fn offline() -> &'static (&'static Ctx, Refusing) {
    static OFFLINE: OnceLock<(&Ctx, Refusing)> = OnceLock::new();
    OFFLINE.get_or_init(offline_ctx)
}

proptest! {
    #![proptest_config(crate::events::properties::config())]

    #[test]
    fn jobs_survive_the_queue(job in job()) {
        let body = serde_json::to_string(&job).unwrap();
        prop_assert_eq!(serde_json::from_str::<MailJob>(&body).unwrap(), job);
    }

    #[test]
    fn bodies_that_are_not_jobs_fail_alone_without_a_request(
        bodies in prop::collection::vec(prop_oneof!["\\PC{0,80}", any_json().prop_map(|v| v.to_string())], 1..6),
    ) {
        let (ctx, client) = offline();
        let before = client.attempts();
        let not_jobs: Vec<&String> = bodies.iter().filter(|b| serde_json::from_str::<MailJob>(b).is_err()).collect();
        prop_assume!(not_jobs.len() == bodies.len());
        let event = sqs_event(bodies.iter().map(String::as_str));
        let response = block_on(super::mailer::handle(ctx, event)).expect("the batch is handled");
        let failed: Vec<String> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
        prop_assert_eq!(failed, (0..bodies.len()).map(|i| format!("m{i}")).collect::<Vec<_>>());
        prop_assert_eq!(client.attempts(), before);
    }
}
