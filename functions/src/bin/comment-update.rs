//! Lambda `comment-update`: PUT /api/comments/{commentUrl} — edit a comment (see mediashare::api::comments::update).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_UPDATE)
}
