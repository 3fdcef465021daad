//! Accounts and auth end to end, through the local runner on the emulator: the user's story
//! from sign-up to deletion, then the ways it must refuse.

mod support;

use std::collections::BTreeMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use support::{Auth, TestApp, eventually};

#[tokio::test]
async fn the_whole_account_story() {
    let app = TestApp::spawn().await;
    let (username, email) = app.new_identity("alice");
    let password = "correct horse battery";

    // Sign up: 201 with the own view, and a verification email through queue → mailer → SES.
    let res = app.sign_up(&username, &email, password).await;
    res.assert_status(201);
    assert_eq!(res.body["username"], username);
    assert_eq!(res.body["email"], email);
    assert_eq!(res.body["verified"], false);
    let code = app.code_in_email(&email, 1).await;
    assert_eq!(code.len(), 6);

    // Signed in but unverified: reads and resend work, writes are refused with a reason.
    let (access, _) = app.sign_in(&username, password).await;
    let me = Auth::Bearer(access.clone());
    let refused = app.put(&format!("/api/users/{username}/newApiKey"), json!({}), &me).await;
    refused.assert_problem(403);
    assert!(refused.body["type"].as_str().unwrap().ends_with("email-unverified"));

    // Verify with the emailed code.
    let res = app.post(&format!("/api/users/{username}/verify/{code}"), json!({}), &Auth::None).await;
    res.assert_status(200);
    assert_eq!(res.body["verified"], true);

    // Sign in by email too; the access token verifies against the published JWKS.
    let (access, refresh) = app.sign_in(&email.to_uppercase(), password).await;
    let jwks = app.get("/.well-known/jwks.json", &Auth::None).await;
    jwks.assert_status(200);
    let header = jsonwebtoken::decode_header(&access).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let kid = header.kid.unwrap();
    let jwk = jwks.body["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid).expect("kid published");
    let key = DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[app.stack.env()["JWT_ISSUER"].as_str()]);
    validation.set_audience(&[app.stack.env()["JWT_AUDIENCE"].as_str()]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(&access, &key, &validation).unwrap().claims;
    assert_eq!(claims["sub"], username);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 900);
    assert!(claims["jti"].is_string());

    // Refresh rotates; replaying the spent token revokes the whole family.
    let res = app.post("/api/auth/refresh", json!({"refreshToken": refresh}), &Auth::None).await;
    res.assert_status(200);
    assert_eq!(res.body["tokenType"], "Bearer");
    let rotated = res.body["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(rotated, refresh);
    app.post("/api/auth/refresh", json!({"refreshToken": refresh}), &Auth::None).await.assert_problem(401);
    app.post("/api/auth/refresh", json!({"refreshToken": rotated}), &Auth::None).await.assert_problem(401);

    // Logout ends a session: its refresh token stops working.
    let (access, refresh) = app.sign_in(&username, password).await;
    let me = Auth::Bearer(access.clone());
    app.post("/api/auth/logout", json!({"refreshToken": refresh}), &me).await.assert_status(204);
    app.post("/api/auth/refresh", json!({"refreshToken": refresh}), &Auth::None).await.assert_problem(401);

    // API keys: shown once, authenticate like a token, a new one replaces the old.
    let res = app.put(&format!("/api/users/{username}/newApiKey"), json!({}), &me).await;
    res.assert_status(201);
    let key1 = res.body["apiKey"].as_str().unwrap().to_owned();
    let via_key = app.get(&format!("/api/users/{username}"), &Auth::ApiKey(key1.clone())).await;
    via_key.assert_status(200);
    assert_eq!(via_key.body["email"], email, "the key authenticates as the owner");
    let res = app.put(&format!("/api/users/{username}/newApiKey"), json!({}), &Auth::ApiKey(key1.clone())).await;
    res.assert_status(201);
    let key2 = res.body["apiKey"].as_str().unwrap().to_owned();
    app.get(&format!("/api/users/{username}"), &Auth::ApiKey(key1)).await.assert_problem(401);
    app.get(&format!("/api/users/{username}"), &Auth::ApiKey(key2.clone())).await.assert_status(200);

    // Update and find by the new display name (accents folded, word prefixes).
    let res =
        app.put(&format!("/api/users/{username}"), json!({"displayName": "Zoë Montgomery", "bio": "hi"}), &me).await;
    res.assert_status(200);
    assert_eq!(res.body["displayName"], "Zoë Montgomery");
    let found = app.get("/api/users/search/zoe%20mont", &Auth::None).await;
    found.assert_status(200);
    assert_eq!(found.body["items"][0]["username"], username);
    assert!(found.body["items"][0].get("email").is_none(), "no email in public views");

    // Delete: sign-in, tokens, the API key and the profile stop working at once.
    app.delete(&format!("/api/users/{username}"), &me).await.assert_status(204);
    app.get(&format!("/api/users/{username}"), &Auth::None).await.assert_problem(404);
    app.get(&format!("/api/users/{username}"), &me).await.assert_problem(401);
    app.get(&format!("/api/users/{username}"), &Auth::ApiKey(key2)).await.assert_problem(401);
    let res = app.post("/api/users/sign-in", json!({"username": username, "password": password}), &Auth::None).await;
    res.assert_problem(401);
    let gone = app.get("/api/users/search/montgomery", &Auth::None).await;
    assert_eq!(gone.body["items"].as_array().unwrap().len(), 0);

    // The stream consumer erases what remains of the account (sessions, codes).
    let table = app.stack.physical_name("Table").unwrap().to_owned();
    let pk = format!("USER#{username}");
    eventually("account partition erased", std::time::Duration::from_secs(30), || {
        let dynamo = app.dynamo();
        let (table, pk) = (table.clone(), pk.clone());
        async move {
            let out = dynamo
                .query()
                .table_name(table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
                .send()
                .await
                .unwrap();
            out.items.unwrap_or_default().is_empty().then_some(())
        }
    })
    .await;
    app.stack.shutdown().await;
}

#[tokio::test]
async fn bad_sign_ups_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.item_count().await;
    let res = app
        .post("/api/users", json!({"username": "no", "email": "not-an-email", "password": "short"}), &Auth::None)
        .await;
    res.assert_problem(400);
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "password", "username"]);
    app.sign_up("admin", "admin@example.com", "long enough pw").await.assert_problem(400);
    app.post("/api/users", json!({"username": "bob_1", "email": "b@example.com"}), &Auth::None)
        .await
        .assert_problem(400);
    app.post(
        "/api/users",
        json!({"username": "bob_1", "email": "b@example.com", "password": "x".repeat(9), "admin": true}),
        &Auth::None,
    )
    .await
    .assert_problem(400);
    let res = app
        .http
        .post(app.url("/api/users"))
        .header("content-type", "text/plain")
        .body("username=bob")
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.assert_problem(415);
    let huge = json!({"username": "bob_1", "email": "b@example.com", "password": "p".repeat(70_000)});
    app.post("/api/users", huge, &Auth::None).await.assert_problem(413);
    let res = app
        .http
        .post(app.url("/api/users"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.assert_problem(400);
    assert_eq!(app.item_count().await, before, "refused sign-ups stored nothing");
}

#[tokio::test]
async fn usernames_and_emails_are_unique_even_under_concurrency() {
    let app = TestApp::spawn().await;
    let (username, email) = app.new_identity("dup");
    app.sign_up(&username, &email, "password one").await.assert_status(201);
    app.sign_up(&username.to_uppercase(), "other@example.com", "password one").await.assert_problem(409);
    app.sign_up("another_name", &email.to_uppercase(), "password one").await.assert_problem(409);

    let (contested, _) = app.new_identity("race");
    let attempts = (0..8).map(|i| {
        let email = format!("{contested}.{i}@{}.example.com", app.stack_name());
        let app = &app;
        let contested = contested.clone();
        async move { app.sign_up(&contested, &email, "password one").await.status }
    });
    let statuses = support::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
}

#[tokio::test]
async fn sign_in_does_not_reveal_whether_an_account_exists() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let wrong_pw = app
        .post("/api/users/sign-in", json!({"username": user.username, "password": "wrong password"}), &Auth::None)
        .await;
    let no_user = app
        .post("/api/users/sign-in", json!({"username": "nobody_here", "password": "wrong password"}), &Auth::None)
        .await;
    wrong_pw.assert_problem(401);
    no_user.assert_problem(401);
    assert_eq!(wrong_pw.body["detail"], no_user.body["detail"]);
}

