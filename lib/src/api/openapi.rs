//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    accounts, auth, comments, docs, files, follows, medias, notifications, playlists, timeline, uploads, users, views,
};
use crate::domain::{NotificationSetting, NotificationType};
use crate::http::problem::{FieldErrorDoc, Problem};

#[derive(OpenApi)]
#[openapi(
    info(title = "mediashare API", version = "0.1.0",
         description = "Media storage and sharing: accounts, medias, social graph, timelines. Errors are RFC 9457 problem+json."),
    paths(
        accounts::sign_up, accounts::verify, accounts::resend_email,
        auth::sign_in, auth::refresh, auth::logout, auth::jwks,
        users::get, users::list, users::search, users::update, users::delete, users::new_api_key,
        docs::serve, docs::openapi_json,
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
    modifiers(&Security),
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
