//! Who a composed email goes to: the exclusion rules of a send, checked in the plugin's words and
//! applied by the sandbox before anything is sent.
//!
//! Each recipient gets the first reason that applies, in this order:
//! 1. no email address ([`ExclusionReason::NoEmail`]);
//! 2. an address that is not a usable email address ([`ExclusionReason::InvalidEmail`]);
//! 3. no consent: opted out, hard bounced or suppressed;
//! 4. the same address (any case) as an earlier recipient of the selection: the first one is kept
//!    ([`ExclusionReason::DuplicateEmail`]);
//! 5. the sender's daily allowance is used up by the recipients before it
//!    ([`ExclusionReason::DailyLimit`]).

use std::collections::HashSet;

use crate::wire::SubscriptionStatus;
pub use crate::wire::{ExclusionReason, DAILY_SEND_LIMIT};

/// What the rules need to know about one recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The address the email would go to.
    pub email: Option<&'a str>,
    /// The platform's consent for the person; `None` when the platform does not know them (only
    /// seen through the CRM), which blocks nothing.
    pub status: Option<SubscriptionStatus>,
}

/// The verdict on one recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Sendable,
    Excluded(ExclusionReason),
}

impl Verdict {
    pub fn reason(self) -> Option<ExclusionReason> {
        match self {
            Verdict::Sendable => None,
            Verdict::Excluded(reason) => Some(reason),
        }
    }
}

/// The verdicts on a selection, in its order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preflight {
    verdicts: Vec<Verdict>,
}

impl Preflight {
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }

    /// The positions of the recipients who will receive the email.
    pub fn sendable(&self) -> Vec<usize> {
        (0..self.verdicts.len())
            .filter(|&i| self.verdicts[i] == Verdict::Sendable)
            .collect()
    }

    /// The positions of the excluded recipients, with why.
    pub fn excluded(&self) -> Vec<(usize, ExclusionReason)> {
        self.verdicts
            .iter()
            .enumerate()
            .filter_map(|(i, verdict)| verdict.reason().map(|reason| (i, reason)))
            .collect()
    }

    pub fn sendable_count(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| **v == Verdict::Sendable)
            .count()
    }
}

