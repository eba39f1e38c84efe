//! Who marketing may email: the subscription rules the header's badge, the Send tab and the
//! Programs tab apply, and how they say why not.

use crate::protocol::CrmRecord;
use crate::wire::{RecordProfile, SubscriptionStatus};

/// Whether marketing may email the person; drives the badge's colour.
pub fn can_be_emailed(status: SubscriptionStatus) -> bool {
    status == SubscriptionStatus::Subscribed
}

/// Why marketing may not email the person (as the Send tab says it), or `None` when it may.
pub fn cannot_email(status: SubscriptionStatus, has_email: bool, name: &str) -> Option<String> {
    match status {
        SubscriptionStatus::OptedOut => Some(format!("{name} opted out of marketing email")),
        SubscriptionStatus::HardBounced => Some(format!("{name}'s email address bounced")),
        SubscriptionStatus::Suppressed => Some(format!("{name} is suppressed in marketing")),
        SubscriptionStatus::Subscribed if !has_email => {
            Some(format!("{name} has no email address"))
        }
        SubscriptionStatus::Subscribed => None,
    }
}

/// Why a program's emails will not reach the person, for one marketing may not email; `None`
/// when it may.
pub fn program_email_warning(
    status: SubscriptionStatus,
    has_email: bool,
    name: &str,
) -> Option<String> {
    cannot_email(status, has_email, name)
        .map(|why| format!("{why}: a program can enrol them, but its emails won't reach them."))
}

/// Whether the CRM or marketing has an email address for the person.
pub fn has_email(record: &CrmRecord, profile: Option<&RecordProfile>) -> bool {
    let present = |email: Option<&str>| email.is_some_and(|email| !email.trim().is_empty());
    present(record.person.email.as_deref()) || present(profile.and_then(|p| p.email.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_warns_of_emails_that_will_not_arrive() {
        use SubscriptionStatus::*;
        assert_eq!(program_email_warning(Subscribed, true, "Ann Lee"), None);
        assert_eq!(
            program_email_warning(OptedOut, true, "Ann Lee").unwrap(),
            "Ann Lee opted out of marketing email: a program can enrol them, but its emails \
             won't reach them."
        );
        for (status, has_email, why) in [
            (HardBounced, true, "Ann Lee's email address bounced: "),
            (Suppressed, true, "Ann Lee is suppressed in marketing: "),
            (Subscribed, false, "Ann Lee has no email address: "),
        ] {
            let warning = program_email_warning(status, has_email, "Ann Lee").unwrap();
            assert!(warning.starts_with(why), "{warning}");
        }
    }

    #[test]
    fn only_subscribed_people_can_be_emailed() {
        assert!(can_be_emailed(SubscriptionStatus::Subscribed));
        assert!(!can_be_emailed(SubscriptionStatus::HardBounced));
    }
}
