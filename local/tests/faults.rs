//! Fault tolerance, measured from outside: a consumer that crashes mid-batch (the runner's
//! fault injection: it handles the first records, then dies without a response) causes
//! redeliveries but no duplicate effect; a partial batch failure redelivers only the failed
//! records; a stream record that keeps failing ends in the on-failure queue with its reason;
//! and the runner recovers on its own when the emulator restarts and loses every resource.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue::S;
use aws_sdk_sqs::types::QueueAttributeName;
use mediashare_local::{Crash, Delivery};
use serde_json::{Value, json};
use support::{TestApp, TestUser, eventually};

/// Waits until `queue` holds no message, visible or in flight: nothing more can be delivered.
async fn drained(app: &TestApp, logical_id: &str) {
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name(logical_id).unwrap().to_owned();
    eventually(&format!("{logical_id} to drain"), Duration::from_secs(30), || {
        let (sqs, queue) = (sqs.clone(), queue.clone());
        async move {
            let out = sqs
                .get_queue_attributes()
                .queue_url(queue)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                .send()
                .await
                .ok()?;
            let attributes = out.attributes.unwrap_or_default();
            attributes.values().all(|v| v == "0").then_some(())
        }
    })
    .await;
}

/// The deliveries of `function` so far.
fn deliveries(app: &TestApp, function: &str) -> Vec<Delivery> {
    app.stack.deliveries().into_iter().filter(|d| d.function == function).collect()
}

/// How many times each record was delivered to `function`.
fn delivery_counts(app: &TestApp, function: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for delivery in deliveries(app, function) {
        for record in delivery.records {
            *counts.entry(record).or_default() += 1;
        }
    }
    counts
}

fn mail_job(id: &str, to: &str, code: &str) -> String {
    json!({"id": id, "to": to, "kind": "verify_email", "data": {"username": "faults", "code": code}}).to_string()
}

/// The subjects of the emails to `to`, once there are at least `n`.
async fn subjects(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} emails to {to}"), Duration::from_secs(30), || async {
        let subjects: Vec<String> = app.emails_to(to).await.into_iter().map(|(s, _)| s).collect();
        (subjects.len() >= n).then_some(subjects)
    })
    .await
}

#[tokio::test]
async fn a_mailer_crash_mid_batch_sends_each_email_once() {
    let app = TestApp::spawn().await;
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("MailQueue").unwrap().to_owned();
    let to = format!("crash@{}.example.com", app.stack_name());
    let codes: Vec<String> = (0..6).map(|i| format!("10000{i}")).collect();
    // The jobs pile up while the mailer is paused, so they arrive as one batch of six.
    app.stack.faults().pause("mailer").await.unwrap();
    for (i, code) in codes.iter().enumerate() {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(mail_job(&format!("crash:{i}"), &to, code))
            .send()
            .await
            .unwrap();
    }
    app.stack.faults().crash(Crash { function: "mailer".into(), nth: 1, after_records: 2 });
    app.stack.faults().resume("mailer");

    subjects(&app, &to, codes.len()).await;
    drained(&app, "MailQueue").await;
    let subjects = subjects(&app, &to, codes.len()).await;
    for code in &codes {
        assert_eq!(subjects.iter().filter(|s| s.ends_with(code.as_str())).count(), 1, "{code}: {subjects:?}");
    }
    assert_eq!(subjects.len(), codes.len(), "{subjects:?}");

    // The crash hit a batch of all six after two were sent, and the whole batch came back.
    let mailer = deliveries(&app, "mailer");
    let crashed: Vec<&Delivery> = mailer.iter().filter(|d| d.crashed).collect();
    assert_eq!(crashed.len(), 1, "{mailer:?}");
    assert_eq!(crashed[0].records.len(), codes.len(), "one batch of six: {mailer:?}");
    assert_eq!(crashed[0].failed, crashed[0].records, "a crash fails the whole batch");
    let counts = delivery_counts(&app, "mailer");
    assert!(crashed[0].records.iter().all(|id| counts[id] == 2), "each job delivered again once: {counts:?}");
    assert!(app.stack.dead_letters().is_empty());
}

