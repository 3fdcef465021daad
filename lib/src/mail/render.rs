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
    /// Where the recipient turns these emails off (`List-Unsubscribe`), for notifications.
    pub unsubscribe: Option<String>,
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
                unsubscribe: None,
            }
        }
        MailKind::Notification => notification(job, base_url),
    }
}

/// What a notification says, by type: the subject's verb phrase.
fn what_happened(kind: &str) -> &'static str {
    match kind {
        "new_media" => "published something new",
        "new_comment" => "commented on your media",
        "new_reply" => "replied to your comment",
        "media_liked" => "liked your media",
        "comment_liked" => "liked your comment",
        "new_follower" => "started following you",
        "reposted" => "reposted your media",
        _ => "did something",
    }
}

fn notification(job: &MailJob, base_url: &str) -> Rendered {
    let (user, actor, kind) = (job.field("username"), job.field("actor"), job.field("type"));
    let what = what_happened(kind);
    let link = match (job.field("media"), job.field("comment")) {
        (_, c) if !c.is_empty() => format!("{base_url}/api/comments/{c}"),
        (m, _) if !m.is_empty() => format!("{base_url}/api/medias/{m}"),
        _ => format!("{base_url}/api/users/{actor}"),
    };
    let settings = format!("{base_url}/api/users/{user}");
    Rendered {
        subject: format!("{actor} {what}"),
        text: format!(
            "Hello {user},\n\n{actor} {what}.\n\n{link}\n\n\
             You get this email because of your notification settings; change them with\n\
             PUT {settings} (settings.notifications.{kind}.email = false).\n"
        ),
        html: format!(
            "<p>Hello {u},</p><p><strong>{a}</strong> {w}.</p><p><a href=\"{l}\">{l}</a></p>\
             <p style=\"color:#666\">You get this email because of your notification settings; change them with \
             <code>PUT {s}</code>.</p>",
            u = escape(user),
            a = escape(actor),
            w = what,
            l = escape(&link),
            s = escape(&settings)
        ),
        unsubscribe: Some(format!("<{settings}>")),
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

    #[test]
    fn notification_mail_names_the_actor_and_offers_a_way_out() {
        let job = MailJob::notification("bob", "b@example.com", "n1", "media_liked", "<i>alice", Some("m1"), None);
        let r = render(&job, "http://x");
        assert_eq!(r.subject, "<i>alice liked your media");
        assert!(r.text.contains("http://x/api/medias/m1") && r.html.contains("&lt;i&gt;alice"));
        assert_eq!(r.unsubscribe.as_deref(), Some("<http://x/api/users/bob>"));
        assert_eq!(job.id, "notification:bob:n1");
    }
}
