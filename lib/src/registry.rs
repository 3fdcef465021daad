//! The one list of functions: binary name → handler. The Lambda binaries, the local runner and
//! the tests all go through it, and a test checks it against template.yaml, the OpenAPI
//! document, `functions/src/bin/` and `events/`.

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
/// An SQS consumer reporting partial batch failures.
pub type SqsHandler = fn(&'static Ctx, SqsEvent) -> BoxFut<'static, Result<SqsBatchResponse, EventError>>;
/// A DynamoDB stream consumer reporting partial batch failures.
pub type StreamHandler = fn(&'static Ctx, StreamEvent) -> BoxFut<'static, Result<DynamoDbEventResponse, EventError>>;

/// How a function is invoked.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Behind an HttpApi route.
    Http(HttpHandler),
    /// Fed by an SQS queue.
    Sqs(SqsHandler),
    /// Fed by the table's stream.
    Stream(StreamHandler),
}

/// One Lambda function.
#[derive(Clone, Copy)]
pub struct Function {
    /// Binary name: `functions/src/bin/{name}.rs`, `events/{name}.json`, and the template's
    /// `Metadata.BuildProperties.Binary`.
    pub name: &'static str,
    /// The library path of the handler the binary serves (checked against the binary's source).
    pub handler_path: &'static str,
    /// The handler.
    pub handler: Handler,
}

macro_rules! http {
    ($name:literal, $f:path) => {
        Function {
            name: $name,
            handler_path: stringify!($f),
            handler: Handler::Http(|ctx, req| Box::pin(crate::http::respond(ctx, req, $f))),
        }
    };
}

/// Every function of the product.
pub static FUNCTIONS: &[Function] = &[
    http!("user-sign-up", crate::api::accounts::sign_up),
    http!("user-verify", crate::api::accounts::verify),
    http!("user-resend-email", crate::api::accounts::resend_email),
    http!("user-sign-in", crate::api::auth::sign_in),
    http!("auth-refresh", crate::api::auth::refresh),
    http!("auth-logout", crate::api::auth::logout),
    http!("auth-jwks", crate::api::auth::jwks),
    http!("user-new-api-key", crate::api::users::new_api_key),
    http!("user-get", crate::api::users::get),
    http!("user-list", crate::api::users::list),
    http!("user-search", crate::api::users::search),
    http!("user-update", crate::api::users::update),
    http!("user-delete", crate::api::users::delete),
    http!("docs", crate::api::docs::serve),
    http!("follow-create", crate::api::follows::follow),
    http!("follow-delete", crate::api::follows::unfollow),
    http!("user-followers", crate::api::follows::followers),
    http!("user-followings", crate::api::follows::followings),
    http!("media-create", crate::api::medias::create),
    http!("media-get", crate::api::medias::get),
    http!("media-list", crate::api::medias::list),
    http!("media-search", crate::api::medias::search),
    http!("media-update", crate::api::medias::update),
    http!("media-delete", crate::api::medias::delete),
    http!("media-tag-add", crate::api::medias::add_tag),
    http!("media-tag-remove", crate::api::medias::remove_tag),
    http!("media-like", crate::api::medias::like),
    http!("media-unlike", crate::api::medias::unlike),
    http!("media-repost", crate::api::medias::repost),
    http!("media-unrepost", crate::api::medias::unrepost),
    http!("upload-photo", crate::api::uploads::photo),
    http!("upload-video", crate::api::uploads::video),
    http!("upload-music", crate::api::uploads::music),
    http!("media-subtitles", crate::api::uploads::subtitles),
    http!("media-cover", crate::api::uploads::cover),
    http!("user-profile-photo", crate::api::uploads::profile_photo),
    http!("user-channel-photo", crate::api::uploads::channel_photo),
    http!("file-photo", crate::api::files::photo),
    http!("file-video", crate::api::files::video),
    http!("file-music", crate::api::files::music),
    http!("timeline-home", crate::api::timeline::home),
    http!("user-timeline", crate::api::timeline::user),
    http!("notification-list", crate::api::notifications::list),
    http!("notification-read", crate::api::notifications::mark_read),
    http!("comment-get", crate::api::comments::get),
    http!("comment-list", crate::api::comments::list),
    http!("comment-replies", crate::api::comments::replies),
    http!("comment-create", crate::api::comments::create),
    http!("comment-update", crate::api::comments::update),
    http!("comment-delete", crate::api::comments::delete),
    http!("comment-like", crate::api::comments::like),
    http!("comment-unlike", crate::api::comments::unlike),
    http!("playlist-list", crate::api::playlists::list),
    http!("playlist-search", crate::api::playlists::search),
    http!("playlist-get", crate::api::playlists::get),
    http!("playlist-medias", crate::api::playlists::medias),
    http!("playlist-create", crate::api::playlists::create),
    http!("playlist-update", crate::api::playlists::update),
    http!("playlist-delete", crate::api::playlists::delete),
    http!("playlist-add-media", crate::api::playlists::add_media),
    http!("playlist-move-media", crate::api::playlists::move_media),
    http!("playlist-remove-media", crate::api::playlists::remove_media),
    Function {
        name: "table-events",
        handler_path: "crate::events::table::handle",
        handler: Handler::Stream(|ctx, event| Box::pin(crate::events::table::handle(ctx, event))),
    },
    Function {
        name: "transcode",
        handler_path: "crate::transcode::handle",
        handler: Handler::Sqs(|ctx, event| Box::pin(crate::transcode::handle(ctx, event))),
    },
    Function {
        name: "mailer",
        handler_path: "crate::mail::mailer::handle",
        handler: Handler::Sqs(|ctx, event| Box::pin(crate::mail::mailer::handle(ctx, event))),
    },
];

/// The function named `name`.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