#[tokio::test]
async fn only_the_records_a_consumer_reports_failed_are_redelivered() {
    let app = TestApp::spawn().await;
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("MailQueue").unwrap().to_owned();
    let table = app.stack.physical_name("Table").unwrap().to_owned();
    let to = format!("partial@{}.example.com", app.stack_name());
    // Another worker holds the claim of job `busy`: the mailer reports it failed (and only it)
    // until that claim goes away.
    let claim = |job: &str| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        app.dynamo()
            .put_item()
            .table_name(&table)
            .item("PK", S(format!("MAIL#{job}")))
            .item("SK", S("#".into()))
            .item("type", S("mailLog".into()))
            .item("status", S("sending".into()))
            .item("claimedAt", aws_sdk_dynamodb::types::AttributeValue::N(now.to_string()))
    };
    claim("partial:busy").send().await.unwrap();
    app.stack.faults().pause("mailer").await.unwrap();
    let jobs = [("partial:a", "200001"), ("partial:busy", "200002"), ("partial:b", "200003")];
    let mut ids = BTreeMap::new();
    for (job, code) in jobs {
        let sent = sqs.send_message().queue_url(&queue).message_body(mail_job(job, &to, code)).send().await.unwrap();
        ids.insert(job, sent.message_id.unwrap());
    }
    app.stack.faults().resume("mailer");

    // The busy job fails twice on its own, then the claim is released and it goes out.
    let busy = ids["partial:busy"].clone();
    eventually("the busy job delivered twice", Duration::from_secs(20), || async {
        (delivery_counts(&app, "mailer").get(&busy).copied().unwrap_or(0) >= 2).then_some(())
    })
    .await;
    app.dynamo()
        .delete_item()
        .table_name(&table)
        .key("PK", S("MAIL#partial:busy".into()))
        .key("SK", S("#".into()))
        .send()
        .await
        .unwrap();
    subjects(&app, &to, 3).await;
    drained(&app, "MailQueue").await;

    let mailer = deliveries(&app, "mailer");
    let first = &mailer[0];
    assert_eq!(first.records.len(), 3, "one batch of three: {mailer:?}");
    assert_eq!(first.failed, std::slice::from_ref(&busy), "only the busy job failed: {mailer:?}");
    for later in &mailer[1..] {
        assert_eq!(later.records, std::slice::from_ref(&busy), "only the failed job comes back: {mailer:?}");
    }
    let counts = delivery_counts(&app, "mailer");
    assert_eq!(counts[&ids["partial:a"]], 1);
    assert_eq!(counts[&ids["partial:b"]], 1);
    assert!(counts[&busy] >= 3, "{counts:?}");
    let subjects = subjects(&app, &to, 3).await;
    for (_, code) in jobs {
        assert_eq!(subjects.iter().filter(|s| s.ends_with(code)).count(), 1, "{subjects:?}");
    }
    assert_eq!(subjects.len(), 3);
}

async fn settings(app: &TestApp, user: &TestUser, kinds: &[&str]) {
    let on = json!({"inApp": true, "email": true});
    let notifications: serde_json::Map<String, Value> = kinds.iter().map(|k| ((*k).to_owned(), on.clone())).collect();
    let body = json!({"settings": {"notifications": notifications}});
    app.put(&format!("/api/users/{}", user.username), body, &user.auth()).await.assert_status(200);
}

/// `user`'s notifications as sorted `type:actor` pairs, once there are `n`.
async fn notifications(app: &TestApp, user: &TestUser, n: usize) -> Vec<String> {
    eventually(&format!("{n} notifications for {}", user.username), Duration::from_secs(30), || async {
        let res = app.get("/api/notifications?limit=100", &user.auth()).await;
        let items = res.body["items"].as_array().cloned().unwrap_or_default();
        let mut kinds: Vec<String> =
            items.iter().map(|i| format!("{}:{}", i["type"].as_str().unwrap(), i["actor"].as_str().unwrap())).collect();
        kinds.sort();
        (kinds.len() >= n).then_some(kinds)
    })
    .await
}

/// The media ids of `user`'s home timeline, newest first.
async fn home(app: &TestApp, user: &TestUser) -> Vec<String> {
    let res = app.get("/api/timeline/home?limit=100", &user.auth()).await;
    res.assert_status(200);
    res.body["items"].as_array().unwrap().iter().map(|i| i["media"]["url"].as_str().unwrap().to_owned()).collect()
}

/// The home-timeline entry counter the fan-out keeps for `user` (it trims the timeline by it).
async fn home_counter(app: &TestApp, user: &TestUser) -> Option<String> {
    let out = app
        .dynamo()
        .get_item()
        .table_name(app.stack.physical_name("Table").unwrap())
        .key("PK", S(format!("TL#{}", user.username)))
        .key("SK", S("#".into()))
        .send()
        .await
        .unwrap();
    out.item.and_then(|i| i.get("entries").and_then(|v| v.as_n().ok()).cloned())
}

