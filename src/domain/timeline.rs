//! The engagement timeline's arithmetic: which period a range covers and how wide its buckets
//! are, which lane each kind of activity is drawn in, the chart's geometry, the "Emails only"
//! reduction, the summary's figures and the CSV export.
//!
//! Bucket edges themselves are cut by the API in the user's time zone (the plugin has no time
//! zone database); this module only decides what to ask for and how to draw the answer.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, SecondsFormat, Timelike, Utc};

use crate::domain::activity_details::format_delta;
use crate::domain::activity_filters::encode_component;
use crate::wire::{Activity, ActivityKind, BucketSize, Engagement, EngagementSummary};

/// The periods a timeline can show, counted back from now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimelineRange {
    Days30,
    #[default]
    Days90,
    Year,
    /// From the first interaction on.
    All,
}

impl TimelineRange {
    pub const ALL: &'static [TimelineRange] = &[
        TimelineRange::Days30,
        TimelineRange::Days90,
        TimelineRange::Year,
        TimelineRange::All,
    ];

    /// A stable token for ids and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineRange::Days30 => "30d",
            TimelineRange::Days90 => "90d",
            TimelineRange::Year => "1y",
            TimelineRange::All => "all",
        }
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            TimelineRange::Days30 => "30 d",
            TimelineRange::Days90 => "90 d",
            TimelineRange::Year => "1 y",
            TimelineRange::All => "All",
        }
    }

    /// What the button means, for screen readers.
    pub fn description(self) -> &'static str {
        match self {
            TimelineRange::Days30 => "Last 30 days",
            TimelineRange::Days90 => "Last 90 days",
            TimelineRange::Year => "Last 12 months",
            TimelineRange::All => "All time",
        }
    }
}

/// The period and bucket width one engagement request asks for: `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub bucket: BucketSize,
}

impl Window {
    /// The engagement endpoint's query string (without `?`); `tz` is left out when empty, and
    /// the API then cuts buckets in UTC.
    pub fn to_query_string(&self, tz: &str) -> String {
        let mut out = format!(
            "from={}&to={}&bucket={}",
            encode_component(&rfc3339(self.from)),
            encode_component(&rfc3339(self.to)),
            self.bucket.as_str()
        );
        if !tz.trim().is_empty() {
            out.push_str("&tz=");
            out.push_str(&encode_component(tz.trim()));
        }
        out
    }
}

/// The window `range` covers at `now`. "All" starts at the first interaction, so it needs
/// `first`; without one (not known yet, or no activity at all) it is `None`.
pub fn window(
    range: TimelineRange,
    now: DateTime<Utc>,
    first: Option<DateTime<Utc>>,
) -> Option<Window> {
    let from = match range {
        TimelineRange::Days30 => now - Duration::days(30),
        TimelineRange::Days90 => now - Duration::days(90),
        TimelineRange::Year => crate::domain::time::twelve_months_before(now),
        TimelineRange::All => first?.min(now),
    };
    Some(Window {
        from,
        to: now,
        bucket: bucket_for(from, now),
    })
}

