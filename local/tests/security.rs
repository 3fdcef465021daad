//! Security through the real HTTP stack: an authorization matrix over every protected
//! operation of the OpenAPI document (so a new route is covered as soon as it is documented),
//! forged and tampered access tokens, and the resource limits a caller cannot get past (body
//! size, page size, pictures that would be huge once decoded).
//!
//! The access rule of each operation mirrors API.md's auth column and the handlers' design:
//! - no credentials, an expired token, a forged token or an unknown API key → 401;
//! - a user whose email is not verified → 403 `email-unverified` where the route needs a
//!   verified user;
//! - another verified user on a self or owner route → 403 `forbidden`: medias, comments,
//!   playlists and profiles are public (anyone can GET them), so answering 404 would hide
//!   nothing; 404 is kept for what does not exist at all.
//!
//! After every refused request the table is unchanged (every item but the derived timeline and
//! notification entries, attribute by attribute) and no email went out.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};
use mediashare::auth::jwt::Claims;
use mediashare::media::fixtures::png_claiming;
use serde_json::{Value, json};
use support::{Auth, TestApp, TestResponse, TestUser};

/// Who may call an operation besides its credentials being valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// Any authenticated user.
    Anyone,
    /// Only the account named by `{username}`.
    SelfOnly,
    /// Only the owner of the media, comment, playlist (or refresh token) it acts on.
    Owner,
}

/// The rule of every protected operation: (method, path, who, needs a verified email). A
/// documented operation missing here fails the test until someone decides its rule.
const RULES: &[(&str, &str, Who, bool)] = &[
    ("POST", "/api/auth/logout", Who::Owner, false),
    ("POST", "/api/users/resend-email", Who::Anyone, false),
    ("PUT", "/api/users/{username}", Who::SelfOnly, true),
    ("DELETE", "/api/users/{username}", Who::SelfOnly, true),
    ("PUT", "/api/users/{username}/newApiKey", Who::SelfOnly, true),
    ("PUT", "/api/users/{username}/profile-photo", Who::SelfOnly, true),
    ("PUT", "/api/users/{username}/channel-photo", Who::SelfOnly, true),
    ("GET", "/api/users/{username}/followings", Who::Anyone, false),
    ("GET", "/api/users/{username}/followers", Who::Anyone, false),
    ("POST", "/api/follows/{username}", Who::Anyone, true),
    ("DELETE", "/api/follows/{username}", Who::Anyone, true),
    ("POST", "/api/medias", Who::Anyone, true),
    ("PUT", "/api/medias/{url}", Who::Owner, true),
    ("DELETE", "/api/medias/{url}", Who::Owner, true),
    ("POST", "/api/medias/{url}/tag/{name}", Who::Owner, true),
    ("DELETE", "/api/medias/{url}/tag/{name}", Who::Owner, true),
    ("POST", "/api/medias/{url}/playlists/{playlistUrl}", Who::Owner, true),
    ("PUT", "/api/medias/{url}/playlists/{playlistUrl}", Who::Owner, true),
    ("DELETE", "/api/medias/{url}/playlists/{playlistUrl}", Who::Owner, true),
    ("POST", "/api/medias/{url}/likes", Who::Anyone, true),
    ("DELETE", "/api/medias/{url}/likes", Who::Anyone, true),
    ("POST", "/api/medias/{url}/reposts", Who::Anyone, true),
    ("DELETE", "/api/medias/{url}/reposts", Who::Anyone, true),
    ("PUT", "/api/medias/{url}/subtitles/{lang}", Who::Owner, true),
    ("PUT", "/api/medias/{url}/cover", Who::Owner, true),
    ("POST", "/api/comments/medias/{url}", Who::Anyone, true),
    ("PUT", "/api/comments/{commentUrl}", Who::Owner, true),
    ("DELETE", "/api/comments/{commentUrl}", Who::Owner, true),
    ("POST", "/api/comments/{commentUrl}/likes", Who::Anyone, true),
    ("DELETE", "/api/comments/{commentUrl}/likes", Who::Anyone, true),
    ("POST", "/api/playlists", Who::Anyone, true),
    ("PUT", "/api/playlists/{url}", Who::Owner, true),
    ("DELETE", "/api/playlists/{url}", Who::Owner, true),
    ("POST", "/api/photos/upload", Who::Anyone, true),
    ("POST", "/api/videos/upload", Who::Anyone, true),
    ("POST", "/api/musics/upload", Who::Anyone, true),
    ("GET", "/api/timeline/home", Who::Anyone, false),
    ("GET", "/api/notifications", Who::Anyone, false),
    ("POST", "/api/notifications/read", Who::Anyone, false),
];

