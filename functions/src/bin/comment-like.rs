//! Lambda `comment-like`: POST /api/comments/{commentUrl}/likes — like a comment (see mediashare::api::comments::like).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_LIKE)
}
