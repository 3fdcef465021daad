//! Comments and replies: write, read, edit, delete (author or media owner), one level of
//! threading, pages oldest first, exact counters under concurrency, and the background
//! cascades of a deleted comment, media and account.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Auth, TestApp, TestResponse, TestUser, eventually, join_all};

/// Publishes a text post; returns its url.
async fn post(app: &TestApp, user: &TestUser, body: &str) -> String {
    let res = app.post("/api/medias", json!({"kind": "post", "body": body}), &user.auth()).await;
    res.assert_status(201);
    res.body["url"].as_str().unwrap().to_owned()
}

/// Comments on `media` (a reply when `reply_to` is set); returns the created comment.
async fn comment(app: &TestApp, user: &TestUser, media: &str, body: &str, reply_to: Option<&str>) -> Value {
    let mut req = json!({"body": body});
    if let Some(parent) = reply_to {
        req["replyTo"] = json!(parent);
    }
    let res = app.post(&format!("/api/comments/medias/{media}"), req, &user.auth()).await;
    res.assert_status(201);
    res.body.clone()
}

fn url(v: &Value) -> String {
    v["url"].as_str().unwrap().to_owned()
}

fn urls(res: &TestResponse) -> Vec<String> {
    res.body["items"].as_array().unwrap().iter().map(url).collect()
}

/// A counter of a media (`/api/medias/…`) or comment (`/api/comments/…`).
async fn counter(app: &TestApp, path: &str, field: &str) -> u64 {
    let res = app.get(path, &Auth::None).await;
    res.assert_status(200);
    res.body[field].as_u64().unwrap()
}

/// Every url of a list, following cursors `limit` at a time.
async fn all_pages(app: &TestApp, path: &str, limit: u32) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let page = app.get(&q, &Auth::None).await;
        page.assert_status(200);
        let items = urls(&page);
        assert!(items.len() <= limit as usize);
        seen.extend(items);
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

/// `n` verified users, signed up a few at a time (sign-up hashes passwords: keep the machine
/// responsive for the concurrency under test).
async fn users(app: &TestApp, n: usize) -> Vec<TestUser> {
    let mut out = Vec::new();
    while out.len() < n {
        out.extend(join_all((0..(n - out.len()).min(4)).map(|_| app.verified_user())).await);
    }
    out
}

/// Waits until no item of the table mentions any of `ids`.
async fn erased(app: &TestApp, what: &str, ids: &[String]) {
    let table = app.stack.physical_name("Table").unwrap().to_owned();
    eventually(what, Duration::from_secs(30), || {
        let dynamo = app.dynamo();
        let table = table.clone();
        async move {
            let items = dynamo.scan().table_name(table).send().await.ok()?.items.unwrap_or_default();
            // Notifications record what happened and outlive the content they name.
            let left = items
                .iter()
                .filter(|i| !support::is_derived(i))
                .filter(|i| ids.iter().any(|id| format!("{i:?}").contains(id.as_str())))
                .count();
            (left == 0).then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn a_comment_is_written_read_edited_and_deleted() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let carol = app.verified_user().await;
    let media = post(&app, &alice, "what do you think?").await;

    let res = app.post(&format!("/api/comments/medias/{media}"), json!({"body": "  Lovely!  "}), &bob.auth()).await;
    res.assert_status(201);
    let c = url(&res.body);
    assert_eq!(c.len(), 11);
    assert_eq!(res.headers["location"], format!("/api/comments/{c}").as_str());
    assert_eq!(res.body["media"], media);
    assert_eq!(res.body["author"], bob.username);
    assert_eq!(res.body["body"], "Lovely!");
    assert!(res.body["replyTo"].is_null());
    assert_eq!(
        (res.body["likes"].as_u64(), res.body["replies"].as_u64(), res.body["liked"].as_bool()),
        (Some(0), Some(0), Some(false))
    );
    let path = format!("/api/comments/{c}");
    let read = app.get(&path, &Auth::None).await;
    read.assert_status(200);
    assert_eq!(read.body["body"], "Lovely!");
    assert!(read.body.get("liked").is_none(), "no caller flag for anonymous reads");
    assert_eq!(app.get(&path, &carol.auth()).await.body["liked"], false);
    assert_eq!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await), [c.as_str()]);
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 1);

    // The author edits; nobody else may.
    let edited = app.put(&path, json!({"body": "Lovely light!"}), &bob.auth()).await;
    edited.assert_status(200);
    assert_eq!(edited.body["body"], "Lovely light!");
    assert!(edited.body["updatedAt"].as_str().unwrap() >= edited.body["createdAt"].as_str().unwrap());
    assert_eq!(edited.body["createdAt"], res.body["createdAt"]);
    app.put(&path, json!({"body": "pwned"}), &carol.auth()).await.assert_problem(403);
    app.put(&path, json!({"body": "pwned"}), &alice.auth()).await.assert_problem(403);
    app.put(&path, json!({"body": "pwned"}), &Auth::None).await.assert_problem(401);
    app.delete(&path, &carol.auth()).await.assert_problem(403);
    app.delete(&path, &Auth::None).await.assert_problem(401);
    let read = app.get(&path, &Auth::None).await;
    assert_eq!(read.body["body"], "Lovely light!");
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 1);

    // The media's owner may delete someone else's comment; the author their own.
    app.delete(&path, &alice.auth()).await.assert_status(204);
    app.get(&path, &Auth::None).await.assert_problem(404);
    app.delete(&path, &alice.auth()).await.assert_problem(404);
    app.put(&path, json!({"body": "back?"}), &bob.auth()).await.assert_problem(404);
    let own = url(&comment(&app, &carol, &media, "mine", None).await);
    app.delete(&format!("/api/comments/{own}"), &carol.auth()).await.assert_status(204);
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 0);
    assert!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await).is_empty());
}

