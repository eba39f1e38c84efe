use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::TimeZone;
use rusqlite::Connection;

use super::*;
use crate::sandbox::db::open_in_memory;
use crate::wire::{OptInType, SubscriptionStatus};

const TEST_ACTIVITIES: u64 = 5_000;

fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0)
        .single()
        .unwrap()
}

fn seeded(activities: u64) -> (Connection, SeedSummary) {
    let mut conn = open_in_memory().unwrap();
    let summary = seed(
        &mut conn,
        &SeedOptions {
            activities,
            now: test_now(),
        },
    )
    .unwrap();
    (conn, summary)
}

fn count(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> i64 {
    conn.query_row(sql, params, |row| row.get(0)).unwrap()
}

fn tenant_id(conn: &Connection, name: &str) -> i64 {
    db::tenant_id(conn, name).unwrap()
}

/// (record id, owner crm user, email, imported, status, opt-in) of a tenant's record.
fn record(
    conn: &Connection,
    tenant: &str,
    crm_id: &str,
) -> (i64, String, Option<String>, bool, String, String) {
    conn.query_row(
        "SELECT r.id, u.crm_user, r.email, r.imported, r.subscription_status, r.opt_in_type
         FROM records r JOIN tenants t ON t.id = r.tenant_id LEFT JOIN users u ON u.id = r.owner_id
         WHERE t.name = ?1 AND r.crm_id = ?2",
        params![tenant, crm_id],
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        },
    )
    .unwrap()
}

