//! Hot prospects and score reasons over real HTTP on loopback: the ranking against an independent
//! reading of the documented rules, the 90-day window, decay and the 7-day change, stable order of
//! ties, owner and team authorization, limits and tenant isolation.
//!
//! Tenant A is only read here, so its rankings can be compared across requests; the tests that
//! ingest records and activities do it in tenant B, each with CRM ids of its own.

mod support;

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use crm_sidebar::sandbox::{db, seed};
use crm_sidebar::wire::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::sandbox::*;

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| start(|_| {}))
}

async fn me(sandbox: &Sandbox, token: &str) -> Me {
    get_json(sandbox, token, "/v1/me").await
}

async fn hot(sandbox: &Sandbox, token: &str, query: &str) -> HotProspects {
    get_json(sandbox, token, &format!("/v1/hot-prospects?{query}")).await
}

async fn reasons(sandbox: &Sandbox, token: &str, entity: Entity, crm_id: &str) -> ScoreReasons {
    get_json(
        sandbox,
        token,
        &format!("/v1/records/{entity}/{crm_id}/score-reasons"),
    )
    .await
}

async fn hot_error(sandbox: &Sandbox, token: &str, query: &str) -> (StatusCode, ApiError) {
    error_of(get(sandbox, token, &format!("/v1/hot-prospects?{query}")).await).await
}

