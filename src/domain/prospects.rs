//! Words for the hot-prospects view.

use crate::wire::prospects::ScoreReasons;

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
    use crate::wire::prospects::{ScoreReason, ScoreRule, ScoringRule, ScoringRules, Trend};
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
}