fn kinds_of(conn: &Connection, record_id: i64) -> BTreeSet<String> {
    let mut stmt = conn
        .prepare("SELECT DISTINCT kind FROM activities WHERE record_id = ?1")
        .unwrap();
    stmt.query_map([record_id], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn all_kinds() -> BTreeSet<String> {
    ActivityKind::ALL
        .iter()
        .map(|kind| kind.as_str().to_owned())
        .collect()
}

fn checksum(conn: &Connection) -> u64 {
    let mut stmt = conn
        .prepare(
            "SELECT r.crm_id, a.kind, a.occurred_at, a.id FROM activities a
             JOIN records r ON r.id = a.record_id ORDER BY a.id",
        )
        .unwrap();
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut rows = stmt.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let crm_id: String = row.get(0).unwrap();
        let kind: String = row.get(1).unwrap();
        let at: i64 = row.get(2).unwrap();
        let id: i64 = row.get(3).unwrap();
        for byte in crm_id
            .bytes()
            .chain(kind.bytes())
            .chain(at.to_le_bytes())
            .chain(id.to_le_bytes())
        {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    hash
}

#[test]
fn named_records_have_their_properties() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let now = db::to_millis(test_now());

    let manager = count(
        &conn,
        "SELECT id FROM users WHERE crm_user = ?1 AND role = 'manager'",
        [MANAGER_A],
    );
    for rep in REPS_A {
        let reports_to = count(
            &conn,
            "SELECT manager_id FROM users WHERE crm_user = ?1 AND role = 'rep'",
            [rep],
        );
        assert_eq!(reports_to, manager, "{rep} reports to {MANAGER_A}");
    }
    let b_manager = count(
        &conn,
        "SELECT id FROM users WHERE crm_user = ?1 AND role = 'manager'",
        [MANAGER_B],
    );
    assert_eq!(
        count(
            &conn,
            "SELECT manager_id FROM users WHERE crm_user = ?1",
            [REP_B]
        ),
        b_manager
    );

    let (demo, owner, email, imported, status, _) = record(&conn, TENANT_A, DEMO_LEAD);
    assert_eq!(owner, "rep-ava");
    assert!(email.is_some() && imported);
    assert_eq!(status, "subscribed");
    assert_eq!(
        kinds_of(&conn, demo),
        all_kinds(),
        "the demo lead has every kind"
    );
    let recent = count(
        &conn,
        "SELECT count(*) FROM activities WHERE record_id = ?1 AND occurred_at >= ?2",
        params![demo, now - 7 * DAY],
    );
    assert!(recent >= 15, "rich recent funnel, got {recent}");
    let recent_kinds = count(
        &conn,
        "SELECT count(DISTINCT kind) FROM activities WHERE record_id = ?1 AND occurred_at >= ?2",
        params![demo, now - 30 * DAY],
    );
    assert_eq!(
        recent_kinds as usize,
        ActivityKind::ALL.len(),
        "every kind in the last 30 days"
    );
    let oldest = count(
        &conn,
        "SELECT min(occurred_at) FROM activities WHERE record_id = ?1",
        [demo],
    );
    assert!(oldest < now - 300 * DAY, "the demo lead has a long history");

    let (opted_out, owner, _, _, status, _) = record(&conn, TENANT_A, OPTED_OUT_LEAD);
    assert_eq!((owner.as_str(), status.as_str()), ("rep-ava", "optedOut"));
    assert!(kinds_of(&conn, opted_out).contains("unsubscribed"));

    let (_, owner, email, _, _, _) = record(&conn, TENANT_A, NO_EMAIL_LEAD);
    assert_eq!((owner.as_str(), email), ("rep-ava", None));

    let (perf, owner, _, _, _, _) = record(&conn, TENANT_A, PERF_RECORD);
    assert_eq!(owner, "rep-ava");
    assert!(perf > 0);

    let a = tenant_id(&conn, TENANT_A);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE crm_id = ?1",
            [CRM_ONLY_LEAD]
        ),
        0
    );
    let crm_only_owner: String = conn
        .query_row(
            "SELECT u.crm_user FROM crm_only_records c JOIN users u ON u.id = c.owner_id
             WHERE c.tenant_id = ?1 AND c.entity = 'lead' AND c.crm_id = ?2 AND c.email IS NOT NULL",
            params![a, CRM_ONLY_LEAD],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(crm_only_owner, "rep-ava");
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM crm_only_records WHERE tenant_id = ?1",
            [a]
        ),
        5
    );
    let b = tenant_id(&conn, TENANT_B);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM crm_only_records WHERE tenant_id = ?1",
            [b]
        ),
        1
    );

    let (b_lead, owner, _, _, _, _) = record(&conn, TENANT_B, B_LEAD);
    assert_eq!(owner, REP_B);
    assert!(
        count(
            &conn,
            "SELECT count(*) FROM activities WHERE record_id = ?1",
            [b_lead]
        ) >= 20
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE tenant_id = ?1",
            [b]
        ),
        20
    );
}

#[test]
fn perf_record_has_exactly_ten_thousand_activities_over_eighteen_months() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let (perf, ..) = record(&conn, TENANT_A, PERF_RECORD);
    let total = count(
        &conn,
        "SELECT count(*) FROM activities WHERE record_id = ?1",
        [perf],
    );
    assert_eq!(total as u64, PERF_ACTIVITIES);
    assert_eq!(kinds_of(&conn, perf), all_kinds());
    let now = db::to_millis(test_now());
    let (first, last): (i64, i64) = conn
        .query_row(
            "SELECT min(occurred_at), max(occurred_at) FROM activities WHERE record_id = ?1",
            [perf],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(
        first < now - 500 * DAY && last > now - 7 * DAY,
        "spread over the 18 months"
    );
    // No month is empty.
    let months = count(
        &conn,
        "SELECT count(DISTINCT (occurred_at - ?2) / (30 * 86400000)) FROM activities WHERE record_id = ?1",
        params![perf, now - 540 * DAY],
    );
    assert!(months >= 18, "{months}");
}