#[tokio::test]
async fn verification_codes_are_limited_and_resend_is_throttled() {
    let app = TestApp::spawn().await;
    let user = app.unverified_user().await;
    let code = app.code_in_email(&user.email, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let path = |c: &str| format!("/api/users/{}/verify/{c}", user.username);
    app.post(&path("12ab"), json!({}), &Auth::None).await.assert_problem(400);
    for _ in 0..5 {
        app.post(&path(wrong), json!({}), &Auth::None).await.assert_problem(400);
    }
    // Attempts used up: even the right code is refused until a new one is sent.
    app.post(&path(&code), json!({}), &Auth::None).await.assert_problem(429);
    // Resend is throttled right after the first email.
    app.post("/api/users/resend-email", json!({}), &user.auth()).await.assert_problem(429);
    let profile = app.get(&format!("/api/users/{}", user.username), &Auth::None).await;
    assert_eq!(profile.body["verified"], false);
}

#[tokio::test]
async fn resend_email_sends_a_fresh_code_that_works() {
    let app = TestApp::spawn_with(BTreeMap::from([("VERIFICATION_RESEND_COOLDOWN_SECONDS".into(), "0".into())])).await;
    let user = app.unverified_user().await;
    let first = app.code_in_email(&user.email, 1).await;
    app.post("/api/users/resend-email", json!({}), &user.auth()).await.assert_status(202);
    app.post("/api/users/resend-email", json!({}), &Auth::None).await.assert_problem(401);
    let second = app.code_in_email(&user.email, 2).await;
    if first != second {
        let stale = app.post(&format!("/api/users/{}/verify/{first}", user.username), json!({}), &Auth::None).await;
        stale.assert_problem(400);
    }
    app.post(&format!("/api/users/{}/verify/{second}", user.username), json!({}), &Auth::None).await.assert_status(200);
    app.post("/api/users/resend-email", json!({}), &user.auth()).await.assert_problem(409);
}

#[tokio::test]
async fn only_the_owner_may_change_an_account() {
    let app = TestApp::spawn().await;
    let alice = app.verified_user().await;
    let bob = app.verified_user().await;
    let path = format!("/api/users/{}", alice.username);
    app.put(&path, json!({"bio": "pwned"}), &bob.auth()).await.assert_problem(403);
    app.put(&format!("{path}/newApiKey"), json!({}), &bob.auth()).await.assert_problem(403);
    app.delete(&path, &bob.auth()).await.assert_problem(403);
    app.put(&path, json!({"bio": "pwned"}), &Auth::None).await.assert_problem(401);
    app.delete(&path, &Auth::Bearer("not.a.jwt".into())).await.assert_problem(401);
    // Bob cannot log Alice out either.
    app.post("/api/auth/logout", json!({"refreshToken": alice.refresh}), &bob.auth()).await.assert_problem(403);
    app.post("/api/auth/refresh", json!({"refreshToken": alice.refresh}), &Auth::None).await.assert_status(200);
    let profile = app.get(&path, &Auth::None).await;
    profile.assert_status(200);
    assert_eq!(profile.body["bio"], "");
}

#[tokio::test]
async fn email_and_password_changes() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let path = format!("/api/users/{}", user.username);
    // Sensitive changes need the current password.
    let res = app.put(&path, json!({"password": "a brand new password"}), &user.auth()).await;
    res.assert_problem(400);
    assert_eq!(res.error_fields(), ["currentPassword"]);
    app.put(&path, json!({"password": "a brand new password", "currentPassword": "wrong one!"}), &user.auth())
        .await
        .assert_problem(400);
    // A new email must be verified again; the code goes to the new address.
    let new_email = format!("new.{}", user.email);
    let res = app.put(&path, json!({"email": new_email, "currentPassword": user.password}), &user.auth()).await;
    res.assert_status(200);
    assert_eq!(res.body["email"], new_email);
    assert_eq!(res.body["verified"], false);
    let code = app.code_in_email(&new_email, 1).await;
    app.post(&format!("{path}/verify/{code}"), json!({}), &Auth::None).await.assert_status(200);
    // A password change signs out every session.
    let res = app
        .put(&path, json!({"password": "a brand new password", "currentPassword": user.password}), &user.auth())
        .await;
    res.assert_status(200);
    // Sessions started before the change end.
    app.post("/api/auth/refresh", json!({"refreshToken": user.refresh}), &Auth::None).await.assert_problem(401);
    let (access, _) = app.sign_in(&new_email, "a brand new password").await;
    let res = app
        .put(
            &path,
            json!({"settings": {"notifications": {"media_liked": {"inApp": false, "email": true}}}}),
            &Auth::Bearer(access),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["settings"]["notifications"]["media_liked"]["email"], true);
    assert_eq!(res.body["settings"]["notifications"]["new_follower"]["inApp"], true);
}

