//! Playlists: create, read, list, search, update, delete; append, move and remove medias of
//! any kind with exact order and counts, also under concurrency; only the owner changes one;
//! deleted medias, playlists and accounts clean up after themselves in the background.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue::S;
use serde_json::{Value, json};
use support::{Auth, TestApp, TestResponse, TestUser, eventually, join_all};

async fn post(app: &TestApp, user: &TestUser, body: &str) -> String {
    let res = app.post("/api/medias", json!({"kind": "post", "body": body}), &user.auth()).await;
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

/// A photo media still `uploading`, from an upload record as the upload route (step 3) leaves it.
async fn photo(app: &TestApp, user: &TestUser, title: &str) -> String {
    let upload = app.fake_upload(user, "photo").await;
    let res = app.post("/api/medias", json!({"kind": "photo", "title": title, "fileUrl": upload}), &user.auth()).await;
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

async fn playlist(app: &TestApp, user: &TestUser, title: &str) -> String {
    let res = app.post("/api/playlists", json!({"title": title}), &user.auth()).await;
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

fn entry(media: &str, playlist: &str) -> String {
    format!("/api/medias/{media}/playlists/{playlist}")
}

fn urls(res: &TestResponse) -> Vec<String> {
    res.body["items"].as_array().unwrap().iter().map(|m| m["url"].as_str().unwrap().to_owned()).collect()
}

/// Every media of a playlist, through all pages of `limit`: (url, position, kind).
async fn medias_of(app: &TestApp, pid: &str, limit: usize) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/playlists/{pid}/medias?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let res = app.get(&path, &Auth::None).await;
        res.assert_status(200);
        let items = res.body["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        for m in items {
            out.push((
                m["url"].as_str().unwrap().to_owned(),
                m["position"].as_u64().unwrap(),
                m["kind"].as_str().unwrap().to_owned(),
            ));
        }
        match res.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn order(app: &TestApp, pid: &str) -> Vec<String> {
    let medias = medias_of(app, pid, 100).await;
    for (i, (_, position, _)) in medias.iter().enumerate() {
        assert_eq!(*position, i as u64, "positions are 0-based and contiguous: {medias:?}");
    }
    medias.into_iter().map(|(url, _, _)| url).collect()
}

async fn count(app: &TestApp, pid: &str) -> Value {
    let res = app.get(&format!("/api/playlists/{pid}"), &Auth::None).await;
    res.assert_status(200);
    res.body["count"].clone()
}

async fn has_membership(app: &TestApp, media: &str, pid: &str) -> bool {
    let out = app
        .dynamo()
        .get_item()
        .table_name(app.stack.physical_name("Table").unwrap())
        .key("PK", S(format!("MEDIA#{media}")))
        .key("SK", S(format!("INPLAYLIST#{pid}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item.is_some()
}

#[tokio::test]
async fn a_playlist_keeps_medias_of_any_kind_in_order() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let res = app
        .post("/api/playlists", json!({"title": "  Road trip ", "description": "For the drive"}), &alice.auth())
        .await;
    res.assert_status(201);
    let pid = res.body["url"].as_str().unwrap().to_owned();
    assert_eq!(pid.len(), 11);
    assert_eq!(res.headers["location"], format!("/api/playlists/{pid}").as_str());
    assert_eq!(res.body["owner"], alice.username);
    assert_eq!(res.body["title"], "Road trip");
    assert_eq!(res.body["description"], "For the drive");
    assert_eq!(res.body["count"], 0);
    assert!(res.body["createdAt"].is_string() && res.body["updatedAt"].is_string());
    let read = app.get(&format!("/api/playlists/{pid}"), &Auth::None).await;
    read.assert_status(200);
    assert_eq!(read.body, res.body);
    assert!(order(&app, &pid).await.is_empty());

    // Posts, someone else's post and a photo that is still uploading: all welcome.
    let a = post(&app, &alice, "first").await;
    let b = post(&app, &bob, "bob's").await;
    let c = photo(&app, &alice, "Sunset").await;
    let d = post(&app, &alice, "last").await;
    for (i, m) in [&a, &b, &c, &d].into_iter().enumerate() {
        let res = app.post(&entry(m, &pid), json!({}), &alice.auth()).await;
        res.assert_status(201);
        assert_eq!(res.body["count"], i as u64 + 1);
        assert!(has_membership(&app, m, &pid).await);
    }
    // Appending again changes nothing.
    let res = app.post(&entry(&b, &pid), json!({}), &alice.auth()).await;
    res.assert_status(200);
    assert_eq!(res.body["count"], 4);
    let medias = medias_of(&app, &pid, 100).await;
    assert_eq!(
        medias,
        [
            (a.clone(), 0, "post".into()),
            (b.clone(), 1, "post".into()),
            (c.clone(), 2, "photo".into()),
            (d.clone(), 3, "post".into())
        ]
    );
    let page = app.get(&format!("/api/playlists/{pid}/medias"), &Auth::None).await;
    assert_eq!(page.body["items"][2]["status"], "uploading");
    assert_eq!(page.body["items"][2]["title"], "Sunset");
    assert_eq!(page.body["items"][1]["owner"], bob.username);
    assert_eq!(page.body["items"][0]["body"], "first");

    // Moves: to the front, to the end, to the middle, and onto itself.
    app.put(&entry(&d, &pid), json!({"position": 0}), &alice.auth()).await.assert_status(200);
    assert_eq!(order(&app, &pid).await, [d.as_str(), a.as_str(), b.as_str(), c.as_str()]);
    app.put(&entry(&d, &pid), json!({"position": 3}), &alice.auth()).await.assert_status(200);
    assert_eq!(order(&app, &pid).await, [a.as_str(), b.as_str(), c.as_str(), d.as_str()]);
    app.put(&entry(&a, &pid), json!({"position": 2}), &alice.auth()).await.assert_status(200);
    assert_eq!(order(&app, &pid).await, [b.as_str(), c.as_str(), a.as_str(), d.as_str()]);
    let res = app.put(&entry(&a, &pid), json!({"position": 2}), &alice.auth()).await;
    res.assert_status(200);
    assert_eq!(res.body["count"], 4);
    assert_eq!(order(&app, &pid).await, [b.as_str(), c.as_str(), a.as_str(), d.as_str()]);

    // Removes: idempotent, the others close the gap.
    app.delete(&entry(&c, &pid), &alice.auth()).await.assert_status(204);
    assert_eq!(order(&app, &pid).await, [b.as_str(), a.as_str(), d.as_str()]);
    assert!(!has_membership(&app, &c, &pid).await);
    app.delete(&entry(&c, &pid), &alice.auth()).await.assert_status(204);
    assert_eq!(count(&app, &pid).await, 3);
    // A media that is not in the playlist cannot be moved.
    app.put(&entry(&c, &pid), json!({"position": 0}), &alice.auth()).await.assert_problem(404);
    // Appending it again puts it at the end.
    app.post(&entry(&c, &pid), json!({}), &alice.auth()).await.assert_status(201);
    assert_eq!(order(&app, &pid).await, [b.as_str(), a.as_str(), d.as_str(), c.as_str()]);
    assert_eq!(count(&app, &pid).await, 4);

    // Update: title and description, separately.
    let res = app.put(&format!("/api/playlists/{pid}"), json!({"description": "Longer drive"}), &alice.auth()).await;
    res.assert_status(200);
    assert_eq!(
        (res.body["title"].as_str(), res.body["description"].as_str()),
        (Some("Road trip"), Some("Longer drive"))
    );
    let res = app.put(&format!("/api/playlists/{pid}"), json!({"title": "Road trip II"}), &alice.auth()).await;
    res.assert_status(200);
    assert_eq!(
        (res.body["title"].as_str(), res.body["description"].as_str()),
        (Some("Road trip II"), Some("Longer drive"))
    );
    assert_eq!(res.body["count"], 4);
    assert_eq!(app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.body["title"], "Road trip II");
}

#[tokio::test]
async fn only_the_owner_changes_a_playlist() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let pid = playlist(&app, &alice, "Alice's").await;
    let a = post(&app, &alice, "a").await;
    let b = post(&app, &alice, "b").await;
    let bobs = post(&app, &bob, "bob's").await;
    app.post(&entry(&a, &pid), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&entry(&b, &pid), json!({}), &alice.auth()).await.assert_status(201);
    let before = app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.body;

    app.put(&format!("/api/playlists/{pid}"), json!({"title": "Bob's now"}), &bob.auth()).await.assert_problem(403);
    app.delete(&format!("/api/playlists/{pid}"), &bob.auth()).await.assert_problem(403);
    // Even with his own media.
    app.post(&entry(&bobs, &pid), json!({}), &bob.auth()).await.assert_problem(403);
    app.put(&entry(&b, &pid), json!({"position": 0}), &bob.auth()).await.assert_problem(403);
    app.delete(&entry(&a, &pid), &bob.auth()).await.assert_problem(403);
    // Anonymous and unverified callers.
    app.post(&entry(&bobs, &pid), json!({}), &Auth::None).await.assert_problem(401);
    app.post("/api/playlists", json!({"title": "x"}), &Auth::None).await.assert_problem(401);
    let carol = app.unverified_user().await;
    app.post("/api/playlists", json!({"title": "x"}), &carol.auth()).await.assert_problem(403);
    app.delete(&format!("/api/playlists/{pid}"), &carol.auth()).await.assert_problem(403);

    let after = app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.body;
    assert_eq!(after, before);
    assert_eq!(order(&app, &pid).await, [a.as_str(), b.as_str()]);
    assert!(!has_membership(&app, &bobs, &pid).await);
    assert_eq!(app.get("/api/playlists", &Auth::None).await.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let pid = playlist(&app, &alice, "Mine").await;
    let a = post(&app, &alice, "a").await;
    let b = post(&app, &alice, "b").await;
    app.post(&entry(&a, &pid), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&entry(&b, &pid), json!({}), &alice.auth()).await.assert_status(201);
    let items_before = app.item_count().await;
    let before = app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.body;

    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "t".repeat(201)}), "title"),
        (json!({"title": "ok", "description": "d".repeat(5001)}), "description"),
        (json!({"description": "no title"}), "title"),
        (json!({"title": "ok", "owner": "bob"}), "owner"),
    ] {
        let res = app.post("/api/playlists", body.clone(), &alice.auth()).await;
        res.assert_problem(400);
        assert!(res.error_fields().contains(&field.to_owned()), "{body}: {}", res.text);
    }
    // 200 characters is fine for a title (checked on an update, then undone below).
    for (body, field) in
        [(json!({"title": ""}), "title"), (json!({"title": "t".repeat(201)}), "title"), (json!({"count": 3}), "count")]
    {
        let res = app.put(&format!("/api/playlists/{pid}"), body.clone(), &alice.auth()).await;
        res.assert_problem(400);
        assert!(res.error_fields().contains(&field.to_owned()), "{body}: {}", res.text);
    }
    app.put(&format!("/api/playlists/{pid}"), json!({}), &alice.auth()).await.assert_problem(400);

    // Positions: 0..count-1 only.
    for position in [json!(-1), json!(2), json!(100)] {
        let res = app.put(&entry(&a, &pid), json!({"position": position}), &alice.auth()).await;
        res.assert_problem(400);
        assert_eq!(res.error_fields(), ["position"], "{}", res.text);
    }
    app.put(&entry(&a, &pid), json!({"position": "first"}), &alice.auth()).await.assert_problem(400);
    app.put(&entry(&a, &pid), json!({}), &alice.auth()).await.assert_problem(400);
    // Unknown or malformed ids.
    let unknown = "AAAAAAAAAAA";
    app.post(&entry(unknown, &pid), json!({}), &alice.auth()).await.assert_problem(404);
    app.put(&entry(unknown, &pid), json!({"position": 0}), &alice.auth()).await.assert_problem(404);
    app.delete(&entry(unknown, &pid), &alice.auth()).await.assert_problem(404);
    app.post(&entry(&a, unknown), json!({}), &alice.auth()).await.assert_problem(404);
    app.post(&entry("bad", &pid), json!({}), &alice.auth()).await.assert_problem(400);
    app.post(&entry(&a, "bad"), json!({}), &alice.auth()).await.assert_problem(400);
    app.get(&format!("/api/playlists/{unknown}"), &Auth::None).await.assert_problem(404);
    app.get(&format!("/api/playlists/{unknown}/medias"), &Auth::None).await.assert_problem(404);
    app.get("/api/playlists/bad", &Auth::None).await.assert_problem(400);
    app.put(&format!("/api/playlists/{unknown}"), json!({"title": "x"}), &alice.auth()).await.assert_problem(404);
    app.delete(&format!("/api/playlists/{unknown}"), &alice.auth()).await.assert_problem(404);
    app.get("/api/playlists?limit=0", &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/playlists/{pid}/medias?cursor=garbage"), &Auth::None).await.assert_problem(400);
    app.get("/api/playlists/search/%20", &Auth::None).await.assert_problem(400);

    assert_eq!(app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.body, before);
    assert_eq!(order(&app, &pid).await, [a.as_str(), b.as_str()]);
    assert_eq!(app.item_count().await, items_before, "refused requests stored items");
    let res = app.put(&format!("/api/playlists/{pid}"), json!({"title": "t".repeat(200)}), &alice.auth()).await;
    res.assert_status(200);
}

#[tokio::test]
async fn lists_page_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        created.push(playlist(&app, who, &format!("List {i}")).await);
    }
    // GET /api/playlists: newest first, pages of 3.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/playlists?limit=3&cursor={c}"),
            None => "/api/playlists?limit=3".to_owned(),
        };
        let res = app.get(&path, &Auth::None).await;
        res.assert_status(200);
        pages += 1;
        seen.extend(urls(&res));
        match res.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    // A cursor of one list is refused by another.
    let first = app.get("/api/playlists?limit=3", &Auth::None).await;
    let cursor = first.body["nextCursor"].as_str().unwrap();
    app.get(&format!("/api/playlists/{}/medias?cursor={cursor}", created[0]), &Auth::None).await.assert_problem(400);

    // A playlist's medias: 7 medias in pages of 3, positions 0..6.
    let pid = &created[0];
    let mut medias = Vec::new();
    for i in 0..7 {
        let m = post(&app, &alice, &format!("m{i}")).await;
        app.post(&entry(&m, pid), json!({}), &alice.auth()).await.assert_status(201);
        medias.push(m);
    }
    app.put(&entry(&medias[6], pid), json!({"position": 0}), &alice.auth()).await.assert_status(200);
    let expected: Vec<String> = [&medias[6]].into_iter().chain(medias[..6].iter()).cloned().collect();
    for limit in [1, 3, 7, 100] {
        let paged = medias_of(&app, pid, limit).await;
        let got: Vec<String> = paged.iter().map(|(u, _, _)| u.clone()).collect();
        let positions: Vec<u64> = paged.iter().map(|(_, p, _)| *p).collect();
        assert_eq!(got, expected, "limit {limit}");
        assert_eq!(positions, (0..7).collect::<Vec<u64>>(), "limit {limit}");
    }
    let last = app.get(&format!("/api/playlists/{pid}/medias?limit=7"), &Auth::None).await;
    assert!(last.body["nextCursor"].is_null());
    // Another playlist's cursor is refused.
    let page = app.get(&format!("/api/playlists/{pid}/medias?limit=2"), &Auth::None).await;
    let cursor = page.body["nextCursor"].as_str().unwrap();
    app.get(&format!("/api/playlists/{}/medias?cursor={cursor}", created[1]), &Auth::None).await.assert_problem(400);
}

