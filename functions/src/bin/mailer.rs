//! Lambda `mailer`: SQS mail queue — send mail jobs with SES (see mediashare::mail::mailer::handle).
fn main() -> Result<(), mediashare::lambda::Error> {
    mediashare::lambda::run(mediashare::registry::MAILER)
}