#[test]
fn the_activity_target_is_met_exactly() {
    for target in [TEST_ACTIVITIES, 12_345] {
        let (conn, summary) = seeded(target);
        let a = tenant_id(&conn, TENANT_A);
        let regular = count(
            &conn,
            "SELECT count(*) FROM activities a JOIN records r ON r.id = a.record_id
             WHERE r.tenant_id = ?1 AND r.crm_id NOT IN (?2, ?3, ?4, ?5)",
            params![a, PERF_RECORD, DEMO_LEAD, OPTED_OUT_LEAD, NO_EMAIL_LEAD],
        );
        assert_eq!(regular as u64, target);
        assert_eq!(
            summary.activities as i64,
            count(&conn, "SELECT count(*) FROM activities", [])
        );
        assert_eq!(
            summary.records as i64,
            count(&conn, "SELECT count(*) FROM records", [])
        );
        assert_eq!(summary.users, 7);
        assert_eq!(summary.tenants, 2);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM records WHERE tenant_id = ?1",
                [a]
            ),
            2_001
        );
    }
}

#[test]
fn same_options_give_the_same_database() {
    let (first, first_summary) = seeded(TEST_ACTIVITIES);
    let (second, second_summary) = seeded(TEST_ACTIVITIES);
    assert_eq!(first_summary, second_summary);
    for table in [
        "tenants",
        "users",
        "records",
        "activities",
        "templates",
        "programs",
        "crm_only_records",
    ] {
        let sql = format!("SELECT count(*) FROM {table}");
        assert_eq!(count(&first, &sql, []), count(&second, &sql, []), "{table}");
    }
    assert_eq!(checksum(&first), checksum(&second));
    let profile = "SELECT group_concat(crm_id || email || score || subscription_status || last_synced_at, ',') FROM records";
    let a: String = first.query_row(profile, [], |row| row.get(0)).unwrap();
    let b: String = second.query_row(profile, [], |row| row.get(0)).unwrap();
    assert_eq!(a, b);

    // The people do not depend on the activity target.
    let (other, _) = seeded(TEST_ACTIVITIES * 2);
    let people =
        "SELECT group_concat(crm_id || coalesce(email, '-') || owner_id, ',') FROM records";
    let a: String = first.query_row(people, [], |row| row.get(0)).unwrap();
    let c: String = other.query_row(people, [], |row| row.get(0)).unwrap();
    assert_eq!(a, c);
    assert_ne!(checksum(&first), checksum(&other));
}

#[test]
fn tenant_b_has_no_crm_programs_and_tenant_a_has_every_case() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let b = tenant_id(&conn, TENANT_B);
    assert!(
        count(
            &conn,
            "SELECT count(*) FROM programs WHERE tenant_id = ?1",
            [b]
        ) > 0
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM programs WHERE tenant_id = ?1 AND enabled_for_crm = 1",
            [b]
        ),
        0
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM templates WHERE tenant_id = ?1",
            [b]
        ),
        2
    );

    let a = tenant_id(&conn, TENANT_A);
    let programs = |sql: &str| {
        count(
            &conn,
            &format!("SELECT count(*) FROM programs WHERE tenant_id = ?1 AND {sql}"),
            [a],
        )
    };
    assert!(programs("active = 1 AND enabled_for_crm = 1") >= 3);
    assert_eq!(programs("active = 1 AND enabled_for_crm = 0"), 1);
    assert!(programs("active = 0") >= 2);
    assert_eq!(programs("1"), 8);

    let templates = count(
        &conn,
        "SELECT count(*) FROM templates WHERE tenant_id = ?1",
        [a],
    );
    assert!((10..=12).contains(&templates));
    assert_eq!(
        count(
            &conn,
            "SELECT count(DISTINCT folder) FROM templates WHERE tenant_id = ?1",
            [a]
        ),
        4
    );
    for field in [
        "{{firstName}}",
        "{{company|your team}}",
        "{{lastName}}",
        "{{jobTitle",
        "{{email}}",
    ] {
        let pattern = format!("%{field}%");
        let uses = count(&conn, "SELECT count(*) FROM templates WHERE tenant_id = ?1 AND (subject LIKE ?2 OR html LIKE ?2)", params![a, pattern]);
        assert!(uses > 0, "{field}");
    }
}