#[tokio::test]
async fn search_finds_playlists_by_title_word_prefixes() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let road = playlist(&app, &alice, "Road Trip Songs").await;
    let jazz = playlist(&app, &alice, "Morning Jazz").await;
    let search = |term: &str| {
        let path = format!("/api/playlists/search/{term}");
        let app = &app;
        async move {
            let res = app.get(&path, &Auth::None).await;
            res.assert_status(200);
            urls(&res)
        }
    };
    assert_eq!(search("roa").await, [road.as_str()]);
    assert_eq!(search("tri%20son").await, [road.as_str()]);
    assert_eq!(search("JAZ").await, [jazz.as_str()]);
    assert!(search("rip").await.is_empty(), "prefixes of words only");
    assert!(search("road%20jazz").await.is_empty());
    // Renamed: old words are gone, new ones found.
    app.put(&format!("/api/playlists/{road}"), json!({"title": "Evening Drive"}), &alice.auth())
        .await
        .assert_status(200);
    assert!(search("roa").await.is_empty());
    assert_eq!(search("driv").await, [road.as_str()]);
    // Description is not searched.
    app.put(&format!("/api/playlists/{road}"), json!({"description": "jazzy"}), &alice.auth()).await.assert_status(200);
    assert_eq!(search("jaz").await, [jazz.as_str()]);
    // Deleted: gone from search.
    app.delete(&format!("/api/playlists/{jazz}"), &alice.auth()).await.assert_status(204);
    assert!(search("jaz").await.is_empty());
    // Paging through hits.
    for i in 0..5 {
        playlist(&app, &alice, &format!("Workout {i}")).await;
    }
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/playlists/search/work?limit=2&cursor={c}"),
            None => "/api/playlists/search/work?limit=2".to_owned(),
        };
        let res = app.get(&path, &Auth::None).await;
        res.assert_status(200);
        for u in urls(&res) {
            assert!(seen.insert(u), "repeated hit");
        }
        match res.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
}

