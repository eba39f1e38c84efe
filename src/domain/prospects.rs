//! The hot-prospects view: its state as one reducer (whose ranking is on screen, what the
//! user opened, when it is asked for again), and its words.

use std::rc::Rc;

use crate::domain::owners;
use crate::wire::prospects::{
    HotProspects as Ranking, OwnerSelection, ScoreReasons, ScoringRules, Trend,
};
use crate::wire::Me;

/// The view's state; `E` is why a ranking did not come.
#[derive(Clone, Debug, PartialEq)]
pub struct HotProspectsView<E> {
    /// Who the user is, once answered: a manager gets the team picker. A failure stays on
    /// screen while it is asked again.
    pub me: Option<Result<Rc<Me>, E>>,
    /// How many times who the user is was asked again.
    pub me_asks: u32,
    /// Whose prospects the user picked; until then a manager sees the whole team and a rep
    /// their own.
    pub chosen: Option<OwnerSelection>,
    /// The row whose reasons are open, by `entity/crmId`.
    pub expanded: Option<String>,
    /// How many times the ranking was asked for again (Refresh, the 5-minute timer, a retry,
    /// a session that came back).
    pub refreshes: u32,
    /// Whose ranking, or failure to rank, is on screen.
    pub ranked: Option<(OwnerSelection, Result<Rc<Ranking>, E>)>,
    /// Why the last refresh of the rows on screen failed: the rows (and the 5-minute timer)
    /// stay, and the view says so above them.
    pub refresh_error: Option<E>,
    /// A ranking is on its way.
    pub refreshing: bool,
}

impl<E> Default for HotProspectsView<E> {
    fn default() -> Self {
        HotProspectsView {
            me: None,
            me_asks: 0,
            chosen: None,
            expanded: None,
            refreshes: 0,
            ranked: None,
            refresh_error: None,
            refreshing: false,
        }
    }
}

/// Every change to [`HotProspectsView`].
#[derive(Debug)]
pub enum HotProspectsAction<E> {
    /// Who the user is came, or why it did not.
    Identified(Result<Me, E>),
    /// Who the user is is to be asked again.
    AskWhoAgain,
    /// The user picked whose prospects to see.
    Choose(OwnerSelection),
    /// The user opened or closed a row's reasons.
    Expand(String),
    /// The ranking is to be asked for again.
    Refresh,
    /// The ranking of this owner was asked for.
    Asked(OwnerSelection),
    /// The ranking of this owner came, or why it did not.
    Ranked(OwnerSelection, Result<Ranking, E>),
}

impl<E> HotProspectsView<E> {
    pub fn apply(&mut self, action: HotProspectsAction<E>) {
        match action {
            HotProspectsAction::Identified(me) => self.me = Some(me.map(Rc::new)),
            HotProspectsAction::AskWhoAgain => self.me_asks = self.me_asks.wrapping_add(1),
            HotProspectsAction::Choose(owner) => {
                self.expanded = None;
                self.chosen = Some(owner);
            }
            HotProspectsAction::Expand(key) => {
                self.expanded = (self.expanded.as_deref() != Some(key.as_str())).then_some(key);
            }
            HotProspectsAction::Refresh => self.refreshes = self.refreshes.wrapping_add(1),
            HotProspectsAction::Asked(owner) => {
                self.refreshing = true;
                // Rows of another owner never stand in for this one's, even for a moment.
                if !self.is_for(owner) {
                    self.ranked = None;
                    self.refresh_error = None;
                }
            }
            HotProspectsAction::Ranked(owner, answer) => {
                self.refreshing = false;
                let shown = matches!(&self.ranked, Some((of, Ok(_))) if *of == owner);
                match answer {
                    Ok(ranking) => {
                        self.ranked = Some((owner, Ok(Rc::new(ranking))));
                        self.refresh_error = None;
                    }
                    Err(error) if shown => self.refresh_error = Some(error),
                    // The failure on screen is this owner's (not shown for another).
                    Err(error) => {
                        self.ranked = Some((owner, Err(error)));
                        self.refresh_error = None;
                    }
                }
            }
        }
    }

    fn is_for(&self, owner: OwnerSelection) -> bool {
        matches!(&self.ranked, Some((of, _)) if *of == owner)
    }

    /// Whether the user is a manager, as far as is known.
    pub fn manager(&self) -> bool {
        owners::is_manager(&self.me)
    }

    /// Whose prospects to rank ([`owners::shown_owner`]).
    pub fn owner(&self) -> Option<OwnerSelection> {
        owners::shown_owner(self.chosen, &self.me)
    }

