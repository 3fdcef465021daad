//! `/docs`: the Swagger UI renders from bundled assets and the OpenAPI document is complete.

mod support;

use support::{Auth, TestApp};

#[tokio::test]
async fn swagger_ui_and_openapi_document_are_served() {
    let app = TestApp::spawn().await;
    let page = app.get("/docs", &Auth::None).await;
    page.assert_status(200);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    // Every asset the page links to is served.
    for asset in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"] {
        assert!(page.text.contains(asset) || asset.ends_with("initializer.js"), "page does not link {asset}");
        let res = app.get(asset, &Auth::None).await;
        res.assert_status(200);
        assert!(res.text.len() > 100, "{asset} is empty");
    }
    let init = app.get("/docs/swagger-initializer.js", &Auth::None).await;
    assert!(init.text.contains("/docs/openapi.json"));
    let doc = app.get("/docs/openapi.json", &Auth::None).await;
    doc.assert_status(200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc.body["paths"]["/api/users/sign-in"]["post"].is_object());
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    app.get("/docs/nothing-here.js", &Auth::None).await.assert_problem(404);

    // A browser (accepts gzip) gets the stored compressed bytes; they are the same file.
    let plain = app.get("/docs/swagger-ui-bundle.js", &Auth::None).await;
    assert!(plain.headers.get("content-encoding").is_none());
    let res = reqwest::Client::new()
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["vary"], "accept-encoding");
    let compressed = res.bytes().await.unwrap();
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut unpacked).unwrap();
    assert!(compressed.len() * 3 < unpacked.len(), "{} -> {}", compressed.len(), unpacked.len());
    assert_eq!(unpacked, plain.text);
}
