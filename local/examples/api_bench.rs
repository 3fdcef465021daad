//! Warm latency per route and a bounded load test, on the local runner against moto.
//!
//! `make bench-api` (release build; needs `make tools` for moto and `wrk` for the load phase).
//!
//! 1. **Warm latency**: for each route, 300 sequential requests after a warm-up, p50/p99,
//!    against the bare DynamoDB call the route wraps (same emulator, same item, same SDK, run
//!    alternately with the route), so the ratio is the handler's overhead: HTTP, the API Gateway
//!    event round trip, auth, validation, the rest of its reads and the JSON view.
//! 2. **Load**: `wrk` (Lua script `tools/bench/mixed.lua`) drives a mixed read workload over the
//!    loopback (20 s by default); throughput, latency percentiles and error count — and the
//!    JWKS route alone, which touches no DynamoDB: the runner's own ceiling next to moto's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use bench_stack::root;
use serde_json::{Value, json};

#[path = "shared/bench_stack.rs"]
mod bench_stack;

/// Unmeasured requests first (connection pools, caches, branch predictors).
const WARMUP: usize = 30;

/// `--rounds N` (measured requests per route and per bare call, default 300) and `--seconds S`
/// (length of each load run, default 20).
fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The API as a client sees it.
struct Api {
    http: reqwest::Client,
    base: String,
    endpoint: String,
}

impl Api {
    async fn send(&self, method: &str, path: &str, body: Option<Value>, token: Option<&str>) -> Value {
        let mut rb = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(body) = body {
            rb = rb.json(&body);
        }
        if let Some(token) = token {
            rb = rb.bearer_auth(token);
        }
        let res = rb.send().await.unwrap();
        let status = res.status();
        let value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path} → {status} {value}");
        value
    }

    /// Signs `name` up, verifies the address with the emailed code, signs in: the access token.
    async fn verified_user(&self, name: &str) -> String {
        let email = format!("{name}@bench.example.com");
        let password = "correct horse battery";
        self.send("POST", "/api/users", Some(json!({"username": name, "email": email, "password": password})), None)
            .await;
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            let data: Value = self
                .http
                .get(format!("{}/moto-api/data.json", self.endpoint))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let subject = data["ses"]["Message"].as_array().into_iter().flatten().find_map(|m| {
                let to_me = m["destinations"]["ToAddresses"].as_array()?.iter().any(|a| a == email.as_str());
                to_me.then(|| m["subject"].as_str().unwrap_or_default().to_owned())
            });
            if let Some(subject) = subject {
                break subject.rsplit(' ').next().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "no verification email for {name}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        self.send("POST", &format!("/api/users/{name}/verify/{code}"), Some(json!({})), None).await;
        let tokens =
            self.send("POST", "/api/users/sign-in", Some(json!({"username": name, "password": password})), None).await;
        tokens["accessToken"].as_str().unwrap().to_owned()
    }
}

/// p50 and p99 of `samples`, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.99))
}