#[tokio::test]
async fn deleting_a_media_takes_it_out_of_every_playlist() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let mine = playlist(&app, &alice, "Alice's").await;
    let other = playlist(&app, &alice, "Alice's other").await;
    let a = post(&app, &alice, "a").await;
    let doomed = post(&app, &bob, "bob's, soon gone").await;
    let c = post(&app, &alice, "c").await;
    for m in [&a, &doomed, &c] {
        app.post(&entry(m, &mine), json!({}), &alice.auth()).await.assert_status(201);
    }
    app.post(&entry(&doomed, &other), json!({}), &alice.auth()).await.assert_status(201);
    app.delete(&format!("/api/medias/{doomed}"), &bob.auth()).await.assert_status(204);
    eventually("the media leaves both playlists", Duration::from_secs(30), || async {
        let done = count(&app, &mine).await == 2 && count(&app, &other).await == 0;
        done.then_some(())
    })
    .await;
    assert_eq!(order(&app, &mine).await, [a.as_str(), c.as_str()]);
    assert!(order(&app, &other).await.is_empty());
    assert!(!has_membership(&app, &doomed, &mine).await && !has_membership(&app, &doomed, &other).await);
    // The playlist still works as before.
    app.put(&entry(&c, &mine), json!({"position": 0}), &alice.auth()).await.assert_status(200);
    assert_eq!(order(&app, &mine).await, [c.as_str(), a.as_str()]);
    app.post(&entry(&doomed, &mine), json!({}), &alice.auth()).await.assert_problem(404);
}

