//! template.yaml, the registry, the OpenAPI document, `functions/src/bin/` and `events/` must
//! describe the same functions and routes; the template must pass cfn-lint.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mediashare::registry::{FUNCTIONS, Handler};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn template() -> mediashare_local::template::Template {
    mediashare_local::template::load(&root().join("template.yaml")).expect("template.yaml parses")
}

fn files(dir: &str, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(root().join(dir))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(ext).map(str::to_owned)
        })
        .collect()
}

#[test]
fn every_function_is_in_the_registry_the_template_the_binaries_and_the_events() {
    let registry: BTreeSet<String> = FUNCTIONS.iter().map(|f| f.name.to_owned()).collect();
    let template: BTreeSet<String> = template().functions().unwrap().into_iter().map(|f| f.binary).collect();
    assert_eq!(registry, template, "registry vs template.yaml functions");
    assert_eq!(registry, files("functions/src/bin", ".rs"), "registry vs functions/src/bin");
    assert_eq!(registry, files("events", ".json"), "registry vs events/");
    for f in FUNCTIONS {
        let source = std::fs::read_to_string(root().join(format!("functions/src/bin/{}.rs", f.name))).unwrap();
        // The binary runs its own registry constant (linking that handler only).
        assert_eq!(f.constant, f.name.to_uppercase().replace('-', "_"), "{}: constant name", f.name);
        let run = format!("mediashare::lambda::run(mediashare::registry::{})", f.constant);
        assert!(source.contains(&run), "{}.rs does not call {run}", f.name);
        let handler = f.handler_path.trim_start_matches("crate::");
        assert!(source.contains(handler), "{}.rs does not name its handler {handler}", f.name);
    }
}

#[test]
fn triggers_match_handler_kinds() {
    let triggers = template().triggers().unwrap();
    for f in FUNCTIONS {
        let kinds: BTreeSet<&str> = triggers.iter().filter(|t| t.binary == f.name).map(|t| t.kind.as_str()).collect();
        let expected = match f.handler {
            Handler::Http(_) => "HttpApi",
            Handler::Sqs(_) => "SQS",
            Handler::Stream(_) => "DynamoDB",
        };
        assert_eq!(kinds, BTreeSet::from([expected]), "triggers of {}", f.name);
    }
}

#[test]
fn openapi_documents_exactly_the_template_routes() {
    let template: BTreeSet<(String, String)> = template()
        .routes()
        .unwrap()
        .into_iter()
        .filter(|r| !r.path.contains("+}")) // asset catch-alls are not API operations
        .map(|r| (r.method, r.path))
        .collect();
    let openapi: BTreeSet<(String, String)> = mediashare::api::openapi::routes().into_iter().collect();
    assert_eq!(openapi, template);
}

#[test]
fn sample_events_parse_and_match_their_routes() {
    let routes = template().routes().unwrap();
    for f in FUNCTIONS {
        let text = std::fs::read_to_string(root().join(format!("events/{}.json", f.name))).unwrap();
        match f.handler {
            Handler::Http(_) => {
                let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
                let route_key = raw["routeKey"].as_str().unwrap_or_default().to_owned();
                let served: Vec<String> =
                    routes.iter().filter(|r| r.binary == f.name).map(|r| format!("{} {}", r.method, r.path)).collect();
                assert!(served.contains(&route_key), "events/{}.json routeKey {route_key:?} not in {served:?}", f.name);
                lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("events/{}.json: {e}", f.name));
            }
            Handler::Sqs(_) => {
                let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_str(&text).unwrap();
                assert!(!event.records.is_empty());
                for r in event.records {
                    let body = r.body.as_deref().unwrap();
                    match f.name {
                        "transcode" => {
                            let objects = mediashare::transcode::s3_event::created_objects(body).unwrap();
                            assert!(!objects.is_empty(), "events/transcode.json announces no object");
                        }
                        _ => {
                            let job: mediashare::mail::MailJob = serde_json::from_str(body).unwrap();
                            assert!(!job.id.is_empty());
                        }
                    }
                }
            }
            Handler::Stream(_) => {
                let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_str(&text).unwrap();
                assert!(!event.records.is_empty());
            }
        }
    }
}

#[test]
fn cfn_lint_passes() {
    let lint = std::env::var("CFN_LINT").map(PathBuf::from).unwrap_or_else(|_| root().join(".venv/bin/cfn-lint"));
    assert!(lint.exists(), "cfn-lint not found at {} (make test installs it)", lint.display());
    let out = std::process::Command::new(&lint).arg(root().join("template.yaml")).output().unwrap();
    assert!(
        out.status.success(),
        "cfn-lint failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
