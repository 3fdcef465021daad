//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{
    accounts, auth, comments, docs, files, follows, medias, notifications, playlists, timeline, uploads, users, views,
};
use crate::domain::media::SHORT_ID_LEN;
use crate::domain::{NotificationSetting, NotificationType};
use crate::http::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::problem::{FieldErrorDoc, Problem};

#[derive(OpenApi)]
#[openapi(
    info(title = "mediashare API", version = "0.1.0",
         description = "Media storage and sharing: accounts, medias, social graph, timelines. Errors are RFC 9457 problem+json."),
    paths(
        accounts::sign_up, accounts::verify, accounts::resend_email,
        auth::sign_in, auth::refresh, auth::logout, auth::jwks,
        users::get, users::list, users::search, users::update, users::delete, users::new_api_key,
        docs::page, docs::openapi_json,
        follows::follow, follows::unfollow, follows::followers, follows::followings,
        medias::create, medias::get, medias::list, medias::search, medias::update, medias::delete,
        medias::add_tag, medias::remove_tag, medias::like, medias::unlike, medias::repost, medias::unrepost,
        uploads::photo, uploads::video, uploads::music, uploads::subtitles, uploads::cover, uploads::profile_photo,
        uploads::channel_photo, files::photo, files::video, files::music,
        timeline::home, timeline::user, notifications::list, notifications::mark_read,
        comments::get, comments::list, comments::replies, comments::create, comments::update, comments::delete,
        comments::like, comments::unlike,
        playlists::list, playlists::search, playlists::get, playlists::medias, playlists::create, playlists::update,
        playlists::delete, playlists::add_media, playlists::move_media, playlists::remove_media,
    ),
    components(schemas(
        Problem, FieldErrorDoc, views::UserView, views::TokensView, views::ApiKeyView, views::MessageView,
        views::UserPage, views::PhotoSet, views::SettingsView, NotificationType, NotificationSetting,
        views::MediaView, views::MediaPage, crate::domain::MediaKind, crate::domain::MediaStatus,
        medias::CreateMediaBody, medias::UpdateMediaBody,
        uploads::UploadRequestBody, uploads::UploadView, uploads::PresignedPostView,
        timeline::TimelineItemView, timeline::TimelinePage, notifications::NotificationView,
        notifications::NotificationPage, notifications::MarkReadBody,
        comments::CommentView, comments::CommentPage, comments::CreateCommentBody, comments::UpdateCommentBody,
        accounts::SignUpBody, auth::SignInBody, auth::RefreshBody, users::UpdateUserBody, users::SettingsBody,
        playlists::PlaylistView, playlists::PlaylistPage, playlists::PlaylistMediaView, playlists::PlaylistMediaPage,
        playlists::CreatePlaylistBody, playlists::UpdatePlaylistBody, playlists::MovePlaylistMediaBody,
    )),
    modifiers(&Security, &Shared),
    tags((name = "accounts"), (name = "auth"), (name = "users"), (name = "follows"), (name = "medias"), (name = "uploads"), (name = "files"), (name = "timelines"), (name = "notifications"), (name = "comments"), (name = "playlists"), (name = "docs")),
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme("apiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));
    }
}

/// Fills in what every operation shares, so the document tells every client (and Schemathesis,
/// which checks it) the truth: `{url}`-like ids are [`ShortId`](crate::domain::ShortId)s and
/// `?limit=` is 1 to 100; and the problems the shared request layer (`Req`) answers before any
/// handler logic runs are declared on every operation whose shape can trigger them: a path or
/// query parameter that does not parse → 400; a body → 400 (not the schema), 413 (past the size
/// cap) and 415 (not JSON); required credentials → 401 when missing or invalid. A handler's own
/// annotation wins when it declares the same status with a more precise description.
struct Shared;

impl Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                for param in op.parameters.iter_mut().flatten() {
                    if param.parameter_in == ParameterIn::Path && SHORT_ID_PARAMS.contains(&param.name.as_str()) {
                        param.schema = Some(short_id_schema().into());
                    }
                    if param.parameter_in == ParameterIn::Query && param.name == "limit" {
                        param.schema = Some(limit_schema().into());
                    }
                }
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let has_body = op.request_body.is_some();
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut add = |status: &str, why: &str| {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(why).into());
                };
                if has_params || has_body {
                    add("400", "invalid parameter or body");
                }
                if has_body {
                    add("413", "body too large");
                    add("415", "body not application/json");
                }
                if secured {
                    add("401", "missing or invalid credentials");
                }
            }
        }
    }
}

/// Path parameters that are server-made short ids (medias, comments, playlists).
const SHORT_ID_PARAMS: [&str; 3] = ["url", "commentUrl", "playlistUrl"];

/// The exact shape [`ShortId::parse`](crate::domain::ShortId::parse) accepts, so clients and fuzzers know it.
fn short_id_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(SHORT_ID_LEN))
        .max_length(Some(SHORT_ID_LEN))
        .pattern(Some(format!("^[A-Za-z0-9_-]{{{SHORT_ID_LEN}}}$")))
        .build()
}

/// `?limit=` as [`Req::page`](crate::http::Req::page) accepts it.
fn limit_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(MAX_LIMIT))
        .default(Some(DEFAULT_LIMIT.into()))
        .build()
}

/// A problem+json response described by `why`.
fn problem(why: &str) -> Response {
    ResponseBuilder::new()
        .description(why)
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        )
        .build()
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Every (METHOD, path) the document describes.
pub fn routes() -> Vec<(String, String)> {
    let doc = document();
    let mut out = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
            ("PATCH", item.patch.is_some()),
        ];
        for (method, present) in ops {
            if present {
                out.push((method.to_owned(), path.clone()));
            }
        }
    }
    out
}