#[tokio::test]
async fn comments_and_replies_page_oldest_first_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let media = post(&app, &alice, "discuss").await;
    let mut top = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        top.push(url(&comment(&app, who, &media, &format!("comment {i}"), None).await));
    }
    let mut replies = Vec::new();
    for i in 0..5 {
        replies.push(url(&comment(&app, &bob, &media, &format!("reply {i}"), Some(&top[2])).await));
    }
    for limit in [1, 3, 7, 100] {
        assert_eq!(all_pages(&app, &format!("/api/comments/medias/{media}"), limit).await, top, "limit {limit}");
        assert_eq!(
            all_pages(&app, &format!("/api/comments/{}/replies", top[2]), limit).await,
            replies,
            "limit {limit}"
        );
    }
    assert!(all_pages(&app, &format!("/api/comments/{}/replies", top[0]), 5).await.is_empty());
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 12);
    assert_eq!(counter(&app, &format!("/api/comments/{}", top[2]), "replies").await, 5);
    assert_eq!(counter(&app, &format!("/api/comments/{}", top[0]), "replies").await, 0);

    // A cursor of one list is refused by another; bad page parameters are 400.
    let first = app.get(&format!("/api/comments/medias/{media}?limit=2"), &Auth::None).await;
    let cursor = first.body["nextCursor"].as_str().unwrap();
    app.get(&format!("/api/comments/{}/replies?cursor={cursor}", top[2]), &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/comments/medias/{media}?limit=0"), &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/comments/medias/{media}?limit=101"), &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/comments/medias/{media}?cursor=garbage"), &Auth::None).await.assert_problem(400);
}

#[tokio::test]
async fn a_reply_to_a_reply_joins_its_thread() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let media = post(&app, &alice, "thread here").await;
    let other = post(&app, &alice, "another media").await;
    let t = url(&comment(&app, &alice, &media, "top", None).await);
    let r1 = comment(&app, &bob, &media, "first reply", Some(&t)).await;
    assert_eq!(r1["replyTo"], t);
    let r1 = url(&r1);
    let r2 = comment(&app, &alice, &media, "reply to the reply", Some(&r1)).await;
    assert_eq!(r2["replyTo"], t, "a reply to a reply attaches to the top-level comment");
    let r2 = url(&r2);
    assert_eq!(urls(&app.get(&format!("/api/comments/{t}/replies"), &Auth::None).await), [r1.clone(), r2.clone()]);
    assert!(urls(&app.get(&format!("/api/comments/{r1}/replies"), &Auth::None).await).is_empty());
    assert_eq!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await), [t.as_str()]);
    assert_eq!(counter(&app, &format!("/api/comments/{t}"), "replies").await, 2);
    assert_eq!(counter(&app, &format!("/api/comments/{r1}"), "replies").await, 0);
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 3);

    // A reply must be to a comment of the same media.
    let elsewhere = url(&comment(&app, &bob, &other, "elsewhere", None).await);
    for parent in [elsewhere.as_str(), "AAAAAAAAAAA", "bad"] {
        let res = app
            .post(&format!("/api/comments/medias/{media}"), json!({"body": "x", "replyTo": parent}), &bob.auth())
            .await;
        res.assert_problem(400);
        assert_eq!(res.error_fields(), ["replyTo"], "{}", res.text);
    }
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 3);
    assert_eq!(counter(&app, &format!("/api/medias/{other}"), "comments").await, 1);
    assert_eq!(counter(&app, &format!("/api/comments/{elsewhere}"), "replies").await, 0);

    // Deleting a reply counts it off its thread and its media at once.
    app.delete(&format!("/api/comments/{r1}"), &bob.auth()).await.assert_status(204);
    assert_eq!(counter(&app, &format!("/api/comments/{t}"), "replies").await, 1);
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 2);
    assert_eq!(urls(&app.get(&format!("/api/comments/{t}/replies"), &Auth::None).await), [r2]);
}

