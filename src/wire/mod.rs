//! The wire contract of the marketing platform API: every request, response and error body the
//! plugin and the sandbox exchange. Defined once here; the plugin deserializes these types, the
//! sandbox serializes them, and the OpenAPI document is generated from them (feature `sandbox`).
//!
//! JSON field names are camelCase; enum values are camelCase strings.

use std::collections::BTreeMap;

pub mod dashboard;
pub mod json;
pub mod programs;
pub mod prospects;
pub mod sends;
pub mod sso;

/// Timestamps on the wire are RFC 3339, as `DateTime::to_rfc3339` writes them (the OpenAPI
/// `date-time` format). Fields read them with chrono's RFC 3339 parser: chrono's general
/// `FromStr`, which serde would use otherwise, accepts more spellings and brings its whole
/// format-item interpreter into the wasm for it.
pub mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::de::{Deserialize, Deserializer, Error};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.to_utc())
            .map_err(|e| D::Error::custom(format_args!("{text:?} is not an RFC 3339 time: {e}")))
    }

    /// For an optional field (with `#[serde(default)]`: absent or `null` is `None`).
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wrapped(#[serde(deserialize_with = "deserialize")] DateTime<Utc>);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(at)| at))
    }
}

pub use dashboard::*;
pub use programs::*;
pub use prospects::*;
pub use sends::*;
pub use sso::*;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

/// Generates `ALL`, `as_str` and `parse` for a fieldless enum whose serde names are camelCase, so
/// query strings and SQLite columns use exactly the JSON spelling.
macro_rules! wire_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "sandbox", derive(ToSchema))]
        #[serde(rename_all = "camelCase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
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

wire_enum! {
    /// The CRM entity a record belongs to.
    pub enum Entity { Lead = "lead", Contact = "contact", Account = "account" }
}

wire_enum! {
    pub enum Role { Rep = "rep", Manager = "manager" }
}

wire_enum! {
    /// Consent level, ordered: a lower value never overwrites a higher one.
    pub enum OptInType {
        Unknown = "unknown", Single = "single", Double = "double", VerifiedDouble = "verifiedDouble",
    }
}

wire_enum! {
    pub enum SubscriptionStatus {
        Subscribed = "subscribed", OptedOut = "optedOut", HardBounced = "hardBounced",
        Suppressed = "suppressed",
    }
}

wire_enum! {
    /// What happened between the person and marketing.
    pub enum ActivityKind {
        EmailSent = "emailSent", EmailOpened = "emailOpened", EmailClicked = "emailClicked",
        EmailBounced = "emailBounced", Unsubscribed = "unsubscribed", PageVisit = "pageVisit",
        FormSubmitted = "formSubmitted", ProgramEnrolled = "programEnrolled",
        ScoreChanged = "scoreChanged",
    }
}

impl ActivityKind {
    /// The words a sales user reads for this kind.
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::EmailSent => "Email sent",
            ActivityKind::EmailOpened => "Email opened",
            ActivityKind::EmailClicked => "Email clicked",
            ActivityKind::EmailBounced => "Email bounced",
            ActivityKind::Unsubscribed => "Unsubscribed",
            ActivityKind::PageVisit => "Page visit",
            ActivityKind::FormSubmitted => "Form submitted",
            ActivityKind::ProgramEnrolled => "Program enrolment",
            ActivityKind::ScoreChanged => "Score changed",
        }
    }

    pub fn is_email(self) -> bool {
        matches!(
            self,
            ActivityKind::EmailSent
                | ActivityKind::EmailOpened
                | ActivityKind::EmailClicked
                | ActivityKind::EmailBounced
                | ActivityKind::Unsubscribed
        )
    }
}

wire_enum! {
    /// Bucket width of an engagement chart.
    pub enum BucketSize { Day = "day", Week = "week", Month = "month" }
}

wire_enum! {
    /// Machine-readable error codes; the plugin maps them to the user's message.
    pub enum ErrorCode {
        TokenExpired = "tokenExpired", TokenInvalid = "tokenInvalid", Forbidden = "forbidden",
        NotFound = "notFound", InvalidParameter = "invalidParameter", RateLimited = "rateLimited",
        Conflict = "conflict", Internal = "internal",
        /// `POST /v1/sso/exchange` refused the CRM's assertion or signed request (401).
        SsoInvalid = "ssoInvalid",
    }
}

