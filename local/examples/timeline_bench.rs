//! DynamoDB requests and items read per home-timeline page for a reader following 500 accounts
//! (450 small, fanned out on write; 50 big, merged on read), and per post fanned out — counted
//! by the SDK interceptor on the store's client, not by reading code.
//!
//! `cargo run -p mediashare-local --example timeline_bench` (needs `make tools` for moto);
//! `-- --small N --big M` sets the followings, `-- --in-flight N` the feeds queried at once.
//!
//! Seeding writes the items with plain PutItem/UpdateItem (what the API's transactions would
//! write): moto copies the whole table for every TransactWriteItems, which makes a 500-account
//! seed through the transactions take longer than moto's memory lasts. The stream consumer then
//! fans out and notifies exactly as it does for API writes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mediashare::domain::{Media, MediaId, MediaKind, MediaStatus, Username};
use mediashare::store::metrics::Counts;
use mediashare_local::Stack;
use serde_json::json;

#[path = "shared/bench_stack.rs"]
mod bench_stack;

/// Posts per followed account.
const POSTS_EACH: usize = 1;

/// A numeric `--name N` argument.
fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `--small N --big M` (default 450 and 50: a reader following 500 accounts).
fn sizes() -> (usize, usize) {
    (arg("--small", 450), arg("--big", 50))
}

/// Home pages read to time the first page.
const TIMED_READS: usize = 30;

async fn sign_up(http: &reqwest::Client, base: &str, name: &str) {
    let body =
        json!({"username": name, "email": format!("{name}@bench.example.com"), "password": "correct horse battery"});
    let res = http.post(format!("{base}/api/users")).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201, "sign-up {name}");
}

/// Creates the account `name` directly in the store.
async fn author(seed: &Seed, name: &str) {
    let now = mediashare::time::now_rfc3339();
    let email = mediashare::domain::Email::parse(&format!("{name}@bench.example.com")).unwrap();
    let id = mediashare::domain::UserId(format!("uid-{name}"));
    let user = mediashare::domain::User {
        id: id.clone(),
        username: Username::parse(name).unwrap(),
        email: email.clone(),
        verified: true,
        display_name: String::new(),
        bio: String::new(),
        followers: 0,
        followings: 0,
        medias: 0,
        created_at: now.clone(),
        updated_at: now,
        password_hash: "unused".into(),
        api_key_hash: None,
        tokens_valid_after: 0,
        settings: Default::default(),
        profile_photo: None,
        channel_photo: None,
    };
    let _ = (id, email);
    seed.put(mediashare::store::users::profile_item(&user)).await;
}

/// Plain writes to the stack's table.
struct Seed {
    dynamo: aws_sdk_dynamodb::Client,
    table: String,
}

impl Seed {
    async fn put(&self, item: mediashare::store::item::Item) {
        self.dynamo.put_item().table_name(&self.table).set_item(Some(item)).send().await.unwrap();
    }

    async fn count(&self, user: &mediashare::domain::User, counter: &str) {
        self.dynamo
            .update_item()
            .table_name(&self.table)
            .key("PK", mediashare::store::item::s(mediashare::store::keys::user_pk(&user.username)))
            .key("SK", mediashare::store::item::s(mediashare::store::keys::PROFILE))
            .update_expression("ADD #c :one")
            .expression_attribute_names("#c", counter)
            .expression_attribute_values(":one", mediashare::store::item::n(1))
            .send()
            .await
            .unwrap();
    }

    /// `follower` follows `followee`: the counters first (the stream consumer reads them when
    /// the edge arrives), then the edge.
    async fn follow(&self, follower: &mediashare::domain::User, followee: &mediashare::domain::User) {
        self.count(followee, "followers").await;
        self.count(follower, "followings").await;
        let now = mediashare::time::now_rfc3339();
        self.put(mediashare::store::follows::follow_edge_item(follower, followee, &now)).await;
    }
}

/// Waits until the counters stop moving for two seconds (the stream consumer is done).
async fn quiet(stack: &Stack) {
    let mut last = stack.ctx().requests.counts();
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = stack.ctx().requests.counts();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() > Duration::from_secs(2) {
            return;
        }
    }
}

/// A ready text post of `author`.
fn post(author: &mediashare::domain::User, body: String) -> Media {
    let now = mediashare::time::now_rfc3339();
    Media {
        id: MediaId::generate(),
        kind: MediaKind::Post,
        owner: author.username.clone(),
        owner_uid: author.id.clone(),
        title: String::new(),
        description: String::new(),
        body,
        tags: vec![],
        status: MediaStatus::Ready,
        status_reason: None,
        likes: 0,
        comments: 0,
        reposts: 0,
        created_at: now.clone(),
        updated_at: now,
        files: None,
        upload: None,
        details: None,
        subtitles: Default::default(),
        cover: None,
        cover_applied: None,
        rejected: Default::default(),
    }
}

