//! Route handlers, one function per route, grouped by resource. Each reads like the route's
//! story; parsing, auth and error mapping are one-liners from `http`.

pub mod accounts;
pub mod auth;
pub mod comments;
pub mod docs;
pub mod files;
pub mod follows;
pub mod medias;
pub mod notifications;
pub mod openapi;
pub mod playlists;
pub mod search;
pub mod timeline;
pub mod uploads;
pub mod users;
pub mod views;