#[tokio::test]
async fn deleting_a_playlist_erases_its_entries() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let pid = playlist(&app, &alice, "Short-lived").await;
    let keep = playlist(&app, &alice, "Kept").await;
    let a = post(&app, &alice, "a").await;
    let b = post(&app, &alice, "b").await;
    for m in [&a, &b] {
        app.post(&entry(m, &pid), json!({}), &alice.auth()).await.assert_status(201);
    }
    app.post(&entry(&a, &keep), json!({}), &alice.auth()).await.assert_status(201);
    app.delete(&format!("/api/playlists/{pid}"), &alice.auth()).await.assert_status(204);
    app.get(&format!("/api/playlists/{pid}"), &Auth::None).await.assert_problem(404);
    app.get(&format!("/api/playlists/{pid}/medias"), &Auth::None).await.assert_problem(404);
    app.delete(&format!("/api/playlists/{pid}"), &alice.auth()).await.assert_problem(404);
    app.post(&entry(&a, &pid), json!({}), &alice.auth()).await.assert_problem(404);
    assert_eq!(urls(&app.get("/api/playlists", &Auth::None).await), [keep.as_str()]);
    eventually("memberships erased", Duration::from_secs(30), || async {
        let gone = !has_membership(&app, &a, &pid).await && !has_membership(&app, &b, &pid).await;
        gone.then_some(())
    })
    .await;
    // The medias and the other playlist are untouched.
    app.get(&format!("/api/medias/{a}"), &Auth::None).await.assert_status(200);
    assert!(has_membership(&app, &a, &keep).await);
    assert_eq!(order(&app, &keep).await, [a.as_str()]);
}