    /// The ranking of `owner`, or why it did not come; `None` while it is on its way.
    pub fn ranking(&self, owner: Option<OwnerSelection>) -> Option<&Result<Rc<Ranking>, E>> {
        match &self.ranked {
            Some((of, ranking)) if Some(*of) == owner => Some(ranking),
            _ => None,
        }
    }
}

/// The empty state's explanation, from the platform's own rules.
pub fn what_makes_hot(rules: &ScoringRules) -> String {
    let points: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| r.points > 0)
        .map(|r| format!("{} +{}", r.rule.label().to_ascii_lowercase(), r.points))
        .collect();
    format!(
        "A prospect is hot when they engage with marketing: {}. Points halve every {} days and only the last {} days count. None of these records has engaged recently.",
        points.join(", "),
        rules.half_life_days,
        rules.window_days
    )
}

/// A score's 7-day change as shown, an arrow and the number without its sign ("↓ 68", not
/// "↓ -68"), and as said: "down 68 in 7 days"; no change is just that.
pub fn score_change(trend: Trend, change: i64) -> (String, String) {
    let (arrow, words) = match trend {
        Trend::Up => ("\u{2191}", "up"),
        Trend::Down => ("\u{2193}", "down"),
        Trend::Flat => ("\u{2192}", "unchanged"),
    };
    let said = match trend {
        Trend::Flat => format!("{words} in 7 days"),
        _ => format!("{words} {} in 7 days", change.unsigned_abs()),
    };
    (format!("{arrow} {}", change.unsigned_abs()), said)
}