/// The one error shape of every non-2xx answer: `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// The request field (query parameter or body property) that was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: i64,
    /// The user's id in the CRM.
    pub crm_user: String,
    pub name: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: i64,
    pub name: String,
}

/// `GET /v1/me`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user: UserSummary,
    pub tenant: Tenant,
    /// A manager's reps; empty for a rep.
    pub team: Vec<UserSummary>,
    /// The exact CRM origins of the connection the token was minted for: the sidebar shows
    /// data only inside one of them. Absent for a token bound to no connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_origins: Option<Vec<String>>,
}

/// `GET /v1/records/{entity}/{crmId}`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordProfile {
    pub entity: Entity,
    pub crm_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub owner: Option<UserSummary>,
    /// Known to the platform with all its fields, not only seen through the CRM.
    pub imported: bool,
    pub score: i64,
    pub opt_in_type: OptInType,
    pub subscription_status: SubscriptionStatus,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub last_synced_at: DateTime<Utc>,
    /// Number of activities per kind over the record's whole history.
    pub activity_counts: BTreeMap<ActivityKind, u64>,
    /// When a resubscribe confirmation was last requested for the person, present only while
    /// they are still opted out (`POST /v1/records/{entity}/{crmId}/resubscribe`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::rfc3339::option"
    )]
    pub resubscribe_requested_at: Option<DateTime<Utc>>,
    /// When the person's newest activity happened; absent when they have none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::rfc3339::option"
    )]
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// Kind-specific details of an activity; only the fields of its kind are present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_on_page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form_fields: Vec<FormField>,
    /// `hard` or `soft`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounce_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_delta: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub occurred_at: DateTime<Utc>,
    /// Email subject, page or form title, program name.
    pub subject: Option<String>,
    pub url: Option<String>,
    /// Campaign or message the activity belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub details: ActivityDetails,
}

/// `GET /v1/records/{entity}/{crmId}/activities`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityPage {
    pub items: Vec<Activity>,
    /// Pass back as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// On the first page only (no `cursor`): the activities per kind that `q`, `from` and `to`
    /// match, whatever `kinds` asks for, so each kind's filter can say what it would list.
    /// Kinds with none are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_counts: Option<BTreeMap<ActivityKind, u64>>,
}

/// One interaction named in an engagement summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    pub id: i64,
    pub kind: ActivityKind,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub occurred_at: DateTime<Utc>,
    pub subject: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EngagementSummary {
    /// Number of activities per kind in the range.
    pub counts: BTreeMap<ActivityKind, u64>,
    /// Share of the emails sent in the range (with a campaign) that were opened in it after
    /// being sent, each email once however often it was opened; a campaign sent more than once
    /// (a reminder) counts as one email opened, since opens do not say which send they were
    /// of. 0..1; `null` when nothing was sent.
    pub open_rate: Option<f64>,
    /// The same for clicks.
    pub click_rate: Option<f64>,
    pub score_now: i64,
    /// Sum of score changes in the range.
    pub score_change: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EngagementBucket {
    /// Inclusive start, at local midnight of the caller's time zone.
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub start: DateTime<Utc>,
    /// Exclusive end.
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub end: DateTime<Utc>,
    pub counts: BTreeMap<ActivityKind, u64>,
}

/// `GET /v1/records/{entity}/{crmId}/engagement`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub from: DateTime<Utc>,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub to: DateTime<Utc>,
    pub bucket: BucketSize,
    pub time_zone: String,
    pub summary: EngagementSummary,
    /// First and last interaction of the record's whole history.
    pub first: Option<Interaction>,
    pub last: Option<Interaction>,
    /// First email interaction (sent, opened, clicked) of the whole history, for the
    /// emails-only view.
    #[serde(default)]
    pub first_email: Option<Interaction>,
    /// Last email interaction (sent, opened, clicked) of the whole history.
    #[serde(default)]
    pub last_email: Option<Interaction>,
    pub buckets: Vec<EngagementBucket>,
}

/// `GET /dev/users`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevUser {
    pub crm_user: String,
    pub name: String,
    pub role: Role,
    pub tenant: String,
}

