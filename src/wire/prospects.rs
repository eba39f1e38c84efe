//! Wire types of hot prospects and score reasons (issue: Hot prospects).
//!
//! A *hot prospect* is a record whose **behaviour score** is above zero: points the platform's
//! scoring rules give the person's recent activity (opens, clicks, page visits, forms, program
//! enrolments; unsubscribes and hard bounces take points away), fading with age and counted over
//! the last [`ScoringRules::window_days`] days only. The rules travel with every answer
//! ([`ScoringRules`]), so a view can say what makes a prospect hot without a copy of its own.
//!
//! The behaviour score is not the record's lifetime `score` of [`super::RecordProfile`]: that one
//! also holds marketing's explicit adjustments (persona fit, inactivity) and never fades.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

use super::{ActivityKind, Entity, Interaction, UserSummary};

/// Rows of a hot-prospects answer when `limit` is not given.
pub const HOT_PROSPECTS_DEFAULT_LIMIT: u32 = 20;
/// The largest `limit` a hot-prospects request may ask for.
pub const HOT_PROSPECTS_MAX_LIMIT: u32 = 50;

/// Whose records a hot-prospects request ranks: the `owner` query parameter.
///
/// A rep may only ask for themselves (`me`, or their own id); a manager for themselves, one of
/// their reps, or the whole `team` (their reps and themselves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerSelection {
    Me,
    Team,
    /// One user, by id ([`UserSummary::id`]).
    User(i64),
}

impl OwnerSelection {
    /// The query-parameter spelling: `me`, `team` or the user id.
    pub fn to_query(self) -> String {
        match self {
            OwnerSelection::Me => "me".to_owned(),
            OwnerSelection::Team => "team".to_owned(),
            OwnerSelection::User(id) => id.to_string(),
        }
    }

    pub fn parse(text: &str) -> Option<OwnerSelection> {
        match text {
            "me" => Some(OwnerSelection::Me),
            "team" => Some(OwnerSelection::Team),
            _ => text
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(OwnerSelection::User),
        }
    }
}

/// Which way a score moved over the last [`ScoringRules::change_days`] days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    /// The trend of a score change: up above zero, down below, flat at zero.
    pub fn of(change: i64) -> Trend {
        match change {
            c if c > 0 => Trend::Up,
            c if c < 0 => Trend::Down,
            _ => Trend::Flat,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Flat => "flat",
        }
    }
}

/// A scoring rule: which activities it scores. Most rules score one activity kind; `hardBounce`
/// scores only the `emailBounced` activities whose `bounceType` is `hard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ScoreRule {
    EmailOpened,
    EmailClicked,
    PageVisit,
    FormSubmitted,
    ProgramEnrolled,
    Unsubscribed,
    HardBounce,
}

impl ScoreRule {
    pub const ALL: &'static [ScoreRule] = &[
        ScoreRule::EmailOpened,
        ScoreRule::EmailClicked,
        ScoreRule::PageVisit,
        ScoreRule::FormSubmitted,
        ScoreRule::ProgramEnrolled,
        ScoreRule::Unsubscribed,
        ScoreRule::HardBounce,
    ];

    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreRule::EmailOpened => "emailOpened",
            ScoreRule::EmailClicked => "emailClicked",
            ScoreRule::PageVisit => "pageVisit",
            ScoreRule::FormSubmitted => "formSubmitted",
            ScoreRule::ProgramEnrolled => "programEnrolled",
            ScoreRule::Unsubscribed => "unsubscribed",
            ScoreRule::HardBounce => "hardBounce",
        }
    }

    pub fn parse(text: &str) -> Option<ScoreRule> {
        Self::ALL.iter().copied().find(|rule| rule.as_str() == text)
    }

    /// The activity kind the rule scores.
    pub fn kind(self) -> ActivityKind {
        match self {
            ScoreRule::EmailOpened => ActivityKind::EmailOpened,
            ScoreRule::EmailClicked => ActivityKind::EmailClicked,
            ScoreRule::PageVisit => ActivityKind::PageVisit,
            ScoreRule::FormSubmitted => ActivityKind::FormSubmitted,
            ScoreRule::ProgramEnrolled => ActivityKind::ProgramEnrolled,
            ScoreRule::Unsubscribed => ActivityKind::Unsubscribed,
            ScoreRule::HardBounce => ActivityKind::EmailBounced,
        }
    }

    /// The words a sales user reads for this rule.
    pub fn label(self) -> &'static str {
        match self {
            ScoreRule::HardBounce => "Hard bounce",
            other => other.kind().label(),
        }
    }
}

