//! Engagement aggregation: bucket edges cut in the caller's time zone, counts per kind per bucket
//! and the summary rates. Pure arithmetic, tested natively, including ranges across DST changes.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::wire::{ActivityKind, BucketSize, EngagementBucket};

/// More buckets than this is a request for a chart nobody can read.
pub const MAX_BUCKETS: usize = 1_000;

/// The first local date of the bucket that holds `date`: the day itself, its Monday, or the 1st.
fn bucket_start_date(date: NaiveDate, bucket: BucketSize) -> NaiveDate {
    match bucket {
        BucketSize::Day => date,
        BucketSize::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
        BucketSize::Month => date.with_day(1).expect("every month has a 1st"),
    }
}

fn next_date(date: NaiveDate, bucket: BucketSize) -> NaiveDate {
    match bucket {
        BucketSize::Day => date + Duration::days(1),
        BucketSize::Week => date + Duration::days(7),
        BucketSize::Month => {
            let (year, month) = if date.month() == 12 {
                (date.year() + 1, 1)
            } else {
                (date.year(), date.month() + 1)
            };
            NaiveDate::from_ymd_opt(year, month, 1).expect("valid first of month")
        }
    }
}

fn previous_date(date: NaiveDate, bucket: BucketSize) -> NaiveDate {
    match bucket {
        BucketSize::Day => date - Duration::days(1),
        BucketSize::Week => date - Duration::days(7),
        BucketSize::Month => {
            let (year, month) = if date.month() == 1 {
                (date.year() - 1, 12)
            } else {
                (date.year(), date.month() - 1)
            };
            NaiveDate::from_ymd_opt(year, month, 1).expect("valid first of month")
        }
    }
}

/// Where the last [`MAX_BUCKETS`] buckets before `to` start: a range too long for its bucket
/// size is cut to them, so any range gets an answer (which says where it starts).
pub fn start_of_last_buckets(to: DateTime<Utc>, bucket: BucketSize, tz: Tz) -> DateTime<Utc> {
    let mut date = bucket_start_date(to.with_timezone(&tz).date_naive(), bucket);
    for _ in 1..MAX_BUCKETS {
        date = previous_date(date, bucket);
    }
    local_day_start(date, tz)
}

/// The instant a local date starts in `tz`: local midnight, or where the gap ends when a DST change
/// skips midnight (as some zones do). A date the zone skipped entirely (Samoa's 30 December 2011)
/// starts where the next one does.
pub fn local_day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(start) | LocalResult::Ambiguous(start, _) => start.with_timezone(&Utc),
        LocalResult::None => {
            // The gap ends at the instant that midnight names under the offset in force before it.
            let before = tz
                .offset_from_utc_datetime(&(midnight - Duration::days(1)))
                .fix();
            Utc.from_utc_datetime(&(midnight - Duration::seconds(before.local_minus_utc().into())))
        }
    }
}

/// Edges `e0 <= from < e1 < ... < en` with `en >= to`: bucket `i` is `[e_i, e_{i+1})`.
/// Returns `None` when the range would need more than [`MAX_BUCKETS`] buckets.
pub fn bucket_edges(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: BucketSize,
    tz: Tz,
) -> Option<Vec<DateTime<Utc>>> {
    let mut date = bucket_start_date(from.with_timezone(&tz).date_naive(), bucket);
    let mut edges = vec![local_day_start(date, tz)];
    while *edges.last().expect("non-empty") < to {
        if edges.len() > MAX_BUCKETS {
            return None;
        }
        date = next_date(date, bucket);
        let start = local_day_start(date, tz);
        // A skipped date starts where the next one does: it has no bucket.
        if start > *edges.last().expect("non-empty") {
            edges.push(start);
        }
    }
    if edges.len() == 1 {
        // An empty range still draws the one bucket it starts in.
        date = next_date(date, bucket);
        edges.push(local_day_start(date, tz));
    }
    Some(edges)
}

/// Counts `(kind, time)` pairs into the buckets given by `edges`; times outside are ignored.
pub fn count_into_buckets(
    edges: &[DateTime<Utc>],
    activities: impl IntoIterator<Item = (ActivityKind, DateTime<Utc>)>,
) -> Vec<EngagementBucket> {
    let mut buckets: Vec<EngagementBucket> = edges
        .windows(2)
        .map(|w| EngagementBucket {
            start: w[0],
            end: w[1],
            counts: BTreeMap::new(),
        })
        .collect();
    for (kind, time) in activities {
        let index = edges.partition_point(|edge| *edge <= time);
        if index == 0 || index > buckets.len() {
            continue;
        }
        *buckets[index - 1].counts.entry(kind).or_insert(0) += 1;
    }
    buckets
}

