//! Timelines. `GET /api/timeline/home` merges the caller's home partition (fanned-out items of
//! the small accounts they follow, and their own) with the feeds of the big accounts they
//! follow, newest first. Every source is ordered by the same `{at}#{media}` key, so the merge
//! is a k-way merge and the cursor (the last key, plus the medias already shown through a
//! repost, which are the only ones that can come again further down) gives pages with no gaps
//! or repeats. `GET /api/users/{username}/timeline` is one account's medias and reposts.

use std::collections::{BTreeMap, HashMap};

use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::MediaView;
use crate::ctx::Ctx;
use crate::domain::{DomainError, MediaId, MediaStatus, Username};
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::timeline::Entry;

/// Medias remembered in a home cursor (shown through a repost; they must not come back).
const SEEN_IN_CURSOR: usize = 200;

/// One timeline item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItemView {
    /// The media.
    pub media: MediaView,
    /// Who reposted it, when it is here as a repost.
    pub reposted_by: Option<String>,
    /// When it was published or reposted (RFC 3339).
    pub at: String,
}

/// A page of a timeline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelinePage {
    /// Items, newest first.
    pub items: Vec<TimelineItemView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// The views of `entries` whose medias still exist and are ready, in order.
async fn hydrate(ctx: &Ctx, entries: &[Entry]) -> ApiResult<Vec<TimelineItemView>> {
    let ids: Vec<MediaId> = entries.iter().filter_map(|e| MediaId::parse(&e.media).ok()).collect();
    let medias: HashMap<String, crate::domain::Media> =
        ctx.store.get_medias(&ids).await?.into_iter().map(|m| (m.id.to_string(), m)).collect();
    Ok(entries
        .iter()
        .filter_map(|e| {
            let m = medias.get(&e.media).filter(|m| m.status == MediaStatus::Ready)?;
            Some(TimelineItemView { media: MediaView::of(m), reposted_by: e.reposted_by.clone(), at: e.at.clone() })
        })
        .collect())
}

/// The merge of already sorted (newest first) `sources`: at most `limit` entries after
/// dropping medias in `seen` or already taken, and whether more may follow.
pub fn merge(sources: Vec<Vec<Entry>>, fetched: usize, seen: &[String], limit: usize) -> (Vec<Entry>, bool) {
    let more_in_sources = sources.iter().any(|s| s.len() >= fetched);
    let mut all: Vec<Entry> = sources.into_iter().flatten().collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.sort_key()));
    let mut page: Vec<Entry> = Vec::with_capacity(limit);
    let mut rest = all.into_iter();
    for entry in rest.by_ref() {
        if seen.contains(&entry.media) || page.iter().any(|p| p.media == entry.media) {
            continue;
        }
        page.push(entry);
        if page.len() == limit {
            break;
        }
    }
    let more = more_in_sources || (page.len() == limit && rest.next().is_some());
    (page, more)
}

