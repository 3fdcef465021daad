//! Lambda `comment-get`: GET /api/comments/{commentUrl} — one comment (see mediashare::api::comments::get).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_GET)
}
