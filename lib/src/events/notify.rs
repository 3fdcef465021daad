//! Notifications derived from what was written: stored in-app and emailed as the recipient's
//! settings say, once per (recipient, type, actor, target) — a redelivered record, or like →
//! unlike → like, finds the notification there and does nothing. Nobody is told about their own
//! actions.

use crate::ctx::Ctx;
use crate::domain::{DomainError, Username};
use crate::mail::MailJob;
use crate::store::notifications::{NewNotification, kind_name};

/// Tells `note.recipient`, as their settings say.
pub async fn notify(ctx: &Ctx, note: NewNotification) -> Result<(), DomainError> {
    if note.recipient == note.actor {
        return Ok(());
    }
    let Ok(name) = Username::parse(&note.recipient) else { return Ok(()) };
    let Some(user) = ctx.store.get_user(&name).await? else { return Ok(()) };
    let setting = user
        .settings
        .0
        .get(&note.kind)
        .copied()
        .unwrap_or(crate::domain::NotificationSetting { in_app: true, email: false });
    if !(setting.in_app || setting.email) || ctx.store.notification_exists(&note).await? {
        return Ok(());
    }
    // The email is queued before the notification is stored: a crash in between redoes both,
    // and the mailer sends a job id once.
    if setting.email && user.verified {
        let job = MailJob::notification(
            user.username.as_str(),
            user.email.as_str(),
            &note.id(),
            &kind_name(note.kind),
            &note.actor,
            note.media.as_deref(),
            note.comment.as_deref(),
        );
        ctx.mail.send(&job).await?;
    }
    ctx.store.put_notification(&note, setting.in_app).await?;
    Ok(())
}
