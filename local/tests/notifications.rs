//! Notifications derived from the table's stream: every type stored in-app and, where the
//! recipient's settings say so, emailed through SQS → mailer → SES; never about oneself; once
//! per event however often it happens again (like → unlike → like); read and unread.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, TestApp, TestUser, eventually};

/// `user`'s notifications as (type, actor) pairs, oldest first, once there are `n`.
async fn notifications(app: &TestApp, user: &TestUser, n: usize) -> Vec<Value> {
    eventually(&format!("{n} notifications for {}", user.username), Duration::from_secs(30), || async {
        let res = app.get("/api/notifications?limit=100", &user.auth()).await;
        let items = res.body["items"].as_array().cloned().unwrap_or_default();
        (items.len() >= n).then_some(items)
    })
    .await
}

/// Subjects of the emails to `to` from `actor`, sorted, once there are `n`.
async fn subjects(app: &TestApp, to: &str, actor: &str, n: usize) -> Vec<String> {
    let mut subjects = eventually(&format!("{n} emails to {to}"), Duration::from_secs(30), || async {
        let subjects: Vec<String> =
            app.emails_to(to).await.into_iter().map(|(s, _)| s).filter(|s| s.starts_with(actor)).collect();
        (subjects.len() >= n).then_some(subjects)
    })
    .await;
    subjects.sort();
    subjects
}

fn kinds(items: &[Value]) -> Vec<String> {
    let mut k: Vec<String> =
        items.iter().map(|i| format!("{}:{}", i["type"].as_str().unwrap(), i["actor"].as_str().unwrap())).collect();
    k.sort();
    k
}

