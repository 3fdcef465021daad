//! Lambda `comment-replies`: GET /api/comments/{commentUrl}/replies — a comment's replies (see mediashare::api::comments::replies).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_REPLIES)
}
