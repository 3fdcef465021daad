//! Lambda `user-sign-in`: POST /api/users/sign-in — sign in (see mediashare::api::auth::sign_in).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::USER_SIGN_IN)
}
