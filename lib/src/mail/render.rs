//! Rendering mail jobs into subject, text and HTML bodies. User-supplied values are escaped in
//! HTML.

use super::{MailJob, MailKind};

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Renders `job`; `base_url` is the public API address for links.
pub fn render(job: &MailJob, base_url: &str) -> Rendered {
    match job.kind {
        MailKind::VerifyEmail => {
            let user = job.field("username");
            let code = job.field("code");
            let endpoint = format!("{base_url}/api/users/{user}/verify/{code}");
            Rendered {
                subject: format!("Your mediashare verification code: {code}"),
                text: format!(
                    "Hello {user},\n\nyour verification code is {code}\n\nConfirm with: POST {endpoint}\n\n\
                     The code expires in 24 hours. If you did not sign up, ignore this message.\n"
                ),
                html: format!(
                    "<p>Hello {u},</p><p>your verification code is <strong>{c}</strong></p>\
                     <p>Confirm with: <code>POST {e}</code></p>\
                     <p>The code expires in 24 hours. If you did not sign up, ignore this message.</p>",
                    u = escape(user),
                    c = escape(code),
                    e = escape(&endpoint)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_mail_has_code_in_both_bodies_and_escapes() {
        let job = MailJob::verify_email("<b>alice", "a@example.com", "123456", "c1");
        let r = render(&job, "http://127.0.0.1:3000");
        assert!(r.subject.contains("123456") && r.text.contains("123456") && r.html.contains("123456"));
        assert!(r.html.contains("&lt;b&gt;alice") && !r.html.contains("<b>alice"));
    }
}
