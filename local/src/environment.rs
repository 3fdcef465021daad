//! The one environment of a local stack: `Globals.Function.Environment.Variables` merged with
//! every function's variables (resolved), secrets filled in, overrides applied. One library
//! context serves every function, so two functions disagreeing on a variable is an error.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::error::RunnerError;
use crate::secrets::{self, SecretsSource};
use crate::template::FunctionDef;
use crate::template::physical::PhysicalMap;
use crate::template::resolve::{Resolver, text};

/// Resolves and merges the environment of `functions` (plus the globals).
pub(crate) fn resolve(
    resolver: &Resolver<'_>,
    physical: &PhysicalMap,
    functions: &[FunctionDef],
    secrets_source: &SecretsSource,
    overrides: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, RunnerError> {
    let globals = resolver.template().globals("Function");
    let mut env: BTreeMap<String, (String, String)> = BTreeMap::new();
    let sources = std::iter::once(("Globals.Function", &globals))
        .chain(functions.iter().map(|f| (f.logical_id.as_str(), &f.properties)));
    for (owner, properties) in sources {
        let Some(variables) = properties.pointer("/Environment/Variables") else {
            continue;
        };
        let at = format!("{owner}.Environment.Variables");
        let resolved = resolver.resolve(&at, variables, physical)?.unwrap_or(Json::Null);
        let Some(map) = resolved.as_object() else {
            continue;
        };
        for (name, value) in map {
            let value = text(&format!("{at}.{name}"), value)?;
            match env.get(name) {
                Some((first, existing)) if *existing != value => {
                    return Err(RunnerError::ConflictingEnvironment {
                        name: name.clone(),
                        first: first.clone(),
                        second: owner.to_owned(),
                    });
                }
                Some(_) => {}
                None => {
                    env.insert(name.clone(), (owner.to_owned(), value));
                }
            }
        }
    }
    let mut env: BTreeMap<String, String> = env.into_iter().map(|(k, (_, v))| (k, v)).collect();
    for (name, value) in overrides {
        env.insert(name.clone(), value.clone());
    }
    secrets::fill(&mut env, secrets_source)?;
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use crate::template::functions::functions;
    use crate::template::resolve::StackContext;

    fn provisioned(template: &Template) -> (Resolver<'_>, PhysicalMap) {
        let resolver =
            Resolver::new(template, StackContext::new("t1", "us-east-1"), &BTreeMap::new()).expect("resolver");
        let mut physical = PhysicalMap::plan(&resolver).expect("plan");
        physical.set_reference("MailQueue", "http://emulator/123456789012/t1-mail".into());
        (resolver, physical)
    }

    #[test]
    fn resolves_globals_secrets_and_overrides() {
        let template = Template::parse(crate::template::tests::SAMPLE).expect("parse");
        let (resolver, physical) = provisioned(&template);
        let defs = functions(&resolver).expect("functions");
        let overrides = BTreeMap::from([("VERIFICATION_RESEND_COOLDOWN_SECONDS".to_owned(), "0".to_owned())]);
        let env = resolve(&resolver, &physical, &defs, &SecretsSource::Ephemeral, &overrides).expect("env");
        assert_eq!(env["TABLE_NAME"], "t1-table");
        assert_eq!(env["MAIL_QUEUE_URL"], "http://emulator/123456789012/t1-mail");
        assert_eq!(env["MAIL_FROM"], "no-reply@mediashare.example");
        assert_eq!(env["ACCESS_TOKEN_TTL_SECONDS"], "900");
        assert_eq!(env["VERIFICATION_RESEND_COOLDOWN_SECONDS"], "0");
        assert!(!crate::secrets::is_secret_reference(&env["JWT_SIGNING_KEYS"]));
        assert!(!env["CURSOR_SECRET"].is_empty());
        mediashare::config::Config::from_lookup(|name| env.get(name).cloned()).expect("a valid library configuration");
    }

    #[test]
    fn functions_disagreeing_on_a_variable_is_an_error() {
        let text = "Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: a}}\n    Properties: {Environment: {Variables: {X: '1'}}}\n  B:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: b}}\n    Properties: {Environment: {Variables: {X: '2'}}}\n";
        let template = Template::parse(text).expect("parse");
        let (resolver, physical) = provisioned(&template);
        let defs = functions(&resolver).expect("functions");
        let result = resolve(&resolver, &physical, &defs, &SecretsSource::Ephemeral, &BTreeMap::new());
        assert!(matches!(result, Err(RunnerError::ConflictingEnvironment { .. })));
    }
}
