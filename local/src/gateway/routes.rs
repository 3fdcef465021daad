//! HttpApi route selection as API Gateway does it: the method must match (or the route is
//! `ANY`), literal segments beat `{param}`, `{param}` beats a trailing greedy `{proxy+}`, and
//! `$default` catches what nothing else matched.

use std::collections::BTreeMap;

use super::encoding::percent_decode;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl Segment {
    /// Higher is more specific.
    fn rank(&self) -> u8 {
        match self {
            Self::Literal(_) => 3,
            Self::Param(_) => 2,
            Self::Greedy(_) => 1,
        }
    }
}

/// One route and what it leads to.
#[derive(Clone, Debug)]
pub(crate) struct RouteEntry<T> {
    /// `GET /api/users/{username}` or `$default`.
    pub route_key: String,
    method: String,
    /// `None` for `$default`.
    segments: Option<Vec<Segment>>,
    /// What serves it.
    pub target: T,
}

/// The outcome of matching a request.
#[derive(Debug)]
pub(crate) enum RouteMatch<'a, T> {
    /// A route, with its url-decoded path parameters.
    Found(&'a RouteEntry<T>, BTreeMap<String, String>),
    /// Routes exist for the path, not for the method.
    MethodNotAllowed(Vec<String>),
    /// No route for the path.
    NotFound,
}

/// A matching route: its specificity, the entry and its path parameters.
type Candidate<'a, T> = (Vec<u8>, &'a RouteEntry<T>, BTreeMap<String, String>);

/// All routes of the stack.
#[derive(Clone, Debug)]
pub(crate) struct RouteTable<T> {
    entries: Vec<RouteEntry<T>>,
}

impl<T> Default for RouteTable<T> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<T> RouteTable<T> {
    /// Adds `method path` (the path as written in the template).
    pub(crate) fn add(&mut self, method: &str, path: &str, target: T) {
        let method = method.to_ascii_uppercase();
        if path == "$default" {
            self.entries.push(RouteEntry {
                route_key: "$default".into(),
                method: "ANY".into(),
                segments: None,
                target,
            });
            return;
        }
        let segments = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                if let Some(name) = s.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
                    Segment::Greedy(name.to_owned())
                } else if let Some(name) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Segment::Param(name.to_owned())
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        self.entries.push(RouteEntry {
            route_key: format!("{method} {path}"),
            method,
            segments: Some(segments),
            target,
        });
    }

    /// Whether a route was declared for `OPTIONS` on this path (then preflights go to it).
    pub(crate) fn has_options_route(&self, raw_path: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.method == "OPTIONS" && e.segments.as_ref().is_some_and(|s| matches(s, raw_path).is_some()))
    }

    /// Selects the route for `method raw_path` (the path as received, percent-encoded).
    pub(crate) fn find(&self, method: &str, raw_path: &str) -> RouteMatch<'_, T> {
        let mut best: Option<Candidate<'_, T>> = None;
        let mut allowed = Vec::new();
        let mut fallback = None;
        for entry in &self.entries {
            let Some(segments) = &entry.segments else {
                fallback = Some(entry);
                continue;
            };
            let Some(params) = matches(segments, raw_path) else {
                continue;
            };
            if entry.method != method && entry.method != "ANY" {
                allowed.push(entry.method.clone());
                continue;
            }
            let rank: Vec<u8> = segments.iter().map(Segment::rank).collect();
            if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
                best = Some((rank, entry, params));
            }
        }
        match (best, fallback) {
            (Some((_, entry, params)), _) => RouteMatch::Found(entry, params),
            (None, Some(entry)) => RouteMatch::Found(entry, BTreeMap::new()),
            (None, None) if !allowed.is_empty() => {
                allowed.sort();
                allowed.dedup();
                RouteMatch::MethodNotAllowed(allowed)
            }
            (None, None) => RouteMatch::NotFound,
        }
    }
}

/// Path parameters when `raw_path` fits `segments`.
fn matches(segments: &[Segment], raw_path: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = raw_path.strip_prefix('/')?.split('/').collect();
    let mut params = BTreeMap::new();
    for (index, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Literal(literal) => {
                let part = parts.get(index)?;
                if part != literal && percent_decode(part) != *literal {
                    return None;
                }
            }
            Segment::Param(name) => {
                let part = parts.get(index).filter(|p| !p.is_empty())?;
                params.insert(name.clone(), percent_decode(part));
            }
            Segment::Greedy(name) => {
                let rest = parts.get(index..)?.join("/");
                if rest.is_empty() || index + 1 != segments.len() {
                    return None;
                }
                params.insert(name.clone(), percent_decode(&rest));
                return Some(params);
            }
        }
    }
    (parts.len() == segments.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable<&'static str> {
        let mut table = RouteTable::default();
        table.add("POST", "/api/users", "sign-up");
        table.add("GET", "/api/users/{username}", "get");
        table.add("PUT", "/api/users/{username}", "update");
        table.add("POST", "/api/users/resend-email", "resend");
        table.add("GET", "/api/users/search/{term}", "search");
        table.add("POST", "/api/users/{username}/verify/{code}", "verify");
        table.add("GET", "/docs", "docs");
        table.add("GET", "/docs/openapi.json", "docs-json");
        table.add("GET", "/docs/{proxy+}", "docs-assets");
        table
    }

    fn target(method: &str, path: &str) -> Option<(&'static str, BTreeMap<String, String>)> {
        match table().find(method, path) {
            RouteMatch::Found(entry, params) => Some((entry.target, params)),
            _ => None,
        }
    }

    #[test]
    fn literal_segments_beat_parameters() {
        assert_eq!(target("POST", "/api/users/resend-email").map(|t| t.0), Some("resend"));
        assert_eq!(target("GET", "/api/users/resend-email").map(|t| t.0), Some("get"));
        assert_eq!(target("GET", "/docs/openapi.json").map(|t| t.0), Some("docs-json"));
    }

    #[test]
    fn parameters_are_decoded() {
        let (name, params) = target("POST", "/api/users/al%20ice/verify/12%2F3").expect("route");
        assert_eq!(name, "verify");
        assert_eq!(params["username"], "al ice");
        assert_eq!(params["code"], "12/3");
    }

    #[test]
    fn greedy_proxy_takes_the_rest() {
        let (name, params) = target("GET", "/docs/assets/swagger-ui.css").expect("route");
        assert_eq!(name, "docs-assets");
        assert_eq!(params["proxy"], "assets/swagger-ui.css");
        assert!(target("GET", "/docs/").is_none());
    }

    #[test]
    fn wrong_method_is_405_and_unknown_path_is_404() {
        assert!(matches!(table().find("DELETE", "/api/users"), RouteMatch::MethodNotAllowed(m) if m == ["POST"]));
        assert!(matches!(table().find("GET", "/nope"), RouteMatch::NotFound));
        assert!(matches!(table().find("GET", "/api/users/a/b"), RouteMatch::NotFound));
        assert!(matches!(table().find("GET", "/api/users/"), RouteMatch::NotFound));
    }

    #[test]
    fn default_route_catches_the_rest() {
        let mut table = table();
        table.add("ANY", "$default", "fallback");
        assert!(matches!(table.find("GET", "/nope"), RouteMatch::Found(e, _) if e.target == "fallback"));
    }
}
