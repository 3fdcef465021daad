//! Usernames: 3–30 characters of `[a-z0-9_]`, case-insensitive (stored lowercase), with a few
//! names reserved because they collide with routes or impersonate staff.

use std::fmt;

/// A valid username. Construct only through [`Username::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Username(String);

/// Names nobody may register: route words and staff-looking names.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "help",
    "api",
    "docs",
    "me",
    "self",
    "null",
    "undefined",
    "search",
    "sign_in",
    "signin",
    "signup",
    "sign_up",
    "login",
    "logout",
    "settings",
    "mediashare",
    "staff",
    "moderator",
    "official",
    "security",
    "abuse",
    "postmaster",
    "webmaster",
    "noreply",
    "no_reply",
];

impl Username {
    /// Validates and lowercases `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim().to_ascii_lowercase();
        if name.len() < 3 || name.len() > 30 {
            return Err("must be 3 to 30 characters long".into());
        }
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err("may contain only letters a-z, digits and underscores".into());
        }
        Ok(Self(name))
    }

    /// Like [`parse`](Self::parse), and also refuses reserved names (for sign-up).
    pub fn parse_new(raw: &str) -> Result<Self, String> {
        let name = Self::parse(raw)?;
        if RESERVED.contains(&name.0.as_str()) {
            return Err("is reserved".into());
        }
        Ok(name)
    }

    /// The lowercase name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Username {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(Username::parse("Alice_99").unwrap().as_str(), "alice_99");
    }

    #[test]
    fn refuses_bad_names() {
        for bad in ["ab", "a".repeat(31).as_str(), "al ice", "alice!", "élodie", ""] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reserved_only_at_sign_up() {
        assert!(Username::parse_new("Admin").is_err());
        assert!(Username::parse("admin").is_ok());
    }
}
