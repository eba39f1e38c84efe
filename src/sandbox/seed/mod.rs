//! The deterministic seed of the sandbox database: two tenants, their users, about two thousand
//! CRM records with 18 months of marketing activity, email templates and programs.
//!
//! Everything is derived from fixed random seeds and [`SeedOptions::now`], so the same options
//! always produce the same rows (ids, names, times). Record identities and profiles do not depend
//! on the activity target, only their activity does: a benchmark database and a test database
//! hold the same people.
//!
//! Activity follows real funnels: a campaign sends an email, some people open it minutes or hours
//! later, some of those click through to the landing page and browse on, sometimes submitting a
//! form (which moves the score and may enrol them in a program). Hard-bounced and opted-out
//! records end their email history with the bounce or the unsubscribe.

mod content;
mod funnels;
mod people;
mod programs;
mod records;
mod templates;
mod tenants;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Months, Utc};
use fastrand::Rng;
use rusqlite::{params, Connection};

use crate::sandbox::db;
use crate::wire::ActivityKind;

/// Activities of tenant A's regular records in the database the sandbox creates by default.
pub const DEFAULT_ACTIVITIES: u64 = 150_000;
/// Activities of tenant A's regular records in the benchmark database.
pub const BENCH_ACTIVITIES: u64 = 1_000_000;
/// Activities of [`PERF_RECORD`], whatever the target.
pub const PERF_ACTIVITIES: u64 = 10_000;

pub const TENANT_A: &str = "Northwind Marketing";
pub const TENANT_B: &str = "Contoso Marketing";
/// Tenant A's manager; every rep of [`REPS_A`] reports to them.
pub const MANAGER_A: &str = "mgr-olivia";
pub const REPS_A: [&str; 4] = ["rep-ava", "rep-ben", "rep-chloe", "rep-dan"];
pub const MANAGER_B: &str = "b-mgr-zoe";
pub const REP_B: &str = "b-rep-yan";
/// Tenant A lead owned by `rep-ava` with exactly [`PERF_ACTIVITIES`] activities over 18 months.
pub const PERF_RECORD: &str = "LEAD-PERF";
/// Tenant A lead owned by `rep-ava`: subscribed, imported, with an email, a long history and a
/// rich recent funnel holding every activity kind, the latest in the last day.
pub const DEMO_LEAD: &str = "LEAD-0001";
/// Tenant A lead owned by `rep-ava` who unsubscribed (status `optedOut`).
pub const OPTED_OUT_LEAD: &str = "LEAD-0002";
/// Tenant A lead owned by `rep-ava` without an email address.
pub const NO_EMAIL_LEAD: &str = "LEAD-0003";
/// A tenant A lead (owner `rep-ava`) that only the demo CRM knows: not in `records`.
pub const CRM_ONLY_LEAD: &str = "LEAD-9001";
/// Tenant B lead with activities, for isolation tests.
pub const B_LEAD: &str = "LEAD-B-0001";

/// What to seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedOptions {
    /// Total activities of tenant A's regular records (all but [`PERF_RECORD`] and the three
    /// named demo leads); met exactly unless it is too small for the bounce and unsubscribe
    /// histories the records need.
    pub activities: u64,
    /// The seed's "today": activity spans the 18 months before it and never goes past it.
    pub now: DateTime<Utc>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        let seconds = Utc::now().timestamp();
        let minute = seconds - seconds.rem_euclid(60);
        SeedOptions {
            activities: DEFAULT_ACTIVITIES,
            now: DateTime::from_timestamp(minute, 0).expect("the current minute is a valid time"),
        }
    }
}

/// Rows written by [`seed`], over both tenants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub tenants: u64,
    pub users: u64,
    /// Rows of `records` (not counting the CRM-only records).
    pub records: u64,
    pub activities: u64,
}

/// Whether the database already holds data (any tenant).
pub fn is_seeded(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM tenants)", [], |row| {
        row.get(0)
    })
}

