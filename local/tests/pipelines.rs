//! The mail pipeline as Lambda runs it: SQS batches with partial failures, de-duplication of
//! redelivered jobs, poison messages in the dead-letter queue (and in the runner's record of
//! dead letters, with the handler's reason).

mod support;

use std::time::Duration;

use serde_json::json;
use support::{TestApp, eventually};

#[tokio::test]
async fn a_redelivered_mail_job_is_sent_once() {
    let app = TestApp::spawn().await;
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("MailQueue").unwrap().to_owned();
    let to = format!("dedup@{}.example.com", app.stack_name());
    let job = json!({"id": "verify-email:dedup:1", "to": to, "kind": "verify_email", "data": {"username": "dedup", "code": "424242"}});
    for _ in 0..2 {
        sqs.send_message().queue_url(&queue).message_body(job.to_string()).send().await.unwrap();
    }
    // A later, distinct job proves the mailer has processed the earlier ones.
    let marker = json!({"id": "verify-email:dedup:2", "to": to, "kind": "verify_email", "data": {"username": "dedup", "code": "737373"}});
    sqs.send_message().queue_url(&queue).message_body(marker.to_string()).send().await.unwrap();
    eventually("both distinct jobs sent", Duration::from_secs(30), || async {
        let mails = app.emails_to(&to).await;
        (mails.iter().any(|(s, _)| s.ends_with("737373")) && mails.iter().any(|(s, _)| s.ends_with("424242")))
            .then_some(())
    })
    .await;
    let mails = app.emails_to(&to).await;
    assert_eq!(mails.iter().filter(|(s, _)| s.ends_with("424242")).count(), 1, "{mails:?}");
    let (subject, body) = mails.iter().find(|(s, _)| s.ends_with("424242")).unwrap();
    assert!(subject.contains("verification code"));
    assert!(body.contains("424242"));
}

#[tokio::test]
async fn a_poison_mail_job_ends_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("MailQueue").unwrap().to_owned();
    let dlq = app.stack.physical_name("MailDeadLetterQueue").unwrap().to_owned();
    let sent = sqs.send_message().queue_url(&queue).message_body("this is not a mail job").send().await.unwrap();
    let body = eventually("poison message dead-lettered", Duration::from_secs(60), || {
        let sqs = sqs.clone();
        let dlq = dlq.clone();
        async move {
            let out = sqs.receive_message().queue_url(dlq).wait_time_seconds(1).send().await.ok()?;
            out.messages.unwrap_or_default().into_iter().next().and_then(|m| m.body)
        }
    })
    .await;
    assert_eq!(body, "this is not a mail job");
    // The runner said which message went, after how many receives, and why.
    let dead = app.stack.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].function, "mailer");
    assert_eq!(Some(dead[0].id.as_str()), sent.message_id());
    assert_eq!(dead[0].source, queue);
    assert!(dead[0].destination.ends_with("-mail-dlq"), "{dead:?}");
    assert_eq!(dead[0].attempts, 5, "the redrive policy's maxReceiveCount");
    assert!(dead[0].reason.contains("not a mail job"), "{dead:?}");
}