#[tokio::test]
async fn concurrent_appends_all_land_exactly_once() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let pid = playlist(&app, &alice, "Busy").await;
    let mut medias = Vec::new();
    for i in 0..10 {
        medias.push(post(&app, &alice, &format!("m{i}")).await);
    }
    let results = join_all(medias.iter().map(|m| app.post_owned(entry(m, &pid), json!({}), alice.auth()))).await;
    for res in &results {
        res.assert_status(201);
    }
    let got = order(&app, &pid).await;
    assert_eq!(got.len(), 10);
    assert_eq!(got.iter().collect::<BTreeSet<_>>(), medias.iter().collect::<BTreeSet<_>>());
    assert_eq!(count(&app, &pid).await, 10);
    // Concurrent removes of half and appends of the same again: nothing lost or doubled.
    let (gone, kept) = medias.split_at(5);
    let removes = join_all(gone.iter().map(|m| {
        let (path, auth) = (entry(m, &pid), alice.auth());
        let app = &app;
        async move { app.delete(&path, &auth).await }
    }))
    .await;
    assert!(removes.iter().all(|r| r.status == 204));
    let again = join_all(kept.iter().map(|m| app.post_owned(entry(m, &pid), json!({}), alice.auth()))).await;
    assert!(again.iter().all(|r| r.status == 200));
    let got = order(&app, &pid).await;
    assert_eq!(got.iter().collect::<BTreeSet<_>>(), kept.iter().collect::<BTreeSet<_>>());
    assert_eq!(count(&app, &pid).await, 5);
    for m in gone {
        assert!(!has_membership(&app, m, &pid).await);
    }
}