/// Fills an empty database in one transaction. Fails (and writes nothing) on a seeded one.
pub fn seed(conn: &mut Connection, options: &SeedOptions) -> rusqlite::Result<SeedSummary> {
    let tx = conn.transaction()?;
    let clock = Clock::new(options.now);
    let mut summary = SeedSummary::default();
    tx.execute_batch(db::PAUSE_SEARCH_INDEXING)?;
    tenants::seed_tenant_a(&tx, &clock, options.activities, &mut summary)?;
    tenants::seed_tenant_b(&tx, &clock, &mut summary)?;
    crate::sandbox::connections::seed::seed(&tx)?;
    enrol_from_history(&tx, &clock)?;
    tx.execute_batch(db::RESUME_SEARCH_INDEXING)?;
    tx.commit()?;
    Ok(summary)
}

/// How long after enrolment a seeded record is still going through a program.
const ENROLMENT_RUNS_FOR: i64 = 90 * DAY;

/// Gives every `programEnrolled` activity its enrolment, so a record's Programs tab agrees with
/// its history: the first enrolment per program and record counts; older than
/// [`ENROLMENT_RUNS_FOR`] it is completed, otherwise still active.
fn enrol_from_history(conn: &Connection, clock: &Clock) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO enrolments (program_id, record_id, status, enrolled_at, updated_at)
         SELECT p.id, a.record_id,
                CASE WHEN MIN(a.occurred_at) < ?2 THEN 'completed' ELSE 'active' END,
                MIN(a.occurred_at),
                CASE WHEN MIN(a.occurred_at) < ?2 THEN MIN(a.occurred_at) + ?3
                     ELSE MIN(a.occurred_at) END
         FROM activities a
         JOIN records r ON r.id = a.record_id
         JOIN programs p ON p.tenant_id = r.tenant_id AND p.name = a.subject
         WHERE a.kind = ?1
         GROUP BY p.id, a.record_id",
        params![
            ActivityKind::ProgramEnrolled.as_str(),
            clock.now - ENROLMENT_RUNS_FOR,
            ENROLMENT_RUNS_FOR,
        ],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The seed's time frame in Unix milliseconds.
struct Clock {
    now: i64,
    /// 18 calendar months before `now`.
    start: i64,
}

impl Clock {
    fn new(now: DateTime<Utc>) -> Clock {
        let start = now
            .checked_sub_months(Months::new(18))
            .unwrap_or(now - chrono::Duration::days(548));
        Clock {
            now: db::to_millis(now),
            start: db::to_millis(start),
        }
    }

    fn span(&self) -> i64 {
        self.now - self.start
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness

const SEED: u64 = 0x5eed_c0de_2025_0001;

/// Independent streams for independent things, so adding a record or changing the activity
/// target does not reshuffle everything else.
fn stream(tag: u64, index: u64) -> Rng {
    Rng::with_seed(splitmix(
        SEED ^ splitmix(tag).wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    ))
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const STREAM_PEOPLE_A: u64 = 1;
const STREAM_ACTIVITY_A: u64 = 2;
const STREAM_CAMPAIGNS_A: u64 = 3;
const STREAM_PEOPLE_B: u64 = 4;
const STREAM_ACTIVITY_B: u64 = 5;
const STREAM_CAMPAIGNS_B: u64 = 6;
const STREAM_NAMED: u64 = 7;

/// A duration between `low` and `high` ms, uniform on a log scale: mostly short, sometimes long.
fn log_uniform(rng: &mut Rng, low: i64, high: i64) -> i64 {
    let (low, high) = (low.max(1) as f64, high.max(2) as f64);
    (low * (high / low).powf(rng.f64())) as i64
}

fn weighted<'t, T>(rng: &mut Rng, items: &'t [(T, u32)]) -> &'t T {
    let total: u32 = items.iter().map(|(_, weight)| weight).sum();
    let mut pick = rng.u32(0..total.max(1));
    for (item, weight) in items {
        if pick < *weight {
            return item;
        }
        pick -= weight;
    }
    &items[items.len() - 1].0
}

fn pick<'t, T>(rng: &mut Rng, items: &'t [T]) -> &'t T {
    &items[rng.usize(0..items.len())]
}
