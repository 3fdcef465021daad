//! Lambda `comment-delete`: DELETE /api/comments/{commentUrl} — delete a comment (see mediashare::api::comments::delete).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_DELETE)
}
