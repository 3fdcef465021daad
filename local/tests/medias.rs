//! Medias and posts: publish, read, list with filters, search, update, tags, delete with its
//! background cascade, likes and reposts with exact counters under concurrency.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, TestApp, TestUser, eventually, join_all};

async fn post(app: &TestApp, user: &TestUser, body: &str, tags: &[&str]) -> Value {
    let res = app.post("/api/medias", json!({"kind": "post", "body": body, "tags": tags}), &user.auth()).await;
    res.assert_status(201);
    res.body.clone()
}

fn urls(res: &support::TestResponse) -> Vec<String> {
    res.body["items"].as_array().unwrap().iter().map(|m| m["url"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_post_is_ready_at_once_and_shows_everywhere() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let media = post(&app, &alice, "Hello, wörld! First post", &["Intro", "rust-lang"]).await;
    let url = media["url"].as_str().unwrap().to_owned();
    assert_eq!(url.len(), 11);
    assert_eq!(media["kind"], "post");
    assert_eq!(media["status"], "ready");
    assert_eq!(media["owner"], alice.username);
    assert_eq!(media["tags"], json!(["intro", "rust-lang"]));
    assert_eq!((media["likes"].as_u64(), media["liked"].as_bool()), (Some(0), Some(false)));
    let read = app.get(&format!("/api/medias/{url}"), &Auth::None).await;
    read.assert_status(200);
    assert_eq!(read.body["body"], "Hello, wörld! First post");
    assert!(read.body.get("liked").is_none(), "no caller flags for anonymous reads");
    assert_eq!(urls(&app.get("/api/medias", &Auth::None).await), [url.as_str()]);
    assert_eq!(urls(&app.get("/api/medias?kind=post", &Auth::None).await), [url.as_str()]);
    assert!(urls(&app.get("/api/medias?kind=video", &Auth::None).await).is_empty());
    assert_eq!(urls(&app.get("/api/medias?tag=intro", &Auth::None).await), [url.as_str()]);
    assert_eq!(urls(&app.get(&format!("/api/medias?owner={}", alice.username), &Auth::None).await), [url.as_str()]);
    assert_eq!(urls(&app.get("/api/medias/search/world%20fir", &Auth::None).await), [url.as_str()]);
    assert_eq!(urls(&app.get("/api/medias/search/rust", &Auth::None).await), [url.as_str()]);
    let profile = app.get(&format!("/api/users/{}", alice.username), &Auth::None).await;
    assert_eq!(profile.body["medias"], 1);
}

#[tokio::test]
async fn bad_medias_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let unverified = app.unverified_user().await;
    let before = app.item_count().await;
    let cases = [
        (json!({"kind": "post"}), "body"),
        (json!({"kind": "post", "body": "x".repeat(281)}), "body"),
        (json!({"kind": "gif", "body": "x"}), "kind"),
        (json!({"kind": "video", "fileUrl": "abc"}), "title"),
        (json!({"kind": "video", "title": "t"}), "fileUrl"),
        (json!({"kind": "photo", "title": "t".repeat(201), "fileUrl": "abc"}), "title"),
        (json!({"kind": "post", "body": "x", "description": "d".repeat(5001)}), "description"),
        (json!({"kind": "post", "body": "x", "tags": ["no spaces"]}), "tags"),
        (json!({"kind": "post", "body": "x", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}), "tags"),
        (json!({"kind": "post", "body": "x", "fileUrl": "abc"}), "fileUrl"),
    ];
    for (body, field) in cases {
        let res = app.post("/api/medias", body.clone(), &alice.auth()).await;
        res.assert_problem(400);
        assert!(res.error_fields().contains(&field.to_owned()), "{body}: {}", res.text);
    }
    app.post("/api/medias", json!({"kind": "photo", "title": "t", "fileUrl": "nope"}), &alice.auth())
        .await
        .assert_problem(404);
    app.post("/api/medias", json!({"kind": "post", "body": "x"}), &Auth::None).await.assert_problem(401);
    app.post("/api/medias", json!({"kind": "post", "body": "x"}), &unverified.auth()).await.assert_problem(403);
    app.get("/api/medias?kind=gif", &Auth::None).await.assert_problem(400);
    app.get("/api/medias/bad", &Auth::None).await.assert_problem(400);
    app.get("/api/medias/AAAAAAAAAAA", &Auth::None).await.assert_problem(404);
    assert_eq!(app.item_count().await, before, "refused medias stored nothing");
    assert!(urls(&app.get("/api/medias", &Auth::None).await).is_empty());
}

#[tokio::test]
async fn a_file_media_takes_only_its_owners_upload() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    // An upload record as the upload route (step 3) leaves it.
    let upload = app.fake_upload(&alice, "video").await;
    let body = json!({"kind": "video", "title": "My clip", "fileUrl": upload});
    app.post("/api/medias", body.clone(), &bob.auth()).await.assert_problem(404);
    let res = app.post("/api/medias", json!({"kind": "photo", "title": "x", "fileUrl": upload}), &alice.auth()).await;
    res.assert_problem(400);
    let res = app.post("/api/medias", body.clone(), &alice.auth()).await;
    res.assert_status(201);
    assert_eq!(res.body["status"], "uploading");
    assert!(res.body["files"].is_null());
    app.post("/api/medias", body, &alice.auth()).await.assert_problem(409);
    // Not ready: readable by id, absent from the public lists, cannot be liked yet.
    let url = res.body["url"].as_str().unwrap();
    app.get(&format!("/api/medias/{url}"), &Auth::None).await.assert_status(200);
    assert!(urls(&app.get("/api/medias", &Auth::None).await).is_empty());
    assert!(urls(&app.get(&format!("/api/medias?owner={}", alice.username), &Auth::None).await).is_empty());
    app.post(&format!("/api/medias/{url}/likes"), json!({}), &bob.auth()).await.assert_problem(409);
}

