//! DynamoDB requests per route, counted by the store's SDK interceptor around each invocation
//! (not by reading code): every HTTP route is called once on its normal path and must stay
//! within the budget `docs/request-budgets.md` gives it, and no route may issue a Scan.
//! The budgets file is the table operators read; this test keeps it honest.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use mediashare_local::InvocationCost;
use serde_json::{Value, json};
use support::{Auth, TestApp, TestResponse, TestUser, eventually};

/// `function → budget` from the table in `docs/request-budgets.md`.
fn budgets() -> BTreeMap<String, u64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/request-budgets.md");
    let text = std::fs::read_to_string(&path).expect("docs/request-budgets.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `function` | route | budget | measured | by operation |
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_owned(), cells.get(3)?.parse().ok()?))
        })
        .collect()
}

/// Calls routes one at a time and keeps what each invocation cost.
struct Meter<'a> {
    app: &'a TestApp,
    measured: BTreeMap<String, InvocationCost>,
}

impl Meter<'_> {
    /// Sends one request (nothing else may be in flight) and records the cost of the function
    /// that served it; `ok` lists the statuses of the path being measured.
    async fn call(&mut self, method: &str, path: &str, body: Option<Value>, auth: &Auth, ok: &[u16]) -> TestResponse {
        self.app.stack.costs().take();
        let res = self.app.request(method, path, body, auth).await;
        assert!(ok.contains(&res.status), "{method} {path} → {} {:?}", res.status, res.body);
        let mut costs = self.app.stack.costs().take();
        assert_eq!(costs.len(), 1, "{method} {path}: one invocation expected, got {costs:?}");
        let cost = costs.remove(0);
        self.measured.insert(cost.function.clone(), cost);
        res
    }
}

fn text(res: &TestResponse, field: &str) -> String {
    res.body[field].as_str().unwrap_or_else(|| panic!("{field} in {:?}", res.body)).to_owned()
}

async fn sign_up_verified(app: &TestApp, meter: &mut Meter<'_>) -> TestUser {
    let (username, email) = app.new_identity("b");
    let password = "correct horse battery".to_owned();
    let body = json!({"username": username, "email": email, "password": password});
    meter.call("POST", "/api/users", Some(body), &Auth::None, &[201]).await;
    let code = app.code_in_email(&email, 1).await;
    meter.call("POST", &format!("/api/users/{username}/verify/{code}"), Some(json!({})), &Auth::None, &[200]).await;
    let login = json!({"username": username, "password": password});
    let tokens = meter.call("POST", "/api/users/sign-in", Some(login), &Auth::None, &[200]).await;
    TestUser { username, email, password, access: text(&tokens, "accessToken"), refresh: text(&tokens, "refreshToken") }
}

