//! The one list of functions: binary name → handler, checked by a test against template.yaml,
//! the OpenAPI document, `functions/src/bin/` and `events/`. Each function is a `pub const`
//! that its binary runs, so a binary links its own handler and nothing else (see
//! docs/benchmarks.md, "Cold start and size"); the local runner and the tests use
//! [`FUNCTIONS`], the list of them all.

use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_http::{Body, Request, Response};

use crate::ctx::Ctx;
use crate::events::EventError;

/// A boxed, sendable future.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// An HTTP route: never fails, errors are already problem+json responses.
pub type HttpHandler = fn(&'static Ctx, Request) -> BoxFut<'static, Response<Body>>;
/// An HTTP route needing no context (no AWS clients, no keys): its binary builds none.
pub type StaticHttpHandler = fn(Request) -> BoxFut<'static, Response<Body>>;
/// An SQS consumer reporting partial batch failures.
pub type SqsHandler = fn(&'static Ctx, SqsEvent) -> BoxFut<'static, Result<SqsBatchResponse, EventError>>;
/// A DynamoDB stream consumer reporting partial batch failures.
pub type StreamHandler = fn(&'static Ctx, StreamEvent) -> BoxFut<'static, Result<DynamoDbEventResponse, EventError>>;

/// How a function is invoked.
#[derive(Clone, Copy, Debug)]
pub enum Handler {
    /// Behind an HttpApi route.
    Http(HttpRoute),
    /// Fed by an SQS queue.
    Sqs(SqsHandler),
    /// Fed by the table's stream.
    Stream(StreamHandler),
}

/// What serves an HttpApi route.
#[derive(Clone, Copy, Debug)]
pub enum HttpRoute {
    /// A route of the product: it runs with the context.
    WithContext(HttpHandler),
    /// A route served from the binary alone (the docs): its binary does not build a [`Ctx`],
    /// so it links no AWS client.
    Static(StaticHttpHandler),
}

impl HttpRoute {
    /// Handles `request` (`ctx` is ignored by a static route).
    pub fn call(self, ctx: &'static Ctx, request: Request) -> BoxFut<'static, Response<Body>> {
        match self {
            HttpRoute::WithContext(handler) => handler(ctx, request),
            HttpRoute::Static(handler) => handler(request),
        }
    }
}

/// One Lambda function.
#[derive(Clone, Copy)]
pub struct Function {
    /// Binary name: `functions/src/bin/{name}.rs`, `events/{name}.json`, and the template's
    /// `Metadata.BuildProperties.Binary`.
    pub name: &'static str,
    /// Name of its `pub const` in this module, which `functions/src/bin/{name}.rs` runs.
    pub constant: &'static str,
    /// The library path of the handler the binary serves (checked against the binary's source).
    pub handler_path: &'static str,
    /// The handler.
    pub handler: Handler,
}

// `http!`, `sqs!` and `stream!` build the [`Function`] of one handler of that kind.
macro_rules! http {
    ($name:literal, $id:ident, $f:path) => {
        Function {
            name: $name,
            constant: stringify!($id),
            handler_path: stringify!($f),
            handler: Handler::Http(HttpRoute::WithContext(|ctx, req| Box::pin(crate::http::respond(ctx, req, $f)))),
        }
    };
}
macro_rules! http_static {
    ($name:literal, $id:ident, $f:path) => {
        Function {
            name: $name,
            constant: stringify!($id),
            handler_path: stringify!($f),
            handler: Handler::Http(HttpRoute::Static(|req| Box::pin($f(req)))),
        }
    };
}
macro_rules! sqs {
    ($name:literal, $id:ident, $f:path) => {
        Function {
            name: $name,
            constant: stringify!($id),
            handler_path: stringify!($f),
            handler: Handler::Sqs(|ctx, event| Box::pin($f(ctx, event))),
        }
    };
}
macro_rules! stream {
    ($name:literal, $id:ident, $f:path) => {
        Function {
            name: $name,
            constant: stringify!($id),
            handler_path: stringify!($f),
            handler: Handler::Stream(|ctx, event| Box::pin($f(ctx, event))),
        }
    };
}

/// One `pub const` per function (what its binary runs, so the binary links that handler and
/// nothing else) and [`FUNCTIONS`], the list of them all (what the runner and the tests use).
macro_rules! functions {
    ($($id:ident = $kind:ident($name:literal, $f:path);)*) => {
        $(
            #[doc = concat!("`", $name, "`: [`", stringify!($f), "`].")]
            pub const $id: Function = $kind!($name, $id, $f);
        )*
        /// Every function of the product.
        pub static FUNCTIONS: &[Function] = &[$($id),*];
    };
}

functions! {
    USER_SIGN_UP = http("user-sign-up", crate::api::accounts::sign_up);
    USER_VERIFY = http("user-verify", crate::api::accounts::verify);
    USER_RESEND_EMAIL = http("user-resend-email", crate::api::accounts::resend_email);
    USER_SIGN_IN = http("user-sign-in", crate::api::auth::sign_in);
    AUTH_REFRESH = http("auth-refresh", crate::api::auth::refresh);
    AUTH_LOGOUT = http("auth-logout", crate::api::auth::logout);
    AUTH_JWKS = http("auth-jwks", crate::api::auth::jwks);
    USER_NEW_API_KEY = http("user-new-api-key", crate::api::users::new_api_key);
    USER_GET = http("user-get", crate::api::users::get);
    USER_LIST = http("user-list", crate::api::users::list);
    USER_SEARCH = http("user-search", crate::api::users::search);
    USER_UPDATE = http("user-update", crate::api::users::update);
    USER_DELETE = http("user-delete", crate::api::users::delete);
    DOCS = http_static("docs", crate::api::docs::serve);
    FOLLOW_CREATE = http("follow-create", crate::api::follows::follow);
    FOLLOW_DELETE = http("follow-delete", crate::api::follows::unfollow);
    USER_FOLLOWERS = http("user-followers", crate::api::follows::followers);
    USER_FOLLOWINGS = http("user-followings", crate::api::follows::followings);
    MEDIA_CREATE = http("media-create", crate::api::medias::create);
    MEDIA_GET = http("media-get", crate::api::medias::get);
    MEDIA_LIST = http("media-list", crate::api::medias::list);
    MEDIA_SEARCH = http("media-search", crate::api::medias::search);
    MEDIA_UPDATE = http("media-update", crate::api::medias::update);
    MEDIA_DELETE = http("media-delete", crate::api::medias::delete);
    MEDIA_TAG_ADD = http("media-tag-add", crate::api::medias::add_tag);
    MEDIA_TAG_REMOVE = http("media-tag-remove", crate::api::medias::remove_tag);
    MEDIA_LIKE = http("media-like", crate::api::medias::like);
    MEDIA_UNLIKE = http("media-unlike", crate::api::medias::unlike);
    MEDIA_REPOST = http("media-repost", crate::api::medias::repost);
    MEDIA_UNREPOST = http("media-unrepost", crate::api::medias::unrepost);
    UPLOAD_PHOTO = http("upload-photo", crate::api::uploads::photo);
    UPLOAD_VIDEO = http("upload-video", crate::api::uploads::video);
    UPLOAD_MUSIC = http("upload-music", crate::api::uploads::music);
    MEDIA_SUBTITLES = http("media-subtitles", crate::api::uploads::subtitles);
    MEDIA_COVER = http("media-cover", crate::api::uploads::cover);
    USER_PROFILE_PHOTO = http("user-profile-photo", crate::api::uploads::profile_photo);
    USER_CHANNEL_PHOTO = http("user-channel-photo", crate::api::uploads::channel_photo);
    FILE_PHOTO = http("file-photo", crate::api::files::photo);
    FILE_VIDEO = http("file-video", crate::api::files::video);
    FILE_MUSIC = http("file-music", crate::api::files::music);
    TIMELINE_HOME = http("timeline-home", crate::api::timeline::home);
    USER_TIMELINE = http("user-timeline", crate::api::timeline::user);
    NOTIFICATION_LIST = http("notification-list", crate::api::notifications::list);
    NOTIFICATION_READ = http("notification-read", crate::api::notifications::mark_read);
    COMMENT_GET = http("comment-get", crate::api::comments::get);
    COMMENT_LIST = http("comment-list", crate::api::comments::list);
    COMMENT_REPLIES = http("comment-replies", crate::api::comments::replies);
    COMMENT_CREATE = http("comment-create", crate::api::comments::create);
    COMMENT_UPDATE = http("comment-update", crate::api::comments::update);
    COMMENT_DELETE = http("comment-delete", crate::api::comments::delete);
    COMMENT_LIKE = http("comment-like", crate::api::comments::like);
    COMMENT_UNLIKE = http("comment-unlike", crate::api::comments::unlike);
    PLAYLIST_LIST = http("playlist-list", crate::api::playlists::list);
    PLAYLIST_SEARCH = http("playlist-search", crate::api::playlists::search);
    PLAYLIST_GET = http("playlist-get", crate::api::playlists::get);
    PLAYLIST_MEDIAS = http("playlist-medias", crate::api::playlists::medias);
    PLAYLIST_CREATE = http("playlist-create", crate::api::playlists::create);
    PLAYLIST_UPDATE = http("playlist-update", crate::api::playlists::update);
    PLAYLIST_DELETE = http("playlist-delete", crate::api::playlists::delete);
    PLAYLIST_ADD_MEDIA = http("playlist-add-media", crate::api::playlists::add_media);
    PLAYLIST_MOVE_MEDIA = http("playlist-move-media", crate::api::playlists::move_media);
    PLAYLIST_REMOVE_MEDIA = http("playlist-remove-media", crate::api::playlists::remove_media);
    TABLE_EVENTS = stream("table-events", crate::events::table::handle);
    TRANSCODE = sqs("transcode", crate::transcode::handle);
    MAILER = sqs("mailer", crate::mail::mailer::handle);
}

/// The function named `name`.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