#[tokio::test]
async fn a_stream_consumer_crash_mid_batch_duplicates_nothing() {
    let app = TestApp::spawn().await;
    let users = app.verified_users(3).await;
    let (alice, bob, carol) = (&users[0], &users[1], &users[2]);
    settings(&app, alice, &["new_follower", "media_liked", "new_comment", "reposted"]).await;
    settings(&app, bob, &["new_media", "new_follower"]).await;
    settings(&app, carol, &["new_media"]).await;

    // Everything below reaches the stream consumer as one batch, which crashes part-way.
    app.stack.faults().pause("table-events").await.unwrap();
    for fan in [bob, carol] {
        app.post(&format!("/api/follows/{}", alice.username), json!({}), &fan.auth()).await.assert_status(201);
    }
    let mut posts = Vec::new();
    for text in ["first", "second"] {
        let res = app.post("/api/medias", json!({"kind": "post", "body": text}), &alice.auth()).await;
        posts.push(res.assert_status(201).body["url"].as_str().unwrap().to_owned());
    }
    let (p1, p2) = (&posts[0], &posts[1]);
    app.post(&format!("/api/medias/{p1}/likes"), json!({}), &bob.auth()).await.assert_status(201);
    app.post(&format!("/api/comments/medias/{p1}"), json!({"body": "nice"}), &carol.auth()).await.assert_status(201);
    app.post(&format!("/api/medias/{p2}/reposts"), json!({}), &bob.auth()).await.assert_status(201);
    // The crash hits the batch after 16 records; a second one hits its first redelivery.
    app.stack.faults().crash(Crash { function: "table-events".into(), nth: 1, after_records: 16 });
    app.stack.faults().crash(Crash { function: "table-events".into(), nth: 1, after_records: 3 });
    app.stack.faults().resume("table-events");

    let (a, b, c) = (&alice.username, &bob.username, &carol.username);
    let mut expected = vec![
        format!("media_liked:{b}"),
        format!("new_comment:{c}"),
        format!("new_follower:{b}"),
        format!("new_follower:{c}"),
        format!("reposted:{b}"),
    ];
    expected.sort();
    assert_eq!(notifications(&app, alice, expected.len()).await, expected);
    // A later write proves every record before it was handed over (a shard is in order).
    app.post(&format!("/api/follows/{b}"), json!({}), &carol.auth()).await.assert_status(201);
    notifications(&app, bob, 3).await;
    drained(&app, "MailQueue").await;

    // The crash happened mid-batch, and records were delivered again.
    let stream = deliveries(&app, "table-events");
    let crashed: Vec<&Delivery> = stream.iter().filter(|d| d.crashed).collect();
    assert_eq!(crashed.len(), 2, "{stream:?}");
    assert!(crashed[0].records.len() > 16, "{:?}", crashed[0]);
    let counts = delivery_counts(&app, "table-events");
    assert!(crashed[0].records[..16].iter().all(|r| counts[r] >= 2), "handled records came again: {counts:?}");
    assert!(crashed[1].records[..3].iter().all(|r| counts[r] >= 3), "and again: {counts:?}");
    assert!(app.stack.dead_letters().is_empty(), "{:?}", app.stack.dead_letters());

    // Every effect exists exactly once.
    assert_eq!(notifications(&app, alice, 5).await, expected, "no duplicate notification");
    let new_media: Vec<String> = vec![format!("new_media:{a}"), format!("new_media:{a}")];
    let mut for_bob = [new_media.clone(), vec![format!("new_follower:{c}")]].concat();
    for_bob.sort();
    assert_eq!(notifications(&app, bob, 3).await, for_bob);
    assert_eq!(notifications(&app, carol, 2).await, new_media);
    for user in [alice, bob, carol] {
        assert_eq!(home(&app, user).await, [p2.clone(), p1.clone()], "home of {}", user.username);
        assert_eq!(home_counter(&app, user).await.as_deref(), Some("2"), "entry counter of {}", user.username);
    }
    let alice_mail = subjects(&app, &alice.email, 6).await;
    assert_eq!(alice_mail.len(), 6, "a verification and five notifications: {alice_mail:?}");
    let bob_mail = subjects(&app, &bob.email, 4).await;
    assert_eq!(bob_mail.len(), 4, "a verification, two new medias, a new follower: {bob_mail:?}");
    let carol_mail = subjects(&app, &carol.email, 3).await;
    assert_eq!(carol_mail.len(), 3, "a verification and two new medias: {carol_mail:?}");
    let profile = app.get(&format!("/api/users/{a}"), &alice.auth()).await;
    assert_eq!(profile.body["followers"], 2);
    let first = app.get(&format!("/api/medias/{p1}"), &alice.auth()).await;
    assert_eq!((first.body["likes"].clone(), first.body["comments"].clone()), (json!(1), json!(1)));
    let second = app.get(&format!("/api/medias/{p2}"), &alice.auth()).await;
    assert_eq!(second.body["reposts"], 1);
}

