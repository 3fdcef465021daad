//! Property tests of pagination cursors: whatever a position holds, sealing then opening gives
//! it back; any other string — random, truncated, one character changed, or a real cursor of
//! another list — is a 400 naming `cursor`, never a panic and never a position.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::cursor::{CursorCodec, Position};
use super::problem::ApiError;
use crate::domain::DomainError;

/// What a cursor may carry: key attribute names and any Unicode values.
fn position() -> impl Strategy<Value = Position> {
    prop::collection::btree_map("[A-Za-z0-9]{1,8}", any::<String>(), 0..5)
}

fn codec() -> CursorCodec {
    CursorCodec::new(b"property-test secret")
}

/// The refusal is a 400 problem about the `cursor` parameter.
fn is_cursor_400(e: DomainError) -> bool {
    let named = matches!(&e, DomainError::Invalid(fields) if fields.iter().any(|f| f.field == "cursor"));
    named && ApiError::from(e).to_problem("r").0.as_u16() == 400
}

proptest! {
    #![proptest_config(crate::events::properties::config())]

    #[test]
    fn sealed_positions_open_as_they_were(scope in "\\PC{0,30}", pos in position()) {
        let c = codec();
        let sealed = c.seal(&scope, &pos);
        prop_assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "URL-safe: {}", sealed);
        prop_assert_eq!(c.open(&scope, &sealed).unwrap(), pos);
    }

    #[test]
    fn random_strings_are_refused(raw in "\\PC{0,80}", b64ish in "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,30}") {
        let c = codec();
        for s in [raw, b64ish] {
            prop_assert!(is_cursor_400(c.open("users", &s).unwrap_err()), "{}", s);
        }
    }

    #[test]
    fn edited_truncated_or_replayed_cursors_are_refused(
        pos in position(), at in any::<prop::sample::Index>(), with in "[A-Za-z0-9_.=+/-]", cut in any::<prop::sample::Index>(),
    ) {
        let c = codec();
        let sealed = c.seal("users", &pos);
        let i = at.index(sealed.len());
        if &sealed[i..=i] != with.as_str() {
            let edited = format!("{}{}{}", &sealed[..i], with, &sealed[i + 1..]);
            prop_assert!(is_cursor_400(c.open("users", &edited).unwrap_err()), "edited {}", edited);
        }
        let truncated = &sealed[..cut.index(sealed.len())];
        prop_assert!(is_cursor_400(c.open("users", truncated).unwrap_err()), "truncated {}", truncated);
        prop_assert!(is_cursor_400(c.open("search:users:a", &sealed).unwrap_err()), "replayed on another list");
        prop_assert!(is_cursor_400(CursorCodec::new(b"another secret").open("users", &sealed).unwrap_err()));
    }
}

#[test]
fn an_empty_position_round_trips_too() {
    let c = codec();
    assert_eq!(c.open("x", &c.seal("x", &BTreeMap::new())).unwrap(), Position::new());
}
