//! Calendar days and relative times.
//!
//! The plugin has no time zone database (it would cost more than the rest of the wasm): the
//! browser's `Intl` maps an instant to the user's local date, and this module only does the
//! arithmetic on the result.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// A calendar day in the user's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl LocalDate {
    /// `None` for a day that does not exist.
    pub fn new(year: i32, month: u32, day: u32) -> Option<LocalDate> {
        NaiveDate::from_ymd_opt(year, month, day).map(|_| LocalDate { year, month, day })
    }

    fn naive(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day).unwrap_or_default()
    }

    fn from_naive(date: NaiveDate) -> LocalDate {
        LocalDate {
            year: date.year(),
            month: date.month(),
            day: date.day(),
        }
    }

    /// Calendar days from `earlier` to this day (negative if `earlier` is later).
    pub fn days_since(self, earlier: LocalDate) -> i64 {
        (self.naive() - earlier.naive()).num_days()
    }

    pub fn previous(self) -> LocalDate {
        LocalDate::from_naive(self.naive().pred_opt().unwrap_or(NaiveDate::MIN))
    }

    /// Noon UTC of this day: formatting it in UTC names this day whatever the user's zone.
    pub fn noon_utc(self) -> DateTime<Utc> {
        self.naive()
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default()
            .and_utc()
    }
}

/// How a day header names its day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayLabel {
    Today,
    Yesterday,
    /// A date; the year is shown only when it is not the current one.
    Date {
        same_year: bool,
    },
}

pub fn day_label(day: LocalDate, today: LocalDate) -> DayLabel {
    if day == today {
        DayLabel::Today
    } else if day == today.previous() {
        DayLabel::Yesterday
    } else {
        DayLabel::Date {
            same_year: day.year == today.year,
        }
    }
}

/// Units of `Intl.RelativeTimeFormat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelativeUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl RelativeUnit {
    /// Whether the locale's words for one unit ("yesterday", "last week") say the same as the
    /// count. True where the count is of calendar units (days) or there is no such word (seconds
    /// are only "now", minutes and hours); false for weeks, months and years, which are rounded
    /// durations: 30 days back on 1 March is "1 month ago", not "last month" (January).
    pub fn words_fit(self) -> bool {
        !matches!(
            self,
            RelativeUnit::Week | RelativeUnit::Month | RelativeUnit::Year
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RelativeUnit::Second => "second",
            RelativeUnit::Minute => "minute",
            RelativeUnit::Hour => "hour",
            RelativeUnit::Day => "day",
            RelativeUnit::Week => "week",
            RelativeUnit::Month => "month",
            RelativeUnit::Year => "year",
        }
    }
}

/// The same time of day, date and month a year before `now` (the last day of February for the
/// 29th): "the last 12 months", 366 days across a leap day.
pub fn twelve_months_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(chrono::Months::new(12))
        .unwrap_or(now - chrono::Duration::days(365))
}

/// A relative time as `Intl.RelativeTimeFormat` takes it: negative values are in the past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relative {
    pub value: i64,
    pub unit: RelativeUnit,
}

/// The one unit a person would use for the distance from `now` to `then` ("3 h ago", not
/// "3 h 12 min ago"). Anything under 45 seconds is "now" (0 seconds). Days are calendar days in
/// the user's zone (`then_day`, `today`), so a time says "yesterday" exactly under the day
/// header "Yesterday", and one of today stays in hours however early it was.
pub fn relative(
    then: DateTime<Utc>,
    now: DateTime<Utc>,
    then_day: LocalDate,
    today: LocalDate,
) -> Relative {
    let seconds = (then - now).num_seconds();
    let sign = if seconds < 0 { -1 } else { 1 };
    let abs = seconds.abs();
    let rounded = |unit_seconds: i64| ((abs + unit_seconds / 2) / unit_seconds).max(1);
    let (value, unit) = if abs < 45 {
        (0, RelativeUnit::Second)
    } else if abs < 45 * 60 {
        (rounded(60), RelativeUnit::Minute)
    } else if abs < 22 * 3600 || then_day == today {
        (rounded(3600), RelativeUnit::Hour)
    } else if abs < 7 * 86_400 {
        (today.days_since(then_day).abs().max(1), RelativeUnit::Day)
    } else if abs < 30 * 86_400 {
        (rounded(7 * 86_400), RelativeUnit::Week)
    } else if abs < 320 * 86_400 {
        (rounded(2_629_746), RelativeUnit::Month)
    } else {
        (rounded(31_556_952), RelativeUnit::Year)
    };
    Relative {
        value: sign * value,
        unit,
    }
}

