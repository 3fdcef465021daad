//! Clock helpers: RFC 3339 UTC strings with millisecond precision (they sort as text, which
//! the sort keys rely on) and Unix seconds for TTLs and tokens.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, as Unix seconds.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, as Unix milliseconds.
pub fn now_unix_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Now, as an RFC 3339 UTC string with exactly three fractional digits.
pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// `t` as an RFC 3339 UTC string with exactly three fractional digits (fixed width).
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let ms = t.millisecond();
    let t = t.replace_nanosecond(0).unwrap_or(t);
    let base = t.format(&Rfc3339).unwrap_or_default();
    // base ends in "Z" without fraction: insert ".mmm".
    format!("{}.{ms:03}Z", base.trim_end_matches('Z'))
}

/// Unix seconds to an RFC 3339 string.
pub fn unix_to_rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).map(rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width() {
        let t = OffsetDateTime::from_unix_timestamp(0).unwrap();
        assert_eq!(rfc3339(t), "1970-01-01T00:00:00.000Z");
        assert_eq!(now_rfc3339().len(), 24);
    }
}
