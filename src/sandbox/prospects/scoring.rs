//! The platform's behaviour scoring rules: pure functions of an activity's kind and age.
//!
//! | Rule            | Activity                             | Points |
//! | --------------- | ------------------------------------ | -----: |
//! | emailOpened     | email opened                         |     +1 |
//! | emailClicked    | email link clicked                   |     +3 |
//! | pageVisit       | web page visit                       |     +2 |
//! | formSubmitted   | form submitted                       |    +10 |
//! | programEnrolled | enrolled in a program                |     +5 |
//! | unsubscribed    | unsubscribed                         |    −10 |
//! | hardBounce      | email bounced with `bounceType` hard |     −5 |
//!
//! Emails sent, soft bounces and explicit score changes (`scoreChanged`: persona fit,
//! inactivity) earn nothing: they are not something the person did.
//!
//! **Age and decay.** An activity's age is counted in whole UTC calendar days: 0 for today,
//! 1 for yesterday. Points halve every [`HALF_LIFE_DAYS`] days of age, fractions dropped toward
//! zero: a form is worth 10 at 0–29 days, 5 at 30–59 and 2 at 60–89; an open 1, then nothing.
//! From [`WINDOW_DAYS`] days on an activity earns nothing, so only the last 90 days (today and the
//! 89 days before) count. Activities dated after today are ignored.
//!
//! Counting calendar days rather than hours makes a score constant through a UTC day unless new
//! activity arrives, which is what lets the sandbox keep each record's score for the day.
//!
//! **Change and trend.** A score's change is the score today minus the score the same rules gave
//! [`CHANGE_DAYS`] days ago (activity of the last 7 days adds, points that decayed or left the
//! window since subtract); the trend is up above zero, down below it, flat at zero.

use crate::wire::{ActivityKind, ScoreRule, ScoringRule, ScoringRules};

/// Only activity younger than this many days counts.
pub const WINDOW_DAYS: i64 = 90;
/// Points halve every this many days of age.
pub const HALF_LIFE_DAYS: i64 = 30;
/// The period of a score's change and trend.
pub const CHANGE_DAYS: i64 = 7;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Points of each rule for a new activity.
pub fn base_points(rule: ScoreRule) -> i64 {
    match rule {
        ScoreRule::EmailOpened => 1,
        ScoreRule::EmailClicked => 3,
        ScoreRule::PageVisit => 2,
        ScoreRule::FormSubmitted => 10,
        ScoreRule::ProgramEnrolled => 5,
        ScoreRule::Unsubscribed => -10,
        ScoreRule::HardBounce => -5,
    }
}

/// The rule that scores an activity, if any; `bounce_type` is the `bounceType` of its details.
pub fn rule_for(kind: ActivityKind, bounce_type: Option<&str>) -> Option<ScoreRule> {
    match kind {
        ActivityKind::EmailOpened => Some(ScoreRule::EmailOpened),
        ActivityKind::EmailClicked => Some(ScoreRule::EmailClicked),
        ActivityKind::PageVisit => Some(ScoreRule::PageVisit),
        ActivityKind::FormSubmitted => Some(ScoreRule::FormSubmitted),
        ActivityKind::ProgramEnrolled => Some(ScoreRule::ProgramEnrolled),
        ActivityKind::Unsubscribed => Some(ScoreRule::Unsubscribed),
        ActivityKind::EmailBounced if bounce_type == Some("hard") => Some(ScoreRule::HardBounce),
        ActivityKind::EmailBounced | ActivityKind::EmailSent | ActivityKind::ScoreChanged => None,
    }
}

/// Whether scoring an activity of `kind` needs its details (the bounce type).
pub fn needs_details(kind: ActivityKind) -> bool {
    kind == ActivityKind::EmailBounced
}

/// The kinds some rule scores.
pub fn scored_kinds() -> Vec<ActivityKind> {
    let mut kinds: Vec<ActivityKind> = ScoreRule::ALL.iter().map(|rule| rule.kind()).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The UTC calendar day (days since 1970-01-01) of a time in Unix milliseconds.
pub fn day_of(millis: i64) -> i64 {
    millis.div_euclid(MILLIS_PER_DAY)
}

/// The first millisecond of a UTC calendar day.
pub fn start_of_day(day: i64) -> i64 {
    day * MILLIS_PER_DAY
}

/// What an activity of `rule` earns at `age_days` (0 = today): nothing outside the window.
pub fn points_at(rule: ScoreRule, age_days: i64) -> i64 {
    if !(0..WINDOW_DAYS).contains(&age_days) {
        return 0;
    }
    // Integer division truncates toward zero, for penalties too.
    base_points(rule) / (1 << (age_days / HALF_LIFE_DAYS))
}

/// The first day whose activity can matter to a score and its change on `today`.
pub fn first_relevant_day(today: i64) -> i64 {
    today - CHANGE_DAYS - (WINDOW_DAYS - 1)
}

/// A record's score today and [`CHANGE_DAYS`] days ago, summed one scored activity at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub today: i64,
    pub score: i64,
    pub score_then: i64,
}

impl Tally {
    pub fn new(today: i64) -> Tally {
        Tally {
            today,
            score: 0,
            score_then: 0,
        }
    }