/// `POST /dev/sso/token`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub crm_user: String,
    /// Lifetime of the token; default 900, at most 86400.
    #[serde(default)]
    pub ttl_seconds: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub token: String,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub expires_at: DateTime<Utc>,
}

/// The person a CRM record is about, as the CRM holds them. Every CRM record on the wire (a
/// send's recipient, a record to enrol, a dev record, the host's record) carries these fields
/// beside its entity and id. Each may be absent, and is then left out of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
}

/// A text field without its surrounding spaces; `None` when it is absent or blank.
pub fn trimmed_text(field: &Option<String>) -> Option<String> {
    field
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The name a person is shown under: first and last name, else the email, else `fallback`
/// (the CRM id). Blank parts are skipped.
pub fn display_name(
    first: Option<&str>,
    last: Option<&str>,
    email: Option<&str>,
    fallback: &str,
) -> String {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    match email.map(str::trim) {
        Some(email) if !email.is_empty() => email.to_owned(),
        _ => fallback.to_owned(),
    }
}

impl PersonFields {
    /// The name the person is shown under ([`display_name`]): `crm_id` when the fields name
    /// nobody.
    pub fn display_name(&self, crm_id: &str) -> String {
        display_name(
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.email.as_deref(),
            crm_id,
        )
    }

    /// The fields with their spaces trimmed and a blank one absent, as they are stored and merged.
    pub fn trimmed(&self) -> PersonFields {
        PersonFields {
            email: trimmed_text(&self.email),
            first_name: trimmed_text(&self.first_name),
            last_name: trimmed_text(&self.last_name),
            company: trimmed_text(&self.company),
            job_title: trimmed_text(&self.job_title),
        }
    }
}

/// `POST /dev/records`: creates or updates a record in the caller's tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevRecordIn {
    pub entity: Entity,
    pub crm_id: String,
    #[serde(flatten)]
    pub person: PersonFields,
}

/// `POST /dev/activities` takes one of these or an array of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevActivityIn {
    pub entity: Entity,
    pub crm_id: String,
    pub kind: ActivityKind,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The campaign of an email activity: opens and clicks count toward the open and click
    /// rates of the email sent with the same campaign.
    #[serde(default)]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub details: ActivityDetails,
}

/// Answer of `POST /dev/activities`: the ids created, in input order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub ids: Vec<i64>,
}

/// Query parameters of the activities endpoint, built by the plugin and parsed by the sandbox.
pub mod query {
    pub const ACTIVITIES_DEFAULT_LIMIT: u32 = 50;
    pub const ACTIVITIES_MAX_LIMIT: u32 = 200;
    pub const TEMPLATES_DEFAULT_LIMIT: u32 = 50;
    pub const TEMPLATES_MAX_LIMIT: u32 = 200;
    pub const PROGRAMS_DEFAULT_LIMIT: u32 = 50;
    pub const PROGRAMS_MAX_LIMIT: u32 = 200;
    pub const ENROLMENTS_DEFAULT_LIMIT: u32 = 50;
    pub const ENROLMENTS_MAX_LIMIT: u32 = 200;
    /// Longest search text (`q`) of any list, in characters; the plugin's search boxes take no
    /// more.
    pub const MAX_SEARCH_CHARS: usize = 200;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_read_as_rfc_3339_only() {
        let enrolment = |enrolled_at: &str| {
            serde_json::from_value::<Enrolment>(serde_json::json!({
                "programId": 1, "programName": "Welcome", "status": "active",
                "enrolledAt": enrolled_at, "updatedAt": "2026-03-10T12:00:00Z"
            }))
        };
        let noon = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(enrolment("2026-03-10T12:00:00Z").unwrap().enrolled_at, noon);
        assert_eq!(
            enrolment("2026-03-10T14:00:00.000+02:00")
                .unwrap()
                .enrolled_at,
            noon
        );
        for bad in [
            "2026-03-10",
            "2026-03-10T12:00",
            "12:00",
            "",
            "Tue, 10 Mar 2026 12:00:00 GMT",
        ] {
            let error = enrolment(bad).unwrap_err().to_string();
            assert!(error.contains("not an RFC 3339 time"), "{bad:?}: {error}");
        }

        let scheduled = |value: Option<serde_json::Value>| {
            let mut body = serde_json::json!({
                "id": 1, "campaignId": "SEND-1", "templateId": 1,
                "createdAt": "2026-03-10T12:00:00Z", "results": [], "remainingToday": 10,
                "limitResetsAt": "2026-03-11T00:00:00Z"
            });
            if let Some(value) = value {
                body["scheduledAt"] = value;
            }
            serde_json::from_value::<SendResponse>(body).map(|r| r.scheduled_at)
        };
        assert_eq!(
            scheduled(Some(serde_json::json!("2026-03-10T12:00:00Z"))).unwrap(),
            Some(noon)
        );
        assert_eq!(scheduled(Some(serde_json::Value::Null)).unwrap(), None);
        assert_eq!(scheduled(None).unwrap(), None);
        assert!(scheduled(Some(serde_json::json!("next week"))).is_err());
    }