#[tokio::test]
async fn a_deleted_account_takes_its_playlists() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let hers = playlist(&app, &alice, "Alice's").await;
    let his = playlist(&app, &bob, "Bob's").await;
    let bobs = post(&app, &bob, "bob's").await;
    let alices = post(&app, &alice, "alice's").await;
    app.post(&entry(&bobs, &hers), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&entry(&alices, &his), json!({}), &bob.auth()).await.assert_status(201);
    app.post(&entry(&bobs, &his), json!({}), &bob.auth()).await.assert_status(201);
    app.delete(&format!("/api/users/{}", alice.username), &alice.auth()).await.assert_status(204);
    eventually("alice's playlist and media erased", Duration::from_secs(30), || async {
        let playlist_gone = app.get(&format!("/api/playlists/{hers}"), &Auth::None).await.status == 404;
        let done = playlist_gone && count(&app, &his).await == 1 && !has_membership(&app, &bobs, &hers).await;
        done.then_some(())
    })
    .await;
    assert_eq!(order(&app, &his).await, [bobs.as_str()]);
    assert_eq!(urls(&app.get("/api/playlists", &Auth::None).await), [his.as_str()]);
    assert!(app.get("/api/playlists/search/alice", &Auth::None).await.body["items"].as_array().unwrap().is_empty());
}
