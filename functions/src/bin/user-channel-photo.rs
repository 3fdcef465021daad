//! Lambda `user-channel-photo`: PUT /api/users/{username}/channel-photo — presigned upload of the banner (see mediashare::api::uploads::channel_photo).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_CHANNEL_PHOTO)
}
