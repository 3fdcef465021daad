//! Lambda `comment-unlike`: DELETE /api/comments/{commentUrl}/likes — unlike a comment (see mediashare::api::comments::unlike).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_UNLIKE)
}