/// One protected operation, its path filled with Alice's resources.
#[derive(Clone, Debug)]
struct Op {
    method: String,
    template: String,
    path: String,
    body: Option<Value>,
    who: Who,
    verified: bool,
}

impl Op {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// A stack where Alice owns a post (tagged `cats`, in her playlist, with her comment); Bob is
/// another verified user and Una never verified her email.
struct World {
    app: TestApp,
    alice: TestUser,
    bob: TestUser,
    una: TestUser,
    alice_uid: String,
    media: String,
    comment: String,
    playlist: String,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let mut users = app.verified_users(2).await;
        let (bob, alice) = (users.pop().unwrap(), users.pop().unwrap());
        let una = app.unverified_user().await;
        let a = alice.auth();
        let media = app.post("/api/medias", json!({"kind": "post", "body": "mine"}), &a).await;
        media.assert_status(201);
        let media = media.body["url"].as_str().unwrap().to_owned();
        app.post(&format!("/api/medias/{media}/tag/cats"), json!({}), &a).await.assert_status(201);
        let comment = app.post(&format!("/api/comments/medias/{media}"), json!({"body": "first"}), &a).await;
        comment.assert_status(201);
        let playlist = app.post("/api/playlists", json!({"title": "Mine"}), &a).await;
        playlist.assert_status(201);
        let playlist = playlist.body["url"].as_str().unwrap().to_owned();
        app.post(&format!("/api/medias/{media}/playlists/{playlist}"), json!({}), &a).await.assert_status(201);
        let comment = comment.body["url"].as_str().unwrap().to_owned();
        let alice_uid = app.uid_of(&alice).await;
        World { app, alice, bob, una, alice_uid, media, comment, playlist }
    }

    /// Every operation of `/docs/openapi.json` that declares a security requirement.
    async fn protected_ops(&self) -> Vec<Op> {
        let doc = self.app.get("/docs/openapi.json", &Auth::None).await;
        doc.assert_status(200);
        let mut ops = Vec::new();
        let mut unruled = Vec::new();
        for (template, item) in doc.body["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "delete", "patch"] {
                let Some(op) = item.get(method) else { continue };
                // `[{}]` would mean "credentials optional": only a non-empty requirement protects.
                let protected = op["security"]
                    .as_array()
                    .is_some_and(|reqs| reqs.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
                if !protected {
                    continue;
                }
                let method = method.to_uppercase();
                let Some(&(_, _, who, verified)) = RULES.iter().find(|r| r.0 == method && r.1 == template) else {
                    unruled.push(format!("{method} {template}"));
                    continue;
                };
                let path = self.fill(template, &self.media, &self.comment, &self.playlist);
                ops.push(Op {
                    body: self.body_for(&method, template),
                    method,
                    template: template.clone(),
                    path,
                    who,
                    verified,
                });
            }
        }
        assert!(unruled.is_empty(), "protected operations without a rule in RULES: {unruled:?}");
        let stale: Vec<_> =
            RULES.iter().filter(|r| !ops.iter().any(|o| o.method == r.0 && o.template == r.1)).collect();
        assert!(stale.is_empty(), "RULES names operations the document does not protect: {stale:?}");
        ops
    }

    /// `template` with its parameters set to Alice's name and the given resources.
    fn fill(&self, template: &str, media: &str, comment: &str, playlist: &str) -> String {
        let url = if template.starts_with("/api/playlists/") { playlist } else { media };
        let path = template
            .replace("{username}", &self.alice.username)
            .replace("{commentUrl}", comment)
            .replace("{playlistUrl}", playlist)
            .replace("{url}", url)
            .replace("{name}", "cats")
            .replace("{lang}", "en");
        assert!(!path.contains('{'), "no value for a parameter of {template}");
        path
    }

