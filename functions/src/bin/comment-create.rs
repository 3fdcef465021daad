//! Lambda `comment-create`: POST /api/comments/medias/{url} — comment or reply (see mediashare::api::comments::create).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::COMMENT_CREATE)
}