/// `GET /api/timeline/home` — medias and reposts of the people the caller follows (and the
/// caller's own), newest first, each media once.
#[utoipa::path(get, path = "/api/timeline/home", tag = "timelines",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = TimelinePage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn home(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.caller().await?.user;
    let page = req.page()?;
    let user = me.username.as_str();
    let scope = format!("home:{user}");
    let (before, seen) = match &page.cursor {
        None => (None, Vec::new()),
        Some(cursor) => {
            let position = ctx.store.cursors.open(&scope, cursor)?;
            let before = position.get("sk").cloned().ok_or(DomainError::invalid("cursor", "is not a home cursor"))?;
            let seen = position.get("seen").map(|s| s.split(',').map(str::to_owned).collect()).unwrap_or_default();
            (Some(before), seen)
        }
    };
    let limit = page.limit as usize;
    // Room for duplicates between sources, plus one to know whether more follow.
    let fetched = limit * 2 + 1;
    let (home, bigs) =
        tokio::join!(ctx.store.home_entries(user, before.as_deref(), fetched), ctx.store.big_followings(user));
    let mut sources = vec![home?];
    // The big accounts' feeds are independent Queries: a bounded number in flight at once
    // (`HOME_FEEDS_IN_FLIGHT`), on this task, instead of one after another.
    let before = before.as_deref();
    let feeds = futures_util::stream::iter(bigs?)
        .map(|big| async move { ctx.store.feed_entries(&big, before, fetched).await })
        .buffered(ctx.config.home_feeds_in_flight);
    sources.extend(feeds.try_collect::<Vec<_>>().await?);
    let (entries, more) = merge(sources, fetched, &seen, limit);
    let next_cursor = match (more, entries.last()) {
        (true, Some(last)) => {
            let mut seen = seen;
            seen.extend(entries.iter().filter(|e| e.reposted_by.is_some()).map(|e| e.media.clone()));
            let skip = seen.len().saturating_sub(SEEN_IN_CURSOR);
            let position =
                BTreeMap::from([("sk".to_owned(), last.sort_key()), ("seen".to_owned(), seen[skip..].join(","))]);
            Some(ctx.store.cursors.seal(&scope, &position))
        }
        _ => None,
    };
    Ok(Reply::ok(&TimelinePage { items: hydrate(ctx, &entries).await?, next_cursor }))
}

/// `GET /api/users/{username}/timeline` — the account's medias and reposts, newest first.
#[utoipa::path(get, path = "/api/users/{username}/timeline", tag = "timelines",
    params(("username" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = TimelinePage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn user(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let username: Username = req.path("username")?;
    let page = req.page()?;
    ctx.store.require_user(&username).await?;
    let scope = format!("feed:{username}");
    let before = match &page.cursor {
        None => None,
        Some(cursor) => Some(
            ctx.store
                .cursors
                .open(&scope, cursor)?
                .get("sk")
                .cloned()
                .ok_or(DomainError::invalid("cursor", "is not a timeline cursor"))?,
        ),
    };
    let limit = page.limit as usize;
    let mut entries = ctx.store.feed_entries(username.as_str(), before.as_deref(), limit + 1).await?;
    let next_cursor = if entries.len() > limit {
        entries.truncate(limit);
        entries.last().map(|last| ctx.store.cursors.seal(&scope, &BTreeMap::from([("sk".to_owned(), last.sort_key())])))
    } else {
        None
    };
    Ok(Reply::ok(&TimelinePage { items: hydrate(ctx, &entries).await?, next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(media: &str, at: &str, by: Option<&str>) -> Entry {
        Entry { media: media.into(), author: "a".into(), reposted_by: by.map(Into::into), at: at.into() }
    }

    #[test]
    fn the_merge_orders_dedupes_and_knows_when_more_follow() {
        let home = vec![e("m3", "2026-01-03", None), e("m1", "2026-01-01", None)];
        let big = vec![e("m2", "2026-01-04", Some("b")), e("m3", "2026-01-02", Some("b")), e("m2", "2026-01-00", None)];
        let (page, more) = merge(vec![home.clone(), big.clone()], 5, &[], 10);
        let ids: Vec<&str> = page.iter().map(|p| p.media.as_str()).collect();
        assert_eq!(ids, ["m2", "m3", "m1"], "newest first, each media once (its newest entry)");
        assert!(!more);
        let (first, more) = merge(vec![home.clone(), big.clone()], 5, &[], 1);
        assert_eq!((first[0].media.as_str(), more), ("m2", true));
        // The next page starts after m2 and remembers it was shown as a repost.
        let after: Vec<Vec<Entry>> = [home, big]
            .into_iter()
            .map(|s| s.into_iter().filter(|x| x.sort_key() < first[0].sort_key()).collect())
            .collect();
        let (rest, _) = merge(after, 5, &["m2".to_owned()], 10);
        let ids: Vec<&str> = rest.iter().map(|p| p.media.as_str()).collect();
        assert_eq!(ids, ["m3", "m1"]);
    }
}