    /// A body the operation would accept from its owner, so a refusal is down to credentials.
    fn body_for(&self, method: &str, template: &str) -> Option<Value> {
        let file = |name: &str, ct: &str| Some(json!({"filename": name, "contentType": ct, "size": 1000}));
        match (method, template) {
            ("POST", "/api/auth/logout") => Some(json!({"refreshToken": self.alice.refresh})),
            ("PUT", "/api/users/{username}") => Some(json!({"displayName": "Defaced"})),
            ("PUT", "/api/users/{username}/profile-photo" | "/api/users/{username}/channel-photo") => {
                file("me.jpg", "image/jpeg")
            }
            ("PUT", "/api/medias/{url}/cover") | ("POST", "/api/photos/upload") => file("a.jpg", "image/jpeg"),
            ("POST", "/api/videos/upload") => file("a.mp4", "video/mp4"),
            ("POST", "/api/musics/upload") => file("a.mp3", "audio/mpeg"),
            ("PUT", "/api/medias/{url}/subtitles/{lang}") => file("a.vtt", "text/vtt"),
            ("POST", "/api/medias") => Some(json!({"kind": "post", "body": "spam"})),
            ("PUT", "/api/medias/{url}") => Some(json!({"description": "defaced"})),
            ("PUT", "/api/medias/{url}/playlists/{playlistUrl}") => Some(json!({"position": 0})),
            ("POST", "/api/comments/medias/{url}") => Some(json!({"body": "spam"})),
            ("PUT", "/api/comments/{commentUrl}") => Some(json!({"body": "defaced"})),
            ("POST", "/api/playlists") => Some(json!({"title": "Spam"})),
            ("PUT", "/api/playlists/{url}") => Some(json!({"title": "Defaced"})),
            ("POST", "/api/notifications/read") => Some(json!({"all": true})),
            _ => None,
        }
    }

    async fn send(&self, op: &Op, auth: &Auth) -> TestResponse {
        self.app.request(&op.method, &op.path, op.body.clone(), auth).await
    }

    /// An access token for Alice signed with the stack's own key, with `edit` applied to its
    /// claims and header.
    fn token(&self, edit: impl FnOnce(&mut Claims, &mut Header)) -> String {
        let keys = &self.app.stack.ctx().keys;
        let now = mediashare::time::now_unix();
        let mut claims = Claims {
            iss: keys.issuer.clone(),
            aud: keys.audience.clone(),
            sub: self.alice.username.clone(),
            uid: self.alice_uid.clone(),
            iat: now,
            exp: now + 600,
            jti: support::random_name("j"),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.current_kid().to_owned());
        edit(&mut claims, &mut header);
        jsonwebtoken::encode(&header, &claims, keys.encoding_key()).unwrap()
    }
}

#[track_caller]
fn assert_refused(res: &TestResponse, status: u16, kind: &str, what: &str) {
    assert_eq!(res.status, status, "{what}: {}", res.text);
    res.assert_problem(status);
    let got = res.body["type"].as_str().unwrap_or("");
    assert!(got.ends_with(&format!("/{kind}")), "{what}: problem type {got}, expected {kind}");
}

#[tokio::test]
async fn every_protected_route_refuses_strangers_expired_tokens_other_users_and_the_unverified() {
    let started = Instant::now();
    let w = World::new().await;
    let ops = w.protected_ops().await;
    assert!(ops.len() >= 30, "only {} protected operations found", ops.len());
    let expired = w.token(|c, _| {
        c.iat -= 3600;
        c.exp = c.iat + 900;
    });
    // Every credential below works where it may: a refusal is down to the route's rule.
    let fresh = Auth::Bearer(w.token(|_, _| {}));
    for user in [&fresh, &w.bob.auth(), &w.una.auth()] {
        w.app.get("/api/notifications", user).await.assert_status(200);
    }

    let before = w.app.settled_snapshot().await;
    assert!(before.iter().any(|item| item.contains(&w.media)), "the snapshot holds Alice's media");
    let emails = w.app.sent_email_count().await;
    for op in &ops {
        let name = op.name();
        for (what, auth) in [
            ("no credentials", Auth::None),
            ("expired token", Auth::Bearer(expired.clone())),
            ("unknown API key", Auth::ApiKey(format!("msk_{}", support::random_name("k")))),
            ("not a bearer token", Auth::Bearer(String::new())),
        ] {
            assert_refused(&w.send(op, &auth).await, 401, "unauthenticated", &format!("{name} with {what}"));
        }
        if op.who != Who::Anyone {
            let res = w.send(op, &w.bob.auth()).await;
            assert_refused(&res, 403, "forbidden", &format!("{name} by another user"));
        }
        if op.verified {
            let res = w.send(op, &w.una.auth()).await;
            assert_refused(&res, 403, "email-unverified", &format!("{name} by an unverified user"));
        } else if op.who != Who::Anyone {
            let res = w.send(op, &w.una.auth()).await;
            assert_refused(&res, 403, "forbidden", &format!("{name} by an unverified other user"));
        }
        assert_eq!(w.app.table_snapshot().await, before, "{name}: a refused request changed the table");
    }

    // Absent resources are 404 to anyone (they hide nothing), checked before ownership.
    let (gone_media, gone_comment, gone_playlist) = (fresh_id(), fresh_id(), fresh_id());
    for op in ops.iter().filter(|o| o.who == Who::Owner && o.template.contains('{')) {
        let path = w.fill(&op.template, &gone_media, &gone_comment, &gone_playlist);
        let res = w.app.request(&op.method, &path, op.body.clone(), &w.bob.auth()).await;
        assert_refused(&res, 404, "not-found", &format!("{} on an absent resource", op.name()));
    }
    assert_eq!(w.app.table_snapshot().await, before, "a request on an absent resource changed the table");

    // Routes open to the unverified really are (the rule is not just written down).
    for op in ops.iter().filter(|o| !o.verified && o.who == Who::Anyone && o.method == "GET") {
        w.send(op, &w.una.auth()).await.assert_status(200);
    }

    // No email left: a sign-up after everything, once its email is out, is the only new one.
    let (name, email) = w.app.new_identity("late");
    w.app.sign_up(&name, &email, "correct horse battery").await.assert_status(201);
    w.app.nth_email(&email, 1).await;
    assert_eq!(w.app.sent_email_count().await, emails + 1, "a refused request sent an email");
    eprintln!("matrix: {} protected operations in {:?}", ops.len(), started.elapsed());
}