#[tokio::test]
async fn listing_users_pages_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for _ in 0..7 {
        let (username, email) = app.new_identity("p");
        app.sign_up(&username, &email, "password one").await.assert_status(201);
        created.push(username);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=3&cursor={c}"),
            None => "/api/users?limit=3".to_owned(),
        };
        let page = app.get(&path, &Auth::None).await;
        page.assert_status(200);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["username"].as_str().unwrap().to_owned()));
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    created.reverse(); // newest first
    assert_eq!(seen, created);

    // Bad page parameters and forged cursors are 400s.
    app.get("/api/users?limit=101", &Auth::None).await.assert_problem(400);
    app.get("/api/users?limit=0", &Auth::None).await.assert_problem(400);
    app.get("/api/users?cursor=eyJQSyI6IlVTRVJTIn0.AAAA", &Auth::None).await.assert_problem(400);
    let first = app.get("/api/users?limit=2", &Auth::None).await;
    let real = first.body["nextCursor"].as_str().unwrap().to_owned();
    let tampered = format!("{}{}", &real[..real.len() - 2], if real.ends_with("AA") { "BB" } else { "AA" });
    app.get(&format!("/api/users?cursor={tampered}"), &Auth::None).await.assert_problem(400);
    app.get(&format!("/api/users/search/p?cursor={real}"), &Auth::None).await.assert_problem(400);
}