#[test]
fn every_enum_value_appears_in_tenant_a() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let a = tenant_id(&conn, TENANT_A);
    let values = |sql: &str| -> BTreeSet<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([a], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let kinds = values("SELECT DISTINCT a.kind FROM activities a JOIN records r ON r.id = a.record_id WHERE r.tenant_id = ?1");
    assert_eq!(kinds, all_kinds());
    let opt_ins = values("SELECT DISTINCT opt_in_type FROM records WHERE tenant_id = ?1");
    assert_eq!(
        opt_ins,
        OptInType::ALL
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect()
    );
    let statuses = values("SELECT DISTINCT subscription_status FROM records WHERE tenant_id = ?1");
    assert_eq!(
        statuses,
        SubscriptionStatus::ALL
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect()
    );
    let entities = values("SELECT DISTINCT entity FROM records WHERE tenant_id = ?1");
    assert_eq!(entities.len(), 3);
    let owners = values("SELECT DISTINCT u.crm_user FROM records r JOIN users u ON u.id = r.owner_id WHERE r.tenant_id = ?1");
    assert_eq!(owners, REPS_A.iter().map(|r| r.to_string()).collect());
    assert!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE tenant_id = ?1 AND imported = 0",
            [a]
        ) > 50
    );
}

#[test]
fn the_data_is_consistent() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let clock = Clock::new(test_now());
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM activities WHERE occurred_at > ?1 OR occurred_at < ?2",
            params![clock.now, clock.start]
        ),
        0,
        "all activity within the 18 months before now"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE last_synced_at > ?1 OR last_synced_at < ?2",
            params![clock.now, clock.now - DAY]
        ),
        0
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM records WHERE score < 0", []),
        0
    );

    let mut stmt = conn.prepare("SELECT tenant_id, email FROM records WHERE email IS NOT NULL UNION ALL SELECT tenant_id, email FROM crm_only_records").unwrap();
    let mut seen = HashSet::new();
    for row in stmt
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap()
    {
        let (tenant, email) = row.unwrap();
        assert!(email.is_ascii() && email == email.to_lowercase(), "{email}");
        let (local, domain) = email.split_once('@').unwrap();
        assert!(local.contains('.') && domain.contains('.'), "{email}");
        assert!(seen.insert((tenant, email.clone())), "duplicate {email}");
    }

    // Hard bounces and unsubscribes end the email history of their records.
    let bad = count(
        &conn,
        "SELECT count(*) FROM records r WHERE r.subscription_status = 'hardBounced' AND NOT EXISTS (
             SELECT 1 FROM activities a WHERE a.record_id = r.id AND a.kind = 'emailBounced'
             AND json_extract(a.details, '$.bounceType') = 'hard')",
        [],
    );
    assert_eq!(bad, 0);
    let bad = count(
        &conn,
        "SELECT count(*) FROM records r WHERE r.subscription_status = 'optedOut' AND NOT EXISTS (
             SELECT 1 FROM activities a WHERE a.record_id = r.id AND a.kind = 'unsubscribed')",
        [],
    );
    assert_eq!(bad, 0);
    let late_sends = count(
        &conn,
        "SELECT count(*) FROM records r JOIN activities s ON s.record_id = r.id AND s.kind = 'emailSent'
         WHERE r.subscription_status IN ('hardBounced', 'optedOut') AND s.occurred_at > (
             SELECT max(a.occurred_at) FROM activities a WHERE a.record_id = r.id
             AND a.kind IN ('emailBounced', 'unsubscribed'))",
        [],
    );
    assert_eq!(
        late_sends, 0,
        "nothing is sent after a hard bounce or an unsubscribe"
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM records r JOIN activities a ON a.record_id = r.id WHERE r.email IS NULL AND a.kind IN ('emailSent', 'formSubmitted')", []), 0);

    // Opens follow sends of the same campaign.
    let orphan_opens = count(
        &conn,
        "SELECT count(*) FROM activities o WHERE o.kind = 'emailOpened' AND NOT EXISTS (
             SELECT 1 FROM activities s WHERE s.record_id = o.record_id AND s.kind = 'emailSent'
             AND s.campaign_id = o.campaign_id AND s.occurred_at <= o.occurred_at)",
        [],
    );
    assert_eq!(orphan_opens, 0);

    // Details carry what their kind promises.
    for (kind, path) in [
        ("emailClicked", "$.clickedUrl"),
        ("pageVisit", "$.pageTitle"),
        ("pageVisit", "$.secondsOnPage"),
        ("formSubmitted", "$.formName"),
        ("formSubmitted", "$.formFields[0].value"),
        ("programEnrolled", "$.programName"),
        ("scoreChanged", "$.scoreDelta"),
        ("scoreChanged", "$.scoreReason"),
    ] {
        let missing = count(
            &conn,
            "SELECT count(*) FROM activities WHERE kind = ?1 AND json_extract(details, ?2) IS NULL",
            params![kind, path],
        );
        assert_eq!(missing, 0, "{kind} {path}");
    }
    let campaign_format = count(&conn, "SELECT count(*) FROM activities WHERE kind = 'emailSent' AND campaign_id NOT GLOB 'CMP-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[A-Z]'", []);
    assert_eq!(campaign_format, 0);

    // A skewed distribution: a few very active records, most light.
    let mut stmt = conn
        .prepare("SELECT count(*) FROM activities GROUP BY record_id ORDER BY 1")
        .unwrap();
    let counts: Vec<i64> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let median = counts[counts.len() / 2];
    let top = counts[counts.len() - 2];
    assert!(top > 20 * median.max(1), "median {median}, top {top}");
}

