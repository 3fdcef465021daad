//! Test helpers: a whole stack (own table, queues and buckets on the shared emulator) served
//! by the local runner on a free port, and a client per user. Helpers hide HTTP plumbing,
//! never assertions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub mod media;

use mediashare_local::{SecretsSource, Stack, StackOptions};
use serde_json::{Value, json};

/// A running stack and an HTTP client for it.
pub struct TestApp {
    pub stack: Stack,
    pub http: reqwest::Client,
    pub endpoint: String,
    /// The test's own emulator (restartable: see [`Moto::restart`]).
    pub moto: Moto,
}

/// An emulator of the test's own: state never mixes with other tests, and reading back sent
/// mail (moto's whole-state dump) stays cheap. Killed when the test ends.
pub struct Moto {
    pub endpoint: String,
    port: u16,
    child: tokio::process::Child,
}

impl Moto {
    /// Starts moto through `tools/moto_server.py` (atomic DynamoDB) with the project's
    /// `.venv` Python (or `$MOTO_PYTHON`) on a free port, and waits until it answers.
    pub async fn start() -> Self {
        // Port 0: moto binds a free port itself and logs it. Picking a free port here and
        // handing it over raced: a concurrent test could be given the same port in between,
        // and this test then talked to that test's emulator until it was killed ("connection
        // refused" at a stack start, seen once in a clean `make test`).
        let (child, port) = Self::spawn(0).await;
        Self { endpoint: format!("http://127.0.0.1:{port}"), port, child }
    }

    /// Kills the emulator and starts a fresh one on the same port, as an operator restarting
    /// it would: every table, queue, bucket and sent email is gone. Returns once it answers.
    pub async fn restart(&mut self) {
        self.child.kill().await.expect("moto stops");
        self.child = Self::spawn(self.port).await.0;
    }

    /// Spawns moto on `port` (0: any free one); returns it with the port it listens on.
    async fn spawn(port: u16) -> (tokio::process::Child, u16) {
        use tokio::io::AsyncBufReadExt;

        let python =
            std::env::var("MOTO_PYTHON").map(PathBuf::from).unwrap_or_else(|_| repo_root().join(".venv/bin/python"));
        assert!(python.exists(), "{} not found: run the suite with `make test`", python.display());
        let mut child = tokio::process::Command::new(&python)
            .arg(repo_root().join("tools/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server starts");
        // Its log: the startup line names the port; the rest (a line per request) is drained
        // so moto never blocks on a full pipe.
        let mut log = tokio::io::BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        let listening = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = log.next_line().await {
                if let Some((_, port)) = line.split_once("Running on http://127.0.0.1:") {
                    return port.trim().parse::<u16>().ok();
                }
            }
            None
        });
        let port = listening.await.ok().flatten().expect("moto logs the port it listens on");
        tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let probe = format!("{endpoint}/moto-api/");
        eventually("moto to answer", Duration::from_secs(60), || async {
            http.get(&probe).send().await.ok().map(|_| ())
        })
        .await;
        (child, port)
    }
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl TestResponse {
    /// Panics with the body when the status differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts a problem+json error with `status`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Self {
        self.assert_status(status);
        let ct = self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(ct, "application/problem+json", "not a problem: {}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string() && self.body["type"].is_string());
        self
    }

    /// The field names of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Bearer(String),
    ApiKey(String),
}

/// A signed-up user.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

impl TestUser {
    pub fn auth(&self) -> Auth {
        Auth::Bearer(self.access.clone())
    }
}

