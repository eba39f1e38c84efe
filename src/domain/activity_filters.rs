//! What the user filters the activity history by, and the query string it becomes.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::wire::query::{ACTIVITIES_DEFAULT_LIMIT, ACTIVITIES_MAX_LIMIT};
use crate::wire::ActivityKind;

/// The period the history covers, counted back from now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DateRange {
    Last7Days,
    Last30Days,
    Last90Days,
    LastYear,
    #[default]
    All,
}

impl DateRange {
    pub const ALL: &'static [DateRange] = &[
        DateRange::Last7Days,
        DateRange::Last30Days,
        DateRange::Last90Days,
        DateRange::LastYear,
        DateRange::All,
    ];

    /// A stable token for form values.
    pub fn as_str(self) -> &'static str {
        match self {
            DateRange::Last7Days => "7d",
            DateRange::Last30Days => "30d",
            DateRange::Last90Days => "90d",
            DateRange::LastYear => "1y",
            DateRange::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<DateRange> {
        DateRange::ALL
            .iter()
            .copied()
            .find(|range| range.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            DateRange::Last7Days => "Last 7 days",
            DateRange::Last30Days => "Last 30 days",
            DateRange::Last90Days => "Last 90 days",
            DateRange::LastYear => "Last 12 months",
            DateRange::All => "All time",
        }
    }

    /// The range inside a sentence: "the last 7 days"; `None` for all time.
    pub fn phrase(self) -> Option<&'static str> {
        match self {
            DateRange::Last7Days => Some("the last 7 days"),
            DateRange::Last30Days => Some("the last 30 days"),
            DateRange::Last90Days => Some("the last 90 days"),
            DateRange::LastYear => Some("the last 12 months"),
            DateRange::All => None,
        }
    }

    /// Start of the period ending at `now`; `None` for all time.
    pub fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match self {
            DateRange::Last7Days => 7,
            DateRange::Last30Days => 30,
            DateRange::Last90Days => 90,
            DateRange::LastYear => return Some(crate::domain::time::twelve_months_before(now)),
            DateRange::All => return None,
        };
        Some(now - Duration::days(days))
    }
}

/// The user's filters. No kind selected means every kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub kinds: BTreeSet<ActivityKind>,
    pub text: String,
    pub range: DateRange,
}

impl Filters {
    /// Whether anything narrows the history (an empty answer then means "no match", not "no
    /// activity").
    pub fn is_active(&self) -> bool {
        !self.kinds.is_empty() || !self.search_text().is_empty() || self.range != DateRange::All
    }

    /// Said below the oldest row once every page is loaded: only without filters is that the
    /// beginning of the person's history.
    pub fn end_of_list(&self) -> String {
        let matching = !self.kinds.is_empty() || !self.search_text().is_empty();
        match (self.range.phrase(), matching) {
            (None, false) => "Beginning of marketing history".to_owned(),
            (None, true) => "No older matching activity".to_owned(),
            (Some(range), false) => format!("No older activity in {range}"),
            (Some(range), true) => format!("No older matching activity in {range}"),
        }
    }

    pub fn toggle_kind(&mut self, kind: ActivityKind) {
        if !self.kinds.remove(&kind) {
            self.kinds.insert(kind);
        }
    }

    /// The search text as sent: trimmed.
    pub fn search_text(&self) -> &str {
        self.text.trim()
    }

    /// The first page's query for these filters, with the period counted back from `now`.
    pub fn query(&self, now: DateTime<Utc>) -> ActivityQuery {
        let text = self.search_text();
        ActivityQuery {
            kinds: self.kinds.iter().copied().collect(),
            text: (!text.is_empty()).then(|| text.to_owned()),
            from: self.range.since(now),
            to: None,
            cursor: None,
            limit: ACTIVITIES_DEFAULT_LIMIT,
        }
    }
}

/// Query parameters of `GET /v1/records/{entity}/{crmId}/activities`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityQuery {
    pub kinds: Vec<ActivityKind>,
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub limit: u32,
}

impl ActivityQuery {
    /// The same query continued at `cursor` (the next, older page).
    pub fn at_cursor(&self, cursor: &str) -> ActivityQuery {
        ActivityQuery {
            cursor: Some(cursor.to_owned()),
            ..self.clone()
        }
    }