/// Days for up to a month, weeks up to about half a year, months beyond: between 13 and 31
/// bars for the fixed ranges, and never more than the API's bucket limit for "All". The API
/// cuts a range the same way when the request names no `bucket`.
pub fn bucket_for(from: DateTime<Utc>, to: DateTime<Utc>) -> BucketSize {
    let days = (to - from).num_days();
    if days <= 31 {
        BucketSize::Day
    } else if days <= 200 {
        BucketSize::Week
    } else {
        BucketSize::Month
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A row of the chart: one behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    Sends,
    Opens,
    Clicks,
    Visits,
    Forms,
    Other,
}

/// Number of lanes; [`LaneCounts`] is indexed by `Lane as usize`.
pub const LANE_COUNT: usize = 6;

impl Lane {
    pub const ALL: &'static [Lane] = &[
        Lane::Sends,
        Lane::Opens,
        Lane::Clicks,
        Lane::Visits,
        Lane::Forms,
        Lane::Other,
    ];
    pub const EMAILS: &'static [Lane] = &[Lane::Sends, Lane::Opens, Lane::Clicks];

    /// The lanes drawn with or without "Emails only".
    pub fn shown(emails_only: bool) -> &'static [Lane] {
        if emails_only {
            Lane::EMAILS
        } else {
            Lane::ALL
        }
    }

    pub fn of(kind: ActivityKind) -> Lane {
        match kind {
            ActivityKind::EmailSent => Lane::Sends,
            ActivityKind::EmailOpened => Lane::Opens,
            ActivityKind::EmailClicked => Lane::Clicks,
            ActivityKind::PageVisit => Lane::Visits,
            ActivityKind::FormSubmitted => Lane::Forms,
            ActivityKind::EmailBounced
            | ActivityKind::Unsubscribed
            | ActivityKind::ProgramEnrolled
            | ActivityKind::ScoreChanged => Lane::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Lane::Sends => "Email sends",
            Lane::Opens => "Opens",
            Lane::Clicks => "Clicks",
            Lane::Visits => "Page visits",
            Lane::Forms => "Forms",
            Lane::Other => "Other",
        }
    }

    /// The CSS class of its bars (`lane-sends`, …).
    pub fn class(self) -> &'static str {
        match self {
            Lane::Sends => "lane-sends",
            Lane::Opens => "lane-opens",
            Lane::Clicks => "lane-clicks",
            Lane::Visits => "lane-visits",
            Lane::Forms => "lane-forms",
            Lane::Other => "lane-other",
        }
    }
}

/// The kinds an "Emails only" timeline keeps, as the activities endpoint's `kinds`.
pub const EMAIL_KINDS: &[ActivityKind] = &[
    ActivityKind::EmailSent,
    ActivityKind::EmailOpened,
    ActivityKind::EmailClicked,
];

/// Whether an activity of `kind` is counted when `emails_only` is on.
pub fn kept(kind: ActivityKind, emails_only: bool) -> bool {
    !emails_only || EMAIL_KINDS.contains(&kind)
}

/// Activities per lane.
pub type LaneCounts = [u64; LANE_COUNT];

/// One bar column of the chart, `[start, end)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartBucket {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub counts: LaneCounts,
}

impl ChartBucket {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// What the view draws: the engagement answer reduced to the shown lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineData {
    pub lanes: &'static [Lane],
    pub buckets: Vec<ChartBucket>,
    pub summary: EngagementSummary,
    pub emails_only: bool,
}

impl TimelineData {
    /// Nothing happened in the period (among the shown kinds).
    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(|bucket| bucket.total() == 0)
    }

    /// Activities per shown lane over the whole period.
    pub fn lane_totals(&self) -> LaneCounts {
        let mut totals = [0; LANE_COUNT];
        for bucket in &self.buckets {
            for (total, count) in totals.iter_mut().zip(bucket.counts) {
                *total += count;
            }
        }
        totals
    }
}

/// Reduces an engagement answer to the lanes shown: with `emails_only`, every kind but email
/// sends, opens and clicks is dropped from the buckets and from the summary's counts (score
/// figures do not belong to emails and are zeroed).
pub fn reduce(engagement: &Engagement, emails_only: bool) -> TimelineData {
    let buckets = engagement
        .buckets
        .iter()
        .map(|bucket| ChartBucket {
            start: bucket.start,
            end: bucket.end,
            counts: lane_counts(&bucket.counts, emails_only),
        })
        .collect();
    let mut summary = engagement.summary.clone();
    if emails_only {
        summary.counts.retain(|kind, _| kept(*kind, true));
        summary.score_change = 0;
    }
    TimelineData {
        lanes: Lane::shown(emails_only),
        buckets,
        summary,
        emails_only,
    }
}

fn lane_counts(counts: &BTreeMap<ActivityKind, u64>, emails_only: bool) -> LaneCounts {
    let mut lanes = [0; LANE_COUNT];
    for (kind, count) in counts {
        if kept(*kind, emails_only) {
            lanes[Lane::of(*kind) as usize] += count;
        }
    }
    lanes
}