/// A CRM id no other test uses.
fn fresh_crm_id(label: &str) -> String {
    format!(
        "HP-{label}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// Creates a lead owned by the token's user, with the given activities `(kind, occurred_at)`.
async fn lead_with(
    sandbox: &Sandbox,
    token: &str,
    crm_id: &str,
    activities: &[(ActivityKind, DateTime<Utc>)],
) {
    let record = json!({"entity": "lead", "crmId": crm_id, "firstName": "Test", "lastName": crm_id,
        "company": "Prospect Tests"});
    let response = post(sandbox, token, "/dev/records", &record).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    add_activities(sandbox, token, crm_id, activities).await;
}

async fn add_activities(
    sandbox: &Sandbox,
    token: &str,
    crm_id: &str,
    activities: &[(ActivityKind, DateTime<Utc>)],
) {
    if activities.is_empty() {
        return;
    }
    let body: Vec<Value> = activities
        .iter()
        .map(|(kind, at)| {
            json!({"entity": "lead", "crmId": crm_id, "kind": kind, "occurredAt": at,
                "subject": format!("{kind} for {crm_id}")})
        })
        .collect();
    let response = post(sandbox, token, "/dev/activities", &Value::Array(body)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// The order the API promises: score descending, then newest last activity.
fn assert_ranked(items: &[HotProspect]) {
    for pair in items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            (a.score, a.last_activity.occurred_at) >= (b.score, b.last_activity.occurred_at),
            "{} ({}, {}) before {} ({}, {})",
            a.crm_id,
            a.score,
            a.last_activity.occurred_at,
            b.crm_id,
            b.score,
            b.last_activity.occurred_at
        );
    }
    for item in items {
        assert!(item.score > 0, "{}", item.crm_id);
        assert_eq!(item.trend, Trend::of(item.score_change), "{}", item.crm_id);
    }
}

fn crm_ids(items: &[HotProspect]) -> Vec<String> {
    items.iter().map(|item| item.crm_id.clone()).collect()
}

/// The top `limit` records of `owner_id` by an independent reading of the documented rules,
/// straight from the database: `(crm id, score)`.
fn reference_ranking(sandbox: &Sandbox, owner_id: i64, limit: i64) -> Vec<(String, i64)> {
    const DAY: i64 = 86_400_000;
    let today = Utc::now().timestamp_millis() / DAY;
    let conn = db::open(&sandbox.db_path).unwrap();
    let mut statement = conn
        .prepare(
            "SELECT r.crm_id,
                    sum(CASE
                            WHEN a.kind = 'emailOpened' THEN 1
                            WHEN a.kind = 'emailClicked' THEN 3
                            WHEN a.kind = 'pageVisit' THEN 2
                            WHEN a.kind = 'formSubmitted' THEN 10
                            WHEN a.kind = 'programEnrolled' THEN 5
                            WHEN a.kind = 'unsubscribed' THEN -10
                            WHEN a.kind = 'emailBounced'
                                 AND json_extract(a.details, '$.bounceType') = 'hard' THEN -5
                            ELSE 0
                        END / (1 << ((?2 - a.occurred_at / ?3) / 30))) AS score,
                    (SELECT max(l.occurred_at) FROM activities l
                     WHERE l.record_id = r.id AND l.occurred_at < ?5) AS last_at
             FROM records r
             JOIN activities a ON a.record_id = r.id AND a.occurred_at >= ?4 AND a.occurred_at < ?5
             WHERE r.owner_id = ?1
             GROUP BY r.id HAVING score > 0
             ORDER BY score DESC, last_at DESC, r.id LIMIT ?6",
        )
        .unwrap();
    statement
        .query_map(reference_params(owner_id, today, DAY, limit), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn reference_params(owner_id: i64, today: i64, day: i64, limit: i64) -> [i64; 6] {
    [
        owner_id,
        today,
        day,
        (today - 89) * day,
        (today + 1) * day,
        limit,
    ]
}

#[tokio::test]
async fn a_rep_sees_their_own_prospects_ranked_by_the_documented_rules() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let ava = me(sandbox, &token).await.user;
    let before = Utc::now();
    let answer = hot(sandbox, &token, "").await;
    assert!((answer.generated_at - before).num_seconds().abs() < 60);
    assert_eq!(answer.owners, vec![ava.clone()]);
    assert_eq!(answer.items.len(), HOT_PROSPECTS_DEFAULT_LIMIT as usize);
    assert!(answer.items.iter().all(|item| item.owner == ava));
    assert_ranked(&answer.items);

    let expected = reference_ranking(sandbox, ava.id, 20);
    let got: Vec<(String, i64)> = answer
        .items
        .iter()
        .map(|item| (item.crm_id.clone(), item.score))
        .collect();
    assert_eq!(got, expected);

    // Asking by id is asking for oneself.
    let by_id = hot(sandbox, &token, &format!("owner={}", ava.id)).await;
    assert_eq!(crm_ids(&by_id.items), crm_ids(&answer.items));

    let rules = &answer.rules;
    assert_eq!(
        (rules.window_days, rules.half_life_days, rules.change_days),
        (90, 30, 7)
    );
    assert_eq!(rules.rules.len(), ScoreRule::ALL.len());
}

#[tokio::test]
async fn score_reasons_add_up_to_the_ranked_score() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let answer = hot(sandbox, &token, "limit=10").await;
    assert!(!answer.items.is_empty());
    let now = Utc::now();
    for item in &answer.items {
        let why = reasons(sandbox, &token, item.entity, &item.crm_id).await;
        assert_eq!(why.score, item.score, "{}", item.crm_id);
        assert_eq!(why.score_change, item.score_change, "{}", item.crm_id);
        assert_eq!(why.trend, item.trend);
        assert_eq!(why.totals.iter().map(|t| t.points).sum::<i64>(), why.score);
        assert_eq!(
            why.totals.iter().map(|t| t.activities).sum::<u32>(),
            why.reasons_total
        );
        assert_eq!(
            why.reasons.len(),
            (why.reasons_total as usize).min(SCORE_REASONS_SHOWN)
        );
        if why.reasons.len() == why.reasons_total as usize {
            assert_eq!(
                why.reasons.iter().map(|r| r.points).sum::<i64>(),
                why.score,
                "{}",
                item.crm_id
            );
        }
        for reason in &why.reasons {
            let rule = why
                .rules
                .rules
                .iter()
                .find(|rule| rule.rule == reason.rule)
                .unwrap();
            assert_eq!(reason.base_points, rule.points);
            assert_eq!(reason.activity.kind, rule.kind);
            assert!(reason.age_days < 90);
            assert_eq!(
                reason.points,
                rule.points / (1 << (reason.age_days / 30)),
                "{reason:?}"
            );
            assert_ne!(reason.points, 0);
            assert!(reason.activity.occurred_at <= now);
        }
        assert!(why
            .reasons
            .windows(2)
            .all(|w| w[0].activity.occurred_at >= w[1].activity.occurred_at));
    }
}

/// A record with thousands of activities in the scoring window: its reasons are the newest
/// 20, its totals count every one of them.
#[tokio::test]
async fn a_busy_records_reasons_list_its_newest_twenty_and_total_them_all() {
    let sandbox = shared();
    let token = token_for(sandbox, "rep-ava").await;
    let why = reasons(sandbox, &token, Entity::Lead, seed::PERF_RECORD).await;
    assert!(why.reasons_total > 100, "{}", why.reasons_total);
    assert_eq!(why.reasons.len(), SCORE_REASONS_SHOWN);
    assert_eq!(
        why.totals.iter().map(|t| t.activities).sum::<u32>(),
        why.reasons_total
    );
    assert_eq!(why.totals.iter().map(|t| t.points).sum::<i64>(), why.score);
    let newest: ActivityPage = get_json(
        sandbox,
        &token,
        &format!("/v1/records/lead/{}/activities?limit=1", seed::PERF_RECORD),
    )
    .await;
    assert!(why.reasons[0].activity.occurred_at <= newest.items[0].occurred_at);
    assert!(why
        .reasons
        .windows(2)
        .all(|w| w[0].activity.occurred_at >= w[1].activity.occurred_at));
}

#[tokio::test]
async fn limit_defaults_to_twenty_allows_fifty_and_names_the_field_otherwise() {
    let sandbox = shared();
    let token = token_for(sandbox, seed::MANAGER_A).await;
    let fifty = hot(sandbox, &token, "owner=team&limit=50").await;
    assert_eq!(fifty.items.len(), 50);
    let one = hot(sandbox, &token, "owner=team&limit=1").await;
    assert_eq!(crm_ids(&one.items), crm_ids(&fifty.items[..1]));
    let default = hot(sandbox, &token, "owner=team").await;
    assert_eq!(crm_ids(&default.items), crm_ids(&fifty.items[..20]));
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("limit=twenty", "limit"),
        ("owner=team&limit=-5", "limit"),
        ("owner=everyone", "owner"),
        ("owner=0", "owner"),
    ] {
        let (status, error) = hot_error(sandbox, &token, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error.code, ErrorCode::InvalidParameter, "{query}");
        assert_eq!(error.field.as_deref(), Some(field), "{query}");
    }
}

#[tokio::test]
async fn a_rep_asking_for_anyone_else_is_forbidden() {
    let sandbox = shared();
    let ava = token_for(sandbox, "rep-ava").await;
    let manager = me(sandbox, &token_for(sandbox, seed::MANAGER_A).await).await;
    let ben = manager
        .team
        .iter()
        .find(|user| user.crm_user == "rep-ben")
        .unwrap()
        .id;
    let b_rep = me(sandbox, &token_for(sandbox, seed::REP_B).await)
        .await
        .user
        .id;
    for query in [
        "owner=team".to_owned(),
        format!("owner={ben}"),
        format!("owner={}", manager.user.id),
        format!("owner={b_rep}"),
        "owner=999999".to_owned(),
    ] {
        let (status, error) = hot_error(sandbox, &ava, &query).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}");
        assert_eq!(error.code, ErrorCode::Forbidden, "{query}");
        assert!(!error.message.is_empty());
    }
    let (_, error) = hot_error(sandbox, &ava, "owner=team").await;
    assert!(error.message.contains("manager"), "{}", error.message);
}

