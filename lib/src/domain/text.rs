//! Free-text profile fields with length limits; control characters are refused.

/// Checks a free-text value: trimmed, at most `max` characters, no control characters other
/// than newlines and tabs when `multiline`.
fn checked(raw: &str, max: usize, multiline: bool) -> Result<String, String> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\t'));
    if value.chars().any(bad) {
        return Err("contains control characters".into());
    }
    Ok(value.to_owned())
}

/// A display name: up to 50 characters, one line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    /// Validates `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        checked(raw, 50, false).map(Self)
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A profile bio: up to 500 characters, may span lines.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Bio(String);

impl Bio {
    /// Validates `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        checked(raw, 500, true).map(Self)
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(DisplayName::parse(&"é".repeat(50)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(51)).is_err());
        assert!(DisplayName::parse("two\nlines").is_err());
        assert!(Bio::parse("two\nlines").is_ok());
        assert_eq!(Bio::parse("  padded ").unwrap().as_str(), "padded");
    }
}