/// Whether a row shows a relative time beside its time of day: only while it says more than the
/// day header does.
pub fn shows_relative(then: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - then).num_days() < 7
}

/// The wall-clock time an `<input type="datetime-local">` holds: `YYYY-MM-DDTHH:MM`, with
/// `:SS` (and a fraction, ignored) when the browser adds them. `None` for anything else,
/// including a day or time that does not exist. (By hand: chrono's format-string parser would
/// put every strftime field it knows into the wasm.)
pub fn parse_datetime_local(text: &str) -> Option<NaiveDateTime> {
    fn number<T: std::str::FromStr>(part: &str, digits: usize) -> Option<T> {
        (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    }
    let (date, time) = text.split_once('T')?;
    let mut ymd = date.split('-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let date = NaiveDate::from_ymd_opt(number(year, 4)?, number(month, 2)?, number(day, 2)?)?;
    let mut hms = time.split(':');
    let (hour, minute) = (hms.next()?, hms.next()?);
    let second = match hms.next() {
        None => 0,
        Some(seconds) => number(seconds.split('.').next()?, 2)?,
    };
    if ymd.next().is_some() || hms.next().is_some() {
        return None;
    }
    let time = NaiveTime::from_hms_opt(number(hour, 2)?, number(minute, 2)?, second)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, h, m, s).unwrap()
    }

    #[test]
    fn datetime_local_values_parse_to_their_wall_clock_time() {
        let at = |y, mo, d, h, mi, s| {
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, s)
                .unwrap()
        };
        assert_eq!(
            parse_datetime_local("2026-11-24T09:30"),
            Some(at(2026, 11, 24, 9, 30, 0))
        );
        assert_eq!(
            parse_datetime_local("2026-11-24T09:30:15"),
            Some(at(2026, 11, 24, 9, 30, 15))
        );
        assert_eq!(
            parse_datetime_local("2026-11-24T09:30:15.250"),
            Some(at(2026, 11, 24, 9, 30, 15))
        );
        for bad in [
            "",
            "2026-11-24",
            "2026-11-24 09:30",
            "2026-02-30T09:30",
            "2026-11-24T24:00",
            "2026-11-24T9:30",
            "26-11-24T09:30",
            "2026-11-24T09:30:15:00",
            "2026-11-24-01T09:30",
            "+026-11-24T09:30",
            "2026-11-24T09:3x",
        ] {
            assert_eq!(parse_datetime_local(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn days_know_their_predecessor_across_month_and_year_ends() {
        let first = LocalDate::new(2026, 3, 1).unwrap();
        assert_eq!(first.previous(), LocalDate::new(2026, 2, 28).unwrap());
        let new_year = LocalDate::new(2026, 1, 1).unwrap();
        assert_eq!(new_year.previous(), LocalDate::new(2025, 12, 31).unwrap());
        assert_eq!(LocalDate::new(2026, 2, 30), None);
    }

    #[test]
    fn day_headers_say_today_yesterday_or_the_date() {
        let today = LocalDate::new(2026, 1, 1).unwrap();
        assert_eq!(day_label(today, today), DayLabel::Today);
        assert_eq!(
            day_label(LocalDate::new(2025, 12, 31).unwrap(), today),
            DayLabel::Yesterday
        );
        assert_eq!(
            day_label(LocalDate::new(2025, 12, 30).unwrap(), today),
            DayLabel::Date { same_year: false }
        );
        let later = LocalDate::new(2026, 5, 1).unwrap();
        assert_eq!(day_label(today, later), DayLabel::Date { same_year: true });
    }

    #[test]
    fn noon_utc_names_the_same_day() {
        let day = LocalDate::new(2026, 7, 4).unwrap();
        assert_eq!(
            day.noon_utc(),
            Utc.with_ymd_and_hms(2026, 7, 4, 12, 0, 0).unwrap()
        );
    }

    /// The UTC day of `t`, for tests in UTC.
    fn utc_day(t: DateTime<Utc>) -> LocalDate {
        LocalDate::new(t.year(), t.month(), t.day()).unwrap()
    }

    #[test]
    fn relative_days_agree_with_the_day_headers() {
        let now = at(23, 30, 0);
        let rel = |then: DateTime<Utc>| relative(then, now, utc_day(then), utc_day(now));
        // Early today, late in the evening: still hours, under "Today".
        assert_eq!(
            rel(at(0, 30, 0)),
            Relative {
                value: -23,
                unit: RelativeUnit::Hour
            }
        );
        // Early yesterday: "yesterday" (46 h would round to 2 days).
        assert_eq!(
            rel(at(1, 0, 0) - chrono::Duration::days(1)),
            Relative {
                value: -1,
                unit: RelativeUnit::Day
            }
        );
        // The days are the user's: 22:00 UTC is already tomorrow in Sydney.
        let sydney_today = LocalDate::new(2026, 3, 11).unwrap();
        let then = at(2, 0, 0) - chrono::Duration::days(1);
        assert_eq!(
            relative(
                then,
                at(22, 0, 0),
                LocalDate::new(2026, 3, 9).unwrap(),
                sydney_today
            ),
            Relative {
                value: -2,
                unit: RelativeUnit::Day
            }
        );
    }

    #[test]
    fn relative_times_pick_one_rounded_unit() {
        let now = at(12, 0, 0);
        let rel = |then: DateTime<Utc>| relative(then, now, utc_day(then), utc_day(now));
        assert_eq!(
            rel(at(11, 59, 30)),
            Relative {
                value: 0,
                unit: RelativeUnit::Second
            }
        );
        assert_eq!(
            rel(at(11, 59, 0)),
            Relative {
                value: -1,
                unit: RelativeUnit::Minute
            }
        );
        assert_eq!(
            rel(at(11, 20, 0)),
            Relative {
                value: -40,
                unit: RelativeUnit::Minute
            }
        );
        assert_eq!(
            rel(at(9, 0, 0)),
            Relative {
                value: -3,
                unit: RelativeUnit::Hour
            }
        );
        assert_eq!(
            rel(at(8, 31, 0)),
            Relative {
                value: -3,
                unit: RelativeUnit::Hour
            }
        );
        assert_eq!(
            rel(at(8, 29, 0)),
            Relative {
                value: -4,
                unit: RelativeUnit::Hour
            }
        );
        assert_eq!(rel(now - chrono::Duration::days(2)).unit, RelativeUnit::Day);
        assert_eq!(
            rel(now - chrono::Duration::days(14)),
            Relative {
                value: -2,
                unit: RelativeUnit::Week
            }
        );
        assert_eq!(
            rel(now - chrono::Duration::days(92)),
            Relative {
                value: -3,
                unit: RelativeUnit::Month
            }
        );
        assert_eq!(
            rel(now - chrono::Duration::days(800)),
            Relative {
                value: -2,
                unit: RelativeUnit::Year
            }
        );
        assert_eq!(
            rel(at(15, 0, 0)),
            Relative {
                value: 3,
                unit: RelativeUnit::Hour
            }
        );
    }

    #[test]
    fn relative_times_stop_once_the_day_header_says_enough() {
        let now = at(12, 0, 0);
        assert!(shows_relative(now - chrono::Duration::hours(30), now));
        assert!(!shows_relative(now - chrono::Duration::days(8), now));
    }
}
