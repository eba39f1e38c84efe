//! The words a sales user reads for profile fields.

use crate::protocol::CrmRecord;
use crate::wire::{Entity, OptInType, RecordProfile, SubscriptionStatus};

pub fn opt_in_label(opt_in: OptInType) -> &'static str {
    match opt_in {
        OptInType::Unknown => "Opt-in unknown",
        OptInType::Single => "Single opt-in",
        OptInType::Double => "Double opt-in",
        OptInType::VerifiedDouble => "Verified double opt-in",
    }
}

pub fn subscription_label(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Subscribed => "Subscribed",
        SubscriptionStatus::OptedOut => "Opted out",
        SubscriptionStatus::HardBounced => "Hard bounced",
        SubscriptionStatus::Suppressed => "Suppressed",
    }
}

/// Whether marketing may email the person; drives the badge's colour.
pub fn can_be_emailed(status: SubscriptionStatus) -> bool {
    status == SubscriptionStatus::Subscribed
}

/// The name a person is shown under; the server names recipients the same way.
pub use crate::wire::display_name;

/// Up to two initials for an avatar, from the first letters of the first two words.
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .collect();
    super::text::uppercase(&letters)
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

/// The name a record's person is shown under: marketing's fields win, the CRM's fill the gaps
/// (as in the record header).
pub fn person_name(record: &CrmRecord, profile: Option<&RecordProfile>) -> String {
    display_name(
        profile
            .and_then(|p| p.first_name.as_deref())
            .or(record.person.first_name.as_deref()),
        profile
            .and_then(|p| p.last_name.as_deref())
            .or(record.person.last_name.as_deref()),
        profile
            .and_then(|p| p.email.as_deref())
            .or(record.person.email.as_deref()),
        &record.id,
    )
}

/// Whether the CRM or marketing has an email address for the person.
pub fn has_email(record: &CrmRecord, profile: Option<&RecordProfile>) -> bool {
    let present = |email: Option<&str>| email.is_some_and(|email| !email.trim().is_empty());
    present(record.person.email.as_deref()) || present(profile.and_then(|p| p.email.as_deref()))
}

/// "3 leads", "1 contact": a selection of records, named by their kind when they share one
/// (as the CRM's list view does), "5 records" when they do not.
pub fn count_of_records(entities: impl IntoIterator<Item = Entity>) -> String {
    let mut count = 0;
    let mut shared = None;
    let mut mixed = false;
    for entity in entities {
        count += 1;
        match shared {
            None => shared = Some(entity),
            Some(first) if first != entity => mixed = true,
            Some(_) => {}
        }
    }
    let (one, many) = match shared.filter(|_| !mixed) {
        Some(Entity::Lead) => ("lead", "leads"),
        Some(Entity::Contact) => ("contact", "contacts"),
        Some(Entity::Account) => ("account", "accounts"),
        None => ("record", "records"),
    };
    format!("{count} {}", if count == 1 { one } else { many })
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
    fn a_selection_is_named_by_the_kind_its_records_share() {
        use Entity::*;
        assert_eq!(count_of_records([Lead, Lead, Lead]), "3 leads");
        assert_eq!(count_of_records([Contact]), "1 contact");
        assert_eq!(count_of_records([Account, Account]), "2 accounts");
        assert_eq!(count_of_records([Lead, Contact]), "2 records");
        assert_eq!(count_of_records([Lead, Lead, Contact, Lead]), "4 records");
        assert_eq!(count_of_records([]), "0 records");
    }

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("ann marie lee"), "AM");
        assert_eq!(initials("a@b.c"), "A");
        assert_eq!(initials("(Ö) Ünal"), "ÖÜ");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn only_subscribed_people_can_be_emailed() {
        assert!(can_be_emailed(SubscriptionStatus::Subscribed));
        assert!(!can_be_emailed(SubscriptionStatus::HardBounced));
        assert_eq!(
            opt_in_label(OptInType::VerifiedDouble),
            "Verified double opt-in"
        );
        assert_eq!(
            subscription_label(SubscriptionStatus::OptedOut),
            "Opted out"
        );
    }
}
