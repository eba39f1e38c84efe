//! Wire types of templates, pre-flight, sends and resubscribe requests (issue: Send email).
//!
//! A rep sends an approved marketing template to the record they are looking at or to up to 200
//! records ticked in a CRM list view. `POST /v1/sends/preflight` says who will receive it and who
//! is excluded and why; `POST /v1/sends` sends it once per `Idempotency-Key`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

use super::{Entity, OptInType, SubscriptionStatus};

/// Recipients one pre-flight or send may carry: a record page sends one, a list-view selection up
/// to this many.
pub const MAX_SEND_RECIPIENTS: usize = 200;

/// Emails one user may have delivered per UTC calendar day: sent that day, or scheduled for it.
pub const DAILY_SEND_LIMIT: u32 = 1_000;

/// The request header naming a composed message; the same key never sends twice.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The header saying (`true`) that an answer repeats the one given to an earlier request under
/// the same `Idempotency-Key`: nothing was done again.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// Longest subject, after trimming.
pub const MAX_SUBJECT_CHARS: usize = 255;

impl OptInType {
    /// The opt-in a record has after new consent of type `other` arrives: consent only ever
    /// moves up unknown < single < double < verifiedDouble, a lower value never overwrites a
    /// higher one.
    pub fn upgrade(self, other: OptInType) -> OptInType {
        self.max(other)
    }
}

/// Generates `ALL`, `as_str`, `parse` and `Display` for a fieldless camelCase enum of this module.
macro_rules! spelled {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JSON spelling, also used in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Why a recipient is not emailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ExclusionReason {
    /// The person unsubscribed.
    OptedOut,
    /// Mail to the address bounced permanently.
    HardBounced,
    /// Marketing blocked the address (competitor, role account, legal request).
    Suppressed,
    /// Neither marketing nor the CRM has an email address.
    NoEmail,
    /// The address is not a usable email address.
    InvalidEmail,
    /// An earlier recipient of the same selection has the same address (any case).
    DuplicateEmail,
    /// The sender's daily allowance was used up by earlier recipients.
    DailyLimit,
}

spelled!(ExclusionReason {
    OptedOut = "optedOut",
    HardBounced = "hardBounced",
    Suppressed = "suppressed",
    NoEmail = "noEmail",
    InvalidEmail = "invalidEmail",
    DuplicateEmail = "duplicateEmail",
    DailyLimit = "dailyLimit",
});

impl ExclusionReason {
    /// The words a sales user reads beside an excluded recipient.
    pub fn label(self) -> &'static str {
        match self {
            ExclusionReason::OptedOut => "Opted out",
            ExclusionReason::HardBounced => "Hard bounced",
            ExclusionReason::Suppressed => "Suppressed by marketing",
            ExclusionReason::NoEmail => "No email address",
            ExclusionReason::InvalidEmail => "Invalid email address",
            ExclusionReason::DuplicateEmail => "Duplicate email in the selection",
            ExclusionReason::DailyLimit => "Over your daily sending limit",
        }
    }
}

/// Whether a recipient of a pre-flight would receive the email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum RecipientStatus {
    Sendable,
    Excluded,
}

spelled!(RecipientStatus {
    Sendable = "sendable",
    Excluded = "excluded",
});

/// What a send did with one recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SendOutcome {
    /// Handed to the mail server now.
    Sent,
    /// Will be sent at `scheduledAt`.
    Scheduled,
    /// Not emailed; `reason` says why.
    Excluded,
    /// The mail server did not take it; a new send (new key) may retry it.
    Failed,
}

spelled!(SendOutcome {
    Sent = "sent",
    Scheduled = "scheduled",
    Excluded = "excluded",
    Failed = "failed",
});

/// A template in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateSummary {
    pub id: i64,
    pub folder: String,
    pub name: String,
    /// The subject as written, merge fields included.
    pub subject: String,
}

/// `GET /v1/templates`: a page of the templates matching the filter, by folder then name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateList {
    /// Every folder of the tenant, whatever the filter, so a folder picker stays stable.
    pub folders: Vec<String>,
    pub items: Vec<TemplateSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl TemplateList {
    /// The items grouped by folder, in list order. Folders compare as the API orders them, any
    /// ASCII case (`Events` and `events` are one group, named as first seen).
    pub fn by_folder(&self) -> Vec<(&str, Vec<&TemplateSummary>)> {
        by_folder(&self.items)
    }
}