#[tokio::test]
async fn a_manager_sees_one_rep_or_the_whole_team() {
    let sandbox = shared();
    let token = token_for(sandbox, seed::MANAGER_A).await;
    let manager = me(sandbox, &token).await;
    assert_eq!(manager.team.len(), 4);

    let team = hot(sandbox, &token, "owner=team&limit=50").await;
    let owners: HashSet<String> = team.owners.iter().map(|u| u.crm_user.clone()).collect();
    let mut expected: HashSet<String> = seed::REPS_A.iter().map(|r| r.to_string()).collect();
    expected.insert(seed::MANAGER_A.to_owned());
    assert_eq!(owners, expected);
    assert_eq!(team.owners[0], manager.user, "the manager comes first");
    assert_ranked(&team.items);

    // The team's ranking is the reps' rankings merged (the manager owns no records here).
    let own = hot(sandbox, &token, "owner=me&limit=50").await;
    assert_eq!(own.owners, vec![manager.user.clone()]);
    assert!(own.items.iter().all(|item| item.owner == manager.user));
    let mut merged = own.items;
    for rep in &manager.team {
        let answer = hot(sandbox, &token, &format!("owner={}&limit=50", rep.id)).await;
        assert_eq!(answer.owners, vec![rep.clone()]);
        assert!(answer.items.iter().all(|item| item.owner == *rep));
        assert_ranked(&answer.items);
        merged.extend(answer.items);
    }
    merged.sort_by(|a, b| {
        (b.score, b.last_activity.occurred_at).cmp(&(a.score, a.last_activity.occurred_at))
    });
    merged.truncate(50);
    let key = |items: &[HotProspect]| -> Vec<(i64, DateTime<Utc>)> {
        items
            .iter()
            .map(|i| (i.score, i.last_activity.occurred_at))
            .collect()
    };
    assert_eq!(key(&team.items), key(&merged));
    // Rows tied with the last one may differ in which made the cut; all others are the same.
    let last = key(&team.items)[49];
    let above = |items: &[HotProspect]| -> HashSet<String> {
        items
            .iter()
            .filter(|i| (i.score, i.last_activity.occurred_at) != last)
            .map(|i| i.crm_id.clone())
            .collect()
    };
    assert_eq!(above(&team.items), above(&merged));
    let reps_in_team: HashSet<&str> = team
        .items
        .iter()
        .map(|i| i.owner.crm_user.as_str())
        .collect();
    assert!(reps_in_team.len() > 1, "{reps_in_team:?}");
}