/// Chart units: a bucket's slot is [`SLOT_WIDTH`] wide and a lane [`LANE_HEIGHT`] high in the
/// SVG's viewBox. The SVG stretches sideways to its box (`preserveAspectRatio="none"`) and is
/// exactly `lanes × LANE_HEIGHT` CSS pixels high (`.timeline-svg.lanes-N` in sidebar.css), so
/// only widths scale. Integer units keep float formatting out of the wasm.
pub const SLOT_WIDTH: u32 = 10;
pub const LANE_HEIGHT: u32 = 28;
/// Space above the tallest bar of a lane.
const LANE_PADDING: u32 = 4;
const BAR_WIDTH: u32 = 8;

/// One bar: a bucket's count in a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub bucket: usize,
    pub lane: Lane,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The chart's viewBox and bars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
}

impl Geometry {
    /// The x of a bucket's slot (its focus and hover area spans all lanes).
    pub fn slot_x(bucket: usize) -> u32 {
        bucket as u32 * SLOT_WIDTH
    }
}

/// Bars scaled per lane: a lane's busiest bucket fills the lane, so a rare behaviour (clicks)
/// still shows its shape next to a frequent one (sends). Any non-zero count is at least one unit
/// high, so a single click is never invisible.
pub fn geometry(data: &TimelineData) -> Geometry {
    let usable = LANE_HEIGHT - LANE_PADDING;
    let mut bars = Vec::new();
    for (row, lane) in data.lanes.iter().enumerate() {
        let max = data
            .buckets
            .iter()
            .map(|bucket| bucket.counts[*lane as usize])
            .max()
            .unwrap_or(0);
        if max == 0 {
            continue;
        }
        let baseline = (row as u32 + 1) * LANE_HEIGHT;
        for (index, bucket) in data.buckets.iter().enumerate() {
            let count = bucket.counts[*lane as usize];
            if count == 0 {
                continue;
            }
            let height = ((count * u64::from(usable)).div_ceil(max) as u32).clamp(1, usable);
            bars.push(Bar {
                bucket: index,
                lane: *lane,
                x: Geometry::slot_x(index) + (SLOT_WIDTH - BAR_WIDTH) / 2,
                y: baseline - height,
                width: BAR_WIDTH,
                height,
            });
        }
    }
    Geometry {
        width: (data.buckets.len().max(1) as u32) * SLOT_WIDTH,
        height: data.lanes.len() as u32 * LANE_HEIGHT,
        bars,
    }
}

/// The bucket a key moves to from `at` among `count` buckets, if the key moves.
pub fn bucket_after_key(at: usize, count: usize, key: &str) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let last = count - 1;
    match key {
        "ArrowRight" | "ArrowDown" => Some((at + 1).min(last)),
        "ArrowLeft" | "ArrowUp" => Some(at.saturating_sub(1)),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
}