/// `items` grouped by folder, in list order (see [`TemplateList::by_folder`]).
pub fn by_folder(items: &[TemplateSummary]) -> Vec<(&str, Vec<&TemplateSummary>)> {
    {
        let mut groups: Vec<(&str, Vec<&TemplateSummary>)> = Vec::new();
        for item in items {
            match groups.last_mut() {
                Some((folder, items)) if folder.eq_ignore_ascii_case(&item.folder) => {
                    items.push(item)
                }
                _ => groups.push((&item.folder, vec![item])),
            }
        }
        groups
    }
}

/// A merge field a template uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateField {
    /// The field's name (`firstName`); an unknown field as written.
    pub field: String,
    /// A field the platform knows; an unknown one renders as its fallback, or as nothing.
    pub known: bool,
    /// Every use of the field has a fallback (`{{company|your team}}`), so it is never flagged.
    pub has_fallback: bool,
}

/// `GET /v1/templates/{id}`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: i64,
    pub folder: String,
    pub name: String,
    pub subject: String,
    /// The HTML body with its merge fields; render it in a sandboxed iframe.
    pub html: String,
    /// The merge fields of subject and body, in order of first use.
    pub merge_fields: Vec<TemplateField>,
}

/// A recipient as the CRM knows it.
pub type SendRecipient = super::RecordIn;

/// `POST /v1/sends/preflight` and `POST /v1/sends`: one composed message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    #[cfg_attr(
        feature = "sandbox",
        schema(minimum = -9223372036854775808_i64, maximum = 9223372036854775807_i64)
    )]
    pub template_id: i64,
    /// Replaces the template's subject (merge fields allowed), 1 to 255 characters, not blank;
    /// absent keeps the template's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "sandbox",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = "[^\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"
        )
    )]
    pub subject: Option<String>,
    /// 1 to 200 recipients (`MAX_SEND_RECIPIENTS`).
    #[cfg_attr(feature = "sandbox", schema(min_items = 1, max_items = 200))]
    pub recipients: Vec<SendRecipient>,
    /// Send later: a future instant (the plugin converts the user's local time), at most a year
    /// ahead. Absent sends now.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::rfc3339::option"
    )]
    #[cfg_attr(feature = "sandbox", schema(schema_with = crate::wire::schemas::optional_time_schema))]
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// One recipient of a pre-flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreflightRecipient {
    pub entity: Entity,
    pub crm_id: String,
    /// First and last name, else the email, else the CRM id.
    pub name: String,
    /// The address the email would go to.
    pub email: Option<String>,
    /// Known to the platform with all its fields (as `RecordProfile.imported`); otherwise only
    /// the five CRM fields can be merged.
    pub imported: bool,
    pub status: RecipientStatus,
    /// Present exactly when `status` is `excluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExclusionReason>,
    /// The merge field values available for this recipient (field name to value), for rendering
    /// a preview exactly as the send will.
    #[serde(default)]
    pub merge_values: BTreeMap<String, String>,
}

/// A merge field without a fallback that some sendable recipients have no value for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MissingField {
    pub field: String,
    /// The names of the recipients it is empty or unavailable for.
    pub recipients: Vec<String>,
}

/// Answer of `POST /v1/sends/preflight`: nothing is sent or stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreflightResponse {
    /// How many recipients would receive the email.
    pub sendable: u32,
    /// One entry per requested recipient, in request order.
    pub recipients: Vec<PreflightRecipient>,
    pub missing_fields: Vec<MissingField>,
    /// Emails the caller may still send on the day of delivery, before this one: today, or for a
    /// scheduled message the UTC day of `scheduledAt`.
    pub remaining_today: u32,
    /// When that day's allowance starts again (the next UTC midnight): the platform's days are
    /// UTC days.
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub limit_resets_at: DateTime<Utc>,
}

impl PreflightResponse {
    pub fn excluded(&self) -> impl Iterator<Item = &PreflightRecipient> {
        self.recipients
            .iter()
            .filter(|r| r.status == RecipientStatus::Excluded)
    }
}

/// What a send did with one recipient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    pub entity: Entity,
    pub crm_id: String,
    pub name: String,
    pub email: Option<String>,
    pub outcome: SendOutcome,
    /// Present exactly when `outcome` is `excluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExclusionReason>,
    /// The subject as rendered for this recipient (sent or scheduled), for the CRM note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// For a failed recipient: what went wrong, in words for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Answer of `POST /v1/sends`; the same key and body answer this again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendResponse {
    pub id: i64,
    /// The campaign id of the `emailSent` activities: `SEND-<id>`.
    pub campaign_id: String,
    pub template_id: i64,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::rfc3339::option"
    )]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// One result per requested recipient, in request order.
    pub results: Vec<SendResult>,
    /// Emails the caller may still send on the day of delivery, after this one: today, or for a
    /// scheduled message the UTC day of `scheduledAt`.
    pub remaining_today: u32,
    /// When that day's allowance starts again (the next UTC midnight): the platform's days are
    /// UTC days.
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub limit_resets_at: DateTime<Utc>,
}

