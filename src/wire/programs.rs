//! Wire types of programs and enrolments (issue: Program enrolment).
//!
//! A *program* is an automation track marketing runs (a nurture series, a webinar follow-up).
//! Marketing decides which programs the CRM may enrol people into (`enabledForCrm`); only those are
//! listed, and of those only the active ones accept enrolments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

use super::Entity;

/// Records one enrolment request may carry: a record page sends one, a list-view selection up to
/// this many.
pub const MAX_ENROL_RECORDS: usize = 200;

/// Where a record stands in a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum EnrolmentStatus {
    /// Still moving through the program's steps.
    Active,
    /// Went through every step.
    Completed,
    /// Left before the end (unsubscribed, converted, removed by marketing).
    Exited,
}

impl EnrolmentStatus {
    pub const ALL: &'static [EnrolmentStatus] = &[
        EnrolmentStatus::Active,
        EnrolmentStatus::Completed,
        EnrolmentStatus::Exited,
    ];

    /// The JSON spelling, also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Active => "active",
            EnrolmentStatus::Completed => "completed",
            EnrolmentStatus::Exited => "exited",
        }
    }

    pub fn parse(text: &str) -> Option<EnrolmentStatus> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for EnrolmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one enrolment request did with one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum EnrolOutcome {
    /// Newly enrolled by this request.
    Enrolled,
    /// Was in the program before (in any status); nothing changed.
    AlreadyEnrolled,
    /// Not enrolled; `message` says why and whether a retry can help.
    Failed,
}

impl EnrolOutcome {
    pub const ALL: &'static [EnrolOutcome] = &[
        EnrolOutcome::Enrolled,
        EnrolOutcome::AlreadyEnrolled,
        EnrolOutcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EnrolOutcome::Enrolled => "enrolled",
            EnrolOutcome::AlreadyEnrolled => "alreadyEnrolled",
            EnrolOutcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<EnrolOutcome> {
        Self::ALL.iter().copied().find(|o| o.as_str() == text)
    }
}

impl std::fmt::Display for EnrolOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A program the CRM may show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Only active programs accept enrolments; show the others greyed out with the reason.
    pub active: bool,
    /// Marketing made the program available to the CRM (always true in `GET /v1/programs`).
    pub enabled_for_crm: bool,
    /// Why the program cannot be selected, in words for the user; present exactly when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_reason: Option<String>,
    /// The status in this program of the record the request names (`entity` and `crmId`),
    /// when it is or was in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment_status: Option<EnrolmentStatus>,
}

impl Program {
    /// Whether the user may select the program for enrolment.
    pub fn can_enrol(&self) -> bool {
        self.active && self.enabled_for_crm
    }
}

/// `GET /v1/programs`: a page of programs, active ones first, then by name. The first page is
/// empty when marketing has enabled no program for the CRM (or none matches the search).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProgramList {
    pub items: Vec<Program>,
    /// Asks for the next page (same `q`); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One program a record is or was in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Enrolment {
    pub program_id: i64,
    pub program_name: String,
    pub status: EnrolmentStatus,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub enrolled_at: DateTime<Utc>,
    /// When the status last changed (equal to `enrolledAt` until it does).
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub updated_at: DateTime<Utc>,
}

/// `GET /v1/records/{entity}/{crmId}/enrolments`: a page of enrolments, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentList {
    pub items: Vec<Enrolment>,
    /// Asks for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A CRM record to enrol; when the platform does not know it yet, it adds it to the "All
/// contacts" list first.
pub type EnrolRecord = super::RecordIn;

/// `POST /v1/programs/{id}/enrolments`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnrolRequest {
    /// 1 to 200 records (`MAX_ENROL_RECORDS`).
    #[cfg_attr(feature = "sandbox", schema(min_items = 1, max_items = 200))]
    pub records: Vec<EnrolRecord>,
}

/// The outcome for one record of an enrolment request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnrolResult {
    pub entity: Entity,
    pub crm_id: String,
    pub outcome: EnrolOutcome,
    /// For `alreadyEnrolled`: where the record stands in the program (still going through it,
    /// went through it, or left it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment_status: Option<EnrolmentStatus>,
    /// For `failed`, in words for the user: why, and what to do before a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The platform did not know the record and added it to the "All contacts" list first.
    #[serde(default)]
    pub added_to_all_contacts: bool,
}

/// Answer of `POST /v1/programs/{id}/enrolments`: one result per record, in request order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnrolResponse {
    pub program_id: i64,
    pub program_name: String,
    pub results: Vec<EnrolResult>,
}

impl EnrolResponse {
    /// How many records ended with `outcome`.
    pub fn count(&self, outcome: EnrolOutcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_use_their_json_spelling_everywhere() {
        for status in EnrolmentStatus::ALL {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(EnrolmentStatus::parse(status.as_str()), Some(*status));
        }
        for outcome in EnrolOutcome::ALL {
            let json = serde_json::to_string(outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
            assert_eq!(EnrolOutcome::parse(outcome.as_str()), Some(*outcome));
        }
        assert_eq!(EnrolOutcome::parse("AlreadyEnrolled"), None);
    }

    #[test]
    fn a_request_needs_only_entity_and_crm_id() {
        let request: EnrolRequest =
            serde_json::from_str(r#"{"records":[{"entity":"lead","crmId":"LEAD-1"}]}"#).unwrap();
        assert_eq!(request.records[0].crm_id, "LEAD-1");
        assert_eq!(request.records[0].person.email, None);
        let back = serde_json::to_value(&request).unwrap();
        assert!(back["records"][0].get("email").is_none());
    }

    #[test]
    fn only_unavailable_programs_carry_a_reason() {
        let json = r#"{"id":3,"name":"Spring Promotion","description":"Ended.","active":false,
            "enabledForCrm":true,"unavailableReason":"This program is paused."}"#;
        let program: Program = serde_json::from_str(json).unwrap();
        assert!(!program.can_enrol());
        let active = Program {
            active: true,
            unavailable_reason: None,
            ..program
        };
        assert!(active.can_enrol());
        assert!(serde_json::to_value(&active)
            .unwrap()
            .get("unavailableReason")
            .is_none());
    }
}