/// "Email sends 3, Opens 1" for the lanes with activity, or "No activity".
pub fn counts_text(lanes: &[Lane], counts: &LaneCounts, number: impl Fn(i64) -> String) -> String {
    let parts: Vec<String> = lanes
        .iter()
        .filter(|lane| counts[**lane as usize] > 0)
        .map(|lane| {
            let count = i64::try_from(counts[*lane as usize]).unwrap_or(i64::MAX);
            format!("{} {}", lane.label(), number(count))
        })
        .collect();
    if parts.is_empty() {
        "No activity".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A rate as a whole percentage ("42%"); "–" when nothing was sent.
#[allow(clippy::manual_clamp)] // See below.
pub fn format_rate(rate: Option<f64>) -> String {
    match rate {
        Some(rate) if rate.is_finite() => {
            // `max`/`min`, not `f64::clamp`: its assertion formats floats, kilobytes of wasm.
            format!("{}%", (rate.max(0.0).min(1.0) * 100.0).round() as u32)
        }
        _ => "\u{2013}".to_owned(),
    }
}

/// One figure of the summary panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub label: &'static str,
    pub value: String,
}

/// The summary panel's figures, in order, with numbers written by `number` (the user's
/// locale's grouping); "Emails only" keeps the email ones.
pub fn summary_stats(
    summary: &EngagementSummary,
    emails_only: bool,
    number: impl Fn(i64) -> String,
) -> Vec<Stat> {
    let count = |kind: ActivityKind| {
        let n = summary.counts.get(&kind).copied().unwrap_or(0);
        number(i64::try_from(n).unwrap_or(i64::MAX))
    };
    let stat = |label, value| Stat { label, value };
    let mut stats = vec![
        stat("Emails sent", count(ActivityKind::EmailSent)),
        // Every open and click counts here; the rates count each email once, however often
        // it was opened: "Opens 5" of "Emails sent 8" can be an open rate of 50%.
        stat("Opens", count(ActivityKind::EmailOpened)),
        stat("Clicks", count(ActivityKind::EmailClicked)),
        stat("Emails opened", format_rate(summary.open_rate)),
        stat("Emails clicked", format_rate(summary.click_rate)),
    ];
    if !emails_only {
        stats.extend([
            stat("Page visits", count(ActivityKind::PageVisit)),
            stat("Forms submitted", count(ActivityKind::FormSubmitted)),
            stat("Program enrolments", count(ActivityKind::ProgramEnrolled)),
            stat(
                "Lead Score",
                format!(
                    "{} ({})",
                    number(summary.score_now),
                    format_delta(summary.score_change)
                ),
            ),
        ]);
    }
    stats
}

/// The period an interactions request covers for bucket `[start, end)` of a chart over
/// `[from, to)`: the bucket clipped to the chart, so the list holds exactly what the bar counts.
pub fn bucket_period(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = start.max(from);
    (start, end.min(to).max(start))
}

/// CSV columns of the export; the user's local time follows the UTC one (see [`csv`]).
pub const CSV_HEADER: &[&str] = &[
    "Id",
    "Occurred at (UTC)",
    "Kind",
    "Subject",
    "URL",
    "Campaign",
    "Clicked URL",
    "Page title",
    "Seconds on page",
    "Form",
    "Form fields",
    "Program",
    "Score change",
    "Score reason",
    "Bounce",
];

/// The export as CSV (RFC 4180: CRLF lines, quoted where needed), a header and one row per
/// activity. Record data is untrusted: a text cell a spreadsheet would run as a formula (it
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`. Each time is
/// given in UTC (exact, for machines) and as the wall-clock time in the user's `zone`
/// (`wall_clock`, `YYYY-MM-DD HH:MM:SS`, for people), with that time's offset from UTC
/// (`UTC+01:00`): the hour a zone repeats when its clocks go back names two moments.
pub fn csv(
    activities: &[Activity],
    zone: &str,
    wall_clock: impl Fn(&DateTime<Utc>) -> Option<NaiveDateTime>,
) -> String {
    let mut out = String::new();
    let local_header = format!("Local time ({zone})");
    let header = CSV_HEADER[..2]
        .iter()
        .copied()
        .chain([local_header.as_str(), "UTC offset"])
        .chain(CSV_HEADER[2..].iter().copied());
    push_row(&mut out, header.map(Cell::Text));
    for activity in activities {
        let details = &activity.details;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let fields: Vec<String> = details
            .form_fields
            .iter()
            .map(|field| format!("{}: {}", field.name, field.value))
            .collect();
        let local = wall_clock(&activity.occurred_at);
        let row = [
            activity.id.to_string(),
            // Full precision: the row names the exact activity.
            activity
                .occurred_at
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            // By hand: chrono's format strings would bring their interpreter into the wasm.
            local
                .map(|l| {
                    format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                        l.year(),
                        l.month(),
                        l.day(),
                        l.hour(),
                        l.minute(),
                        l.second()
                    )
                })
                .unwrap_or_default(),
            local
                .map(|l| utc_offset(l - activity.occurred_at.naive_utc()))
                .unwrap_or_default(),
            activity.kind.label().to_owned(),
            text(&activity.subject),
            text(&activity.url),
            text(&activity.campaign_id),
            text(&details.clicked_url),
            text(&details.page_title),
            details
                .seconds_on_page
                .map(|s| s.to_string())
                .unwrap_or_default(),
            text(&details.form_name),
            fields.join("; "),
            text(&details.program_name),
            details
                .score_delta
                .map(|d| d.to_string())
                .unwrap_or_default(),
            text(&details.score_reason),
            text(&details.bounce_type),
        ];
        push_row(
            &mut out,
            row.iter().enumerate().map(|(column, value)| {
                // Id, times, offset, seconds and score change are numbers and times we wrote
                // ourselves.
                if matches!(column, 0..=3 | 10 | 14) {
                    Cell::Number(value)
                } else {
                    Cell::Text(value)
                }
            }),
        );
    }
    out
}

/// `UTC+01:00`, `UTC-05:00`, `UTC+05:45`: a cell no spreadsheet reads as a formula or a time.
fn utc_offset(offset: Duration) -> String {
    // To the nearest minute: the wall clock has whole seconds, the instant milliseconds.
    let minutes = (offset.num_milliseconds() + 30_000).div_euclid(60_000);
    let sign = if minutes < 0 { '-' } else { '+' };
    let minutes = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

enum Cell<'a> {
    Text(&'a str),
    Number(&'a str),
}

fn push_row<'a>(out: &mut String, cells: impl Iterator<Item = Cell<'a>>) {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.push(',');
        }
        let (value, guard) = match cell {
            Cell::Text(value) => (value, value.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            Cell::Number(value) => (value, false),
        };
        let quote = guard || value.contains([',', '"', '\n', '\r']);
        if quote {
            out.push('"');
        }
        if guard {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        if quote {
            out.push('"');
        }
    }
    out.push_str("\r\n");
}

/// The export's file name: `LEAD-0001-engagement-90d.csv`, with anything but letters, digits,
/// `-` and `_` of the record id replaced.
pub fn csv_file_name(crm_id: &str, range: TimelineRange) -> String {
    let id: String = crm_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{id}-engagement-{}.csv", range.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ActivityDetails, EngagementBucket, FormField};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn counts(pairs: &[(ActivityKind, u64)]) -> BTreeMap<ActivityKind, u64> {
        pairs.iter().copied().collect()
    }

    fn engagement(buckets: Vec<BTreeMap<ActivityKind, u64>>) -> Engagement {
        let start = utc("2026-03-01T23:00:00Z");
        let mut summary_counts = BTreeMap::new();
        for bucket in &buckets {
            for (kind, count) in bucket {
                *summary_counts.entry(*kind).or_insert(0) += count;
            }
        }
        Engagement {
            from: start,
            to: start + Duration::days(buckets.len() as i64),
            bucket: BucketSize::Day,
            time_zone: "Europe/Berlin".into(),
            summary: EngagementSummary {
                counts: summary_counts,
                open_rate: Some(0.5),
                click_rate: Some(0.25),
                score_now: 40,
                score_change: 5,
            },
            first: None,
            last: None,
            first_email: None,
            last_email: None,
            buckets: buckets
                .into_iter()
                .enumerate()
                .map(|(i, counts)| EngagementBucket {
                    start: start + Duration::days(i as i64),
                    end: start + Duration::days(i as i64 + 1),
                    counts,
                })
                .collect(),
        }
    }

    #[test]
    fn fixed_ranges_count_back_from_now_with_their_bucket_size() {
        let now = utc("2026-03-10T12:00:00Z");
        let w = window(TimelineRange::Days30, now, None).unwrap();
        assert_eq!(w.from, utc("2026-02-08T12:00:00Z"));
        assert_eq!(w.to, now);
        assert_eq!(w.bucket, BucketSize::Day);
        assert_eq!(
            window(TimelineRange::Days90, now, None).unwrap().bucket,
            BucketSize::Week
        );
        let year = window(TimelineRange::Year, now, None).unwrap();
        assert_eq!(year.from, utc("2025-03-10T12:00:00Z"));
        assert_eq!(year.bucket, BucketSize::Month);
    }

    #[test]
    fn all_starts_at_the_first_interaction_and_needs_one() {
        let now = utc("2026-03-10T12:00:00Z");
        assert_eq!(window(TimelineRange::All, now, None), None);
        let recent = window(TimelineRange::All, now, Some(utc("2026-03-01T08:00:00Z"))).unwrap();
        assert_eq!(recent.from, utc("2026-03-01T08:00:00Z"));
        assert_eq!(recent.bucket, BucketSize::Day);
        let old = window(TimelineRange::All, now, Some(utc("2021-01-01T00:00:00Z"))).unwrap();
        assert_eq!(old.bucket, BucketSize::Month);
        // A first interaction stamped in the future (clock skew) gives an empty range, not an
        // invalid one.
        let skewed = window(TimelineRange::All, now, Some(utc("2026-03-11T00:00:00Z"))).unwrap();
        assert_eq!(skewed.from, skewed.to);
    }

    #[test]
    fn bucket_size_edges() {
        let from = utc("2026-01-01T00:00:00Z");
        assert_eq!(bucket_for(from, from), BucketSize::Day);
        assert_eq!(bucket_for(from, from + Duration::days(31)), BucketSize::Day);
        assert_eq!(
            bucket_for(from, from + Duration::days(32)),
            BucketSize::Week
        );
        assert_eq!(
            bucket_for(from, from + Duration::days(200)),
            BucketSize::Week
        );
        assert_eq!(
            bucket_for(from, from + Duration::days(201)),
            BucketSize::Month
        );
    }

    #[test]
    fn the_query_names_the_window_and_the_users_zone() {
        let w = Window {
            from: utc("2026-02-08T12:00:00Z"),
            to: utc("2026-03-10T12:00:00Z"),
            bucket: BucketSize::Day,
        };
        assert_eq!(
            w.to_query_string("America/Argentina/Buenos_Aires"),
            "from=2026-02-08T12%3A00%3A00Z&to=2026-03-10T12%3A00%3A00Z&bucket=day\
             &tz=America%2FArgentina%2FBuenos_Aires"
        );
        assert!(!w.to_query_string(" ").contains("tz="));
    }

    #[test]
    fn kinds_fall_into_their_lanes() {
        let data = reduce(
            &engagement(vec![counts(&[
                (ActivityKind::EmailSent, 2),
                (ActivityKind::EmailOpened, 1),
                (ActivityKind::EmailBounced, 1),
                (ActivityKind::ScoreChanged, 3),
                (ActivityKind::PageVisit, 4),
                (ActivityKind::FormSubmitted, 1),
            ])]),
            false,
        );
        assert_eq!(data.lanes, Lane::ALL);
        assert_eq!(data.buckets[0].counts, [2, 1, 0, 4, 1, 4]);
        assert!(!data.is_empty());
    }

    #[test]
    fn emails_only_keeps_sends_opens_and_clicks() {
        let engagement = engagement(vec![
            counts(&[
                (ActivityKind::EmailSent, 2),
                (ActivityKind::EmailClicked, 1),
                (ActivityKind::EmailBounced, 1),
                (ActivityKind::PageVisit, 4),
            ]),
            counts(&[(ActivityKind::FormSubmitted, 1)]),
        ]);
        let data = reduce(&engagement, true);
        assert_eq!(data.lanes, Lane::EMAILS);
        assert_eq!(data.buckets[0].counts, [2, 0, 1, 0, 0, 0]);
        assert_eq!(data.buckets[1].total(), 0);
        assert_eq!(
            data.summary.counts.keys().copied().collect::<Vec<_>>(),
            vec![ActivityKind::EmailSent, ActivityKind::EmailClicked]
        );
        assert_eq!(data.summary.open_rate, Some(0.5), "rates are email figures");
        let labels: Vec<_> = summary_stats(&data.summary, true, |n| n.to_string())
            .iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Emails sent",
                "Opens",
                "Clicks",
                "Emails opened",
                "Emails clicked"
            ]
        );
        assert!(kept(ActivityKind::EmailOpened, true));
        assert!(!kept(ActivityKind::EmailBounced, true));
        assert!(kept(ActivityKind::PageVisit, false));
    }

    #[test]
    fn a_period_without_shown_activity_is_empty() {
        let only_visits = engagement(vec![counts(&[(ActivityKind::PageVisit, 2)]), counts(&[])]);
        assert!(!reduce(&only_visits, false).is_empty());
        assert!(reduce(&only_visits, true).is_empty());
        assert!(reduce(&engagement(vec![]), false).is_empty());
        assert_eq!(geometry(&reduce(&engagement(vec![]), false)).bars, vec![]);
    }

    #[test]
    fn bars_scale_per_lane_and_small_counts_stay_visible() {
        let data = reduce(
            &engagement(vec![
                counts(&[
                    (ActivityKind::EmailSent, 100),
                    (ActivityKind::EmailClicked, 1),
                ]),
                counts(&[
                    (ActivityKind::EmailSent, 1),
                    (ActivityKind::EmailClicked, 2),
                ]),
                counts(&[]),
            ]),
            true,
        );
        let chart = geometry(&data);
        assert_eq!((chart.width, chart.height), (30, 3 * LANE_HEIGHT));
        let bar = |bucket, lane| {
            chart
                .bars
                .iter()
                .find(|b| b.bucket == bucket && b.lane == lane)
                .copied()
        };
        let full = LANE_HEIGHT - LANE_PADDING;
        assert_eq!(bar(0, Lane::Sends).unwrap().height, full);
        assert_eq!(
            bar(1, Lane::Sends).unwrap().height,
            1,
            "1 of 100 is still drawn"
        );
        assert_eq!(bar(1, Lane::Clicks).unwrap().height, full);
        assert_eq!(bar(0, Lane::Clicks).unwrap().height, full / 2);
        assert_eq!(bar(2, Lane::Sends), None);
        assert_eq!(bar(0, Lane::Opens), None);
        // Bars sit on their lane's baseline, inside their bucket's slot.
        let click = bar(0, Lane::Clicks).unwrap();
        assert_eq!(click.y + click.height, 3 * LANE_HEIGHT);
        let second = bar(1, Lane::Sends).unwrap();
        assert!(second.x >= SLOT_WIDTH && second.x + second.width <= 2 * SLOT_WIDTH);
        assert_eq!(second.y + second.height, LANE_HEIGHT);
    }

    #[test]
    fn arrow_keys_move_between_buckets_and_stop_at_the_ends() {
        assert_eq!(bucket_after_key(0, 3, "ArrowRight"), Some(1));
        assert_eq!(bucket_after_key(2, 3, "ArrowRight"), Some(2));
        assert_eq!(bucket_after_key(0, 3, "ArrowLeft"), Some(0));
        assert_eq!(bucket_after_key(1, 3, "Home"), Some(0));
        assert_eq!(bucket_after_key(0, 3, "End"), Some(2));
        assert_eq!(bucket_after_key(0, 3, "a"), None);
        assert_eq!(bucket_after_key(0, 0, "ArrowRight"), None);
    }

    #[test]
    fn rates_and_counts_read_as_text() {
        assert_eq!(format_rate(Some(0.4249)), "42%");
        assert_eq!(format_rate(Some(1.0)), "100%");
        assert_eq!(format_rate(Some(0.0)), "0%");
        assert_eq!(format_rate(None), "\u{2013}");
        assert_eq!(format_rate(Some(f64::NAN)), "\u{2013}");
        assert_eq!(
            counts_text(Lane::ALL, &[3, 0, 1, 0, 0, 0], |n| n.to_string()),
            "Email sends 3, Clicks 1"
        );
        assert_eq!(
            counts_text(Lane::EMAILS, &[0, 0, 0, 5, 0, 0], |n| n.to_string()),
            "No activity"
        );
        let stats = summary_stats(&engagement(vec![]).summary, false, |n| format!("<{n}>"));
        assert_eq!(stats.last().unwrap().value, "<40> (+5)");
        assert_eq!(
            stats[0].value, "<0>",
            "counts are written by the locale's `number`"
        );
        assert_eq!(stats[3].value, "50%");
    }

    #[test]
    fn a_bucket_is_clipped_to_the_chart() {
        let (from, to) = (utc("2026-03-01T12:00:00Z"), utc("2026-03-10T12:00:00Z"));
        assert_eq!(
            bucket_period(
                utc("2026-02-28T23:00:00Z"),
                utc("2026-03-01T23:00:00Z"),
                from,
                to
            ),
            (from, utc("2026-03-01T23:00:00Z"))
        );
        assert_eq!(
            bucket_period(
                utc("2026-03-09T23:00:00Z"),
                utc("2026-03-10T23:00:00Z"),
                from,
                to
            ),
            (utc("2026-03-09T23:00:00Z"), to)
        );
    }

    fn activity(id: i64, kind: ActivityKind, subject: &str) -> Activity {
        Activity {
            id,
            kind,
            occurred_at: utc("2026-03-10T09:30:00Z"),
            subject: Some(subject.to_owned()),
            url: None,
            campaign_id: None,
            details: ActivityDetails::default(),
        }
    }

    #[test]
    fn csv_quotes_and_disarms_formulas() {
        let mut form = activity(2, ActivityKind::FormSubmitted, "Contact us");
        form.details.form_name = Some("Contact, \"sales\"".into());
        form.details.form_fields = vec![
            FormField {
                name: "Comment".into(),
                value: "line 1\nline 2".into(),
            },
            FormField {
                name: "Phone".into(),
                value: "+1 555".into(),
            },
        ];
        let mut score = activity(3, ActivityKind::ScoreChanged, "=HYPERLINK(\"x\")");
        score.details.score_delta = Some(-3);
        let rows = [
            activity(1, ActivityKind::EmailSent, "@SUM(A1)"),
            form,
            score,
            activity(4, ActivityKind::PageVisit, "-2+3"),
            activity(5, ActivityKind::PageVisit, "\tcmd"),
        ];
        // Berlin in March: an hour ahead of UTC.
        let berlin = |at: &DateTime<Utc>| Some((*at + Duration::hours(1)).naive_utc());
        let text = csv(&rows, "Europe/Berlin", berlin);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 7, "header, 5 rows and the final CRLF: {text}");
        assert!(lines[0].starts_with(
            "Id,Occurred at (UTC),Local time (Europe/Berlin),UTC offset,Kind,Subject,"
        ));
        assert_eq!(
            lines[1],
            "1,2026-03-10T09:30:00Z,2026-03-10 10:30:00,UTC+01:00,Email sent,\"'@SUM(A1)\",,,,,,,,,,,"
        );
        assert!(
            lines[2].contains(",\"Contact, \"\"sales\"\"\","),
            "{}",
            lines[2]
        );
        assert!(lines[2].contains("\"Comment: line 1\nline 2; Phone: +1 555\""));
        assert!(
            lines[3].contains(",\"'=HYPERLINK(\"\"x\"\")\","),
            "{}",
            lines[3]
        );
        assert!(
            lines[3].contains(",-3,"),
            "a number is not a formula: {}",
            lines[3]
        );
        assert!(lines[4].contains(",\"'-2+3\","));
        assert!(lines[5].contains(",\"'\tcmd\","));
        assert_eq!(lines[6], "");
    }

    #[test]
    fn the_export_tells_the_repeated_hour_apart_by_its_offset() {
        use chrono::TimeZone;
        // New York on 1 November 2026: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        let fall_back = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
        let new_york = |at: &DateTime<Utc>| {
            let hours = if *at < fall_back { 4 } else { 5 };
            Some((*at - Duration::hours(hours)).naive_utc())
        };
        let mut first = activity(1, ActivityKind::PageVisit, "Pricing");
        first.occurred_at = Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap();
        let mut second = activity(2, ActivityKind::PageVisit, "Pricing");
        second.occurred_at = Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0).unwrap();
        let text = csv(&[first, second], "America/New_York", new_york);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[1].starts_with("1,2026-11-01T05:30:00Z,2026-11-01 01:30:00,UTC-04:00,"));
        assert!(lines[2].starts_with("2,2026-11-01T06:30:00Z,2026-11-01 01:30:00,UTC-05:00,"));
        assert_eq!(utc_offset(Duration::minutes(5 * 60 + 45)), "UTC+05:45");
        assert_eq!(utc_offset(Duration::minutes(-(9 * 60 + 30))), "UTC-09:30");
        assert_eq!(utc_offset(Duration::zero()), "UTC+00:00");
        assert_eq!(
            utc_offset(Duration::hours(1) - Duration::milliseconds(250)),
            "UTC+01:00"
        );
        assert_eq!(
            utc_offset(-Duration::hours(5) - Duration::milliseconds(250)),
            "UTC-05:00"
        );
    }

    #[test]
    fn an_empty_export_is_its_header() {
        assert_eq!(
            csv(&[], "UTC", |at| Some(at.naive_utc())),
            "Id,Occurred at (UTC),Local time (UTC),UTC offset,Kind,Subject,URL,Campaign,Clicked URL,\
             Page title,Seconds on page,Form,Form fields,Program,Score change,Score reason,\
             Bounce\r\n"
        );
        assert_eq!(
            csv_file_name("LEAD/0001 x", TimelineRange::All),
            "LEAD_0001_x-engagement-all.csv"
        );
    }
}
