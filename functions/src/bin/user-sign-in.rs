//! Lambda `user-sign-in`: POST /api/users/sign-in — sign in (see mediashare::api::auth::sign_in).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run("user-sign-in")
}
