//! The words a sales user reads: profile fields, a person's name and initials, a selection of
//! records.

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
    fn profile_fields_have_words() {
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