    /// `kinds=emailSent,emailClicked&q=…&from=…&cursor=…&limit=50`, without the `?`; parameters
    /// that do not narrow anything are left out.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let mut param = |name: &str, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        };
        if !self.kinds.is_empty() {
            let kinds: Vec<&str> = self.kinds.iter().map(|kind| kind.as_str()).collect();
            param("kinds", &kinds.join(","));
        }
        if let Some(text) = &self.text {
            param("q", &encode_component(text));
        }
        if let Some(from) = self.from {
            param("from", &encode_component(&rfc3339(from)));
        }
        if let Some(to) = self.to {
            param("to", &encode_component(&rfc3339(to)));
        }
        if let Some(cursor) = &self.cursor {
            param("cursor", &encode_component(cursor));
        }
        param(
            "limit",
            &self.limit.clamp(1, ACTIVITIES_MAX_LIMIT).to_string(),
        );
        out
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the text is safe as a
/// query value or a path segment.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn no_filters_ask_for_the_first_page_only() {
        let filters = Filters::default();
        assert!(!filters.is_active());
        assert_eq!(filters.query(now()).to_query_string(), "limit=50");
    }

    #[test]
    fn every_filter_becomes_a_parameter() {
        let mut filters = Filters::default();
        filters.toggle_kind(ActivityKind::EmailClicked);
        filters.toggle_kind(ActivityKind::EmailSent);
        filters.text = "  price list & more ".into();
        filters.range = DateRange::Last30Days;
        assert!(filters.is_active());
        assert_eq!(
            filters.query(now()).to_query_string(),
            "kinds=emailSent,emailClicked&q=price%20list%20%26%20more\
             &from=2026-02-08T12%3A00%3A00Z&limit=50"
        );
    }

    #[test]
    fn the_end_of_a_filtered_list_is_not_the_beginning_of_history() {
        let mut filters = Filters::default();
        assert_eq!(filters.end_of_list(), "Beginning of marketing history");
        filters.range = DateRange::Last7Days;
        assert_eq!(
            filters.end_of_list(),
            "No older activity in the last 7 days"
        );
        filters.toggle_kind(ActivityKind::EmailClicked);
        assert_eq!(
            filters.end_of_list(),
            "No older matching activity in the last 7 days"
        );
        filters.range = DateRange::All;
        assert_eq!(filters.end_of_list(), "No older matching activity");
        filters.kinds.clear();
        filters.text = "  ".into();
        assert_eq!(filters.end_of_list(), "Beginning of marketing history");
        filters.text = "pricing".into();
        assert_eq!(filters.end_of_list(), "No older matching activity");
        filters.range = DateRange::LastYear;
        assert_eq!(
            filters.end_of_list(),
            "No older matching activity in the last 12 months"
        );
    }

    #[test]
    fn toggling_a_kind_twice_removes_it() {
        let mut filters = Filters::default();
        filters.toggle_kind(ActivityKind::PageVisit);
        filters.toggle_kind(ActivityKind::PageVisit);
        assert_eq!(filters, Filters::default());
    }

    #[test]
    fn blank_search_text_is_not_a_filter() {
        let filters = Filters {
            text: "   ".into(),
            ..Filters::default()
        };
        assert!(!filters.is_active());
        assert_eq!(filters.query(now()).text, None);
    }

    #[test]
    fn the_cursor_continues_the_same_query() {
        let first = Filters {
            range: DateRange::Last7Days,
            ..Filters::default()
        }
        .query(now());
        let next = first.at_cursor("a+b/c=");
        assert_eq!(next.from, first.from);
        assert_eq!(
            next.to_query_string(),
            "from=2026-03-03T12%3A00%3A00Z&cursor=a%2Bb%2Fc%3D&limit=50"
        );
    }

    #[test]
    fn limits_are_clamped_to_what_the_api_takes() {
        let mut query = Filters::default().query(now());
        query.limit = 5000;
        assert_eq!(query.to_query_string(), "limit=200");
        query.limit = 0;
        assert_eq!(query.to_query_string(), "limit=1");
    }

    #[test]
    fn ranges_round_trip_and_count_back_from_now() {
        for range in DateRange::ALL {
            assert_eq!(DateRange::parse(range.as_str()), Some(*range));
        }
        assert_eq!(DateRange::All.since(now()), None);
        assert_eq!(
            DateRange::LastYear.since(now()),
            Some(now() - Duration::days(365))
        );
        // Twelve months across a leap day are 366 days.
        let march = Utc.with_ymd_and_hms(2028, 3, 10, 12, 0, 0).unwrap();
        assert_eq!(
            DateRange::LastYear.since(march),
            Some(Utc.with_ymd_and_hms(2027, 3, 10, 12, 0, 0).unwrap())
        );
        let leap_day = Utc.with_ymd_and_hms(2028, 2, 29, 8, 0, 0).unwrap();
        assert_eq!(
            DateRange::LastYear.since(leap_day),
            Some(Utc.with_ymd_and_hms(2027, 2, 28, 8, 0, 0).unwrap())
        );
    }

    #[test]
    fn components_encode_unicode_and_reserved_characters() {
        assert_eq!(encode_component("a b/ü?"), "a%20b%2F%C3%BC%3F");
        assert_eq!(encode_component("L-1_x.y~"), "L-1_x.y~");
    }
}
