//! The prospects endpoints of the API: a rep's or a manager's team's hot prospects, ranked by
//! behaviour score, and why a record has its score.
//!
//! The scoring rules live in [`scoring`]. Because ages count in UTC calendar days, a record's
//! score only changes at midnight (UTC) or when its activity changes; so each record's score is
//! kept for the day in `prospect_scores`, whose triggers on `activities` drop a record's row
//! whenever one of its activities is written. A ranking reads the kept scores of the owners'
//! records in one pass (one row per record, a few thousand at most) and computes, in the same
//! transaction, the ones missing or kept for an earlier day. [`keep_scores_warm`] computes those
//! ahead of time in the background (after midnight, and every minute for new activity), so a
//! ranking normally finds every score kept and never scans 90 days of activity on the hot path.
//! `score-reasons` computes its one record from the activities with the same
//! [`scoring::Tally`], so the two always agree.

pub mod scoring;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use rusqlite::types::ValueRef;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use utoipa::OpenApi;

use super::auth::Caller;
use super::db::{self, column_enum, from_millis, to_millis};
use super::error::{ApiResult, Failure};
use super::http::{check_crm_id, parse_entity, QueryParams};
use super::{AppState, Db};
use crate::wire::schemas::CrmId;
use crate::wire::*;

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/hot-prospects", get(hot_prospects))
        .route(
            "/v1/records/{entity}/{crm_id}/score-reasons",
            get(score_reasons),
        )
}

/// The OpenAPI description of this module's endpoints, merged into the document.
#[derive(OpenApi)]
#[openapi(
    paths(hot_prospects, score_reasons),
    components(schemas(
        HotProspects, HotProspect, Trend, ScoreReasons, ScoreReason, RuleTotal, ScoreRule,
        ScoringRule, ScoringRules,
    )),
    tags((name = "prospects", description = "Hot prospects ranked by behaviour score, and why"))
)]
pub struct Doc;

/// The validated query of a hot-prospects request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HotProspectsQuery {
    pub owner: OwnerSelection,
    pub limit: u32,
}

impl HotProspectsQuery {
    pub fn from_query(query: &QueryParams) -> ApiResult<HotProspectsQuery> {
        let owner = owner_param(query)?;
        let limit = match query.raw("limit") {
            None => HOT_PROSPECTS_DEFAULT_LIMIT,
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=HOT_PROSPECTS_MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    Failure::invalid(
                        "limit",
                        format!("'limit' must be a number from 1 to {HOT_PROSPECTS_MAX_LIMIT}."),
                    )
                })?,
        };
        Ok(HotProspectsQuery { owner, limit })
    }
}

