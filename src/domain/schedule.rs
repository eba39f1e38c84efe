//! When a send goes out: now, or at a wall-clock time the user typed in their own time zone,
//! and why a typed time cannot be used.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::time::parse_datetime_local;

/// Send now, or at a wall-clock time in the user's time zone (`YYYY-MM-DDTHH:MM`, as a
/// `datetime-local` input gives it).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum When {
    #[default]
    Now,
    Later(String),
}

/// Why the typed time cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleProblem {
    /// Nothing (or not a date and time) typed yet, or a time the zone skips.
    NoTime,
    /// Now, in the past, or too close to now to reach marketing before it passes.
    NotInFuture,
    /// Marketing schedules a year ahead at most.
    TooFar,
}

impl ScheduleProblem {
    pub fn message(self) -> &'static str {
        match self {
            ScheduleProblem::NoTime => "Choose a date and time.",
            ScheduleProblem::NotInFuture => "Choose a time in the future.",
            ScheduleProblem::TooFar => "Choose a time within a year.",
        }
    }
}

/// The moment a send goes out: `None` for now, else the typed time, which `to_utc` places in the
/// user's zone.
pub type SendTime = Result<Option<DateTime<Utc>>, ScheduleProblem>;

impl When {
    /// When a message composed `now` goes out, or why it cannot be scheduled as typed.
    pub fn send_time(
        &self,
        now: DateTime<Utc>,
        to_utc: impl FnOnce(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> SendTime {
        let When::Later(text) = self else {
            return Ok(None);
        };
        let at = parse_datetime_local(text)
            .and_then(to_utc)
            .ok_or(ScheduleProblem::NoTime)?;
        // A minute's margin: the request, and the user's last look, take time.
        if at <= now + Duration::minutes(1) {
            Err(ScheduleProblem::NotInFuture)
        } else if at > now + Duration::days(365) {
            Err(ScheduleProblem::TooFar)
        } else {
            Ok(Some(at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    /// The user's zone, two hours ahead of UTC.
    fn two_hours_ahead(local: NaiveDateTime) -> Option<DateTime<Utc>> {
        Some(local.and_utc() - Duration::hours(2))
    }

    fn later(text: &str) -> SendTime {
        When::Later(text.into()).send_time(now(), two_hours_ahead)
    }

    #[test]
    fn now_is_always_valid() {
        assert_eq!(When::Now.send_time(now(), |_| None), Ok(None));
    }

    #[test]
    fn a_typed_time_is_read_in_the_users_zone() {
        assert_eq!(
            later("2026-03-10T16:30"),
            Ok(Some(Utc.with_ymd_and_hms(2026, 3, 10, 14, 30, 0).unwrap()))
        );
    }

    #[test]
    fn nothing_typed_or_a_time_the_zone_skips_asks_for_a_time() {
        assert_eq!(later(""), Err(ScheduleProblem::NoTime));
        assert_eq!(later("2026-03-10"), Err(ScheduleProblem::NoTime));
        let skipped = When::Later("2026-03-29T02:30".into()).send_time(now(), |_| None);
        assert_eq!(skipped, Err(ScheduleProblem::NoTime));
    }

    #[test]
    fn a_time_must_be_over_a_minute_ahead_and_within_a_year() {
        // 14:01 local is 12:01 UTC: a minute from now is too soon.
        assert_eq!(later("2026-03-10T14:01"), Err(ScheduleProblem::NotInFuture));
        assert_eq!(later("2026-03-10T13:00"), Err(ScheduleProblem::NotInFuture));
        assert!(later("2026-03-10T14:02").is_ok());
        assert!(later("2027-03-10T14:00").is_ok(), "a year ahead exactly");
        assert_eq!(later("2027-03-10T14:01"), Err(ScheduleProblem::TooFar));
    }

    #[test]
    fn each_problem_has_its_words() {
        assert_eq!(ScheduleProblem::NoTime.message(), "Choose a date and time.");
        assert_eq!(
            ScheduleProblem::NotInFuture.message(),
            "Choose a time in the future."
        );
        assert_eq!(
            ScheduleProblem::TooFar.message(),
            "Choose a time within a year."
        );
    }
}