#[tokio::test]
async fn a_stream_record_that_keeps_failing_goes_to_the_on_failure_queue_with_its_reason() {
    let app = TestApp::spawn().await;
    let users = app.verified_users(2).await;
    // A like without its target: the consumer cannot derive its notification, ever.
    app.dynamo()
        .put_item()
        .table_name(app.stack.physical_name("Table").unwrap())
        .item("PK", S("MEDIA#broken".into()))
        .item("SK", S(format!("LIKE#{}", users[0].username)))
        .item("type", S("likes".into()))
        .item("username", S(users[0].username.clone()))
        .send()
        .await
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(app.stack.sdk_config());
    let queue = app.stack.physical_name("StreamDeadLetterQueue").unwrap().to_owned();
    let notice = eventually("the failure notice in the on-failure queue", Duration::from_secs(45), || {
        let (sqs, queue) = (sqs.clone(), queue.clone());
        async move {
            let out = sqs.receive_message().queue_url(queue).wait_time_seconds(1).send().await.ok()?;
            out.messages.unwrap_or_default().into_iter().next().and_then(|m| m.body)
        }
    })
    .await;
    let notice: Value = serde_json::from_str(&notice).unwrap();
    assert_eq!(notice["requestContext"]["condition"], "RetryAttemptsExhausted", "{notice}");
    // Retried from the broken record (any later record of its batch comes along, as on AWS).
    assert_eq!(notice["Records"][0]["dynamodb"]["Keys"]["PK"]["S"], "MEDIA#broken", "{notice}");
    assert!(notice["errorMessage"].as_str().unwrap().contains("without target"), "{notice}");

    let dead = app.stack.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].function, "table-events");
    assert_eq!(dead[0].destination, queue);
    assert_eq!(dead[0].attempts, 6, "the first try and five retries");
    assert!(dead[0].reason.contains("without target"), "{dead:?}");
    // The stream moved on: later records are handled.
    app.post(&format!("/api/follows/{}", users[0].username), json!({}), &users[1].auth()).await.assert_status(201);
    eventually("the next record handled", Duration::from_secs(30), || async {
        let res = app.get("/api/notifications", &users[0].auth()).await;
        (res.body["items"].as_array().is_some_and(|items| !items.is_empty())).then_some(())
    })
    .await;
}

/// After the emulator lost its state: a sign-up works end to end (201, then its email through
/// SQS → mailer → SES), and a follow is notified through the new table's stream. Returns how
/// long after `since` the sign-up, the email and the notification succeeded.
async fn works_again(app: &TestApp, since: Instant) -> [Duration; 3] {
    let password = "correct horse battery";
    let (username, email) = eventually("a sign-up to succeed", Duration::from_secs(30), || async {
        let (username, email) = app.new_identity("r");
        (app.sign_up(&username, &email, password).await.status == 201).then_some((username, email))
    })
    .await;
    let signed_up = since.elapsed();
    let code = app.code_in_email(&email, 1).await;
    let emailed = since.elapsed();
    app.post(&format!("/api/users/{username}/verify/{code}"), json!({}), &support::Auth::None).await.assert_status(200);
    let (access, _) = app.sign_in(&username, password).await;
    let fan = app.verified_user().await;
    app.post(&format!("/api/follows/{username}"), json!({}), &fan.auth()).await.assert_status(201);
    eventually("a notification from the new stream", Duration::from_secs(30), || async {
        let res = app.get("/api/notifications", &support::Auth::Bearer(access.clone())).await;
        (res.body["items"].as_array().is_some_and(|items| !items.is_empty())).then_some(())
    })
    .await;
    [signed_up, emailed, since.elapsed()]
}

#[tokio::test]
async fn the_runner_recovers_when_the_emulator_restarts() {
    let mut app = TestApp::spawn().await;
    app.verified_user().await;
    assert_eq!(app.stack.recoveries(), 0);

    // Wiped in place (`POST /moto-api/reset`)…
    app.http.post(format!("{}/moto-api/reset", app.endpoint)).send().await.unwrap().error_for_status().unwrap();
    let wiped = works_again(&app, Instant::now()).await;
    let after_reset = app.stack.recoveries();
    assert!(after_reset >= 1, "the runner provisioned everything again");

    // …and killed and started again on the same port.
    let killed = Instant::now();
    app.moto.restart().await;
    let down = killed.elapsed();
    let restarted = works_again(&app, Instant::now()).await;
    assert!(app.stack.recoveries() > after_reset, "the runner provisioned everything again");
    eprintln!(
        "after a reset: sign-up, its email, a stream notification after {wiped:?}; \
         moto restarted in {down:?}, then {restarted:?}"
    );
}