impl std::fmt::Display for ScoreRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the rule table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScoringRule {
    pub rule: ScoreRule,
    /// The activity kind the rule scores.
    pub kind: ActivityKind,
    /// Points of an activity younger than `halfLifeDays`; negative for a penalty.
    pub points: i64,
}

/// The platform's behaviour scoring rules.
///
/// An activity's age is counted in whole UTC calendar days (0 = today). It earns its rule's
/// `points` while younger than `halfLifeDays`, then half of them, then a quarter, and so on
/// (halved once per `halfLifeDays`, fractions dropped toward zero); from `windowDays` days on it
/// earns nothing. A score is the sum over the record's activities; its change is the score now
/// minus the score the same rules gave `changeDays` days ago.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScoringRules {
    pub rules: Vec<ScoringRule>,
    /// Only activity of the last this many days (today included) counts.
    pub window_days: u32,
    /// Points halve every this many days of age.
    pub half_life_days: u32,
    /// The period of a score's change and trend.
    pub change_days: u32,
}

/// One row of `GET /v1/hot-prospects`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HotProspect {
    pub entity: Entity,
    pub crm_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// The behaviour score now (always above zero in this list).
    pub score: i64,
    /// The score now minus the score `changeDays` days ago.
    pub score_change: i64,
    pub trend: Trend,
    /// The record's newest activity of any kind.
    pub last_activity: Interaction,
    pub owner: UserSummary,
}

/// `GET /v1/hot-prospects`: the owners' records with a behaviour score above zero, best first
/// (score descending, then newest last activity, then the platform's record order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HotProspects {
    /// Whose records were ranked: the caller, one rep, or a manager followed by their reps.
    pub owners: Vec<UserSummary>,
    pub items: Vec<HotProspect>,
    /// When the ranking was computed ("updated 2 min ago").
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub generated_at: DateTime<Utc>,
    pub rules: ScoringRules,
}

/// An activity that earns points now, and how many.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScoreReason {
    pub activity: Interaction,
    pub rule: ScoreRule,
    /// Whole UTC calendar days since the activity (0 = today).
    pub age_days: u32,
    /// What the rule gives a new activity.
    pub base_points: i64,
    /// What the activity earns now, after decay; never zero in a reasons list.
    pub points: i64,
}

/// The reasons of one rule added up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleTotal {
    pub rule: ScoreRule,
    pub activities: u32,
    pub points: i64,
}

/// How many of the activities behind a score `score-reasons` lists (a busy record has
/// thousands in the scoring window; the totals per rule cover them all).
pub const SCORE_REASONS_SHOWN: usize = 20;

/// `GET /v1/records/{entity}/{crmId}/score-reasons`: why a record has its behaviour score.
/// The `points` of `totals` add up to `score`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScoreReasons {
    pub entity: Entity,
    pub crm_id: String,
    pub score: i64,
    pub score_change: i64,
    pub trend: Trend,
    /// The newest 20 of the activities behind the score, newest first.
    pub reasons: Vec<ScoreReason>,
    /// How many activities are behind the score (`totals` add all of them up).
    pub reasons_total: u32,
    /// Per rule, most points first (penalties last), over every activity behind the score.
    pub totals: Vec<RuleTotal>,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub generated_at: DateTime<Utc>,
    pub rules: ScoringRules,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_selections_round_trip_through_the_query() {
        for owner in [
            OwnerSelection::Me,
            OwnerSelection::Team,
            OwnerSelection::User(42),
        ] {
            assert_eq!(OwnerSelection::parse(&owner.to_query()), Some(owner));
        }
        for bad in ["", "Me", "TEAM", "0", "-3", "4.5", "everyone"] {
            assert_eq!(OwnerSelection::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rules_and_trends_use_their_json_spelling() {
        for rule in ScoreRule::ALL {
            let json = serde_json::to_string(rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.as_str()));
            assert_eq!(ScoreRule::parse(rule.as_str()), Some(*rule));
        }
        for (change, trend) in [(3, Trend::Up), (-1, Trend::Down), (0, Trend::Flat)] {
            assert_eq!(Trend::of(change), trend);
            assert_eq!(
                serde_json::to_string(&trend).unwrap(),
                format!("\"{}\"", trend.as_str())
            );
        }
        assert_eq!(ScoreRule::HardBounce.kind(), ActivityKind::EmailBounced);
        assert_eq!(ScoreRule::PageVisit.label(), "Page visit");
    }
}