    /// Adds an activity of `rule` on `day`; returns what it earns today.
    pub fn add(&mut self, rule: ScoreRule, day: i64) -> i64 {
        let now = points_at(rule, self.today - day);
        self.score += now;
        self.score_then += points_at(rule, self.today - CHANGE_DAYS - day);
        now
    }

    pub fn change(&self) -> i64 {
        self.score - self.score_then
    }
}

/// The rule table as the API shows it.
pub fn rules() -> ScoringRules {
    ScoringRules {
        rules: ScoreRule::ALL
            .iter()
            .map(|&rule| ScoringRule {
                rule,
                kind: rule.kind(),
                points: base_points(rule),
            })
            .collect(),
        window_days: WINDOW_DAYS as u32,
        half_life_days: HALF_LIFE_DAYS as u32,
        change_days: CHANGE_DAYS as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_behaviour_earns_its_documented_points() {
        let table: Vec<(ScoreRule, i64)> = rules()
            .rules
            .iter()
            .map(|rule| (rule.rule, rule.points))
            .collect();
        assert_eq!(
            table,
            vec![
                (ScoreRule::EmailOpened, 1),
                (ScoreRule::EmailClicked, 3),
                (ScoreRule::PageVisit, 2),
                (ScoreRule::FormSubmitted, 10),
                (ScoreRule::ProgramEnrolled, 5),
                (ScoreRule::Unsubscribed, -10),
                (ScoreRule::HardBounce, -5),
            ]
        );
        for rule in ScoreRule::ALL {
            assert_eq!(rule_for(rule.kind(), Some("hard")), Some(*rule));
        }
    }

    #[test]
    fn sends_soft_bounces_and_manual_changes_earn_nothing() {
        assert_eq!(rule_for(ActivityKind::EmailSent, None), None);
        assert_eq!(rule_for(ActivityKind::ScoreChanged, None), None);
        assert_eq!(rule_for(ActivityKind::EmailBounced, Some("soft")), None);
        assert_eq!(rule_for(ActivityKind::EmailBounced, None), None);
        assert_eq!(
            rule_for(ActivityKind::EmailBounced, Some("hard")),
            Some(ScoreRule::HardBounce)
        );
        assert!(!scored_kinds().contains(&ActivityKind::EmailSent));
        assert!(scored_kinds().contains(&ActivityKind::EmailBounced));
        assert!(ScoreRule::ALL
            .iter()
            .all(|rule| needs_details(rule.kind()) == (*rule == ScoreRule::HardBounce)));
    }

    #[test]
    fn points_halve_every_thirty_days_and_stop_at_ninety() {
        let form = |age| points_at(ScoreRule::FormSubmitted, age);
        assert_eq!(
            [0, 29, 30, 59, 60, 89, 90, 400].map(form),
            [10, 10, 5, 5, 2, 2, 0, 0]
        );
        let open = |age| points_at(ScoreRule::EmailOpened, age);
        assert_eq!([0, 29, 30, 89].map(open), [1, 1, 0, 0]);
        let click = |age| points_at(ScoreRule::EmailClicked, age);
        assert_eq!([0, 30, 60].map(click), [3, 1, 0]);
        // Penalties fade the same way, toward zero.
        let bounce = |age| points_at(ScoreRule::HardBounce, age);
        assert_eq!([0, 30, 60, 90].map(bounce), [-5, -2, -1, 0]);
        let unsubscribe = |age| points_at(ScoreRule::Unsubscribed, age);
        assert_eq!([0, 45, 75].map(unsubscribe), [-10, -5, -2]);
        // A future activity earns nothing yet.
        assert_eq!(form(-1), 0);
    }

    #[test]
    fn days_are_utc_calendar_days() {
        let day = 20_000;
        assert_eq!(day_of(start_of_day(day)), day);
        assert_eq!(day_of(start_of_day(day + 1) - 1), day);
        assert_eq!(day_of(-1), -1);
        assert_eq!(first_relevant_day(day), day - 96);
    }

    #[test]
    fn a_tally_knows_the_score_seven_days_ago() {
        let today = 20_000;
        let mut tally = Tally::new(today);
        // Today's form: new this week.
        assert_eq!(tally.add(ScoreRule::FormSubmitted, today), 10);
        // A visit 10 days ago was worth as much a week ago.
        assert_eq!(tally.add(ScoreRule::PageVisit, today - 10), 2);
        // A form 35 days ago was worth 10 a week ago (28 days), 5 now.
        assert_eq!(tally.add(ScoreRule::FormSubmitted, today - 35), 5);
        // A click 92 days ago counted a week ago (85 days: 3 / 4 = 0), so nothing either way;
        // a form 92 days ago counted 2 then and nothing now.
        assert_eq!(tally.add(ScoreRule::EmailClicked, today - 92), 0);
        assert_eq!(tally.add(ScoreRule::FormSubmitted, today - 92), 0);
        // Tomorrow's activity counts for neither.
        assert_eq!(tally.add(ScoreRule::FormSubmitted, today + 1), 0);
        assert_eq!(tally.score, 10 + 2 + 5);
        assert_eq!(tally.score_then, 2 + 10 + 2);
        assert_eq!(tally.change(), 3);
    }
}