#[test]
fn is_seeded_tells_an_empty_database() {
    let mut conn = open_in_memory().unwrap();
    assert!(!is_seeded(&conn).unwrap());
    seed(
        &mut conn,
        &SeedOptions {
            activities: 1_000,
            now: test_now(),
        },
    )
    .unwrap();
    assert!(is_seeded(&conn).unwrap());
    assert!(
        seed(
            &mut conn,
            &SeedOptions {
                activities: 1_000,
                now: test_now()
            }
        )
        .is_err(),
        "a second seed fails"
    );
    let kinds: BTreeMap<String, i64> = {
        let mut stmt = conn
            .prepare("SELECT kind, count(*) FROM activities GROUP BY kind")
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(
        kinds["emailSent"] > kinds["emailOpened"] && kinds["emailOpened"] > kinds["emailClicked"]
    );
}

#[test]
fn every_seeded_program_enrolment_has_its_enrolment() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    let now = db::to_millis(test_now());
    // (program, record) pairs of the history, with the first enrolment's time.
    let mut stmt = conn
        .prepare(
            "SELECT p.id, a.record_id, MIN(a.occurred_at) FROM activities a
             JOIN records r ON r.id = a.record_id
             JOIN programs p ON p.tenant_id = r.tenant_id AND p.name = a.subject
             WHERE a.kind = 'programEnrolled' GROUP BY p.id, a.record_id ORDER BY 1, 2",
        )
        .unwrap();
    let history: Vec<(i64, i64, i64)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut stmt = conn
        .prepare("SELECT program_id, record_id, enrolled_at, status FROM enrolments ORDER BY 1, 2")
        .unwrap();
    let enrolments: Vec<(i64, i64, i64, String)> = stmt
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(history.len() > 10, "the seed enrols records: {history:?}");
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM activities WHERE kind = 'programEnrolled'
             AND subject NOT IN (SELECT name FROM programs)",
            [],
        ),
        0,
        "every enrolment activity names a seeded program"
    );
    assert_eq!(enrolments.len(), history.len());
    for ((program, record, first), (e_program, e_record, enrolled_at, status)) in
        history.iter().zip(&enrolments)
    {
        assert_eq!((program, record, first), (e_program, e_record, enrolled_at));
        let expected = if now - first > ENROLMENT_RUNS_FOR {
            "completed"
        } else {
            "active"
        };
        assert_eq!(status, expected, "enrolled at {first}, now {now}");
    }
    for status in ["active", "completed"] {
        assert!(
            enrolments.iter().any(|e| e.3 == status),
            "some seeded enrolments are {status}"
        );
    }
}