/// How the score changed over the change period, for the "Why" list, whose activities mostly
/// add points: they earn less as they age and nothing once out of the window, and penalties
/// (unsubscribes, hard bounces) take points away. `None` for a score that did not change.
pub fn score_change_note(reasons: &ScoreReasons) -> Option<String> {
    let rules = &reasons.rules;
    let moved = reasons.score_change.unsigned_abs();
    let points = if moved == 1 { "point" } else { "points" };
    if reasons.score_change == 0 {
        return None;
    }
    if reasons.score_change > 0 {
        // A penalty weighs less as it ages too: a score can rise with no new activity.
        let new_activity = reasons
            .reasons
            .iter()
            .any(|r| r.points > 0 && r.age_days < rules.change_days);
        let penalty = reasons.reasons.iter().any(|r| r.points < 0);
        let why = match (new_activity, penalty) {
            (true, false) => "new activity earned more than the score lost meanwhile",
            (false, true) => "an unsubscribe or a hard bounce takes fewer points as it ages",
            _ => {
                "new activity adds points, and unsubscribes and hard bounces take fewer as they age"
            }
        };
        return Some(format!(
            "{moved} more {points} than {} days ago: {why}.",
            rules.change_days
        ));
    }
    let recent = |age: u32| age < rules.change_days;
    // The list holds the newest activities only: if all of them are recent, older ones of the
    // period may not be listed.
    let penalty_listed = reasons
        .reasons
        .iter()
        .any(|r| r.points < 0 && recent(r.age_days));
    let period_cut = reasons.reasons_total as usize > reasons.reasons.len()
        && reasons.reasons.last().is_some_and(|r| recent(r.age_days));
    let penalties = rules.rules.iter().any(|rule| rule.points < 0);
    let why = if penalties && (penalty_listed || period_cut) {
        format!(
            "unsubscribes and hard bounces take points away, and points halve every {} days as activity ages",
            rules.half_life_days
        )
    } else {
        format!(
            "points halve every {} days as activity ages, and activity older than {} days no longer counts",
            rules.half_life_days, rules.window_days
        )
    };
    Some(format!(
        "{moved} fewer {points} than {} days ago: {why}.",
        rules.change_days
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::prospects::{ScoreReason, ScoreRule, ScoringRule};
    use crate::wire::{ActivityKind, Entity, Interaction};
    use chrono::{TimeZone, Utc};

    fn reason(rule: ScoreRule, age_days: u32, points: i64) -> ScoreReason {
        ScoreReason {
            activity: Interaction {
                id: 1,
                kind: ActivityKind::PageVisit,
                occurred_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
                subject: None,
            },
            rule,
            age_days,
            base_points: points,
            points,
        }
    }

    fn reasons(change: i64, listed: Vec<ScoreReason>, total: u32) -> ScoreReasons {
        ScoreReasons {
            entity: Entity::Lead,
            crm_id: "L-1".into(),
            score: 40,
            score_change: change,
            trend: Trend::Down,
            reasons: listed,
            reasons_total: total,
            totals: Vec::new(),
            generated_at: Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap(),
            rules: ScoringRules {
                rules: vec![
                    ScoringRule {
                        rule: ScoreRule::PageVisit,
                        kind: ActivityKind::PageVisit,
                        points: 2,
                    },
                    ScoringRule {
                        rule: ScoreRule::Unsubscribed,
                        kind: ActivityKind::Unsubscribed,
                        points: -10,
                    },
                ],
                window_days: 90,
                half_life_days: 30,
                change_days: 7,
            },
        }
    }

    #[test]
    fn an_unchanged_score_needs_no_note_and_a_rising_one_says_why() {
        assert_eq!(score_change_note(&reasons(0, Vec::new(), 0)), None);
        let new = vec![reason(ScoreRule::PageVisit, 1, 2)];
        assert_eq!(
            score_change_note(&reasons(5, new, 1)).unwrap(),
            "5 more points than 7 days ago: new activity earned more than the score lost meanwhile."
        );
        // An unsubscribe 33 days old takes 5 where at 26 days it took 10: up 5, nothing new.
        let aged = vec![
            reason(ScoreRule::PageVisit, 40, 1),
            reason(ScoreRule::Unsubscribed, 33, -5),
        ];
        assert_eq!(
            score_change_note(&reasons(5, aged, 2)).unwrap(),
            "5 more points than 7 days ago: an unsubscribe or a hard bounce takes fewer points as it ages."
        );
        let both = vec![
            reason(ScoreRule::PageVisit, 1, 2),
            reason(ScoreRule::Unsubscribed, 33, -5),
        ];
        assert!(score_change_note(&reasons(1, both, 2))
            .unwrap()
            .starts_with("1 more point than 7 days ago: new activity adds points, and"));
    }

    #[test]
    fn a_fall_without_a_recent_penalty_is_ageing() {
        let old = vec![
            reason(ScoreRule::PageVisit, 20, 2),
            reason(ScoreRule::Unsubscribed, 40, -5),
        ];
        assert_eq!(
            score_change_note(&reasons(-12, old, 2)).unwrap(),
            "12 fewer points than 7 days ago: points halve every 30 days as activity ages, and \
             activity older than 90 days no longer counts."
        );
        let one = vec![reason(ScoreRule::PageVisit, 31, 1)];
        assert!(score_change_note(&reasons(-1, one, 1))
            .unwrap()
            .starts_with("1 fewer point than 7 days ago"));
    }

    #[test]
    fn a_recent_penalty_is_named() {
        let listed = vec![
            reason(ScoreRule::Unsubscribed, 2, -10),
            reason(ScoreRule::PageVisit, 20, 2),
        ];
        assert_eq!(
            score_change_note(&reasons(-8, listed, 2)).unwrap(),
            "8 fewer points than 7 days ago: unsubscribes and hard bounces take points away, and \
             points halve every 30 days as activity ages."
        );
    }

    #[test]
    fn a_list_cut_inside_the_period_may_hide_a_penalty() {
        let listed = vec![
            reason(ScoreRule::PageVisit, 1, 2),
            reason(ScoreRule::PageVisit, 3, 2),
        ];
        let note = score_change_note(&reasons(-3, listed.clone(), 40)).unwrap();
        assert!(note.contains("unsubscribes and hard bounces"), "{note}");
        let note = score_change_note(&reasons(-3, listed, 2)).unwrap();
        assert!(note.contains("no longer counts"), "{note}");
    }

    fn ranking(items: usize) -> Ranking {
        serde_json::from_value(serde_json::json!({
            "owners": [],
            "items": (0..items).map(|i| serde_json::json!({
                "entity": "lead", "crmId": format!("L-{i}"), "score": 10, "scoreChange": 2,
                "trend": "up", "owner": {"id": 1, "crmUser": "U-1", "name": "Rep", "role": "rep"},
                "lastActivity": {"id": 1, "kind": "pageVisit", "occurredAt": "2026-03-10T09:00:00Z"}
            })).collect::<Vec<_>>(),
            "generatedAt": "2026-03-10T09:00:00Z",
            "rules": {"rules": [], "windowDays": 90, "halfLifeDays": 30, "changeDays": 7},
        }))
        .unwrap()
    }

    type View = HotProspectsView<String>;

    fn me(role: &str) -> Me {
        serde_json::from_value(serde_json::json!({
            "user": {"id": 1, "crmUser": "U-1", "name": "Ann", "role": role},
            "tenant": {"id": 1, "name": "Acme"},
            "team": [],
        }))
        .unwrap()
    }

    #[test]
    fn whose_ranking_follows_the_pick_then_the_role() {
        let mut view = View::default();
        assert_eq!(view.owner(), None, "not known yet");
        view.apply(HotProspectsAction::Identified(Ok(me("manager"))));
        assert!(view.manager());
        assert_eq!(view.owner(), Some(OwnerSelection::Team));
        view.apply(HotProspectsAction::Identified(Ok(me("rep"))));
        assert_eq!(view.owner(), Some(OwnerSelection::Me));
        view.apply(HotProspectsAction::Choose(OwnerSelection::User(7)));
        assert_eq!(view.owner(), Some(OwnerSelection::User(7)));
    }

    #[test]
    fn who_could_not_be_had_sees_their_own_also_while_asked_again() {
        let mut view = View::default();
        view.apply(HotProspectsAction::Identified(Err("offline".into())));
        assert_eq!(view.owner(), Some(OwnerSelection::Me));
        view.apply(HotProspectsAction::AskWhoAgain);
        assert_eq!(view.me_asks, 1);
        assert_eq!(
            view.owner(),
            Some(OwnerSelection::Me),
            "the failure stays meanwhile"
        );
        view.apply(HotProspectsAction::Identified(Ok(me("manager"))));
        assert_eq!(view.owner(), Some(OwnerSelection::Team));
    }

    #[test]
    fn a_failed_refresh_keeps_the_rows_and_says_why() {
        let mut view = View::default();
        let team = Some(OwnerSelection::Team);
        view.apply(HotProspectsAction::Asked(OwnerSelection::Team));
        assert!(view.refreshing && view.ranking(team).is_none());
        view.apply(HotProspectsAction::Ranked(
            OwnerSelection::Team,
            Ok(ranking(2)),
        ));
        assert!(!view.refreshing);
        view.apply(HotProspectsAction::Refresh);
        view.apply(HotProspectsAction::Asked(OwnerSelection::Team));
        assert!(
            matches!(view.ranking(team), Some(Ok(r)) if r.items.len() == 2),
            "rows stay"
        );
        view.apply(HotProspectsAction::Ranked(
            OwnerSelection::Team,
            Err("offline".into()),
        ));
        assert!(matches!(view.ranking(team), Some(Ok(_))));
        assert_eq!(view.refresh_error.as_deref(), Some("offline"));
        assert_eq!(view.refreshes, 1);
        view.apply(HotProspectsAction::Ranked(
            OwnerSelection::Team,
            Ok(ranking(1)),
        ));
        assert_eq!(view.refresh_error, None);
    }

    #[test]
    fn another_owners_rows_never_stand_in() {
        let mut view = View::default();
        view.apply(HotProspectsAction::Asked(OwnerSelection::Team));
        view.apply(HotProspectsAction::Ranked(
            OwnerSelection::Team,
            Ok(ranking(2)),
        ));
        view.apply(HotProspectsAction::Choose(OwnerSelection::Me));
        let me = Some(OwnerSelection::Me);
        assert_eq!(view.ranking(me), None, "not even before it is asked");
        view.apply(HotProspectsAction::Asked(OwnerSelection::Me));
        assert_eq!(view.ranked, None);
        // A first ranking that fails is the failure on screen, not a refresh's.
        view.apply(HotProspectsAction::Ranked(
            OwnerSelection::Me,
            Err("forbidden".into()),
        ));
        assert_eq!(view.ranking(me), Some(&Err("forbidden".to_owned())));
        assert_eq!(view.refresh_error, None);
    }

    #[test]
    fn a_row_opens_and_closes_and_another_pick_closes_it() {
        let mut view = View::default();
        view.apply(HotProspectsAction::Expand("lead/L-1".into()));
        assert_eq!(view.expanded.as_deref(), Some("lead/L-1"));
        view.apply(HotProspectsAction::Expand("lead/L-2".into()));
        assert_eq!(view.expanded.as_deref(), Some("lead/L-2"));
        view.apply(HotProspectsAction::Expand("lead/L-2".into()));
        assert_eq!(view.expanded, None);
        view.apply(HotProspectsAction::Expand("lead/L-1".into()));
        view.apply(HotProspectsAction::Choose(OwnerSelection::Team));
        assert_eq!(view.expanded, None);
    }

    #[test]
    fn a_score_change_shows_an_arrow_and_an_unsigned_number() {
        assert_eq!(
            score_change(Trend::Down, -68),
            ("\u{2193} 68".to_owned(), "down 68 in 7 days".to_owned())
        );
        assert_eq!(score_change(Trend::Up, 5).1, "up 5 in 7 days");
        assert_eq!(
            score_change(Trend::Flat, 0),
            ("\u{2192} 0".to_owned(), "unchanged in 7 days".to_owned())
        );
    }

    #[test]
    fn the_empty_state_names_the_rules_that_earn_points() {
        let rules = reasons(0, Vec::new(), 0).rules;
        assert_eq!(
            what_makes_hot(&rules),
            "A prospect is hot when they engage with marketing: page visit +2. Points halve every \
             30 days and only the last 90 days count. None of these records has engaged recently."
        );
    }
}
