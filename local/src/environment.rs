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
    let sources = std::iter::once(("Globals.Function", &globals)).chain(
        functions
            .iter()
            .map(|f| (f.logical_id.as_str(), &f.properties)),
    );
    for (owner, properties) in sources {
        let Some(variables) = properties.pointer("/Environment/Variables") else {
            continue;
        };
        let at = format!("{owner}.Environment.Variables");
        let resolved = resolver
            .resolve(&at, variables, physical)?
            .unwrap_or(Json::Null);
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