#[tokio::test]
async fn every_type_is_stored_emailed_as_settings_say_and_sent_once() {
    let app = TestApp::spawn().await;
    let users = app.verified_users(2).await;
    let (alice, bob) = (&users[0], &users[1]);
    // Settings: Alice also wants emails for likes and reposts (off by default) and no in-app entry
    // for new followers (the email stays); Bob wants emails for new medias and comment likes.
    let on = json!({"inApp": true, "email": true});
    let settings = json!({"settings": {"notifications": {
        "media_liked": on, "reposted": on, "new_follower": {"inApp": false, "email": true}}}});
    app.put(&format!("/api/users/{}", alice.username), settings, &alice.auth()).await.assert_status(200);
    let settings = json!({"settings": {"notifications": {"new_media": on, "comment_liked": on}}});
    app.put(&format!("/api/users/{}", bob.username), settings, &bob.auth()).await.assert_status(200);

    app.post(&format!("/api/follows/{}", alice.username), json!({}), &bob.auth()).await.assert_status(201);
    let media = app.post("/api/medias", json!({"kind": "post", "body": "hello"}), &alice.auth()).await;
    let media = media.body["url"].as_str().unwrap().to_owned();
    let like = format!("/api/medias/{media}/likes");
    // Like, unlike, like: one notification, one email.
    app.post(&like, json!({}), &bob.auth()).await.assert_status(201);
    app.delete(&like, &bob.auth()).await.assert_status(204);
    app.post(&like, json!({}), &bob.auth()).await.assert_status(201);
    app.post(&like, json!({}), &alice.auth()).await; // her own: no notification
    app.post(&format!("/api/medias/{media}/reposts"), json!({}), &bob.auth()).await.assert_status(201);
    let comment = app.post(&format!("/api/comments/medias/{media}"), json!({"body": "nice"}), &bob.auth()).await;
    let comment = comment.body["url"].as_str().unwrap().to_owned();
    let reply = json!({"body": "thanks", "replyTo": comment});
    app.post(&format!("/api/comments/medias/{media}"), reply, &alice.auth()).await.assert_status(201);
    app.post(&format!("/api/comments/{comment}/likes"), json!({}), &alice.auth()).await.assert_status(201);

    let for_alice = notifications(&app, alice, 3).await;
    let bob_name = &bob.username;
    assert_eq!(
        kinds(&for_alice),
        [format!("media_liked:{bob_name}"), format!("new_comment:{bob_name}"), format!("reposted:{bob_name}")],
        "no in-app new_follower: Alice turned it off"
    );
    let for_bob = notifications(&app, bob, 3).await;
    let alice_name = alice.username.clone();
    assert_eq!(
        kinds(&for_bob),
        [format!("comment_liked:{alice_name}"), format!("new_media:{alice_name}"), format!("new_reply:{alice_name}")]
    );
    let liked = for_alice.iter().find(|n| n["type"] == "media_liked").unwrap();
    assert_eq!(liked["media"], json!(media));
    assert_eq!(liked["read"], false);

    // Emails, every type across the two: as each one's settings say.
    assert_eq!(
        subjects(&app, &alice.email, bob_name, 4).await,
        [
            format!("{bob_name} commented on your media"),
            format!("{bob_name} liked your media"),
            format!("{bob_name} reposted your media"),
            format!("{bob_name} started following you")
        ]
    );
    let alice_name = &alice.username;
    assert_eq!(
        subjects(&app, &bob.email, alice_name, 3).await,
        [
            format!("{alice_name} liked your comment"),
            format!("{alice_name} published something new"),
            format!("{alice_name} replied to your comment")
        ]
    );
    let bob_mail = app.emails_to(&bob.email).await.into_iter().find(|(s, _)| s.contains("replied")).unwrap();
    assert!(bob_mail.1.contains("/api/comments/"), "{bob_mail:?}");

    // Read and unread.
    let unread = app.get("/api/notifications?unread=true", &alice.auth()).await;
    assert_eq!(unread.body["items"].as_array().unwrap().len(), 3);
    let id = liked["id"].as_str().unwrap();
    app.post("/api/notifications/read", json!({"ids": [id]}), &alice.auth()).await.assert_status(204);
    let unread = app.get("/api/notifications?unread=true", &alice.auth()).await;
    assert_eq!(unread.body["items"].as_array().unwrap().len(), 2);
    let all = app.get("/api/notifications", &alice.auth()).await;
    assert_eq!(all.body["items"].as_array().unwrap().iter().find(|n| n["id"] == id).unwrap()["read"], true);
    app.post("/api/notifications/read", json!({"all": true}), &alice.auth()).await.assert_status(204);
    let unread = app.get("/api/notifications?unread=true", &alice.auth()).await;
    assert!(unread.body["items"].as_array().unwrap().is_empty());

    // Bad requests change nothing; another user's ids mark nothing of Alice's.
    app.post("/api/notifications/read", json!({}), &alice.auth()).await.assert_problem(400);
    app.post("/api/notifications/read", json!({"ids": []}), &alice.auth()).await.assert_problem(400);
    app.get("/api/notifications?unread=maybe", &alice.auth()).await.assert_problem(400);
    app.get("/api/notifications", &Auth::None).await.assert_problem(401);
    let bobs_id = for_bob[0]["id"].as_str().unwrap();
    app.post("/api/notifications/read", json!({"ids": [bobs_id]}), &alice.auth()).await.assert_status(204);
    let bob_unread = app.get("/api/notifications?unread=true", &bob.auth()).await;
    assert_eq!(bob_unread.body["items"].as_array().unwrap().len(), 3);

    // The like notified once, and sent one email, although it happened twice.
    let likes = app.emails_to(&alice.email).await.into_iter().filter(|(s, _)| s.contains("liked your media")).count();
    assert_eq!(likes, 1);
    let all = notifications(&app, alice, 3).await;
    assert_eq!(all.iter().filter(|n| n["type"] == "media_liked").count(), 1);

    // Replaying the whole stream notifies and emails nobody again.
    let emails = (app.emails_to(&alice.email).await.len(), app.emails_to(&bob.email).await.len());
    assert!(app.stack.replay_table_stream().await.unwrap() > 10);
    assert_eq!(notifications(&app, alice, 3).await.len(), 3);
    assert_eq!(notifications(&app, bob, 3).await.len(), 3);
    // The mailer would have sent anything queued by now (a later email proves the queue moved).
    app.post(&format!("/api/follows/{}", bob.username), json!({}), &alice.auth()).await.assert_status(201);
    app.nth_email(&bob.email, emails.1 + 1).await;
    assert_eq!(app.emails_to(&alice.email).await.len(), emails.0);
    assert_eq!(app.emails_to(&bob.email).await.len(), emails.1 + 1);
}