/// `part / whole`, at most 1; `None` without a whole.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_range_too_long_for_its_buckets_is_cut_to_the_last_ones() {
        for bucket in [BucketSize::Day, BucketSize::Week, BucketSize::Month] {
            let tz: Tz = "America/New_York".parse().unwrap();
            let from = utc("0001-01-01T00:00:00Z");
            let to = utc("9999-12-31T12:00:00Z");
            assert!(bucket_edges(from, to, bucket, tz).is_none(), "{bucket:?}");
            let cut = start_of_last_buckets(to, bucket, tz);
            let edges = bucket_edges(cut, to, bucket, tz).unwrap();
            assert_eq!(edges.len(), MAX_BUCKETS + 1, "{bucket:?}");
            assert_eq!(edges[0], cut);
            assert!(*edges.last().unwrap() >= to);
        }
    }

    #[test]
    fn day_buckets_start_at_local_midnight() {
        let tz: Tz = "Asia/Tokyo".parse().unwrap();
        let edges = bucket_edges(
            utc("2026-03-10T20:00:00Z"),
            utc("2026-03-12T10:00:00Z"),
            BucketSize::Day,
            tz,
        )
        .unwrap();
        // 20:00Z on the 10th is 05:00 on the 11th in Tokyo, so the first bucket is the 11th.
        assert_eq!(edges[0], utc("2026-03-10T15:00:00Z"));
        assert_eq!(edges[1], utc("2026-03-11T15:00:00Z"));
        assert_eq!(*edges.last().unwrap(), utc("2026-03-12T15:00:00Z"));
    }

    #[test]
    fn a_dst_change_inside_the_range_makes_a_23_and_a_25_hour_day() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let edges = bucket_edges(
            utc("2026-03-28T12:00:00Z"),
            utc("2026-03-30T12:00:00Z"),
            BucketSize::Day,
            tz,
        )
        .unwrap();
        let lengths: Vec<i64> = edges
            .windows(2)
            .map(|w| (w[1] - w[0]).num_hours())
            .collect();
        assert_eq!(
            lengths,
            vec![24, 23, 24],
            "29 March 2026 loses an hour in Berlin"
        );
        let autumn = bucket_edges(
            utc("2026-10-24T12:00:00Z"),
            utc("2026-10-26T12:00:00Z"),
            BucketSize::Day,
            tz,
        )
        .unwrap();
        let lengths: Vec<i64> = autumn
            .windows(2)
            .map(|w| (w[1] - w[0]).num_hours())
            .collect();
        assert_eq!(lengths, vec![24, 25, 24]);
    }

    #[test]
    fn midnight_skipped_by_dst_starts_the_day_at_the_first_real_instant() {
        // Santiago moved clocks from 24:00 to 01:00 on 2022-09-11.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let start = local_day_start(NaiveDate::from_ymd_opt(2022, 9, 11).unwrap(), tz);
        assert_eq!(start, utc("2022-09-11T04:00:00Z"));
    }

    #[test]
    fn a_date_the_zone_skipped_has_no_bucket() {
        // Samoa went from the end of 29 December 2011 straight to 31 December (UTC-10 to UTC+14);
        // 09:00Z on the 31st is 23:00 there.
        let tz: Tz = "Pacific/Apia".parse().unwrap();
        let edges = bucket_edges(
            utc("2011-12-29T12:00:00Z"),
            utc("2011-12-31T09:00:00Z"),
            BucketSize::Day,
            tz,
        )
        .unwrap();
        let local: Vec<String> = edges
            .iter()
            .map(|edge| edge.with_timezone(&tz).format("%F %R").to_string())
            .collect();
        assert_eq!(
            local,
            ["2011-12-29 00:00", "2011-12-31 00:00", "2012-01-01 00:00"]
        );
        assert_eq!(
            local_day_start(NaiveDate::from_ymd_opt(2011, 12, 30).unwrap(), tz),
            edges[1]
        );
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let tz: Tz = "UTC".parse().unwrap();
        let weeks = bucket_edges(
            utc("2026-11-19T10:00:00Z"),
            utc("2026-11-25T00:00:00Z"),
            BucketSize::Week,
            tz,
        )
        .unwrap();
        assert_eq!(
            weeks,
            vec![
                utc("2026-11-16T00:00:00Z"),
                utc("2026-11-23T00:00:00Z"),
                utc("2026-11-30T00:00:00Z")
            ]
        );
        let months = bucket_edges(
            utc("2025-12-15T00:00:00Z"),
            utc("2026-02-01T00:00:00Z"),
            BucketSize::Month,
            tz,
        )
        .unwrap();
        assert_eq!(
            months,
            vec![
                utc("2025-12-01T00:00:00Z"),
                utc("2026-01-01T00:00:00Z"),
                utc("2026-02-01T00:00:00Z")
            ]
        );
    }

    #[test]
    fn an_empty_range_has_one_bucket_and_a_huge_one_is_refused() {
        let tz: Tz = "UTC".parse().unwrap();
        let at = utc("2026-01-01T05:00:00Z");
        assert_eq!(bucket_edges(at, at, BucketSize::Day, tz).unwrap().len(), 2);
        let far = utc("2000-01-01T00:00:00Z");
        assert!(bucket_edges(far, at, BucketSize::Day, tz).is_none());
    }

    #[test]
    fn activities_land_in_the_bucket_that_holds_them() {
        let edges = vec![
            utc("2026-01-01T00:00:00Z"),
            utc("2026-01-02T00:00:00Z"),
            utc("2026-01-03T00:00:00Z"),
        ];
        let buckets = count_into_buckets(
            &edges,
            vec![
                (ActivityKind::EmailSent, utc("2026-01-01T00:00:00Z")),
                (ActivityKind::EmailOpened, utc("2026-01-01T23:59:59Z")),
                (ActivityKind::EmailOpened, utc("2026-01-02T00:00:00Z")),
                (ActivityKind::PageVisit, utc("2026-01-03T00:00:00Z")),
                (ActivityKind::PageVisit, utc("2025-12-31T23:00:00Z")),
            ],
        );
        assert_eq!(buckets.len(), 2);
        assert_eq!(buckets[0].counts[&ActivityKind::EmailSent], 1);
        assert_eq!(buckets[0].counts[&ActivityKind::EmailOpened], 1);
        assert_eq!(buckets[1].counts[&ActivityKind::EmailOpened], 1);
        assert!(!buckets[1].counts.contains_key(&ActivityKind::PageVisit));
    }

    #[test]
    fn rates_are_capped_and_undefined_without_sends() {
        assert_eq!(rate(1, 4), Some(0.25));
        assert_eq!(rate(9, 4), Some(1.0));
        assert_eq!(rate(3, 0), None);
    }
}