#[tokio::test]
async fn bad_comments_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let unverified = app.unverified_user().await;
    let media = post(&app, &alice, "comment on me").await;
    let c = url(&comment(&app, &alice, &media, "original", None).await);
    app.nth_email(&unverified.email, 1).await; // its mail job item is written by then
    let before = app.item_count().await;
    let create = format!("/api/comments/medias/{media}");
    let cases = [
        (json!({"body": ""}), "body"),
        (json!({"body": " \n\t "}), "body"),
        (json!({"body": "x".repeat(2001)}), "body"),
        (json!({}), "body"),
        (json!({"body": "x", "color": "red"}), "color"),
        (json!({"body": "x", "replyTo": "bad"}), "replyTo"),
        (json!({"body": "x", "replyTo": "AAAAAAAAAAA"}), "replyTo"),
        (json!({"body": "", "replyTo": "bad"}), "replyTo"),
    ];
    for (body, field) in cases {
        let res = app.post(&create, body.clone(), &alice.auth()).await;
        res.assert_problem(400);
        assert!(res.error_fields().contains(&field.to_owned()), "{body}: {}", res.text);
    }
    app.post(&create, json!({"body": 42}), &alice.auth()).await.assert_problem(400);
    app.post("/api/comments/medias/bad", json!({"body": "x"}), &alice.auth()).await.assert_problem(400);
    app.post("/api/comments/medias/AAAAAAAAAAA", json!({"body": "x"}), &alice.auth()).await.assert_problem(404);
    app.post(&create, json!({"body": "x"}), &Auth::None).await.assert_problem(401);
    app.post(&create, json!({"body": "x"}), &unverified.auth()).await.assert_problem(403);
    let path = format!("/api/comments/{c}");
    for body in [json!({"body": ""}), json!({"body": "x".repeat(2001)}), json!({}), json!({"body": "x", "replyTo": c})]
    {
        app.put(&path, body, &alice.auth()).await.assert_problem(400);
    }
    app.post(&format!("{path}/likes"), json!({}), &unverified.auth()).await.assert_problem(403);
    app.get("/api/comments/bad", &Auth::None).await.assert_problem(400);
    app.get("/api/comments/AAAAAAAAAAA", &Auth::None).await.assert_problem(404);
    app.get("/api/comments/AAAAAAAAAAA/replies", &Auth::None).await.assert_problem(404);
    app.get("/api/comments/medias/AAAAAAAAAAA", &Auth::None).await.assert_problem(404);
    app.get("/api/comments/medias/bad", &Auth::None).await.assert_problem(400);
    app.put("/api/comments/AAAAAAAAAAA", json!({"body": "x"}), &alice.auth()).await.assert_problem(404);
    app.delete("/api/comments/AAAAAAAAAAA", &alice.auth()).await.assert_problem(404);
    app.delete("/api/comments/bad", &alice.auth()).await.assert_problem(400);
    app.post("/api/comments/AAAAAAAAAAA/likes", json!({}), &alice.auth()).await.assert_problem(404);
    app.delete("/api/comments/AAAAAAAAAAA/likes", &alice.auth()).await.assert_problem(404);
    assert_eq!(app.item_count().await, before, "refused requests stored nothing");
    let read = app.get(&path, &Auth::None).await;
    assert_eq!((read.body["body"].as_str(), read.body["replies"].as_u64()), (Some("original"), Some(0)));
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 1);

    // 2,000 characters is fine.
    let long = comment(&app, &alice, &media, &"é".repeat(2000), None).await;
    assert_eq!(long["body"].as_str().unwrap().chars().count(), 2000);
}