#[tokio::test]
async fn only_the_owner_changes_a_media() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let res =
        app.post("/api/medias", json!({"kind": "post", "body": "mine", "description": "old"}), &alice.auth()).await;
    let url = res.body["url"].as_str().unwrap().to_owned();
    let path = format!("/api/medias/{url}");
    app.put(&path, json!({"description": "pwned"}), &bob.auth()).await.assert_problem(403);
    app.post(&format!("{path}/tag/pwned"), json!({}), &bob.auth()).await.assert_problem(403);
    app.delete(&format!("{path}/tag/pwned"), &bob.auth()).await.assert_problem(403);
    app.delete(&path, &bob.auth()).await.assert_problem(403);
    app.put(&path, json!({"description": "pwned"}), &Auth::None).await.assert_problem(401);
    let read = app.get(&path, &Auth::None).await;
    assert_eq!((read.body["description"].as_str(), read.body["tags"].as_array().unwrap().len()), (Some("old"), 0));

    // The owner updates; search follows at once (no stale hits).
    app.put(&path, json!({"description": "d".repeat(5001)}), &alice.auth()).await.assert_problem(400);
    app.put(&path, json!({"title": "posts have none"}), &alice.auth()).await.assert_problem(400);
    app.put(&path, json!({}), &alice.auth()).await.assert_problem(400);
    let res = app.put(&path, json!({"description": "Sunset over Lisbon"}), &alice.auth()).await;
    res.assert_status(200);
    assert_eq!(res.body["description"], "Sunset over Lisbon");
    assert_eq!(urls(&app.get("/api/medias/search/lisb", &Auth::None).await), [url.as_str()]);
    assert!(urls(&app.get("/api/medias/search/old", &Auth::None).await).is_empty());

    // Tags: idempotent add, remove, limit.
    app.post(&format!("{path}/tag/Travel"), json!({}), &alice.auth()).await.assert_status(201);
    let again = app.post(&format!("{path}/tag/travel"), json!({}), &alice.auth()).await;
    again.assert_status(200);
    assert_eq!(again.body["tags"], json!(["travel"]));
    app.post(&format!("{path}/tag/bad%20tag"), json!({}), &alice.auth()).await.assert_problem(400);
    assert_eq!(urls(&app.get("/api/medias?tag=travel", &Auth::None).await), [url.as_str()]);
    app.delete(&format!("{path}/tag/travel"), &alice.auth()).await.assert_status(204);
    app.delete(&format!("{path}/tag/travel"), &alice.auth()).await.assert_status(204);
    assert!(urls(&app.get("/api/medias?tag=travel", &Auth::None).await).is_empty());
    for i in 0..20 {
        app.post(&format!("{path}/tag/t{i}"), json!({}), &alice.auth()).await.assert_status(201);
    }
    app.post(&format!("{path}/tag/one-too-many"), json!({}), &alice.auth()).await.assert_problem(409);
    assert_eq!(app.get(&path, &Auth::None).await.body["tags"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn listing_medias_pages_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let mut all = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        all.push(post(&app, who, &format!("post number {i}"), &["paged"]).await["url"].as_str().unwrap().to_owned());
    }
    all.reverse();
    for filter in ["", "tag=paged&", "kind=post&"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("/api/medias?{filter}limit=3&cursor={c}"),
                None => format!("/api/medias?{filter}limit=3"),
            };
            let page = app.get(&q, &Auth::None).await;
            page.assert_status(200);
            seen.extend(urls(&page));
            match page.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, all, "filter {filter:?}");
    }
    let alices: Vec<String> =
        all.iter().enumerate().filter(|(i, _)| (6 - i) % 2 == 0).map(|(_, u)| u.clone()).collect();
    assert_eq!(urls(&app.get(&format!("/api/medias?owner={}&limit=100", alice.username), &Auth::None).await), alices);
    // A cursor of one list is refused by another.
    let first = app.get("/api/medias?limit=2", &Auth::None).await;
    let cursor = first.body["nextCursor"].as_str().unwrap();
    app.get(&format!("/api/medias?tag=paged&cursor={cursor}"), &Auth::None).await.assert_problem(400);
}

