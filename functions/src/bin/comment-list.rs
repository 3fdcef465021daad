//! Lambda `comment-list`: GET /api/comments/medias/{url} — a media's top-level comments (see mediashare::api::comments::list).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_LIST)
}