    #[test]
    fn a_record_s_person_fields_sit_beside_its_entity_and_id() {
        // Sends and enrolments hash a request by its JSON: the fields keep their order.
        let json = r#"{"entity":"lead","crmId":"L-1","email":"a@b.c","firstName":"Ann","lastName":"Lee","company":"Acme","jobTitle":"CTO"}"#;
        let recipient: SendRecipient = serde_json::from_str(json).unwrap();
        assert_eq!(recipient.person.job_title.as_deref(), Some("CTO"));
        assert_eq!(serde_json::to_string(&recipient).unwrap(), json);
        let to_enrol: EnrolRecord = serde_json::from_str(json).unwrap();
        assert_eq!(to_enrol.person, recipient.person);
        assert_eq!(serde_json::to_string(&to_enrol).unwrap(), json);

        let dev: DevRecordIn = serde_json::from_str(
            r#"{"entity":"contact","crmId":"C-1","email":null,"lastName":" Lee "}"#,
        )
        .unwrap();
        assert_eq!(dev.person.email, None);
        assert_eq!(
            dev.person.trimmed(),
            PersonFields {
                last_name: Some("Lee".into()),
                ..PersonFields::default()
            }
        );
    }

    #[test]
    fn names_fall_back_to_email_then_crm_id() {
        assert_eq!(
            display_name(Some("Ann"), Some("Lee"), Some("a@b.c"), "L-1"),
            "Ann Lee"
        );
        assert_eq!(display_name(None, Some(" Lee "), None, "L-1"), "Lee");
        assert_eq!(display_name(Some(" "), None, Some("a@b.c"), "L-1"), "a@b.c");
        assert_eq!(display_name(None, None, Some(""), "L-1"), "L-1");
        let person = PersonFields {
            email: Some("a@b.c".into()),
            ..PersonFields::default()
        };
        assert_eq!(person.display_name("L-1"), "a@b.c");
    }

    #[test]
    fn enums_use_their_json_spelling_everywhere() {
        for kind in ActivityKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(
            OptInType::parse("verifiedDouble"),
            Some(OptInType::VerifiedDouble)
        );
        assert_eq!(Entity::parse("Lead"), None);
    }

    #[test]
    fn opt_in_types_are_ordered_by_strength() {
        assert!(OptInType::Unknown < OptInType::Single);
        assert!(OptInType::Single < OptInType::Double);
        assert!(OptInType::Double < OptInType::VerifiedDouble);
    }

    #[test]
    fn activity_round_trips_with_camel_case_fields() {
        let json = r#"{"id":7,"kind":"pageVisit","occurredAt":"2026-01-02T03:04:05Z",
            "subject":"Pricing","url":"https://example.com/pricing",
            "details":{"pageTitle":"Pricing","secondsOnPage":42}}"#;
        let activity: Activity = serde_json::from_str(json).unwrap();
        assert_eq!(activity.kind, ActivityKind::PageVisit);
        assert_eq!(activity.details.seconds_on_page, Some(42));
        let back = serde_json::to_value(&activity).unwrap();
        assert_eq!(back["occurredAt"], "2026-01-02T03:04:05Z");
        assert_eq!(back["details"]["pageTitle"], "Pricing");
        assert!(back["details"].get("formFields").is_none());
    }
}
