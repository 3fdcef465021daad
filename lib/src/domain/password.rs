//! Passwords: 8–128 characters. Never logged, never serialised.

use std::fmt;

/// A password of acceptable length. `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks the length (in characters, so non-ASCII passphrases count fairly).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < 8 {
            return Err("must be at least 8 characters".into());
        }
        if chars > 128 {
            return Err("must be at most 128 characters".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("long enough").is_ok());
        assert_eq!(format!("{:?}", Password::parse("secret123").unwrap()), "Password(***)");
    }
}