/// `owner` as the document's pattern has it: `me`, `team`, or a user id of 1 to 18 digits
/// without a leading zero (every one an i64).
fn owner_of(text: &str) -> Option<OwnerSelection> {
    let id = text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    match text {
        "me" | "team" => OwnerSelection::parse(text),
        _ if id => OwnerSelection::parse(text),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Who may see whose prospects

/// The `owner` query parameter: `me` when absent.
pub fn owner_param(query: &QueryParams) -> ApiResult<OwnerSelection> {
    match query.raw("owner") {
        None => Ok(OwnerSelection::Me),
        Some(text) => owner_of(text)
            .ok_or_else(|| Failure::invalid("owner", "'owner' must be me, team or a user id.")),
    }
}

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserSummary> {
    Ok(UserSummary {
        id: row.get(0)?,
        crm_user: row.get(1)?,
        name: row.get(2)?,
        role: column_enum(row.get(3)?, Role::parse)?,
    })
}

/// The owners whose `what` (hot prospects, sends, visitors…) `caller` asked for, or why they may
/// not.
///
/// A rep may only ask for themselves. A manager may ask for themselves, one of the reps who
/// report to them, or the team (themselves, then their reps by name). Any other user id, whether
/// of another manager's team, of another tenant or of no one, is refused alike, so an answer
/// never tells whether a user exists elsewhere.
pub fn owners_for(
    conn: &Connection,
    caller: &Caller,
    selection: OwnerSelection,
    what: &str,
) -> ApiResult<Vec<UserSummary>> {
    let me = conn
        .prepare_cached(
            "SELECT id, crm_user, name, role FROM users WHERE id = ?1 AND tenant_id = ?2",
        )?
        .query_row(params![caller.user_id, caller.tenant_id], user_row)
        .optional()?
        .ok_or_else(|| Failure::token_invalid("The token's user no longer exists."))?;
    match selection {
        OwnerSelection::Me => Ok(vec![me]),
        OwnerSelection::User(id) if id == me.id => Ok(vec![me]),
        OwnerSelection::Team if me.role != Role::Manager => Err(Failure::forbidden(format!(
            "Only a manager can see the whole team's {what}; a rep sees their own."
        ))),
        OwnerSelection::User(_) if me.role != Role::Manager => Err(Failure::forbidden(format!(
            "A rep can only see their own {what}."
        ))),
        OwnerSelection::Team => {
            let mut statement = conn.prepare_cached(
                "SELECT id, crm_user, name, role FROM users
                 WHERE manager_id = ?1 AND tenant_id = ?2 ORDER BY name, id",
            )?;
            let reps = statement
                .query_map(params![me.id, caller.tenant_id], user_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(std::iter::once(me).chain(reps).collect())
        }
        OwnerSelection::User(id) => {
            let rep = conn
                .prepare_cached(
                    "SELECT id, crm_user, name, role FROM users
                     WHERE id = ?1 AND tenant_id = ?2 AND manager_id = ?3",
                )?
                .query_row(params![id, caller.tenant_id, me.id], user_row)
                .optional()?;
            rep.map(|rep| vec![rep]).ok_or_else(|| {
                Failure::forbidden(format!(
                    "User {id} is not on your team; you can see your own {what}, \
                     your reps' or the whole team's."
                ))
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scores kept for the day

/// A record's score on one day, with its newest activity up to that day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayScore {
    pub tally: scoring::Tally,
    /// `(occurred_at, id)` of the newest activity dated today or earlier.
    pub last: Option<(i64, i64)>,
}

/// Computes one record's score on `today` from its activities, through the covering index
/// `(record_id, kind, occurred_at)`: only the kinds some rule scores, only the days that matter.
pub fn score_record(conn: &Connection, record_id: i64, today: i64) -> rusqlite::Result<DayScore> {
    let from = scoring::start_of_day(scoring::first_relevant_day(today));
    let until = scoring::start_of_day(today + 1);
    let mut tally = scoring::Tally::new(today);
    let kinds = scoring::scored_kinds();
    let (plain, detailed): (Vec<ActivityKind>, Vec<ActivityKind>) = kinds
        .iter()
        .partition(|kind| !scoring::needs_details(**kind));

    let sql = format!(
        "SELECT kind, occurred_at FROM activities
         WHERE record_id = ? AND kind IN ({}) AND occurred_at >= ? AND occurred_at < ?",
        placeholders(plain.len())
    );
    let mut args: Vec<rusqlite::types::Value> = vec![record_id.into()];
    args.extend(plain.iter().map(|kind| kind.as_str().to_owned().into()));
    args.push(from.into());
    args.push(until.into());
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        // Read in place: a quarter of a million rows on the first ranking of a day.
        let kind = match row.get_ref(0)? {
            ValueRef::Text(text) => std::str::from_utf8(text).ok().and_then(ActivityKind::parse),
            _ => None,
        };
        if let Some(rule) = kind.and_then(|kind| scoring::rule_for(kind, None)) {
            tally.add(rule, scoring::day_of(row.get(1)?));
        }
    }

    let mut statement = conn.prepare_cached(
        "SELECT occurred_at, json_extract(details, '$.bounceType') FROM activities
         WHERE record_id = ?1 AND kind = ?2 AND occurred_at >= ?3 AND occurred_at < ?4",
    )?;
    for kind in detailed {
        let mut rows = statement.query(params![record_id, kind.as_str(), from, until])?;
        while let Some(row) = rows.next()? {
            let bounce_type: Option<String> = row.get(1)?;
            if let Some(rule) = scoring::rule_for(kind, bounce_type.as_deref()) {
                tally.add(rule, scoring::day_of(row.get(0)?));
            }
        }
    }

    let last = conn
        .prepare_cached(
            "SELECT occurred_at, id FROM activities WHERE record_id = ?1 AND occurred_at < ?2
             ORDER BY occurred_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![record_id, until], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    Ok(DayScore { tally, last })
}

/// An `IN (…)` list of `count` placeholders.
fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// A record's score on one day, as kept in `prospect_scores`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptScore {
    pub record_id: i64,
    pub score: i64,
    pub score_then: i64,
    /// `(occurred_at, id)` of the newest activity dated that day or earlier.
    pub last: Option<(i64, i64)>,
}

impl KeptScore {
    /// The ranking order: score descending, then newest last activity, then record id.
    fn rank_key(&self) -> (std::cmp::Reverse<i64>, std::cmp::Reverse<Option<i64>>, i64) {
        (
            std::cmp::Reverse(self.score),
            std::cmp::Reverse(self.last.map(|(at, _)| at)),
            self.record_id,
        )
    }
}

/// Every record of the owners with its score on `today`: kept scores are read in one pass over
/// the owners' records, the missing or outdated ones computed and kept. Also answers how many
/// were computed.
pub fn owners_scores(
    conn: &mut Connection,
    tenant_id: i64,
    owner_ids: &[i64],
    today: i64,
) -> rusqlite::Result<(Vec<KeptScore>, usize)> {
    let tx = conn.transaction()?;
    let mut scores = Vec::new();
    let mut stale = Vec::new();
    {
        let sql = format!(
            "SELECT r.id, ps.day, ps.score, ps.score_then, ps.last_at, ps.last_id
             FROM records r LEFT JOIN prospect_scores ps ON ps.record_id = r.id
             WHERE r.tenant_id = ? AND r.owner_id IN ({})",
            placeholders(owner_ids.len())
        );
        let mut args: Vec<i64> = vec![tenant_id];
        args.extend_from_slice(owner_ids);
        let mut statement = tx.prepare_cached(&sql)?;
        let mut rows = statement.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let record_id: i64 = row.get(0)?;
            if row.get::<_, Option<i64>>(1)? != Some(today) {
                stale.push(record_id);
                continue;
            }
            let last = match (row.get(4)?, row.get(5)?) {
                (Some(at), Some(id)) => Some((at, id)),
                _ => None,
            };
            scores.push(KeptScore {
                record_id,
                score: row.get(2)?,
                score_then: row.get(3)?,
                last,
            });
        }
    }
    for &record_id in &stale {
        scores.push(keep_score(&tx, record_id, today)?);
    }
    tx.commit()?;
    Ok((scores, stale.len()))
}

/// Computes a record's score on `today` and keeps it in `prospect_scores`.
fn keep_score(conn: &Connection, record_id: i64, today: i64) -> rusqlite::Result<KeptScore> {
    let computed = score_record(conn, record_id, today)?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO prospect_scores
             (record_id, day, score, score_then, last_at, last_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        record_id,
        today,
        computed.tally.score,
        computed.tally.score_then,
        computed.last.map(|(at, _)| at),
        computed.last.map(|(_, id)| id),
    ])?;
    Ok(KeptScore {
        record_id,
        score: computed.tally.score,
        score_then: computed.tally.score_then,
        last: computed.last,
    })
}

/// How many records one step of the warmer scores while it holds the database: a few
/// milliseconds, so rankings and every other request go in between.
pub const WARM_BATCH: usize = 20;

/// How often the warmer looks for scores dropped by new activity, besides at UTC midnight.
const WARM_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// One step of the warmer: computes and keeps today's score of up to `batch` owned records whose
/// kept score is missing or from an earlier day. Answers how many it computed; 0 means every
/// owned record's score is kept for `today`.
pub fn warm_scores(conn: &mut Connection, today: i64, batch: usize) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let stale: Vec<i64> = tx
        .prepare_cached(
            "SELECT r.id FROM records r LEFT JOIN prospect_scores ps ON ps.record_id = r.id
             WHERE r.owner_id IS NOT NULL AND (ps.day IS NULL OR ps.day <> ?1)
             LIMIT ?2",
        )?
        .query_map(params![today, batch as i64], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &record_id in &stale {
        keep_score(&tx, record_id, today)?;
    }
    tx.commit()?;
    Ok(stale.len())
}

/// Keeps every owned record's score ready in the background, so the first ranking of a day reads
/// kept scores instead of recomputing them all: at start, right after each UTC midnight, and every
/// [`WARM_EVERY`] for records whose activity changed. One [`WARM_BATCH`] per hold of the
/// database.
pub async fn keep_scores_warm(db: Db) {
    loop {
        let today = scoring::day_of(to_millis(Utc::now()));
        loop {
            match db
                .run(move |conn| Ok(warm_scores(conn, today, WARM_BATCH)?))
                .await
            {
                Ok(0) => break,
                Ok(_) => tokio::task::yield_now().await,
                Err(failure) => {
                    tracing::warn!("warming hot-prospect scores: {failure:?}");
                    break;
                }
            }
        }
        let until_midnight = scoring::start_of_day(today + 1) - to_millis(Utc::now());
        let wait = WARM_EVERY.min(std::time::Duration::from_millis(
            until_midnight.max(0) as u64 + 1_000,
        ));
        tokio::time::sleep(wait).await;
    }
}

/// The best `limit` of `scores` with a score above zero, in ranking order.
pub fn top(mut scores: Vec<KeptScore>, limit: usize) -> Vec<KeptScore> {
    scores.retain(|kept| kept.score > 0);
    if scores.len() > limit {
        scores.select_nth_unstable_by_key(limit, KeptScore::rank_key);
        scores.truncate(limit);
    }
    scores.sort_unstable_by_key(KeptScore::rank_key);
    scores
}

fn interaction_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Interaction> {
    conn.prepare_cached("SELECT id, kind, occurred_at, subject FROM activities WHERE id = ?1")?
        .query_row([id], |row| {
            Ok(Interaction {
                id: row.get(0)?,
                kind: column_enum(row.get(1)?, ActivityKind::parse)?,
                occurred_at: from_millis(row.get(2)?),
                subject: row.get(3)?,
            })
        })
}

/// The row of one ranked record.
fn hot_prospect(
    conn: &Connection,
    kept: &KeptScore,
    owners: &[UserSummary],
) -> ApiResult<HotProspect> {
    let (entity, crm_id, first_name, last_name, email, company, owner_id) = conn
        .prepare_cached(
            "SELECT entity, crm_id, first_name, last_name, email, company, owner_id
             FROM records WHERE id = ?1",
        )?
        .query_row([kept.record_id], |row| {
            Ok((
                column_enum(row.get(0)?, Entity::parse)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get::<_, Option<i64>>(6)?,
            ))
        })?;
    let owner = owners
        .iter()
        .find(|owner| Some(owner.id) == owner_id)
        .cloned()
        .ok_or_else(|| Failure::internal("a ranked record is not the owners' any more"))?;
    let (_, last_id) = kept
        .last
        .ok_or_else(|| Failure::internal("a record with points has no activity"))?;
    let change = kept.score - kept.score_then;
    Ok(HotProspect {
        entity,
        crm_id,
        first_name,
        last_name,
        email,
        company,
        score: kept.score,
        score_change: change,
        trend: Trend::of(change),
        last_activity: interaction_by_id(conn, last_id)?,
        owner,
    })
}

// ---------------------------------------------------------------------------------------------
// GET /v1/hot-prospects

#[utoipa::path(get, path = "/v1/hot-prospects", tag = "prospects",
    params(
        ("owner" = Option<String>, Query, pattern = "^(me|team|[1-9][0-9]{0,17})$",
            description = "`me` (default), `team` (a manager and their reps) or a user id: a rep may \
                           only ask for themselves, a manager also for one of their reps"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 50, description = "Rows, 1 to 50; default 20"),
    ),
    responses(
        (status = 200, body = HotProspects),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The owner is not the caller nor, for a manager, on their team", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn hot_prospects(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<HotProspects>> {
    let query = HotProspectsQuery::from_query(&QueryParams::parse(query))?;
    state
        .db
        .run(move |conn| {
            let generated_at = Utc::now();
            let today = scoring::day_of(to_millis(generated_at));
            let owners = owners_for(conn, &caller, query.owner, "hot prospects")?;
            let owner_ids: Vec<i64> = owners.iter().map(|owner| owner.id).collect();
            let (scores, _) = owners_scores(conn, caller.tenant_id, &owner_ids, today)?;
            let items = top(scores, query.limit as usize)
                .iter()
                .map(|kept| hot_prospect(conn, kept, &owners))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(Json(HotProspects {
                owners,
                items,
                generated_at,
                rules: scoring::rules(),
            }))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/records/{entity}/{crmId}/score-reasons

/// Why a record has its score on `today`: every activity of the window that earns points now.
pub fn reasons_of(
    conn: &Connection,
    record_id: i64,
    today: i64,
) -> rusqlite::Result<(scoring::Tally, Vec<ScoreReason>)> {
    let from = scoring::start_of_day(scoring::first_relevant_day(today));
    let until = scoring::start_of_day(today + 1);
    let mut statement = conn.prepare_cached(
        "SELECT id, kind, occurred_at, subject,
                CASE WHEN kind = 'emailBounced' THEN json_extract(details, '$.bounceType') END
         FROM activities WHERE record_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3
         ORDER BY occurred_at DESC, id DESC",
    )?;
    let mut rows = statement.query(params![record_id, from, until])?;
    let mut tally = scoring::Tally::new(today);
    let mut reasons = Vec::new();
    while let Some(row) = rows.next()? {
        let kind = column_enum(row.get(1)?, ActivityKind::parse)?;
        let bounce_type: Option<String> = row.get(4)?;
        let Some(rule) = scoring::rule_for(kind, bounce_type.as_deref()) else {
            continue;
        };
        let occurred_at: i64 = row.get(2)?;
        let day = scoring::day_of(occurred_at);
        let points = tally.add(rule, day);
        if points != 0 {
            reasons.push(ScoreReason {
                activity: Interaction {
                    id: row.get(0)?,
                    kind,
                    occurred_at: from_millis(occurred_at),
                    subject: row.get(3)?,
                },
                rule,
                age_days: (today - day) as u32,
                base_points: scoring::base_points(rule),
                points,
            });
        }
    }
    Ok((tally, reasons))
}

/// The reasons added up per rule: most points first, penalties last.
pub fn totals_of(reasons: &[ScoreReason]) -> Vec<RuleTotal> {
    let mut totals: Vec<RuleTotal> = Vec::new();
    for reason in reasons {
        match totals.iter_mut().find(|total| total.rule == reason.rule) {
            Some(total) => {
                total.activities += 1;
                total.points += reason.points;
            }
            None => totals.push(RuleTotal {
                rule: reason.rule,
                activities: 1,
                points: reason.points,
            }),
        }
    }
    totals.sort_by(|a, b| b.points.cmp(&a.points).then(a.rule.cmp(&b.rule)));
    totals
}

#[utoipa::path(get, path = "/v1/records/{entity}/{crmId}/score-reasons", tag = "prospects",
    description = "Why a record's behaviour score is what it is: the totals per scoring rule over every \
activity of the scoring window, and the newest 20 of those activities with their points.",
    params(
        ("entity" = Entity, Path, description = "lead, contact or account"),
        ("crmId" = CrmId, Path, description = "The record's id in the CRM"),
    ),
    responses(
        (status = 200, body = ScoreReasons),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Not yet known to marketing", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn score_reasons(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
) -> ApiResult<Json<ScoreReasons>> {
    let entity = parse_entity(&entity)?;
    check_crm_id("crmId", &crm_id)?;
    state
        .db
        .run(move |conn| {
            let record_id = db::find_record_id(conn, caller.tenant_id, entity, &crm_id)?
                .ok_or_else(|| {
                    Failure::not_found(format!(
                        "The {entity} {crm_id} is not yet known to marketing."
                    ))
                })?;
            let generated_at = Utc::now();
            let today = scoring::day_of(to_millis(generated_at));
            let (tally, mut reasons) = reasons_of(conn, record_id, today)?;
            let totals = totals_of(&reasons);
            let reasons_total = u32::try_from(reasons.len()).unwrap_or(u32::MAX);
            reasons.truncate(SCORE_REASONS_SHOWN);
            Ok(Json(ScoreReasons {
                entity,
                crm_id,
                score: tally.score,
                score_change: tally.change(),
                trend: Trend::of(tally.change()),
                totals,
                reasons,
                reasons_total,
                generated_at,
                rules: scoring::rules(),
            }))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::db::{insert_activity, insert_record, insert_tenant, insert_user};
    use chrono::{DateTime, Duration};

    fn parse(query: &str) -> ApiResult<HotProspectsQuery> {
        HotProspectsQuery::from_query(&QueryParams::parse(Some(query.to_owned())))
    }

    #[test]
    fn the_query_defaults_to_my_top_twenty_and_names_bad_fields() {
        assert_eq!(
            parse("").unwrap(),
            HotProspectsQuery {
                owner: OwnerSelection::Me,
                limit: 20
            }
        );
        assert_eq!(
            parse("owner=team&limit=50").unwrap(),
            HotProspectsQuery {
                owner: OwnerSelection::Team,
                limit: 50
            }
        );
        assert_eq!(parse("owner=7").unwrap().owner, OwnerSelection::User(7));
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=51", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("owner=everyone", "owner"),
            ("owner=0", "owner"),
        ] {
            let failure = parse(query).unwrap_err();
            assert_eq!(failure.error.field.as_deref(), Some(field), "{query}");
            assert_eq!(failure.error.code, ErrorCode::InvalidParameter);
        }
    }

    /// One record with the given activities, in a fresh database.
    fn record_with(
        activities: &[(ActivityKind, DateTime<Utc>, Option<&str>)],
    ) -> (Connection, i64) {
        let conn = db::open_in_memory().unwrap();
        let tenant = insert_tenant(&conn, "T").unwrap();
        let user = insert_user(&conn, tenant, "u", "U", Role::Rep, None).unwrap();
        let record = insert_record(
            &conn,
            &db::NewRecord {
                owner_id: Some(user),
                ..db::NewRecord::lead(tenant, "L-1")
            },
        )
        .unwrap();
        for (kind, at, bounce) in activities {
            let details = ActivityDetails {
                bounce_type: bounce.map(str::to_owned),
                ..Default::default()
            };
            insert_activity(
                &conn,
                &db::NewActivity {
                    record_id: record,
                    occurred_at: *at,
                    kind: *kind,
                    subject: None,
                    url: None,
                    campaign_id: None,
                    details: &details,
                },
            )
            .unwrap();
        }
        (conn, record)
    }

    #[test]
    fn the_kept_score_and_the_reasons_agree() {
        let noon = DateTime::parse_from_rfc3339("2026-03-20T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let today = scoring::day_of(to_millis(noon));
        let ago = |days| noon - Duration::days(days);
        let (conn, record) = record_with(&[
            (ActivityKind::FormSubmitted, ago(0), None),
            (ActivityKind::EmailSent, ago(0) + Duration::hours(1), None),
            (ActivityKind::PageVisit, ago(3), None),
            (ActivityKind::EmailBounced, ago(5), Some("soft")),
            (ActivityKind::EmailBounced, ago(40), Some("hard")),
            (ActivityKind::EmailClicked, ago(61), None),
            (ActivityKind::EmailOpened, ago(61), None),
            (ActivityKind::ScoreChanged, ago(2), None),
            (ActivityKind::FormSubmitted, ago(91), None),
            (ActivityKind::FormSubmitted, ago(-2), None),
        ]);
        let kept = score_record(&conn, record, today).unwrap();
        let (tally, reasons) = reasons_of(&conn, record, today).unwrap();
        assert_eq!(kept.tally, tally);
        // 10 + 2 - 2 (hard bounce at 40 days) + 0 (click: 3/4) + 0 (open: 1/4)
        assert_eq!(tally.score, 10);
        assert_eq!(reasons.iter().map(|r| r.points).sum::<i64>(), tally.score);
        assert_eq!(
            reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
            vec![
                ScoreRule::FormSubmitted,
                ScoreRule::PageVisit,
                ScoreRule::HardBounce
            ]
        );
        assert_eq!(reasons[2].age_days, 40);
        assert_eq!(reasons[2].base_points, -5);
        // A week ago: visit 3 days ago not yet, bounce at 33 days -2, click at 54 days 1,
        // open at 54 days 0, form at 84 days 2.
        assert_eq!(tally.score_then, -2 + 1 + 2);
        // The newest activity up to today is the send, not the future form.
        let (last_at, _) = kept.last.unwrap();
        assert_eq!(from_millis(last_at), ago(0) + Duration::hours(1));
        assert_eq!(
            totals_of(&reasons)
                .iter()
                .map(|t| (t.rule, t.points))
                .collect::<Vec<_>>(),
            vec![
                (ScoreRule::FormSubmitted, 10),
                (ScoreRule::PageVisit, 2),
                (ScoreRule::HardBounce, -2)
            ]
        );
    }

    #[test]
    fn writing_an_activity_clears_the_kept_score() {
        let now = Utc::now();
        let today = scoring::day_of(to_millis(now));
        let (mut conn, record) = record_with(&[(ActivityKind::PageVisit, now, None)]);
        let tenant: i64 = conn
            .query_row("SELECT tenant_id FROM records", [], |r| r.get(0))
            .unwrap();
        let owner: i64 = conn
            .query_row("SELECT owner_id FROM records", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            owners_scores(&mut conn, tenant, &[owner], today).unwrap().1,
            1
        );
        assert_eq!(
            owners_scores(&mut conn, tenant, &[owner], today).unwrap().1,
            0
        );
        assert_eq!(
            owners_scores(&mut conn, tenant, &[owner], today + 1)
                .unwrap()
                .1,
            1,
            "a new day recomputes"
        );
        insert_activity(
            &conn,
            &db::NewActivity {
                record_id: record,
                occurred_at: now,
                kind: ActivityKind::FormSubmitted,
                subject: None,
                url: None,
                campaign_id: None,
                details: &ActivityDetails::default(),
            },
        )
        .unwrap();
        assert_eq!(
            owners_scores(&mut conn, tenant, &[owner], today).unwrap().1,
            1
        );
        let kept: i64 = conn
            .query_row("SELECT score FROM prospect_scores", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 12);
        let (scores, computed) = owners_scores(&mut conn, tenant, &[owner], today).unwrap();
        assert_eq!((scores[0].score, computed), (12, 0), "read back as kept");
    }

    #[test]
    fn the_warmer_keeps_every_owned_score_in_small_steps() {
        let mut conn = db::open_in_memory().unwrap();
        let options = crate::sandbox::seed::SeedOptions {
            activities: 5_000,
            now: Utc::now(),
        };
        crate::sandbox::seed::seed(&mut conn, &options).unwrap();
        let today = scoring::day_of(to_millis(Utc::now()));
        let owned: usize = conn
            .query_row(
                "SELECT COUNT(*) FROM records WHERE owner_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut steps = Vec::new();
        loop {
            let computed = warm_scores(&mut conn, today, 7).unwrap();
            if computed == 0 {
                break;
            }
            assert!(computed <= 7);
            steps.push(computed);
        }
        assert_eq!(steps.iter().sum::<usize>(), owned);
        assert_eq!(steps.len(), owned.div_ceil(7));
        // Every owner's ranking now reads kept scores only, and they are the computed ones.
        let owners: Vec<(i64, i64)> = conn
            .prepare("SELECT DISTINCT tenant_id, owner_id FROM records WHERE owner_id IS NOT NULL")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (tenant, owner) in owners {
            let (scores, computed) = owners_scores(&mut conn, tenant, &[owner], today).unwrap();
            assert_eq!(computed, 0, "owner {owner} had to compute");
            for kept in scores {
                let fresh = score_record(&conn, kept.record_id, today).unwrap();
                assert_eq!(
                    (kept.score, kept.score_then, kept.last),
                    (fresh.tally.score, fresh.tally.score_then, fresh.last)
                );
            }
        }
        // A new day makes every score stale again; new activity makes its record's stale.
        assert_eq!(warm_scores(&mut conn, today + 1, 1_000_000).unwrap(), owned);
        let record: i64 = conn
            .query_row(
                "SELECT id FROM records WHERE owner_id IS NOT NULL LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        insert_activity(
            &conn,
            &db::NewActivity {
                record_id: record,
                occurred_at: Utc::now(),
                kind: ActivityKind::PageVisit,
                subject: None,
                url: None,
                campaign_id: None,
                details: &ActivityDetails::default(),
            },
        )
        .unwrap();
        assert_eq!(warm_scores(&mut conn, today + 1, 100).unwrap(), 1);
        assert_eq!(warm_scores(&mut conn, today + 1, 100).unwrap(), 0);
    }

    #[test]
    fn the_top_is_by_score_then_newest_activity_then_record() {
        let kept = |record_id, score, last_at: Option<i64>| KeptScore {
            record_id,
            score,
            score_then: 0,
            last: last_at.map(|at| (at, record_id)),
        };
        let scores = vec![
            kept(1, 5, Some(100)),
            kept(2, 9, Some(50)),
            kept(3, 5, Some(200)),
            kept(4, 0, Some(900)),
            kept(5, 5, Some(100)),
            kept(6, -3, Some(900)),
            kept(7, 9, Some(50)),
        ];
        let ids = |list: Vec<KeptScore>| list.iter().map(|k| k.record_id).collect::<Vec<_>>();
        assert_eq!(ids(top(scores.clone(), 10)), vec![2, 7, 3, 1, 5]);
        assert_eq!(ids(top(scores.clone(), 3)), vec![2, 7, 3]);
        assert_eq!(ids(top(scores, 1)), vec![2]);
    }
}
