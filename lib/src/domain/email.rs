//! Email addresses: a pragmatic check (one `@`, a dotted domain, no spaces, ≤ 254 bytes),
//! stored lowercase so uniqueness is case-insensitive.

use std::fmt;

/// A plausible email address, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Validates and lowercases `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("must be an email address".into());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != ',');
        if !domain_ok || !local_ok {
            return Err("must be an email address".into());
        }
        Ok(Self(email))
    }

    /// The lowercase address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(Email::parse(" Bob@Example.COM ").unwrap().as_str(), "bob@example.com");
    }

    #[test]
    fn refuses_non_addresses() {
        for bad in ["bob", "bob@", "@example.com", "bob@example", "b ob@example.com", "a@b@c.com", "bob@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