#[tokio::test]
async fn search_matches_word_prefixes_and_pages() {
    let app = TestApp::spawn().await;
    for (i, name) in ["Ana Lopez", "Anabel Smith", "Bob Analyst", "Carla Nash"].iter().enumerate() {
        let (username, email) = app.new_identity(&format!("s{i}"));
        app.post(
            "/api/users",
            json!({"username": username, "email": email, "password": "password one", "displayName": name}),
            &Auth::None,
        )
        .await
        .assert_status(201);
    }
    let names = |res: &support::TestResponse| -> Vec<String> {
        res.body["items"].as_array().unwrap().iter().map(|u| u["displayName"].as_str().unwrap().to_owned()).collect()
    };
    let res = app.get("/api/users/search/ana", &Auth::None).await;
    assert_eq!(names(&res), ["Bob Analyst", "Anabel Smith", "Ana Lopez"]);
    let res = app.get("/api/users/search/ANA%20sm", &Auth::None).await;
    assert_eq!(names(&res), ["Anabel Smith"]);
    let res = app.get("/api/users/search/nash", &Auth::None).await;
    assert_eq!(names(&res), ["Carla Nash"]);
    let page1 = app.get("/api/users/search/an?limit=2", &Auth::None).await;
    assert_eq!(names(&page1).len(), 2);
    let cursor = page1.body["nextCursor"].as_str().expect("more results").to_owned();
    let page2 = app.get(&format!("/api/users/search/an?limit=2&cursor={cursor}"), &Auth::None).await;
    let mut all = names(&page1);
    all.extend(names(&page2));
    assert_eq!(all, ["Bob Analyst", "Anabel Smith", "Ana Lopez"]);
    app.get("/api/users/search/%20%21", &Auth::None).await.assert_problem(400);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::spawn().await;
    app.get("/api/nope", &Auth::None).await.assert_problem(404);
    app.get("/api/users/nobody_at_all", &Auth::None).await.assert_problem(404);
    app.get("/api/users/NO!", &Auth::None).await.assert_problem(400);
}