#[tokio::test]
async fn likes_and_reposts_count_once_per_user_even_concurrently() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let url = post(&app, &alice, "like me", &[]).await["url"].as_str().unwrap().to_owned();
    let fans = app.verified_users(20).await;
    let likes =
        join_all(fans.iter().map(|f| app.post_owned(format!("/api/medias/{url}/likes"), json!({}), f.auth()))).await;
    assert!(likes.iter().all(|r| r.status == 201), "{:?}", likes.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(app.get(&format!("/api/medias/{url}"), &Auth::None).await.body["likes"], 20);

    let eager = &fans[0];
    let repeats =
        join_all((0..10).map(|_| app.post_owned(format!("/api/medias/{url}/reposts"), json!({}), eager.auth()))).await;
    assert_eq!(repeats.iter().filter(|r| r.status == 201).count(), 1);
    assert!(repeats.iter().all(|r| r.status == 201 || r.status == 200));
    let again =
        join_all((0..10).map(|_| app.post_owned(format!("/api/medias/{url}/likes"), json!({}), eager.auth()))).await;
    assert!(again.iter().all(|r| r.status == 200));
    let read = app.get(&format!("/api/medias/{url}"), &eager.auth()).await;
    assert_eq!((read.body["likes"].as_u64(), read.body["reposts"].as_u64()), (Some(20), Some(1)));
    assert_eq!((read.body["liked"].as_bool(), read.body["reposted"].as_bool()), (Some(true), Some(true)));

    // Undo is idempotent too.
    for _ in 0..2 {
        app.delete(&format!("/api/medias/{url}/likes"), &eager.auth()).await.assert_status(204);
        app.delete(&format!("/api/medias/{url}/reposts"), &eager.auth()).await.assert_status(204);
    }
    let read = app.get(&format!("/api/medias/{url}"), &eager.auth()).await;
    assert_eq!((read.body["likes"].as_u64(), read.body["reposts"].as_u64()), (Some(19), Some(0)));
    assert_eq!(read.body["liked"], false);
    app.post("/api/medias/AAAAAAAAAAA/likes", json!({}), &eager.auth()).await.assert_problem(404);
    app.post(&format!("/api/medias/{url}/likes"), json!({}), &Auth::None).await.assert_problem(401);
}