#[tokio::test]
async fn every_route_stays_within_its_dynamodb_budget_and_never_scans() {
    let env = BTreeMap::from([("VERIFICATION_RESEND_COOLDOWN_SECONDS".to_owned(), "0".to_owned())]);
    let app = TestApp::spawn_with(env).await;
    let mut m = Meter { app: &app, measured: BTreeMap::new() };
    let carol = app.verified_user().await;

    // Accounts and sessions.
    let alice = sign_up_verified(&app, &mut m).await;
    let bob = app.verified_user().await;
    let (a, b) = (alice.auth(), bob.auth());
    let user = format!("/api/users/{}", alice.username);
    let refreshed =
        m.call("POST", "/api/auth/refresh", Some(json!({"refreshToken": alice.refresh})), &Auth::None, &[200]).await;
    let logout = json!({"refreshToken": text(&refreshed, "refreshToken")});
    m.call("POST", "/api/auth/logout", Some(logout), &a, &[204]).await;
    m.call("GET", "/.well-known/jwks.json", None, &Auth::None, &[200]).await;
    let pending = app.unverified_user().await;
    m.call("POST", "/api/users/resend-email", Some(json!({})), &pending.auth(), &[202]).await;
    m.call("PUT", &format!("{user}/newApiKey"), Some(json!({})), &a, &[201]).await;
    m.call("GET", &user, None, &a, &[200]).await;
    m.call("GET", "/api/users", None, &Auth::None, &[200]).await;
    m.call("GET", "/api/users/search/b", None, &Auth::None, &[200]).await;
    m.call("PUT", &user, Some(json!({"displayName": "Alice", "bio": "hi"})), &a, &[200]).await;

    // Follows.
    m.call("POST", &format!("/api/follows/{}", alice.username), Some(json!({})), &b, &[201]).await;
    app.post(&format!("/api/follows/{}", carol.username), json!({}), &b).await.assert_status(201);
    m.call("DELETE", &format!("/api/follows/{}", carol.username), None, &b, &[204]).await;
    m.call("GET", &format!("{user}/followers"), None, &b, &[200]).await;
    m.call("GET", &format!("/api/users/{}/followings", bob.username), None, &b, &[200]).await;

    // Medias.
    let post = json!({"kind": "post", "body": "Budgets matter", "tags": ["costs"]});
    let media = text(&m.call("POST", "/api/medias", Some(post), &a, &[201]).await, "url");
    let path = format!("/api/medias/{media}");
    m.call("GET", &path, None, &b, &[200]).await;
    m.call("GET", "/api/medias", None, &Auth::None, &[200]).await;
    m.call("GET", "/api/medias/search/budg", None, &Auth::None, &[200]).await;
    m.call("PUT", &path, Some(json!({"description": "About costs"})), &a, &[200]).await;
    m.call("POST", &format!("{path}/tag/money"), Some(json!({})), &a, &[200, 201]).await;
    m.call("DELETE", &format!("{path}/tag/money"), None, &a, &[200, 204]).await;
    m.call("POST", &format!("{path}/likes"), Some(json!({})), &b, &[201]).await;
    m.call("DELETE", &format!("{path}/likes"), None, &b, &[200, 204]).await;
    m.call("POST", &format!("{path}/reposts"), Some(json!({})), &b, &[201]).await;
    m.call("DELETE", &format!("{path}/reposts"), None, &b, &[200, 204]).await;
    m.call("GET", &format!("{user}/timeline"), None, &Auth::None, &[200]).await;

    // Comments.
    let comments = format!("/api/comments/medias/{media}");
    let comment = text(&m.call("POST", &comments, Some(json!({"body": "Nice"})), &b, &[201]).await, "url");
    let c = format!("/api/comments/{comment}");
    app.post(&comments, json!({"body": "Thanks", "replyTo": comment}), &a).await.assert_status(201);
    m.call("GET", &c, None, &Auth::None, &[200]).await;
    m.call("GET", &comments, None, &Auth::None, &[200]).await;
    m.call("GET", &format!("{c}/replies"), None, &Auth::None, &[200]).await;
    m.call("PUT", &c, Some(json!({"body": "Very nice"})), &b, &[200]).await;
    m.call("POST", &format!("{c}/likes"), Some(json!({})), &a, &[201]).await;
    m.call("DELETE", &format!("{c}/likes"), None, &a, &[200, 204]).await;
    m.call("DELETE", &c, None, &b, &[204]).await;

    // Playlists.
    let other = text(&app.post("/api/medias", json!({"kind": "post", "body": "Second"}), &a).await, "url");
    let created = m.call("POST", "/api/playlists", Some(json!({"title": "Budget mix"})), &a, &[201]).await;
    let list = format!("/api/playlists/{}", text(&created, "url"));
    let entry = |media: &str| format!("/api/medias/{media}/playlists/{}", text(&created, "url"));
    app.post(&entry(&other), json!({}), &a).await.assert_status(201);
    m.call("POST", &entry(&media), Some(json!({})), &a, &[201]).await;
    m.call("PUT", &entry(&media), Some(json!({"position": 0})), &a, &[200]).await;
    m.call("GET", &list, None, &Auth::None, &[200]).await;
    m.call("GET", "/api/playlists", None, &Auth::None, &[200]).await;
    m.call("GET", &format!("{list}/medias"), None, &Auth::None, &[200]).await;
    m.call("GET", "/api/playlists/search/budg", None, &Auth::None, &[200]).await;
    m.call("PUT", &list, Some(json!({"title": "Budget mix 2"})), &a, &[200]).await;
    m.call("DELETE", &entry(&media), None, &a, &[200, 204]).await;
    m.call("DELETE", &list, None, &a, &[204]).await;

    // Uploads and files (the medias stay `uploading`: routes answer 409 after the same reads).
    let file = |name: &str, kind: &str, size: u64| json!({"filename": name, "contentType": kind, "size": size});
    m.call("POST", "/api/photos/upload", Some(file("a.jpg", "image/jpeg", 1000)), &a, &[201]).await;
    m.call("POST", "/api/videos/upload", Some(file("a.mp4", "video/mp4", 1000)), &a, &[201]).await;
    m.call("POST", "/api/musics/upload", Some(file("a.mp3", "audio/mpeg", 1000)), &a, &[201]).await;
    let mut file_medias = BTreeMap::new();
    for kind in ["photo", "video", "music"] {
        let upload = app.fake_upload(&alice, kind).await;
        let created = app.post("/api/medias", json!({"kind": kind, "title": "t", "fileUrl": upload}), &a).await;
        created.assert_status(201);
        file_medias.insert(kind, text(&created, "url"));
    }
    let subtitles = format!("/api/medias/{}/subtitles/fr", file_medias["video"]);
    m.call("PUT", &subtitles, Some(file("fr.vtt", "text/vtt", 100)), &a, &[201]).await;
    let cover = format!("/api/medias/{}/cover", file_medias["music"]);
    m.call("PUT", &cover, Some(file("c.jpg", "image/jpeg", 1000)), &a, &[201]).await;
    m.call("PUT", &format!("{user}/profile-photo"), Some(file("p.jpg", "image/jpeg", 1000)), &a, &[201]).await;
    m.call("PUT", &format!("{user}/channel-photo"), Some(file("c.jpg", "image/jpeg", 1000)), &a, &[201]).await;
    for (kind, route) in [("photo", "photos"), ("video", "videos"), ("music", "musics")] {
        m.call("GET", &format!("/api/{route}/{}", file_medias[kind]), None, &Auth::None, &[302, 409]).await;
    }

    // Timelines and notifications (derived by the stream consumer: wait until they exist).
    eventually("bob's home timeline", Duration::from_secs(30), || async {
        let res = app.get("/api/timeline/home", &b).await;
        (res.body["items"].as_array().is_some_and(|i| !i.is_empty())).then_some(())
    })
    .await;
    m.call("GET", "/api/timeline/home", None, &b, &[200]).await;
    eventually("alice's notifications", Duration::from_secs(30), || async {
        let res = app.get("/api/notifications", &a).await;
        (res.body["items"].as_array().is_some_and(|i| i.len() >= 2)).then_some(())
    })
    .await;
    m.call("GET", "/api/notifications", None, &a, &[200]).await;
    m.call("POST", "/api/notifications/read", Some(json!({"all": true})), &a, &[204]).await;

    // Docs, and the deletes last.
    m.call("GET", "/docs/openapi.json", None, &Auth::None, &[200]).await;
    m.call("DELETE", &path, None, &a, &[204]).await;
    m.call("DELETE", &user, None, &a, &[204]).await;

    let budgets = budgets();
    let mut report =
        String::from("| function | requests | items read | items written (in transactions) | by operation |\n");
    for (function, cost) in &m.measured {
        let ops: Vec<String> = cost.counts.requests.iter().map(|(op, n)| format!("{op} {n}")).collect();
        let c = &cost.counts;
        let written = format!("{} ({})", c.items_written, c.items_written_in_transactions);
        report.push_str(&format!(
            "| `{function}` | {} | {} | {written} | {} |\n",
            c.total_requests(),
            c.items_read,
            ops.join(", ")
        ));
    }
    println!("{report}");
    let http_functions: Vec<&str> = mediashare::registry::FUNCTIONS
        .iter()
        .filter(|f| matches!(f.handler, mediashare::registry::Handler::Http(_)))
        .map(|f| f.name)
        .collect();
    let unmeasured: Vec<&&str> = http_functions.iter().filter(|f| !m.measured.contains_key(**f)).collect();
    assert!(unmeasured.is_empty(), "routes this test does not call: {unmeasured:?}");
    let unbudgeted: Vec<&&str> = http_functions.iter().filter(|f| !budgets.contains_key(**f)).collect();
    assert!(unbudgeted.is_empty(), "routes without a budget in docs/request-budgets.md: {unbudgeted:?}");
    let mut over = Vec::new();
    for (function, cost) in &m.measured {
        assert!(!cost.counts.requests.contains_key("Scan"), "{function} issued a Scan: {:?}", cost.counts);
        let used = cost.counts.total_requests();
        if used > budgets[function] {
            over.push(format!("{function}: {used} > {}", budgets[function]));
        }
    }
    assert!(over.is_empty(), "over budget (measured table above):\n{}", over.join("\n"));
}