#[test]
fn default_options_use_the_current_minute() {
    let options = SeedOptions::default();
    assert_eq!(options.activities, DEFAULT_ACTIVITIES);
    assert_eq!(options.now.timestamp() % 60, 0);
    assert_eq!(options.now.timestamp_subsec_nanos(), 0);
    assert!((Utc::now() - options.now).num_seconds() < 120);
}

/// `cargo test --features sandbox --lib sandbox::seed -- --ignored --nocapture`
#[test]
#[ignore = "timing; run explicitly"]
fn timing_of_the_default_seed() {
    time_seed(DEFAULT_ACTIVITIES);
}

/// `cargo test --release --features sandbox --lib sandbox::seed::tests::timing_of_the_bench -- --ignored --nocapture`
#[test]
#[ignore = "timing; run explicitly, in release"]
fn timing_of_the_bench_seed() {
    time_seed(BENCH_ACTIVITIES);
}

fn time_seed(activities: u64) {
    let dir = std::env::temp_dir().join(format!("seed-timing-{}-{activities}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandbox.db");
    let mut conn = db::open(&path).unwrap();
    let started = std::time::Instant::now();
    let summary = seed(
        &mut conn,
        &SeedOptions {
            activities,
            now: test_now(),
        },
    )
    .unwrap();
    let elapsed = started.elapsed();
    drop(conn);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "seeded {summary:?} in {:.2} s ({} MB file)",
        elapsed.as_secs_f64(),
        size / 1_000_000
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_search_index_holds_every_seeded_activity_and_indexes_new_ones_again() {
    let (conn, _) = seeded(TEST_ACTIVITIES);
    // Filled once after the bulk insert: one row per activity, as the trigger would have made.
    assert_eq!(
        count(&conn, "SELECT count(*) FROM activity_search", []),
        count(&conn, "SELECT count(*) FROM activities", [])
    );
    // A record's search through the index finds what reading its rows finds.
    let record_id = count(
        &conn,
        "SELECT record_id FROM activities WHERE kind = 'pageVisit' AND url LIKE '%pricing%'
         GROUP BY record_id ORDER BY count(*) DESC LIMIT 1",
        [],
    );
    let mut found = db::search_activities(&conn, record_id, "Pricing")
        .unwrap()
        .unwrap();
    found.sort_unstable();
    let mut read: Vec<i64> = conn
        .prepare(
            "SELECT a.id FROM activities a JOIN activity_search_rows s ON s.id = a.id
             WHERE a.record_id = ?1 AND s.text LIKE '%pricing%' ORDER BY a.id",
        )
        .unwrap()
        .query_map([record_id], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    read.sort_unstable();
    assert!(!found.is_empty());
    assert_eq!(found, read);
    // The trigger is back: an activity recorded after the seed is found.
    conn.execute(
        "INSERT INTO activities (record_id, kind, occurred_at, subject)
         VALUES (?1, 'formSubmitted', 0, 'Zyxwv quote request')",
        [record_id],
    )
    .unwrap();
    let new_id = conn.last_insert_rowid();
    assert_eq!(
        db::search_activities(&conn, record_id, "zyxwv").unwrap(),
        Some(vec![new_id])
    );
}