#[tokio::test]
async fn deleting_a_media_takes_its_likes_tags_and_search_entries() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let url = post(&app, &alice, "ephemeral words", &["gone"]).await["url"].as_str().unwrap().to_owned();
    app.post(&format!("/api/medias/{url}/likes"), json!({}), &bob.auth()).await.assert_status(201);
    app.post(&format!("/api/medias/{url}/reposts"), json!({}), &bob.auth()).await.assert_status(201);
    app.delete(&format!("/api/medias/{url}"), &alice.auth()).await.assert_status(204);
    app.get(&format!("/api/medias/{url}"), &Auth::None).await.assert_problem(404);
    app.delete(&format!("/api/medias/{url}"), &alice.auth()).await.assert_problem(404);
    assert!(urls(&app.get("/api/medias/search/ephemeral", &Auth::None).await).is_empty());
    assert!(urls(&app.get("/api/medias", &Auth::None).await).is_empty());
    assert_eq!(app.get(&format!("/api/users/{}", alice.username), &Auth::None).await.body["medias"], 0);
    // In the background: every item that hung off the media is erased.
    let table = app.stack.physical_name("Table").unwrap().to_owned();
    eventually("media items erased", Duration::from_secs(30), || {
        let dynamo = app.dynamo();
        let (table, url) = (table.clone(), url.clone());
        async move {
            let items = dynamo.scan().table_name(table).send().await.ok()?.items.unwrap_or_default();
            // Notifications record what happened and outlive the media they name.
            let left =
                items.iter().filter(|i| !support::is_derived(i)).filter(|i| format!("{i:?}").contains(&url)).count();
            (left == 0).then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn follows_are_idempotent_counted_and_listed() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let fans = app.verified_users(20).await;
    let path = format!("/api/follows/{}", alice.username);
    let res = join_all(fans.iter().map(|f| app.post_owned(path.clone(), json!({}), f.auth()))).await;
    assert!(res.iter().all(|r| r.status == 201));
    let eager = &fans[0];
    let repeats = join_all((0..10).map(|_| app.post_owned(path.clone(), json!({}), eager.auth()))).await;
    assert!(repeats.iter().all(|r| r.status == 200));
    let profile = app.get(&format!("/api/users/{}", alice.username), &Auth::None).await;
    assert_eq!(profile.body["followers"], 20);
    assert_eq!(app.get(&format!("/api/users/{}", eager.username), &Auth::None).await.body["followings"], 1);

    // Lists page newest first without gaps or repeats, for signed-in callers only.
    let list = |cursor: Option<String>| {
        let path = match cursor {
            Some(c) => format!("/api/users/{}/followers?limit=6&cursor={c}", alice.username),
            None => format!("/api/users/{}/followers?limit=6", alice.username),
        };
        app.get_owned(path, eager.auth())
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = list(cursor).await;
        page.assert_status(200);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()));
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut expected: Vec<String> = fans.iter().map(|f| f.username.clone()).collect();
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    expected.sort();
    assert_eq!(sorted_seen, expected);
    assert_eq!(seen.len(), 20);
    let followings = app.get(&format!("/api/users/{}/followings", eager.username), &eager.auth()).await;
    assert_eq!(followings.body["items"][0]["username"], alice.username);
    app.get(&format!("/api/users/{}/followers", alice.username), &Auth::None).await.assert_problem(401);

    // Refusals.
    app.post(&format!("/api/follows/{}", eager.username), json!({}), &eager.auth()).await.assert_problem(400);
    app.post("/api/follows/nobody_here", json!({}), &eager.auth()).await.assert_problem(404);
    // Unfollow is idempotent and counted once.
    app.delete(&path, &eager.auth()).await.assert_status(204);
    app.delete(&path, &eager.auth()).await.assert_status(204);
    assert_eq!(app.get(&format!("/api/users/{}", alice.username), &Auth::None).await.body["followers"], 19);
    assert_eq!(app.get(&format!("/api/users/{}", eager.username), &Auth::None).await.body["followings"], 0);
}

#[tokio::test]
async fn a_deleted_account_takes_its_medias_follows_and_likes() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let bobs = post(&app, &bob, "bob's post", &[]).await["url"].as_str().unwrap().to_owned();
    let alices = post(&app, &alice, "alice's post", &["mine"]).await["url"].as_str().unwrap().to_owned();
    app.post(&format!("/api/follows/{}", bob.username), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&format!("/api/follows/{}", alice.username), json!({}), &bob.auth()).await.assert_status(201);
    app.post(&format!("/api/medias/{bobs}/likes"), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&format!("/api/medias/{bobs}/reposts"), json!({}), &alice.auth()).await.assert_status(201);
    app.delete(&format!("/api/users/{}", alice.username), &alice.auth()).await.assert_status(204);
    eventually("alice's traces erased", Duration::from_secs(30), || async {
        let bob_now = app.get(&format!("/api/users/{}", bob.username), &Auth::None).await;
        let media = app.get(&format!("/api/medias/{bobs}"), &Auth::None).await;
        let hers = app.get(&format!("/api/medias/{alices}"), &Auth::None).await;
        let done = bob_now.body["followers"] == 0
            && bob_now.body["followings"] == 0
            && media.body["likes"] == 0
            && media.body["reposts"] == 0
            && hers.status == 404;
        done.then_some(())
    })
    .await;
    assert!(urls(&app.get("/api/medias?tag=mine", &Auth::None).await).is_empty());
}