#[tokio::test]
async fn a_media_must_be_ready_to_be_commented() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    // An upload record as the upload route leaves it; the media waits for its file.
    let upload = app.fake_upload(&alice, "video").await;
    let res =
        app.post("/api/medias", json!({"kind": "video", "title": "soon", "fileUrl": upload}), &alice.auth()).await;
    res.assert_status(201);
    let media = url(&res.body);
    app.post(&format!("/api/comments/medias/{media}"), json!({"body": "first!"}), &alice.auth())
        .await
        .assert_problem(409);
    assert!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await).is_empty());
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 0);
}

#[tokio::test]
async fn comment_likes_count_once_per_user_even_concurrently() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let media = post(&app, &alice, "like the comments").await;
    let c = url(&comment(&app, &alice, &media, "like me", None).await);
    let quiet = url(&comment(&app, &alice, &media, "or me", None).await);
    let path = format!("/api/comments/{c}");
    let fans = users(&app, 20).await;
    let likes = join_all(fans.iter().map(|f| app.post_owned(format!("{path}/likes"), json!({}), f.auth()))).await;
    assert!(likes.iter().all(|r| r.status == 201), "{:?}", likes.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(counter(&app, &path, "likes").await, 20);

    let eager = &fans[0];
    let quiet_path = format!("/api/comments/{quiet}");
    let repeats =
        join_all((0..10).map(|_| app.post_owned(format!("{quiet_path}/likes"), json!({}), eager.auth()))).await;
    assert_eq!(repeats.iter().filter(|r| r.status == 201).count(), 1);
    assert!(repeats.iter().all(|r| r.status == 201 || r.status == 200));
    assert_eq!(counter(&app, &quiet_path, "likes").await, 1);
    let again = app.post(&format!("{path}/likes"), json!({}), &eager.auth()).await;
    again.assert_status(200);
    assert_eq!((again.body["likes"].as_u64(), again.body["liked"].as_bool()), (Some(20), Some(true)));

    // The caller's flags show on reads and lists.
    assert_eq!(app.get(&path, &eager.auth()).await.body["liked"], true);
    assert_eq!(app.get(&path, &alice.auth()).await.body["liked"], false);
    let list = app.get(&format!("/api/comments/medias/{media}"), &eager.auth()).await;
    let flags: Vec<(String, bool)> =
        list.body["items"].as_array().unwrap().iter().map(|v| (url(v), v["liked"].as_bool().unwrap())).collect();
    assert_eq!(flags, [(c.clone(), true), (quiet.clone(), true)]);
    let list = app.get(&format!("/api/comments/medias/{media}"), &alice.auth()).await;
    assert!(list.body["items"].as_array().unwrap().iter().all(|v| v["liked"] == false));

    // Unlike is idempotent and counted once.
    for _ in 0..2 {
        app.delete(&format!("{path}/likes"), &eager.auth()).await.assert_status(204);
    }
    let read = app.get(&path, &eager.auth()).await;
    assert_eq!((read.body["likes"].as_u64(), read.body["liked"].as_bool()), (Some(19), Some(false)));
    app.post(&format!("{path}/likes"), json!({}), &Auth::None).await.assert_problem(401);
    app.delete(&format!("{path}/likes"), &Auth::None).await.assert_problem(401);
}

