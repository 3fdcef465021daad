//! Home and user timelines through the stream: small accounts are fanned out on write, big ones
//! merged on read; reposts, follows, unfollows and deletes change what readers see; pages
//! never skip or repeat. `FANOUT_MAX_FOLLOWERS` is 2 here, so three followers make an account big.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use support::{TestApp, TestUser};

async fn post(app: &TestApp, user: &TestUser, body: &str) -> String {
    let res = app.post("/api/medias", json!({"kind": "post", "body": body}), &user.auth()).await;
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

async fn follow(app: &TestApp, who: &TestUser, whom: &TestUser) {
    app.post(&format!("/api/follows/{}", whom.username), json!({}), &who.auth()).await.assert_status(201);
}

/// Every page of `path` with `limit`, concatenated: (media id, repostedBy) per item.
async fn walk(app: &TestApp, user: &TestUser, path: &str, limit: u32) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let res = app.get(&url, &user.auth()).await;
        res.assert_status(200);
        for item in res.body["items"].as_array().unwrap() {
            out.push((item["media"]["url"].as_str().unwrap().to_owned(), item["repostedBy"].clone()));
        }
        match res.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Waits until `user`'s home timeline lists exactly `expected` (media ids, newest first).
async fn home_becomes(app: &TestApp, user: &TestUser, expected: &[&str]) {
    let expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let ids: Vec<String> = walk(app, user, "/api/timeline/home", 100).await.into_iter().map(|(id, _)| id).collect();
        if ids == expected {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "home of {}: {ids:?}, expected {expected:?}", user.username);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn small_accounts_are_fanned_out_big_ones_merged_and_reposts_show_once() {
    let app = TestApp::spawn_with(BTreeMap::from([("FANOUT_MAX_FOLLOWERS".into(), "2".into())])).await;
    let users = app.verified_users(6).await;
    let (reader, small, small2, big) = (&users[0], &users[1], &users[2], &users[3]);
    for u in [reader, small, small2] {
        follow(&app, u, big).await;
    }
    follow(&app, &users[4], big).await; // big has 4 followers: merged on read
    follow(&app, reader, small).await;
    follow(&app, reader, small2).await;

    let s1 = post(&app, small, "small one").await;
    let b1 = post(&app, big, "big one").await;
    let s2 = post(&app, small2, "small two").await;
    let own = post(&app, reader, "my own").await;
    home_becomes(&app, reader, &[&own, &s2, &b1, &s1]).await;

    // A media reposted by two people the reader follows appears once, as the newest repost.
    for u in [small, small2] {
        app.post(&format!("/api/medias/{s1}/reposts"), json!({}), &u.auth()).await.assert_status(201);
    }
    // The big account's media reposted by a small one: once too.
    app.post(&format!("/api/medias/{b1}/reposts"), json!({}), &small.auth()).await.assert_status(201);
    home_becomes(&app, reader, &[&b1, &s1, &own, &s2]).await;
    let items = walk(&app, reader, "/api/timeline/home", 100).await;
    assert_eq!(items[0].1, json!(small.username), "{items:?}");

    // Pages of every size give the same sequence: no gaps, no repeats across the merge.
    let whole = walk(&app, reader, "/api/timeline/home", 100).await;
    for limit in [1, 2, 3] {
        assert_eq!(walk(&app, reader, "/api/timeline/home", limit).await, whole, "limit {limit}");
    }

    // The user timeline: the account's medias and reposts, newest first.
    let feed: Vec<String> = walk(&app, reader, &format!("/api/users/{}/timeline", small.username), 2)
        .await
        .into_iter()
        .map(|i| i.0)
        .collect();
    assert_eq!(feed, [b1.clone(), s1.clone(), s1.clone()]);

    // Unfollowing takes the account's items (and its reposts) out; deleting a media takes it out.
    app.delete(&format!("/api/follows/{}", small2.username), &reader.auth()).await.assert_status(204);
    app.delete(&format!("/api/medias/{own}"), &reader.auth()).await.assert_status(204);
    home_becomes(&app, reader, &[&b1, &s1]).await;

    // Following a small account brings its recent items in; a big one is merged at once.
    let newcomer = &users[5];
    follow(&app, newcomer, small2).await;
    home_becomes(&app, newcomer, &[&s1, &s2]).await;
    follow(&app, newcomer, big).await;
    home_becomes(&app, newcomer, &[&s1, &s2, &b1]).await;

    // Deleting the big account takes its medias out of every timeline.
    app.delete(&format!("/api/users/{}", big.username), &big.auth()).await.assert_status(204);
    home_becomes(&app, reader, &[&s1]).await;
    app.get("/api/timeline/home", &support::Auth::None).await.assert_problem(401);

    // Replaying the whole stream (what an at-least-once source may do) changes nothing.
    let before = walk(&app, newcomer, "/api/timeline/home", 100).await;
    let replayed = app.stack.replay_table_stream().await.unwrap();
    assert!(replayed > 50, "{replayed} records");
    assert_eq!(walk(&app, reader, "/api/timeline/home", 100).await, [(s1.clone(), Value::Null)]);
    assert_eq!(walk(&app, newcomer, "/api/timeline/home", 100).await, before);
}