#[tokio::main]
async fn main() {
    let (_moto, endpoint) = bench_stack::moto().await;
    let stack = bench_stack::stack(&endpoint, BTreeMap::new()).await;
    let api = Api { http: reqwest::Client::new(), base: stack.base_url().to_owned(), endpoint };
    let dynamo = aws_sdk_dynamodb::Client::new(stack.sdk_config());
    let table = stack.physical_name("Table").unwrap().to_owned();

    // A small world: Alice posts 30 text medias, Bob follows her and comments on one.
    let alice = api.verified_user("alice").await;
    let bob = api.verified_user("bob").await;
    api.send("POST", "/api/follows/alice", Some(json!({})), Some(&bob)).await;
    let mut medias = Vec::new();
    for i in 0..30 {
        let post = json!({"kind": "post", "body": format!("post number {i}"), "tags": ["bench"]});
        medias
            .push(api.send("POST", "/api/medias", Some(post), Some(&alice)).await["url"].as_str().unwrap().to_owned());
    }
    let media = medias[0].clone();
    for i in 0..5 {
        api.send("POST", &format!("/api/comments/medias/{media}"), Some(json!({"body": format!("c{i}")})), Some(&bob))
            .await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while api.send("GET", "/api/timeline/home?limit=20", None, Some(&bob)).await["items"].as_array().unwrap().len() < 20
    {
        assert!(Instant::now() < deadline, "home timeline not fanned out");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let rounds = arg("--rounds", 300);
    let home = mediashare::store::keys::home_pk("bob");
    let cases = vec![
        Case::get("GET /.well-known/jwks.json", "/.well-known/jwks.json", 0.0),
        Case::get("GET /api/users/{username}", "/api/users/alice", 0.10).bare(Bare::GetItem {
            what: "GetItem profile",
            pk: "USER#alice".into(),
            sk: "PROFILE",
        }),
        Case::get("GET /api/medias/{url}", &format!("/api/medias/{media}"), 0.30).bare(Bare::GetItem {
            what: "GetItem media",
            pk: mediashare::store::keys::media_pk(&media),
            sk: mediashare::store::keys::MEDIA,
        }),
        Case::get("GET /api/medias", "/api/medias?limit=20", 0.15)
            .bare(Bare::Query { what: "Query GSI1, 20 items", pk: mediashare::store::keys::ALL_MEDIAS.into() }),
        Case::get("GET /api/comments/medias/{url}", &format!("/api/comments/medias/{media}"), 0.10)
            .bare(Bare::Query { what: "Query GSI1, 5 items", pk: mediashare::store::keys::media_comments(&media) }),
        Case::get("GET /api/timeline/home", "/api/timeline/home?limit=20", 0.20)
            .token(&bob)
            .bare(Bare::Query { what: "Query GSI1, 20 items", pk: home }),
        Case::get("POST /api/medias/{url}/likes", &format!("/api/medias/{}/likes", medias[1]), 0.10)
            .method("POST")
            .token(&bob)
            .undo("DELETE"),
        Case::get("POST /api/comments/medias/{url}", &format!("/api/comments/medias/{}", medias[2]), 0.05)
            .method("POST")
            .body(json!({"body": "a comment"}))
            .token(&alice),
    ];

    println!(
        "## Warm latency ({rounds} sequential requests per row after {WARMUP} warm-up, alternated with the bare call)\n"
    );
    println!("| route | DynamoDB requests | route p50 / p99 (ms) | bare call | bare p50 / p99 (ms) | p50 ratio |");
    println!("|---|---:|---:|---|---:|---:|");
    let mut costed = Vec::new();
    for case in &cases {
        for _ in 0..WARMUP {
            case.send(&api).await;
            case.reset(&api).await;
            if let Some(bare) = &case.bare {
                bare.run(&dynamo, &table).await;
            }
        }
        let (mut routed, mut bared) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
        let mut counts = None;
        for _ in 0..rounds {
            stack.costs().take();
            let t = Instant::now();
            case.send(&api).await;
            routed.push(t.elapsed());
            counts = stack.costs().take().pop().map(|c| c.counts);
            case.reset(&api).await;
            if let Some(bare) = &case.bare {
                let t = Instant::now();
                bare.run(&dynamo, &table).await;
                bared.push(t.elapsed());
            }
        }
        let counts = counts.unwrap_or_default();
        let (r50, r99) = percentiles(&mut routed);
        let label = case.label;
        match &case.bare {
            Some(bare) => {
                let (b50, b99) = percentiles(&mut bared);
                let what = bare.what();
                let n = counts.total_requests();
                println!(
                    "| `{label}` | {n} | {r50:.2} / {r99:.2} | {what} | {b50:.2} / {b99:.2} | {:.2}× |",
                    r50 / b50
                );
            }
            None => println!("| `{label}` | {} | {r50:.2} / {r99:.2} | – | – | – |", counts.total_requests()),
        }
        costed.push((case.label, case.share, r50, counts));
    }
    cost(&costed);

    // Anonymous reads make the load mix.
    let load_paths: Vec<String> =
        cases.iter().filter(|c| c.method == "GET" && c.token.is_none()).map(|c| c.path.clone()).collect();
    load(&api.base, &load_paths).await;
    stack.shutdown().await;
}

/// A route measured by the bench.
struct Case<'a> {
    label: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
    token: Option<&'a str>,
    /// A request (same path) that undoes the measured one before the next round, unmeasured.
    undo: Option<&'static str>,
    bare: Option<Bare>,
    /// Its share of the request mix the cost estimate prices.
    share: f64,
}

impl<'a> Case<'a> {
    fn get(label: &'static str, path: &str, share: f64) -> Self {
        Case { label, method: "GET", path: path.into(), body: None, token: None, undo: None, bare: None, share }
    }
    fn method(self, method: &'static str) -> Self {
        Case { method, ..self }
    }
    fn body(self, body: Value) -> Self {
        Case { body: Some(body), ..self }
    }
    fn token(self, token: &'a str) -> Self {
        Case { token: Some(token), ..self }
    }
    fn undo(self, method: &'static str) -> Self {
        Case { undo: Some(method), ..self }
    }
    fn bare(self, bare: Bare) -> Self {
        Case { bare: Some(bare), ..self }
    }

    async fn request(&self, api: &Api, method: &str) {
        let mut rb = api.http.request(method.parse().unwrap(), format!("{}{}", api.base, self.path));
        if let Some(token) = self.token {
            rb = rb.bearer_auth(token);
        }
        if let (Some(body), true) = (&self.body, method == self.method) {
            rb = rb.json(body);
        }
        let res = rb.send().await.unwrap();
        assert!(res.status().is_success(), "{method} {}: {}", self.path, res.status());
        res.bytes().await.unwrap();
    }

    async fn send(&self, api: &Api) {
        self.request(api, self.method).await;
    }

    async fn reset(&self, api: &Api) {
        if let Some(undo) = self.undo {
            self.request(api, undo).await;
        }
    }
}

/// The DynamoDB call a read route wraps, made with the bare SDK.
enum Bare {
    GetItem { what: &'static str, pk: String, sk: &'static str },
    Query { what: &'static str, pk: String },
}

impl Bare {
    fn what(&self) -> &'static str {
        match self {
            Bare::GetItem { what, .. } | Bare::Query { what, .. } => what,
        }
    }

    async fn run(&self, dynamo: &aws_sdk_dynamodb::Client, table: &str) {
        match self {
            Bare::GetItem { pk, sk, .. } => {
                let key = dynamo.get_item().table_name(table).key("PK", s(pk.clone())).key("SK", s(*sk));
                key.consistent_read(true).send().await.unwrap();
            }
            Bare::Query { pk, .. } => {
                dynamo
                    .query()
                    .table_name(table)
                    .index_name("GSI1")
                    .key_condition_expression("GSI1PK = :pk")
                    .expression_attribute_values(":pk", s(pk.clone()))
                    .scan_index_forward(false)
                    .limit(20)
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

/// List prices, us-east-1, arm64, on-demand, as published in November 2026 (USD).
mod price {
    /// Lambda requests, per request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
    /// Lambda arm64 compute, per GB-second.
    pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
    /// API Gateway HTTP API, per request (first 300 M a month).
    pub const HTTP_API_REQUEST: f64 = 1.00 / 1e6;
    /// DynamoDB on-demand read request unit.
    pub const READ_UNIT: f64 = 0.125 / 1e6;
    /// DynamoDB on-demand write request unit.
    pub const WRITE_UNIT: f64 = 0.625 / 1e6;
    /// CloudWatch Logs ingestion, per GB.
    pub const LOG_GB: f64 = 0.50;
}

/// Memory of the API functions (template Globals).
const API_MEMORY_GB: f64 = 0.25;
/// Bytes of log per request (one JSON line of the runtime + one of the handler).
const LOG_BYTES: f64 = 600.0;

/// Prices one million requests of the mix from the measured durations and DynamoDB requests.
fn cost(rows: &[(&str, f64, f64, mediashare::store::metrics::Counts)]) {
    let total_share: f64 = rows.iter().map(|r| r.1).sum();
    println!("\n## Cost of 1 M API requests (mix below; p50 as billed duration, rounded up to 1 ms)\n");
    println!(
        "| route | share | billed ms | read units | write units | USD per 1 M of this route | of which Lambda compute |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut total, mut compute_total) = (0.0, 0.0);
    for (label, share, p50, counts) in rows.iter().filter(|r| r.1 > 0.0) {
        let billed_ms = p50.ceil();
        // Strongly consistent reads of items under 4 KB: one unit per item (at least one per
        // read request); writes of items under 1 KB: one unit per item, two in a transaction.
        let read_requests: u64 =
            ["GetItem", "Query", "BatchGetItem"].iter().map(|op| counts.requests.get(*op).copied().unwrap_or(0)).sum();
        let rru = counts.items_read.max(read_requests) as f64;
        let wru = (counts.items_written + counts.items_written_in_transactions) as f64;
        let compute = API_MEMORY_GB * billed_ms / 1000.0 * price::LAMBDA_GB_SECOND;
        let per_request = price::LAMBDA_REQUEST
            + compute
            + price::HTTP_API_REQUEST
            + rru * price::READ_UNIT
            + wru * price::WRITE_UNIT
            + LOG_BYTES / 1e9 * price::LOG_GB;
        let weight = share / total_share;
        total += weight * per_request * 1e6;
        compute_total += weight * compute * 1e6;
        let (share, usd, compute) = (weight * 100.0, per_request * 1e6, compute * 1e6);
        println!("| `{label}` | {share:.0} % | {billed_ms:.0} | {rru:.0} | {wru:.0} | {usd:.2} | {compute:.2} |");
    }
    println!("| **mix** | 100 % | | | | **{total:.2}** | {compute_total:.2} |");
}

/// Runs wrk over the anonymous DynamoDB-backed routes, mixed evenly, and over the JWKS route
/// alone (no DynamoDB: the runner's own ceiling), and prints wrk's summaries.
async fn load(base: &str, paths: &[String]) {
    let Some(wrk) = which("wrk") else {
        println!("\n(load phase skipped: `wrk` is not installed — `make bench-api` installs it)");
        return;
    };
    let script = root().join("tools/bench/mixed.lua");
    let seconds = arg("--seconds", 20);
    let (mixed, jwks): (Vec<&String>, Vec<&String>) = paths.iter().partition(|p| !p.contains("jwks"));
    let join = |p: &[&String]| p.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
    for (what, list) in [("mixed reads", join(&mixed)), ("JWKS only (no DynamoDB)", join(&jwks))] {
        let out = tokio::process::Command::new(&wrk)
            .args(["-t2", "-c8", &format!("-d{seconds}s"), "--timeout", "10s", "--latency", "-s"])
            .arg(&script)
            .arg(base)
            .env("BENCH_PATHS", &list)
            .output()
            .await
            .expect("wrk runs");
        let text = String::from_utf8_lossy(&out.stdout);
        println!("\n## Load: {what} — wrk -t2 -c8 -d{seconds}s over {list}\n\n```\n{text}```");
        assert!(out.status.success(), "wrk failed: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("Non-2xx"), "errors under load:\n{text}");
        assert!(!text.contains("Socket errors"), "socket errors under load:\n{text}");
    }
}

/// `program`'s path on `PATH`, if it is installed.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
}
