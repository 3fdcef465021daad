//! Request ids and the timestamps API Gateway and Lambda put into events.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;
use time::macros::format_description;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 unpredictable bits: SipHash with per-call random keys over a counter and the clock.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_i128(OffsetDateTime::now_utc().unix_timestamp_nanos());
    hasher.finish()
}

/// A fresh UUID-v4-shaped id.
pub(crate) fn uuid() -> String {
    let high = random_u64();
    let low = random_u64();
    let bytes = ((u128::from(high) << 64) | u128::from(low)).to_be_bytes();
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`.
pub(crate) fn apigw_time(at: OffsetDateTime) -> String {
    at.format(format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000")).unwrap_or_default()
}

/// RFC 3339 with milliseconds, e.g. `2024-01-01T00:00:00.000Z`.
pub(crate) fn rfc3339_millis(at: OffsetDateTime) -> String {
    at.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"))
        .unwrap_or_default()
}

/// Milliseconds since the epoch.
pub(crate) fn epoch_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_fresh_and_well_formed() {
        let a = uuid();
        let b = uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn api_gateway_time_format() {
        let at = time::macros::datetime!(2020-03-12 19:03:58 UTC);
        assert_eq!(apigw_time(at), "12/Mar/2020:19:03:58 +0000");
        assert_eq!(rfc3339_millis(at), "2020-03-12T19:03:58.000Z");
    }
}
