//! Local values for `{{resolve:secretsmanager:…}}` references. Nothing is provisioned in the
//! emulator: the library generates a value per environment variable
//! ([`mediashare::config::generate_local_secret`]), kept in memory or in a JSON file so a
//! restarted runner keeps the same signing keys (and issued tokens stay valid).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::RunnerError;

/// Where local secret values live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretsSource {
    /// Generated for each stack, never written anywhere (tests).
    Ephemeral,
    /// Generated once, saved as a JSON object `{VARIABLE: value}` at this path, reused later.
    File(PathBuf),
}

/// Whether a template value is a Secrets Manager dynamic reference.
pub(crate) fn is_secret_reference(value: &str) -> bool {
    let value = value.trim();
    value.starts_with("{{resolve:secretsmanager:") && value.ends_with("}}")
}

/// Replaces every secret reference in `env` by the local value for its variable.
pub(crate) fn fill(env: &mut BTreeMap<String, String>, source: &SecretsSource) -> Result<(), RunnerError> {
    let wanted: Vec<String> = env.iter().filter(|(_, v)| is_secret_reference(v)).map(|(k, _)| k.clone()).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut stored = match source {
        SecretsSource::Ephemeral => BTreeMap::new(),
        SecretsSource::File(path) => read(path)?,
    };
    let mut generated = false;
    for name in &wanted {
        if !stored.contains_key(name) {
            let value = mediashare::config::generate_local_secret(name)
                .ok_or_else(|| RunnerError::UnknownSecret(name.clone()))?;
            stored.insert(name.clone(), value);
            generated = true;
        }
        if let (Some(slot), Some(value)) = (env.get_mut(name), stored.get(name)) {
            slot.clone_from(value);
        }
    }
    if let (SecretsSource::File(path), true) = (source, generated) {
        write(path, &stored)?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<BTreeMap<String, String>, RunnerError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            return Err(RunnerError::SecretsFile { path: path.to_owned(), reason: e.to_string() });
        }
    };
    serde_json::from_str(&text).map_err(|e| RunnerError::SecretsFile { path: path.to_owned(), reason: e.to_string() })
}

/// Writes the file owner-readable only, through a temporary file and a rename.
fn write(path: &Path, values: &BTreeMap<String, String>) -> Result<(), RunnerError> {
    let fail = |e: std::io::Error| RunnerError::SecretsFile { path: path.to_owned(), reason: e.to_string() };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text = serde_json::to_string_pretty(values)
        .map_err(|e| RunnerError::SecretsFile { path: path.to_owned(), reason: e.to_string() })?;
    let temporary = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_dynamic_references() {
        assert!(is_secret_reference("{{resolve:secretsmanager:mediashare/jwt:SecretString}}"));
        assert!(!is_secret_reference("plain"));
        assert!(!is_secret_reference("{{resolve:ssm:name}}"));
    }

    #[test]
    fn file_secrets_are_generated_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("mediashare-local-secrets-{}", std::process::id()));
        let path = dir.join("secrets.json");
        let reference = "{{resolve:secretsmanager:mediashare/cursor-secret:SecretString}}".to_owned();
        let source = SecretsSource::File(path.clone());
        let mut first = BTreeMap::from([("CURSOR_SECRET".to_owned(), reference.clone())]);
        fill(&mut first, &source).expect("first fill");
        let mut second = BTreeMap::from([("CURSOR_SECRET".to_owned(), reference)]);
        fill(&mut second, &source).expect("second fill");
        assert_eq!(first, second);
        assert!(!is_secret_reference(&first["CURSOR_SECRET"]));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unknown_secret_variables_are_errors() {
        let mut env = BTreeMap::from([(
            "NOT_A_SECRET_WE_KNOW".to_owned(),
            "{{resolve:secretsmanager:x:SecretString}}".to_owned(),
        )]);
        assert!(matches!(fill(&mut env, &SecretsSource::Ephemeral), Err(RunnerError::UnknownSecret(_))));
    }
}