impl SendResponse {
    /// How many recipients ended with `outcome`.
    pub fn count(&self, outcome: SendOutcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }
}

/// Answer of `POST /v1/records/{entity}/{crmId}/resubscribe`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResubscribeRequest {
    pub entity: Entity,
    pub crm_id: String,
    /// When the confirmation email was requested; a repeat within a day answers the same time.
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub requested_at: DateTime<Utc>,
    /// The user who asked.
    pub requested_by: String,
}

/// Answer of `POST /dev/records/{entity}/{crmId}/resubscribe/confirm` (sandbox only): the person
/// clicked the link of the confirmation email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsentChange {
    pub subscription_status: SubscriptionStatus,
    pub opt_in_type: OptInType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_use_their_json_spelling_everywhere() {
        for reason in ExclusionReason::ALL {
            let json = serde_json::to_string(reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(ExclusionReason::parse(reason.as_str()), Some(*reason));
            assert!(!reason.label().is_empty());
        }
        for outcome in SendOutcome::ALL {
            let json = serde_json::to_string(outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
            assert_eq!(SendOutcome::parse(outcome.as_str()), Some(*outcome));
        }
        for status in RecipientStatus::ALL {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ExclusionReason::parse("OptedOut"), None);
    }

    #[test]
    fn opt_in_only_ever_upgrades() {
        use OptInType::*;
        for (current, incoming, expected) in [
            (Unknown, Single, Single),
            (Single, Double, Double),
            (Double, VerifiedDouble, VerifiedDouble),
            (Unknown, VerifiedDouble, VerifiedDouble),
            (VerifiedDouble, Single, VerifiedDouble),
            (Double, Single, Double),
            (Double, Unknown, Double),
            (Single, Single, Single),
        ] {
            assert_eq!(
                current.upgrade(incoming),
                expected,
                "{current} + {incoming}"
            );
        }
        for a in OptInType::ALL {
            for b in OptInType::ALL {
                let up = a.upgrade(*b);
                assert!(up >= *a && up >= *b);
                assert_eq!(up, b.upgrade(*a));
            }
        }
    }

    #[test]
    fn a_request_needs_only_template_and_recipient_ids() {
        let request: SendRequest = serde_json::from_str(
            r#"{"templateId":3,"recipients":[{"entity":"lead","crmId":"LEAD-1"}]}"#,
        )
        .unwrap();
        assert_eq!(request.recipients[0].person.email, None);
        assert_eq!(request.scheduled_at, None);
        let back = serde_json::to_value(&request).unwrap();
        assert!(back.get("subject").is_none());
        assert!(back["recipients"][0].get("email").is_none());
        let scheduled: SendRequest = serde_json::from_str(
            r#"{"templateId":3,"recipients":[],"scheduledAt":"2026-03-01T09:00:00+01:00"}"#,
        )
        .unwrap();
        assert_eq!(
            scheduled.scheduled_at.unwrap().to_rfc3339(),
            "2026-03-01T08:00:00+00:00"
        );
    }

    #[test]
    fn templates_group_by_folder_in_list_order() {
        let item = |id, folder: &str| TemplateSummary {
            id,
            folder: folder.to_owned(),
            name: format!("T{id}"),
            subject: String::new(),
        };
        let list = TemplateList {
            folders: vec!["Events".into(), "Nurture".into()],
            items: vec![item(1, "Events"), item(2, "Events"), item(3, "Nurture")],
            next_cursor: None,
        };
        let groups = list.by_folder();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "Events");
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(groups[1].1[0].id, 3);

        // The API orders folders in any case: "bulk" and "Bulk" interleave, one group.
        let mixed = TemplateList {
            folders: vec!["bulk".into(), "Bulk".into()],
            items: vec![item(1, "bulk"), item(2, "Bulk"), item(3, "bulk")],
            next_cursor: None,
        };
        let groups = mixed.by_folder();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].0, "bulk");
        assert_eq!(groups[0].1.len(), 3);
    }
}