/// A short random lowercase name.
pub fn random_name(prefix: &str) -> String {
    let raw = mediashare::auth::random::token(12).to_ascii_lowercase();
    let clean: String = raw.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit()).take(10).collect();
    format!("{prefix}{clean}")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Polls `probe` until it returns `Some`, failing after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < deadline, "timed out after {deadline:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl TestApp {
    /// A fresh stack with the template's settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(BTreeMap::new()).await
    }

    /// A fresh stack with some environment overridden.
    pub async fn spawn_with(env: BTreeMap<String, String>) -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            mediashare::telemetry::init("tests"); // logs only when asked for: RUST_LOG=info
        }
        let moto = Moto::start().await;
        let endpoint = moto.endpoint.clone();
        let opts = StackOptions {
            stack_name: random_name("t"),
            template_path: repo_root().join("template.yaml"),
            http_addr: "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
            secrets: SecretsSource::Ephemeral,
            env_overrides: env,
            parameter_overrides: BTreeMap::new(),
            poll_wait: Duration::from_secs(1),
            endpoint_url: Some(endpoint.clone()),
        };
        let stack = Stack::start(opts).await.expect("stack starts");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { stack, http, endpoint, moto }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.stack.base_url(), path)
    }

    /// Sends a request.
    pub async fn request(&self, method: &str, path: &str, body: Option<Value>, auth: &Auth) -> TestResponse {
        let mut rb = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb = match auth {
            Auth::None => rb,
            Auth::Bearer(t) => rb.bearer_auth(t),
            Auth::ApiKey(k) => rb.header("x-api-key", k),
        };
        Self::read(rb.send().await.expect("request sent")).await
    }

    pub async fn read(res: reqwest::Response) -> TestResponse {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        TestResponse { status, headers, text, body }
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> TestResponse {
        self.request("GET", path, None, auth).await
    }

    /// POST with owned arguments (for closures that build a future).
    pub async fn post_owned(&self, path: String, body: Value, auth: Auth) -> TestResponse {
        self.request("POST", &path, Some(body), &auth).await
    }

    /// GET with owned arguments (for closures that build a future).
    pub async fn get_owned(&self, path: String, auth: Auth) -> TestResponse {
        self.request("GET", &path, None, &auth).await
    }

    pub async fn post(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.request("POST", path, Some(body), auth).await
    }

    pub async fn put(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.request("PUT", path, Some(body), auth).await
    }

    pub async fn delete(&self, path: &str, auth: &Auth) -> TestResponse {
        self.request("DELETE", path, None, auth).await
    }

    /// An unused username and an email address unique across stacks.
    pub fn new_identity(&self, prefix: &str) -> (String, String) {
        let username = random_name(prefix);
        let email = format!("{username}@{}.example.com", self.stack_name());
        (username, email)
    }

    pub fn stack_name(&self) -> String {
        self.stack.physical_name("Table").unwrap().trim_end_matches("-table").to_owned()
    }

    /// Signs up; returns the response.
    pub async fn sign_up(&self, username: &str, email: &str, password: &str) -> TestResponse {
        self.post("/api/users", json!({"username": username, "email": email, "password": password}), &Auth::None).await
    }

    /// Signs in; returns (access, refresh).
    pub async fn sign_in(&self, login: &str, password: &str) -> (String, String) {
        let res = self.post("/api/users/sign-in", json!({"username": login, "password": password}), &Auth::None).await;
        res.assert_status(200);
        (res.body["accessToken"].as_str().unwrap().to_owned(), res.body["refreshToken"].as_str().unwrap().to_owned())
    }

    /// Every email the emulator's SES holds for `to`: (subject, body).
    pub async fn emails_to(&self, to: &str) -> Vec<(String, String)> {
        // moto's state dump sometimes fails while other stacks write concurrently: retry.
        let data: Value = eventually("moto state dump", Duration::from_secs(10), || async {
            let res = self.http.get(format!("{}/moto-api/data.json", self.endpoint)).send().await.ok()?;
            res.json::<Value>().await.ok()
        })
        .await;
        data["ses"]["Message"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["destinations"]["ToAddresses"].as_array().is_some_and(|a| a.iter().any(|x| x == to)))
            .map(|m| (m["subject"].as_str().unwrap_or("").to_owned(), m["body"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    /// Waits for the `n`th email to `to` (1-based) and returns it.
    pub async fn nth_email(&self, to: &str, n: usize) -> (String, String) {
        eventually(&format!("email #{n} to {to}"), Duration::from_secs(30), || async {
            self.emails_to(to).await.get(n - 1).cloned()
        })
        .await
    }

    /// The 6-digit code of the `n`th email to `to`.
    pub async fn code_in_email(&self, to: &str, n: usize) -> String {
        let (subject, _) = self.nth_email(to, n).await;
        subject.rsplit(' ').next().unwrap().to_owned()
    }

    /// A user who signed up but did not verify, signed in.
    pub async fn unverified_user(&self) -> TestUser {
        let (username, email) = self.new_identity("u");
        let password = "correct horse battery".to_owned();
        self.sign_up(&username, &email, &password).await.assert_status(201);
        let (access, refresh) = self.sign_in(&username, &password).await;
        TestUser { username, email, password, access, refresh }
    }

    /// `n` verified users, made a few at a time (the emulator is not the thing under test).
    pub async fn verified_users(&self, n: usize) -> Vec<TestUser> {
        let mut users = Vec::with_capacity(n);
        while users.len() < n {
            let batch = (n - users.len()).min(4);
            users.extend(join_all((0..batch).map(|_| self.verified_user())).await);
        }
        users
    }

    /// A verified, signed-in user.
    pub async fn verified_user(&self) -> TestUser {
        let user = self.unverified_user().await;
        let code = self.code_in_email(&user.email, 1).await;
        self.post(&format!("/api/users/{}/verify/{code}", user.username), json!({}), &Auth::None)
            .await
            .assert_status(200);
        user
    }

    /// The table's SDK client.
    pub fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(self.stack.sdk_config())
    }

    /// Writes an upload record as step 3's upload route leaves it (owner, kind, object key) and
    /// returns its id, the `fileUrl` a media is created with.
    pub async fn fake_upload(&self, owner: &TestUser, kind: &str) -> String {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        let table = self.stack.physical_name("Table").unwrap().to_owned();
        let profile = self
            .dynamo()
            .get_item()
            .table_name(&table)
            .key("PK", S(format!("USER#{}", owner.username)))
            .key("SK", S("PROFILE".into()))
            .send()
            .await
            .unwrap();
        let uid = profile.item.unwrap()["uid"].as_s().unwrap().clone();
        let id = random_name("up");
        self.dynamo()
            .put_item()
            .table_name(&table)
            .item("PK", S(format!("UPLOAD#{id}")))
            .item("SK", S("#".into()))
            .item("ownerUid", S(uid))
            .item("owner", S(owner.username.clone()))
            .item("kind", S(kind.into()))
            .item("key", S(format!("uploads/{kind}/{id}")))
            .send()
            .await
            .unwrap();
        id
    }

    /// Number of items in the table (tests only: a Scan is fine here), leaving out what the
    /// stream consumer derives later (notifications, feed and home-timeline entries), which
    /// would otherwise race with a before/after comparison.
    pub async fn item_count(&self) -> usize {
        let out = self.dynamo().scan().table_name(self.stack.physical_name("Table").unwrap()).send().await.unwrap();
        out.items.unwrap_or_default().iter().filter(|it| !is_derived(it)).count()
    }

    /// The account id (`uid`) of `user`, as its access tokens carry it.
    pub async fn uid_of(&self, user: &TestUser) -> String {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        let table = self.stack.physical_name("Table").unwrap();
        let profile = self
            .dynamo()
            .get_item()
            .table_name(table)
            .key("PK", S(format!("USER#{}", user.username)))
            .key("SK", S("PROFILE".into()))
            .send()
            .await
            .unwrap();
        profile.item.unwrap()["uid"].as_s().unwrap().clone()
    }

    /// Every item of the table but the derived ones (see [`is_derived`]), each rendered with its
    /// attributes in order, sorted: equal snapshots mean nothing a request writes changed.
    pub async fn table_snapshot(&self) -> Vec<String> {
        let table = self.stack.physical_name("Table").unwrap();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out =
                self.dynamo().scan().table_name(table).set_exclusive_start_key(start.take()).send().await.unwrap();
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        let mut rendered: Vec<String> = items
            .iter()
            .filter(|it| !is_derived(it))
            .map(|it| format!("{:?}", it.iter().collect::<BTreeMap<_, _>>()))
            .collect();
        rendered.sort();
        rendered
    }

    /// A snapshot once background work (mail bookkeeping after a sign-up, say) has stopped
    /// changing the table: two reads half a second apart agree.
    pub async fn settled_snapshot(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = self.table_snapshot().await;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = self.table_snapshot().await;
            if now == last {
                return now;
            }
            assert!(Instant::now() < deadline, "the table kept changing for 30 s");
            last = now;
        }
    }

    /// How many emails the emulator's SES has sent, to anyone.
    pub async fn sent_email_count(&self) -> usize {
        let data: Value = eventually("moto state dump", Duration::from_secs(10), || async {
            let res = self.http.get(format!("{}/moto-api/data.json", self.endpoint)).send().await.ok()?;
            res.json::<Value>().await.ok()
        })
        .await;
        data["ses"]["Message"].as_array().map_or(0, Vec::len)
    }
}

/// Whether `item` is written by the stream consumer (notifications, timelines).
pub fn is_derived(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> bool {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or("");
    matches!(text("type"), "notification" | "feedEntry" | "homeEntry") || text("PK").starts_with("TL#")
}

/// Runs futures concurrently (no extra crate for one helper).
pub async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send,
{
    let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs = Vec::with_capacity(futures.len());
    let mut pending: Vec<_> = futures.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.extend(results.into_iter().map(Option::unwrap));
    outputs
}
