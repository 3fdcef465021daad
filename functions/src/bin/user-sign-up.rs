//! Lambda `user-sign-up`: POST /api/users — sign up (see mediashare::api::accounts::sign_up).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_SIGN_UP)
}