#[tokio::test]
async fn no_one_reaches_another_tenants_users_or_records() {
    let sandbox = shared();
    let a_manager = token_for(sandbox, seed::MANAGER_A).await;
    let b_manager = token_for(sandbox, seed::MANAGER_B).await;
    let a = me(sandbox, &a_manager).await;
    let b = me(sandbox, &b_manager).await;
    let ava = a.team.iter().find(|u| u.crm_user == "rep-ava").unwrap();

    for (token, query) in [
        (&a_manager, format!("owner={}", b.user.id)),
        (&a_manager, format!("owner={}", b.team[0].id)),
        (&a_manager, "owner=999999".to_owned()),
        (&b_manager, format!("owner={}", ava.id)),
        (&b_manager, format!("owner={}", a.user.id)),
    ] {
        let (status, error) = hot_error(sandbox, token, &query).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}");
        assert_eq!(error.code, ErrorCode::Forbidden);
    }

    let a_team = hot(sandbox, &a_manager, "owner=team&limit=50").await;
    let b_team = hot(sandbox, &b_manager, "owner=team&limit=50").await;
    let b_users: HashSet<i64> = std::iter::once(b.user.id)
        .chain(b.team.iter().map(|u| u.id))
        .collect();
    assert!(b_team.owners.iter().all(|u| b_users.contains(&u.id)));
    assert!(!b_team.items.is_empty());
    assert!(b_team
        .items
        .iter()
        .all(|i| b_users.contains(&i.owner.id) && !i.crm_id.starts_with("LEAD-0")));
    assert!(a_team
        .items
        .iter()
        .all(|i| !b_users.contains(&i.owner.id) && !i.crm_id.contains("-B-")));

    for (token, crm_id) in [(&a_manager, seed::B_LEAD), (&b_manager, seed::DEMO_LEAD)] {
        let response = get(
            sandbox,
            token,
            &format!("/v1/records/lead/{crm_id}/score-reasons"),
        )
        .await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{crm_id}");
        assert_eq!(error.code, ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn only_activity_of_the_last_ninety_days_counts() {
    let sandbox = shared();
    let token = token_for(sandbox, seed::REP_B).await;
    let now = Utc::now();
    let old = fresh_crm_id("OLD");
    let edge = fresh_crm_id("EDGE");
    let new = fresh_crm_id("NEW");
    lead_with(
        sandbox,
        &token,
        &old,
        &[(ActivityKind::FormSubmitted, now - Duration::days(91))],
    )
    .await;
    lead_with(
        sandbox,
        &token,
        &edge,
        &[(ActivityKind::FormSubmitted, now - Duration::days(85))],
    )
    .await;
    lead_with(
        sandbox,
        &token,
        &new,
        &[(ActivityKind::EmailOpened, now - Duration::minutes(5))],
    )
    .await;

    let answer = hot(sandbox, &token, "limit=50").await;
    assert!(answer.items.len() < 50, "every prospect of the rep fits");
    let find = |crm_id: &str| answer.items.iter().find(|i| i.crm_id == crm_id);
    assert!(find(&old).is_none(), "91 days old: out of the window");
    // A form at 85 days: a quarter of 10, fractions dropped.
    assert_eq!(find(&edge).map(|i| i.score), Some(2));
    assert_eq!(find(&new).map(|i| i.score), Some(1));
    assert_eq!(
        find(&new).unwrap().last_activity.kind,
        ActivityKind::EmailOpened
    );

    let why = reasons(sandbox, &token, Entity::Lead, &old).await;
    assert_eq!((why.score, why.reasons.len()), (0, 0));
    let why = reasons(sandbox, &token, Entity::Lead, &edge).await;
    assert_eq!(why.score, 2);
    assert_eq!(why.reasons.len(), 1);
    let reason = &why.reasons[0];
    assert_eq!(reason.rule, ScoreRule::FormSubmitted);
    assert_eq!((reason.base_points, reason.points), (10, 2));
    assert!((85..=86).contains(&reason.age_days), "{}", reason.age_days);
}

#[tokio::test]
async fn scores_decay_and_change_against_seven_days_ago() {
    let sandbox = shared();
    let token = token_for(sandbox, seed::REP_B).await;
    let now = Utc::now();
    let up = fresh_crm_id("UP");
    let flat = fresh_crm_id("FLAT");
    let down = fresh_crm_id("DOWN");
    let form = ActivityKind::FormSubmitted;
    lead_with(sandbox, &token, &up, &[(form, now - Duration::minutes(1))]).await;
    lead_with(sandbox, &token, &flat, &[(form, now - Duration::days(10))]).await;
    lead_with(sandbox, &token, &down, &[(form, now - Duration::days(35))]).await;

    let row = |answer: &HotProspects, crm_id: &str| {
        let item = answer.items.iter().find(|i| i.crm_id == crm_id).unwrap();
        (item.score, item.score_change, item.trend)
    };
    let answer = hot(sandbox, &token, "limit=50").await;
    assert_eq!(row(&answer, &up), (10, 10, Trend::Up));
    assert_eq!(row(&answer, &flat), (10, 0, Trend::Flat));
    // Worth 10 a week ago (28 days old), halved since.
    assert_eq!(row(&answer, &down), (5, -5, Trend::Down));

    // New activity shows at once.
    add_activities(
        sandbox,
        &token,
        &flat,
        &[(ActivityKind::EmailClicked, now - Duration::minutes(1))],
    )
    .await;
    let answer = hot(sandbox, &token, "limit=50").await;
    assert_eq!(row(&answer, &flat), (13, 3, Trend::Up));
    let item = answer.items.iter().find(|i| i.crm_id == flat).unwrap();
    assert_eq!(item.last_activity.kind, ActivityKind::EmailClicked);
    let why = reasons(sandbox, &token, Entity::Lead, &flat).await;
    assert_eq!((why.score, why.score_change), (13, 3));
}

#[tokio::test]
async fn equal_scores_keep_a_stable_order() {
    let sandbox = shared();
    // The tenant B manager owns few records, so these are its top ones.
    let token = token_for(sandbox, seed::MANAGER_B).await;
    let now = Utc::now();
    let form = ActivityKind::FormSubmitted;
    let two_forms = |at: DateTime<Utc>| vec![(form, at), (form, at - Duration::minutes(1))];
    let at = now - Duration::hours(2);
    let label = fresh_crm_id("TIE");
    let id = |n: u32| format!("{label}-{n}");
    // Created in this order, so the platform's record order is 1, 2, 3.
    for n in 1..=3 {
        lead_with(sandbox, &token, &id(n), &two_forms(at)).await;
    }
    // Same score, newer last activity (a send earns nothing).
    let mut newer = two_forms(at);
    newer.push((ActivityKind::EmailSent, now - Duration::hours(1)));
    lead_with(sandbox, &token, &id(4), &newer).await;
    // Same score, older last activity.
    lead_with(sandbox, &token, &id(5), &two_forms(at - Duration::hours(1))).await;
    // A higher score.
    let mut more = two_forms(at - Duration::hours(1));
    more.push((ActivityKind::EmailClicked, at - Duration::hours(1)));
    lead_with(sandbox, &token, &id(6), &more).await;

    let mine = |answer: &HotProspects| -> Vec<String> {
        answer
            .items
            .iter()
            .filter(|i| i.crm_id.starts_with(&label))
            .map(|i| i.crm_id.clone())
            .collect()
    };
    let first = hot(sandbox, &token, "limit=50").await;
    assert_eq!(mine(&first), [6, 4, 1, 2, 3, 5].map(id).to_vec());
    assert_ranked(&first.items);
    for _ in 0..3 {
        let again = hot(sandbox, &token, "limit=50").await;
        assert_eq!(crm_ids(&again.items), crm_ids(&first.items));
    }
    let scores: Vec<i64> = first
        .items
        .iter()
        .filter(|i| i.crm_id.starts_with(&label))
        .map(|i| i.score)
        .collect();
    assert_eq!(scores, vec![23, 20, 20, 20, 20, 20]);
}