/// A well-formed id nothing has.
fn fresh_id() -> String {
    mediashare::domain::ShortId::generate().to_string()
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_refused_on_every_protected_route() {
    let started = Instant::now();
    let w = World::new().await;
    let ops = w.protected_ops().await;
    let keys = &w.app.stack.ctx().keys;
    let good = w.token(|_, _| {});
    let parts: Vec<&str> = good.split('.').collect();
    let b64 = |v: Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
    let kid = keys.current_kid().to_owned();
    let public_x = keys.jwks()["keys"][0]["x"].as_str().unwrap().to_owned();
    let public_raw = URL_SAFE_NO_PAD.decode(&public_x).unwrap();
    // Built by hand: the process's jsonwebtoken provider signs EdDSA only, as an attacker's
    // tooling would not.
    let hs256 = |secret: &[u8]| {
        use hmac::Mac;
        let signed = format!("{}.{}", b64(json!({ "alg": "HS256", "typ": "JWT", "kid": kid })), parts[1]);
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    };
    let other_key = mediashare::auth::keys::SigningKeys::parse(
        &format!("{kid}:{}", mediashare::auth::keys::generate_entry().split_once(':').unwrap().1),
        &keys.issuer,
        &keys.audience,
    )
    .unwrap();
    let mut bob_claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    bob_claims["sub"] = w.bob.username.clone().into();
    let attacks: Vec<(&str, String)> = vec![
        ("alg none", format!("{}.{}.", b64(json!({"alg": "none", "typ": "JWT", "kid": kid})), parts[1])),
        ("alg none, signature kept", format!("{}.{}.{}", b64(json!({"alg": "none", "kid": kid})), parts[1], parts[2])),
        ("HS256 keyed with the raw public key", hs256(&public_raw)),
        ("HS256 keyed with the JWK's x", hs256(public_x.as_bytes())),
        ("wrong issuer", w.token(|c, _| c.iss = "https://evil.example".into())),
        ("wrong audience", w.token(|c, _| c.aud = "another-api".into())),
        ("expired", w.token(|c, _| c.exp = c.iat - 3600)),
        ("unknown kid", w.token(|_, h| h.kid = Some("rotated-away".into()))),
        ("path-injection kid", w.token(|_, h| h.kid = Some("../../../../dev/null".into()))),
        ("SQL-injection kid", w.token(|_, h| h.kid = Some("x' OR '1'='1".into()))),
        ("no kid", w.token(|_, h| h.kid = None)),
        ("jku/x5u header pointing elsewhere", {
            let mut h = json!({"alg": "EdDSA", "kid": kid, "jku": "https://evil.example/jwks.json"});
            h["x5u"] = "https://evil.example/cert.pem".into();
            format!("{}.{}.{}", b64(h), parts[1], parts[2])
        }),
        ("truncated signature", good[..good.len() - 4].to_owned()),
        ("signature dropped", format!("{}.{}.", parts[0], parts[1])),
        ("claims changed to Bob under Alice's signature", format!("{}.{}.{}", parts[0], b64(bob_claims), parts[2])),
        ("signed by another key under our kid", {
            let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(kid.clone());
            jsonwebtoken::encode(&header, &claims, other_key.encoding_key()).unwrap()
        }),
        ("another account id", w.token(|c, _| c.uid = "someone-else".into())),
        ("no such user", w.token(|c, _| c.sub = "nobody_here".into())),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    // The same token untouched is accepted, so each refusal is down to its one change.
    w.app.get("/api/notifications", &Auth::Bearer(good.clone())).await.assert_status(200);

    let before = w.app.settled_snapshot().await;
    for op in &ops {
        for (what, token) in &attacks {
            let res = w.send(op, &Auth::Bearer(token.clone())).await;
            assert_refused(&res, 401, "unauthenticated", &format!("{} with {what}", op.name()));
        }
        assert_eq!(w.app.table_snapshot().await, before, "{}: a forged token changed the table", op.name());
    }
    eprintln!("attacks: {} tokens × {} operations in {:?}", attacks.len(), ops.len(), started.elapsed());
}

#[tokio::test]
async fn bodies_and_pages_past_their_caps_are_refused() {
    let w = World::new().await;
    let a = w.alice.auth();
    let before = w.app.settled_snapshot().await;
    // Over the 64 KiB JSON cap: 413 before anything is parsed or written, authenticated or not.
    let huge = "x".repeat(mediashare::http::request::MAX_JSON_BODY + 1);
    let res = w.app.post("/api/medias", json!({"kind": "post", "body": huge}), &a).await;
    assert_refused(&res, 413, "too-large", "a body over the cap");
    let (name, email) = w.app.new_identity("big");
    let res = w
        .app
        .post("/api/users", json!({"username": name, "email": email, "password": "pw", "pad": huge}), &Auth::None)
        .await;
    assert_refused(&res, 413, "too-large", "a sign-up over the cap");
    // Past API Gateway's 10 MB payload limit the gateway itself answers, still as a problem.
    let res = w.app.post("/api/playlists", json!({"title": "x".repeat(11 * 1024 * 1024)}), &a).await;
    res.assert_problem(413);
    assert_eq!(w.app.table_snapshot().await, before, "an oversized body changed the table");

    // Every documented `limit` takes 1 to 100 and refuses anything else with a 400 naming it.
    let doc = w.app.get("/docs/openapi.json", &Auth::None).await.body;
    let mut lists = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let takes_limit = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
        if !takes_limit {
            continue;
        }
        lists += 1;
        let path = w.fill(&template.replace("{term}", "mine"), &w.media, &w.comment, &w.playlist);
        for bad in ["101", "0", "-1", "abc", "1e2", "4294967297", ""] {
            let res = w.app.get(&format!("{path}?limit={bad}"), &a).await;
            assert_refused(&res, 400, "validation", &format!("GET {template}?limit={bad}"));
            assert_eq!(res.error_fields(), ["limit"], "GET {template}?limit={bad}");
        }
        let res = w.app.get(&format!("{path}?limit=100"), &a).await;
        res.assert_status(200);
        assert!(res.body["items"].as_array().is_some_and(|i| i.len() <= 100), "GET {template}?limit=100");
        let res = w.app.get(&format!("{path}?cursor=forged.cursor"), &a).await;
        assert_refused(&res, 400, "validation", &format!("GET {template} with a forged cursor"));
    }
    assert!(lists >= 10, "only {lists} paginated lists documented");
}

#[tokio::test]
async fn pictures_that_would_be_huge_once_decoded_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let started = Instant::now();
    // 9000² = 81 MP (over the 50 MP default) and 16000² = 256 MP (near ffmpeg's own ceiling)
    // from 74 bytes each. That the bigger one is not even decoded to be probed is checked by
    // the media unit tests; here its owner sees why it failed.
    for side in [9000u32, 16000] {
        let bomb = png_claiming(side);
        assert!(bomb.len() < 100, "{} bytes", bomb.len());
        let id = app.publish(&alice, "photo", ("bomb.png", "image/png"), &bomb, true).await;
        let media = app.settled_media(&id).await;
        assert_eq!(media["status"], "failed", "{side}²: {media}");
        let reason = media["statusReason"].as_str().unwrap();
        assert!(reason.contains("too large"), "{side}²: {reason}");
        assert!(media["files"].is_null());
    }
    // An avatar is a photo too.
    let up = app
        .upload(
            &alice,
            "PUT",
            &format!("/api/users/{}/profile-photo", alice.username),
            ("me.png", "image/png"),
            &png_claiming(16000),
        )
        .await;
    support::eventually("the refused avatar to be deleted", Duration::from_secs(60), || async {
        (!app.raw_upload_exists(&up.key).await).then_some(())
    })
    .await;
    let me = app.get(&format!("/api/users/{}", alice.username), &alice.auth()).await;
    assert!(me.body["profilePhoto"].is_null(), "{}", me.text);
    eprintln!("bombs refused in {:?}", started.elapsed());
}