fn row(what: &str, c: &Counts) -> String {
    let ops: Vec<String> = c.requests.iter().map(|(op, n)| format!("{op} {n}")).collect();
    format!("| {what} | {} | {} | {} |", c.total_requests(), c.items_read, ops.join(", "))
}

#[tokio::main]
async fn main() {
    let (mut moto, endpoint) = bench_stack::moto().await;
    let http = reqwest::Client::new();
    // One follower keeps an account small; the bench gives big ones a second.
    // `--in-flight N`: big accounts' feeds a home page queries at once (the template's 16).
    let env = BTreeMap::from([
        ("FANOUT_MAX_FOLLOWERS".into(), "1".into()),
        ("HOME_FEEDS_IN_FLIGHT".into(), arg("--in-flight", 16).to_string()),
    ]);
    let stack = bench_stack::stack(&endpoint, env).await;
    let base = stack.base_url().to_owned();
    let store = &stack.ctx().store;
    let seed = Seed {
        dynamo: aws_sdk_dynamodb::Client::new(stack.sdk_config()),
        table: stack.physical_name("Table").unwrap().to_owned(),
    };

    let started = Instant::now();
    let (small, big) = sizes();
    eprintln!("a reader following {small} small and {big} big accounts");
    let names: Vec<String> = (0..small + big).map(|i| format!("author{i:03}")).collect();
    // Authors go straight to the store (no password hashing, no verification mail): only the
    // reader signs in.
    for name in &names {
        author(&seed, name).await;
    }
    sign_up(&http, &base, "reader").await;
    author(&seed, "fan").await;
    let user = |n: &str| {
        let n = Username::parse(n).unwrap();
        async move { store.require_user(&n).await.unwrap() }
    };
    let (reader, fan) = (user("reader").await, user("fan").await);
    for (i, name) in names.iter().enumerate() {
        if i % 50 == 0 {
            eprintln!("{i} authors followed, {:.0} s", started.elapsed().as_secs_f64());
        }
        let author = user(name).await;
        seed.follow(&reader, &author).await;
        if i >= small {
            seed.follow(&fan, &author).await;
        }
        for p in 0..POSTS_EACH {
            let media = post(&author, format!("post {p} of {name}"));
            seed.put(mediashare::store::medias::media_item(&media)).await;
        }
    }
    quiet(&stack).await;
    eprintln!("seeded in {:.0} s", started.elapsed().as_secs_f64());

    let token = {
        let body = json!({"username": "reader", "password": "correct horse battery"});
        let res: serde_json::Value =
            http.post(format!("{base}/api/users/sign-in")).json(&body).send().await.unwrap().json().await.unwrap();
        res["accessToken"].as_str().unwrap().to_owned()
    };
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=3 {
        let mut url = format!("{base}/api/timeline/home?limit=20");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let before = stack.ctx().requests.counts();
        let res: serde_json::Value = http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let counts = stack.ctx().requests.counts().since(&before);
        let items = res["items"].as_array().unwrap().len();
        assert!(items > 0, "page {page} is empty");
        rows.push(row(&format!("home timeline page {page} ({items} items)"), &counts));
        cursor = res["nextCursor"].as_str().map(str::to_owned);
    }
    // How long the first page takes, with the feeds queried `--in-flight` at a time.
    let mut took = Vec::with_capacity(TIMED_READS);
    for _ in 0..TIMED_READS {
        let started = Instant::now();
        let res = http.get(format!("{base}/api/timeline/home?limit=20")).bearer_auth(&token).send().await.unwrap();
        assert!(res.status().is_success());
        res.bytes().await.unwrap();
        took.push(started.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "home page 1, {TIMED_READS} reads, {} feeds in flight: p50 {:.1} ms, p90 {:.1} ms",
        arg("--in-flight", 16),
        ms(took[TIMED_READS / 2]),
        ms(took[TIMED_READS * 9 / 10])
    );
    // One post of a small account (1 follower: fanned out) and one of a big account (merged).
    for (label, name) in [
        ("a post of a small account, fanned out", "author000"),
        ("a post of a big account (not fanned out)", names.last().unwrap().as_str()),
    ] {
        let author = user(name).await;
        quiet(&stack).await;
        let before = stack.ctx().requests.counts();
        let media = post(&author, "one more".into());
        store.create_media(&media, None).await.unwrap();
        quiet(&stack).await;
        rows.push(row(label, &stack.ctx().requests.counts().since(&before)));
    }
    println!("| what | DynamoDB requests | items read | by operation |\n|---|---:|---:|---|");
    for r in rows {
        println!("{r}");
    }
    stack.shutdown().await;
    let _ = moto.kill().await;
}