/// Applies the rules to a selection, given how many emails the sender may still send today.
pub fn check(candidates: &[Candidate<'_>], remaining_today: u32) -> Preflight {
    let mut seen = HashSet::new();
    let mut allowance = remaining_today;
    let verdicts = candidates
        .iter()
        .map(|candidate| {
            let reason = exclusion(candidate, &mut seen, &mut allowance);
            reason.map_or(Verdict::Sendable, Verdict::Excluded)
        })
        .collect();
    Preflight { verdicts }
}

fn exclusion(
    candidate: &Candidate<'_>,
    seen: &mut HashSet<String>,
    allowance: &mut u32,
) -> Option<ExclusionReason> {
    let Some(email) = candidate.email.map(str::trim).filter(|e| !e.is_empty()) else {
        return Some(ExclusionReason::NoEmail);
    };
    if !is_valid_email(email) {
        return Some(ExclusionReason::InvalidEmail);
    }
    if let Some(reason) = candidate.status.and_then(consent_exclusion) {
        // Still "seen": a later record with the same address is the same person.
        seen.insert(email_key(email));
        return Some(reason);
    }
    if !seen.insert(email_key(email)) {
        return Some(ExclusionReason::DuplicateEmail);
    }
    if *allowance == 0 {
        return Some(ExclusionReason::DailyLimit);
    }
    *allowance -= 1;
    None
}

/// Why a consent status forbids email, if it does.
pub fn consent_exclusion(status: SubscriptionStatus) -> Option<ExclusionReason> {
    match status {
        SubscriptionStatus::Subscribed => None,
        SubscriptionStatus::OptedOut => Some(ExclusionReason::OptedOut),
        SubscriptionStatus::HardBounced => Some(ExclusionReason::HardBounced),
        SubscriptionStatus::Suppressed => Some(ExclusionReason::Suppressed),
    }
}

/// Emails left of `limit` after `used` today.
pub fn remaining_today(limit: u32, used: u64) -> u32 {
    u32::try_from(u64::from(limit).saturating_sub(used)).unwrap_or(0)
}

/// The form two addresses are compared in: trimmed, lower case.
pub fn email_key(email: &str) -> String {
    super::text::lowercase(email.trim())
}

/// A simple, sane check that `email` can be delivered to: one `@`, a dot-atom local part of at
/// most 64 characters, and a domain of at least two labels ending in an alphabetic top-level
/// domain, or an internationalised one in its ASCII form (`xn--p1ai` for `.рф`). Quoted local
/// parts, IP literals and non-ASCII addresses are not accepted.
pub fn is_valid_email(email: &str) -> bool {
    let email = email.trim();
    if email.len() > 254 {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    valid_local_part(local) && valid_domain(domain)
}

fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld = labels.last().copied().unwrap_or("");
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(label_ok)
        && tld.len() >= 2
        && (tld.chars().all(|c| c.is_ascii_alphabetic())
            || tld
                .get(..4)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubscriptionStatus::*;

    fn subscribed(email: &str) -> Candidate<'_> {
        Candidate {
            email: Some(email),
            status: Some(Subscribed),
        }
    }

    fn reasons(candidates: &[Candidate<'_>], remaining: u32) -> Vec<Option<ExclusionReason>> {
        check(candidates, remaining)
            .verdicts()
            .iter()
            .map(|v| v.reason())
            .collect()
    }

    #[test]
    fn subscribed_and_unknown_people_with_an_address_are_sendable() {
        let candidates = [
            subscribed("sarah.chen@brightwater.example"),
            Candidate {
                email: Some("elena.rossi@stonegate.example"),
                status: None,
            },
        ];
        let preflight = check(&candidates, DAILY_SEND_LIMIT);
        assert_eq!(preflight.sendable(), vec![0, 1]);
        assert!(preflight.excluded().is_empty());
        assert_eq!(preflight.sendable_count(), 2);
    }

    #[test]
    fn consent_statuses_exclude() {
        let candidates = [
            Candidate {
                email: Some("a@x.example"),
                status: Some(OptedOut),
            },
            Candidate {
                email: Some("b@x.example"),
                status: Some(HardBounced),
            },
            Candidate {
                email: Some("c@x.example"),
                status: Some(Suppressed),
            },
            subscribed("d@x.example"),
        ];
        let preflight = check(&candidates, 10);
        assert_eq!(
            preflight.excluded(),
            vec![
                (0, ExclusionReason::OptedOut),
                (1, ExclusionReason::HardBounced),
                (2, ExclusionReason::Suppressed),
            ]
        );
        assert_eq!(preflight.sendable(), vec![3]);
    }

    #[test]
    fn no_email_and_invalid_email_exclude() {
        let candidates = [
            Candidate {
                email: None,
                status: Some(Subscribed),
            },
            Candidate {
                email: Some("   "),
                status: None,
            },
            Candidate {
                email: Some("not-an-address"),
                status: None,
            },
            // An opted-out person without a usable address: the address is the first problem.
            Candidate {
                email: Some("x@y"),
                status: Some(OptedOut),
            },
        ];
        assert_eq!(
            reasons(&candidates, 10),
            vec![
                Some(ExclusionReason::NoEmail),
                Some(ExclusionReason::NoEmail),
                Some(ExclusionReason::InvalidEmail),
                Some(ExclusionReason::InvalidEmail),
            ]
        );
    }

    #[test]
    fn duplicates_keep_the_first_in_any_case() {
        let candidates = [
            subscribed("Sarah.Chen@Brightwater.example"),
            subscribed("tom@riverpoint.example"),
            subscribed(" sarah.chen@brightwater.EXAMPLE "),
            subscribed("sarah.chen@brightwater.example"),
        ];
        let preflight = check(&candidates, 10);
        assert_eq!(preflight.sendable(), vec![0, 1]);
        assert_eq!(
            preflight.excluded(),
            vec![
                (2, ExclusionReason::DuplicateEmail),
                (3, ExclusionReason::DuplicateEmail),
            ]
        );
        // The address of an opted-out record is the same person's under another record.
        let candidates = [
            Candidate {
                email: Some("m@h.example"),
                status: Some(OptedOut),
            },
            Candidate {
                email: Some("M@h.example"),
                status: None,
            },
        ];
        assert_eq!(
            reasons(&candidates, 10),
            vec![
                Some(ExclusionReason::OptedOut),
                Some(ExclusionReason::DuplicateEmail)
            ]
        );
    }

    #[test]
    fn the_daily_limit_excludes_the_rest_after_the_allowance() {
        let emails: Vec<String> = (0..5).map(|i| format!("p{i}@x.example")).collect();
        let mut candidates: Vec<Candidate<'_>> = emails.iter().map(|e| subscribed(e)).collect();
        // Excluded recipients do not use up the allowance.
        candidates.insert(
            1,
            Candidate {
                email: None,
                status: None,
            },
        );
        let preflight = check(&candidates, 3);
        assert_eq!(preflight.sendable(), vec![0, 2, 3]);
        assert_eq!(
            preflight.excluded(),
            vec![
                (1, ExclusionReason::NoEmail),
                (4, ExclusionReason::DailyLimit),
                (5, ExclusionReason::DailyLimit),
            ]
        );
        assert_eq!(check(&candidates, 0).sendable_count(), 0);
        assert_eq!(remaining_today(DAILY_SEND_LIMIT, 0), 1_000);
        assert_eq!(remaining_today(DAILY_SEND_LIMIT, 998), 2);
        assert_eq!(remaining_today(DAILY_SEND_LIMIT, 1_200), 0);
    }

    #[test]
    fn email_validation_is_simple_and_sane() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "O'Brien@example.ie",
            "  padded@example.com ",
            "x_y-z@my-domain.example",
            "info@example.xn--p1ai",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "@b.com",
            "a@-b.com",
            "a@b-.com",
            "a@b..com",
            "a@.b.com",
            "a@b.c",
            "a@b.c0m",
            "a@b.xn-",
            "a@[1.2.3.4]",
            "\"quoted\"@b.com",
            "a<b>@c.com",
            "é@b.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        let long_local = format!("{}@b.com", "a".repeat(65));
        assert!(!is_valid_email(&long_local));
    }
}