#[tokio::test]
async fn deleting_a_comment_takes_its_replies_and_likes_in_the_background() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let carol = app.verified_user().await;
    let media = post(&app, &alice, "busy thread").await;
    let t = url(&comment(&app, &bob, &media, "top", None).await);
    let stays = url(&comment(&app, &carol, &media, "stays", None).await);
    let mut replies = Vec::new();
    for (i, who) in [&alice, &carol, &bob].into_iter().enumerate() {
        replies.push(url(&comment(&app, who, &media, &format!("reply {i}"), Some(&t)).await));
    }
    let kept_reply = url(&comment(&app, &bob, &media, "reply elsewhere", Some(&stays)).await);
    app.post(&format!("/api/comments/{t}/likes"), json!({}), &carol.auth()).await.assert_status(201);
    app.post(&format!("/api/comments/{}/likes", replies[0]), json!({}), &carol.auth()).await.assert_status(201);
    app.post(&format!("/api/comments/{stays}/likes"), json!({}), &bob.auth()).await.assert_status(201);
    let media_path = format!("/api/medias/{media}");
    assert_eq!(counter(&app, &media_path, "comments").await, 6);

    app.delete(&format!("/api/comments/{t}"), &bob.auth()).await.assert_status(204);
    app.get(&format!("/api/comments/{t}"), &Auth::None).await.assert_problem(404);
    assert_eq!(counter(&app, &media_path, "comments").await, 5);
    eventually("replies erased and counted off", Duration::from_secs(30), || async {
        for r in &replies {
            if app.get(&format!("/api/comments/{r}"), &Auth::None).await.status != 404 {
                return None;
            }
        }
        (counter(&app, &media_path, "comments").await == 2).then_some(())
    })
    .await;
    let mut gone = replies.clone();
    gone.push(t.clone());
    erased(&app, "the thread's items (likes included)", &gone).await;
    // The rest is untouched.
    assert_eq!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await), [stays.as_str()]);
    assert_eq!(counter(&app, &format!("/api/comments/{stays}"), "likes").await, 1);
    assert_eq!(counter(&app, &format!("/api/comments/{stays}"), "replies").await, 1);
    assert_eq!(urls(&app.get(&format!("/api/comments/{stays}/replies"), &Auth::None).await), [kept_reply]);
    assert_eq!(counter(&app, &media_path, "comments").await, 2);
}

#[tokio::test]
async fn deleting_a_media_takes_its_comments() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let media = post(&app, &alice, "short-lived").await;
    let t = url(&comment(&app, &bob, &media, "top", None).await);
    let r = url(&comment(&app, &alice, &media, "reply", Some(&t)).await);
    let other = url(&comment(&app, &alice, &media, "another", None).await);
    app.post(&format!("/api/comments/{t}/likes"), json!({}), &alice.auth()).await.assert_status(201);
    app.post(&format!("/api/comments/{r}/likes"), json!({}), &bob.auth()).await.assert_status(201);
    app.delete(&format!("/api/medias/{media}"), &alice.auth()).await.assert_status(204);
    app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await.assert_problem(404);
    app.post(&format!("/api/comments/medias/{media}"), json!({"body": "late"}), &bob.auth()).await.assert_problem(404);
    let ids = [t, r, other];
    eventually("the media's comments are gone", Duration::from_secs(30), || async {
        for id in &ids {
            if app.get(&format!("/api/comments/{id}"), &Auth::None).await.status != 404 {
                return None;
            }
        }
        Some(())
    })
    .await;
    erased(&app, "the comments' items (likes included)", &ids).await;
}

#[tokio::test]
async fn a_deleted_account_takes_its_comments_and_their_counts() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let media = post(&app, &alice, "everyone welcome").await;
    let mine = url(&comment(&app, &alice, &media, "host here", None).await);
    let bobs_top = url(&comment(&app, &bob, &media, "bob was here", None).await);
    let bobs_reply = url(&comment(&app, &bob, &media, "and here", Some(&mine)).await);
    let alices_reply = url(&comment(&app, &alice, &media, "bye bob", Some(&bobs_top)).await);
    assert_eq!(counter(&app, &format!("/api/medias/{media}"), "comments").await, 4);
    app.delete(&format!("/api/users/{}", bob.username), &bob.auth()).await.assert_status(204);
    eventually("bob's comments erased and counted off", Duration::from_secs(30), || async {
        let gone = [&bobs_top, &bobs_reply, &alices_reply];
        for id in gone {
            if app.get(&format!("/api/comments/{id}"), &Auth::None).await.status != 404 {
                return None;
            }
        }
        let comments = counter(&app, &format!("/api/medias/{media}"), "comments").await;
        let replies = counter(&app, &format!("/api/comments/{mine}"), "replies").await;
        (comments == 1 && replies == 0).then_some(())
    })
    .await;
    assert_eq!(urls(&app.get(&format!("/api/comments/medias/{media}"), &Auth::None).await), [mine]);
}
