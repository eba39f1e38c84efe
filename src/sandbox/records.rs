//! The API's endpoints about the caller and about one CRM record (what marketing knows of it:
//! profile, activities, engagement), and the `/dev` development endpoints.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::Deserialize;

use super::auth::{self, Caller, Claims};
use super::db::{self, column_enum, from_millis, to_millis};
use super::engagement;
use super::error::{ApiResult, Failure};
use super::http::{check_crm_id, known_record, parse_body, parse_entity, QueryParams};
use super::AppState;
use crate::wire::query::{ACTIVITIES_DEFAULT_LIMIT, ACTIVITIES_MAX_LIMIT};
use crate::wire::*;

// ---------------------------------------------------------------------------------------------
// GET /v1/me

#[utoipa::path(get, path = "/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    state
        .db
        .run(move |conn| {
            let (user, tenant) = conn.query_row(
                "SELECT u.id, u.crm_user, u.name, u.role, t.id, t.name
                 FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ?1 AND u.tenant_id = ?2",
                params![caller.user_id, caller.tenant_id],
                |row| {
                    Ok((
                        UserSummary {
                            id: row.get(0)?,
                            crm_user: row.get(1)?,
                            name: row.get(2)?,
                            role: column_enum(row.get(3)?, Role::parse)?,
                        },
                        Tenant { id: row.get(4)?, name: row.get(5)? },
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| Failure::token_invalid("The token's user no longer exists."))?;
            let team = team_of(conn, tenant.id, user.id)?;
            let connection_origins = super::connections::origins_for(conn, caller.connection_id)?;
            Ok(Json(Me { user, tenant, team, connection_origins }))
        })
        .await
}

fn team_of(
    conn: &Connection,
    tenant_id: i64,
    manager_id: i64,
) -> rusqlite::Result<Vec<UserSummary>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, crm_user, name, role FROM users WHERE tenant_id = ?1 AND manager_id = ?2
         ORDER BY name",
    )?;
    let rows = statement.query_map([tenant_id, manager_id], |row| {
        Ok(UserSummary {
            id: row.get(0)?,
            crm_user: row.get(1)?,
            name: row.get(2)?,
            role: column_enum(row.get(3)?, Role::parse)?,
        })
    })?;
    rows.collect()
}

// ---------------------------------------------------------------------------------------------
// GET /v1/records/{entity}/{crmId}

/// Looks up a record of the caller's tenant: by CRM id, or else by `email` when given.
fn resolve_record(
    conn: &Connection,
    caller: &Caller,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
) -> ApiResult<i64> {
    known_record(conn, caller.tenant_id, entity, crm_id, email)
}

fn load_profile(conn: &Connection, record_id: i64) -> ApiResult<RecordProfile> {
    let mut profile = conn
        .prepare_cached(
            "SELECT r.entity, r.crm_id, r.email, r.first_name, r.last_name, r.company, r.job_title,
                    r.imported, r.score, r.opt_in_type, r.subscription_status, r.last_synced_at,
                    u.id, u.crm_user, u.name, u.role,
                    (SELECT max(requested_at) FROM resubscribe_requests
                     WHERE record_id = r.id AND r.subscription_status = 'optedOut'),
                    (SELECT max(occurred_at) FROM activities WHERE record_id = r.id)
             FROM records r LEFT JOIN users u ON u.id = r.owner_id WHERE r.id = ?1",
        )?
        .query_row([record_id], |row| {
            let owner = match row.get::<_, Option<i64>>(12)? {
                Some(id) => Some(UserSummary {
                    id,
                    crm_user: row.get(13)?,
                    name: row.get(14)?,
                    role: column_enum(row.get(15)?, Role::parse)?,
                }),
                None => None,
            };
            Ok(RecordProfile {
                entity: column_enum(row.get(0)?, Entity::parse)?,
                crm_id: row.get(1)?,
                email: row.get(2)?,
                first_name: row.get(3)?,
                last_name: row.get(4)?,
                company: row.get(5)?,
                job_title: row.get(6)?,
                owner,
                imported: row.get(7)?,
                score: row.get(8)?,
                opt_in_type: column_enum(row.get(9)?, OptInType::parse)?,
                subscription_status: column_enum(row.get(10)?, SubscriptionStatus::parse)?,
                last_synced_at: from_millis(row.get(11)?),
                activity_counts: BTreeMap::new(),
                resubscribe_requested_at: row.get::<_, Option<i64>>(16)?.map(from_millis),
                last_activity_at: row.get::<_, Option<i64>>(17)?.map(from_millis),
            })
        })?;
    let mut statement = conn.prepare_cached(
        "SELECT kind, count(*) FROM activities WHERE record_id = ?1 GROUP BY kind",
    )?;
    let counts = statement.query_map([record_id], |row| {
        Ok((
            column_enum(row.get(0)?, ActivityKind::parse)?,
            row.get::<_, u64>(1)?,
        ))
    })?;
    for count in counts {
        let (kind, n) = count?;
        profile.activity_counts.insert(kind, n);
    }
    Ok(profile)
}

#[utoipa::path(get, path = "/v1/records/{entity}/{crmId}", tag = "records",
    params(
        ("entity" = Entity, Path, description = "lead, contact or account"),
        ("crmId" = String, Path, description = "The record's id in the CRM"),
        ("email" = Option<String>, Query, description = "Find the record by email when the CRM id is unknown"),
    ),
    responses(
        (status = 200, body = RecordProfile),
        (status = 401, body = ErrorBody), (status = 404, description = "Not yet known to marketing", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn record_profile(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RecordProfile>> {
    let entity = parse_entity(&entity)?;
    let query = QueryParams::parse(query);
    let email = query.get("email").map(str::to_owned);
    state
        .db
        .run(move |conn| {
            let id = resolve_record(conn, &caller, entity, &crm_id, email.as_deref())?;
            Ok(Json(load_profile(conn, id)?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/records/{entity}/{crmId}/activities

/// A position in a newest-first list: the last row of the previous page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_at: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.occurred_at, self.id))
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (time, id) = text.split_once(':')?;
        Some(Cursor {
            occurred_at: time.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// The validated filter of an activities request.
#[derive(Clone, Debug, Default)]
pub struct ActivityFilter {
    pub kinds: Vec<ActivityKind>,
    pub q: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl ActivityFilter {
    pub fn from_query(query: &QueryParams) -> ApiResult<ActivityFilter> {
        let kinds = match query.get("kinds") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    ActivityKind::parse(k).ok_or_else(|| {
                        Failure::invalid("kinds", format!("Unknown activity kind '{k}'."))
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?,
        };
        let from = query.time("from")?;
        let to = query.time("to")?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(Failure::invalid("from", "'from' must not be after 'to'."));
            }
        }
        let cursor = query.cursor(Cursor::decode)?;
        let limit = query.limit(ACTIVITIES_DEFAULT_LIMIT, ACTIVITIES_MAX_LIMIT)?;
        let q = query.search()?;
        Ok(ActivityFilter {
            kinds,
            q,
            from,
            to,
            cursor,
            limit,
        })
    }
}

/// The `WHERE` clause of an activities request, after `WHERE record_id = ?`: its `q`, `from`
/// and `to`, and its `kinds` if `of_kinds`. Placeholders are positional, in `args`' order.
fn activity_conditions(
    filter: &ActivityFilter,
    of_kinds: bool,
    sql: &mut String,
    args: &mut Vec<rusqlite::types::Value>,
) {
    if of_kinds && !filter.kinds.is_empty() {
        sql.push_str(" AND kind IN (");
        for (i, kind) in filter.kinds.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.push(kind.as_str().to_owned().into());
        }
        sql.push(')');
    }
    if let Some(from) = filter.from {
        sql.push_str(" AND occurred_at >= ?");
        args.push(to_millis(from).into());
    }
    if let Some(to) = filter.to {
        sql.push_str(" AND occurred_at < ?");
        args.push(to_millis(to).into());
    }
    if let Some(q) = &filter.q {
        const FIELDS: [&str; 7] = [
            "subject",
            "url",
            "json_extract(details, '$.clickedUrl')",
            "json_extract(details, '$.pageTitle')",
            "json_extract(details, '$.formName')",
            "json_extract(details, '$.scoreReason')",
            "json_extract(details, '$.programName')",
        ];
        let pattern = db::contains_pattern(q);
        for (i, field) in FIELDS.iter().enumerate() {
            sql.push_str(if i == 0 {
                " AND (casefold("
            } else {
                " OR casefold("
            });
            sql.push_str(field);
            sql.push_str(") LIKE ? ESCAPE '\\'");
            args.push(pattern.clone().into());
        }
        sql.push(')');
    }
}

/// One page of a record's activities, newest first, keyset-paginated over `(occurred_at, id)`.
/// The first page also counts what the filter matches per kind.
pub fn activity_page(
    conn: &Connection,
    record_id: i64,
    filter: &ActivityFilter,
) -> ApiResult<ActivityPage> {
    let mut sql = String::from(
        "SELECT id, kind, occurred_at, subject, url, campaign_id, details FROM activities
         WHERE record_id = ?",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![record_id.into()];
    activity_conditions(filter, true, &mut sql, &mut args);
    if let Some(cursor) = filter.cursor {
        sql.push_str(" AND (occurred_at, id) < (?, ?)");
        args.push(cursor.occurred_at.into());
        args.push(cursor.id.into());
    }
    sql.push_str(" ORDER BY occurred_at DESC, id DESC LIMIT ?");
    args.push(i64::from(filter.limit + 1).into());

    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(args), |row| db::activity_at(row, 0))?;
    let mut items = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let next_cursor = if items.len() > filter.limit as usize {
        items.truncate(filter.limit as usize);
        items.last().map(|last| {
            Cursor {
                occurred_at: to_millis(last.occurred_at),
                id: last.id,
            }
            .encode()
        })
    } else {
        None
    };
    let kind_counts = match filter.cursor {
        Some(_) => None,
        None => Some(kind_counts(conn, record_id, filter)?),
    };
    Ok(ActivityPage {
        items,
        next_cursor,
        kind_counts,
    })
}

/// What `filter` matches per kind, its own `kinds` aside.
fn kind_counts(
    conn: &Connection,
    record_id: i64,
    filter: &ActivityFilter,
) -> ApiResult<BTreeMap<ActivityKind, u64>> {
    let mut sql = String::from("SELECT kind, count(*) FROM activities WHERE record_id = ?");
    let mut args: Vec<rusqlite::types::Value> = vec![record_id.into()];
    activity_conditions(filter, false, &mut sql, &mut args);
    sql.push_str(" GROUP BY kind");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(args), |row| {
        let kind = column_enum(row.get(0)?, ActivityKind::parse)?;
        Ok((kind, row.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[utoipa::path(get, path = "/v1/records/{entity}/{crmId}/activities", tag = "records",
    params(
        ("entity" = Entity, Path), ("crmId" = String, Path),
        ("kinds" = Option<String>, Query, description = "Comma-separated activity kinds"),
        ("q" = Option<String>, Query, description = "Text in subject, URL, page title, form name, score reason or program, in any case"),
        ("from" = Option<String>, Query, description = "RFC 3339, inclusive"),
        ("to" = Option<String>, Query, description = "RFC 3339, exclusive"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
    ),
    responses(
        (status = 200, body = ActivityPage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn activities(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ActivityPage>> {
    let entity = parse_entity(&entity)?;
    let filter = ActivityFilter::from_query(&QueryParams::parse(query))?;
    state
        .db
        .run(move |conn| {
            let id = resolve_record(conn, &caller, entity, &crm_id, None)?;
            Ok(Json(activity_page(conn, id, &filter)?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/records/{entity}/{crmId}/engagement

/// The first (or, with `newest`, the last) activity of a record, of any kind or of `kind`.
fn interaction(
    conn: &Connection,
    record_id: i64,
    kind: Option<ActivityKind>,
    newest: bool,
) -> rusqlite::Result<Option<Interaction>> {
    let order = if newest { "DESC" } else { "ASC" };
    let of_kind = if kind.is_some() { " AND kind = ?2" } else { "" };
    let sql = format!(
        "SELECT id, kind, occurred_at, subject FROM activities WHERE record_id = ?1{of_kind}
         ORDER BY occurred_at {order}, id {order} LIMIT 1"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let read = |row: &rusqlite::Row<'_>| {
        Ok(Interaction {
            id: row.get(0)?,
            kind: column_enum(row.get(1)?, ActivityKind::parse)?,
            occurred_at: from_millis(row.get(2)?),
            subject: row.get(3)?,
        })
    };
    match kind {
        Some(kind) => statement
            .query_row(params![record_id, kind.as_str()], read)
            .optional(),
        None => statement.query_row([record_id], read).optional(),
    }
}

/// The first (or last) email interaction of a record: one index lookup per email kind.
fn email_interaction(
    conn: &Connection,
    record_id: i64,
    newest: bool,
) -> rusqlite::Result<Option<Interaction>> {
    let mut found: Option<Interaction> = None;
    for &kind in crate::domain::timeline::EMAIL_KINDS {
        let Some(candidate) = interaction(conn, record_id, Some(kind), newest)? else {
            continue;
        };
        let key = |i: &Interaction| (i.occurred_at, i.id);
        let better = found.as_ref().is_none_or(|best| {
            if newest {
                key(&candidate) > key(best)
            } else {
                key(&candidate) < key(best)
            }
        });
        if better {
            found = Some(candidate);
        }
    }
    Ok(found)
}

/// Aggregates a record's activities over `[from, to)` into buckets cut in `tz`.
pub fn engagement_of(
    conn: &Connection,
    record_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: BucketSize,
    tz: Tz,
) -> ApiResult<Engagement> {
    let edges = engagement::bucket_edges(from, to, bucket, tz).ok_or_else(|| {
        Failure::invalid(
            "bucket",
            "The range needs too many buckets; choose a larger bucket.",
        )
    })?;
    let mut statement = conn.prepare_cached(
        "SELECT kind, occurred_at, json_extract(details, '$.scoreDelta'), campaign_id
         FROM activities WHERE record_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3",
    )?;
    let mut rows = Vec::new();
    let mut score_change: i64 = 0;
    // The emails sent in the range (by campaign, when each was sent), and when each campaign
    // was opened or clicked in it.
    let mut sent_at: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
    let (mut opened_at, mut clicked_at) = (Vec::new(), Vec::new());
    let mut query = statement.query(params![record_id, to_millis(from), to_millis(to)])?;
    while let Some(row) = query.next()? {
        let kind = column_enum(row.get(0)?, ActivityKind::parse)?;
        let at = from_millis(row.get(1)?);
        if kind == ActivityKind::ScoreChanged {
            // Saturating: the deltas are the caller's to ingest, any i64 among them.
            score_change = score_change.saturating_add(row.get::<_, Option<i64>>(2)?.unwrap_or(0));
        }
        if let Some(campaign) = row.get::<_, Option<String>>(3)? {
            match kind {
                ActivityKind::EmailSent => sent_at.entry(campaign).or_default().push(at),
                ActivityKind::EmailOpened => opened_at.push((campaign, at)),
                ActivityKind::EmailClicked => clicked_at.push((campaign, at)),
                _ => {}
            }
        }
        rows.push((kind, at));
    }
    let mut counts: BTreeMap<ActivityKind, u64> = BTreeMap::new();
    for (kind, _) in &rows {
        *counts.entry(*kind).or_insert(0) += 1;
    }
    // Every email sent in the range counts, a campaign's reminder too. An email counts as
    // opened (or clicked) once however often that happened, and only for an open after it was
    // sent. Opens do not say which send of a campaign they were of, so a campaign sent twice
    // and opened counts as one email opened of two: the rate is never higher than the truth.
    let sent = sent_at.values().map(|times| times.len() as u64).sum();
    let acted_on = |acted: &[(String, DateTime<Utc>)]| {
        sent_at
            .iter()
            .filter(|(campaign, times)| {
                let first = times.iter().min();
                acted
                    .iter()
                    .any(|(c, at)| c == *campaign && first.is_some_and(|first| at >= first))
            })
            .count() as u64
    };
    let summary = EngagementSummary {
        open_rate: engagement::rate(acted_on(&opened_at), sent),
        click_rate: engagement::rate(acted_on(&clicked_at), sent),
        score_now: conn.query_row(
            "SELECT score FROM records WHERE id = ?1",
            [record_id],
            |r| r.get(0),
        )?,
        score_change,
        counts,
    };
    Ok(Engagement {
        from,
        to,
        bucket,
        time_zone: tz.name().to_owned(),
        summary,
        first: interaction(conn, record_id, None, false)?,
        last: interaction(conn, record_id, None, true)?,
        first_email: email_interaction(conn, record_id, false)?,
        last_email: email_interaction(conn, record_id, true)?,
        buckets: engagement::count_into_buckets(&edges, rows),
    })
}

#[utoipa::path(get, path = "/v1/records/{entity}/{crmId}/engagement", tag = "records",
    params(
        ("entity" = Entity, Path), ("crmId" = String, Path),
        ("from" = Option<String>, Query, description = "RFC 3339; default 90 days before `to`"),
        ("to" = Option<String>, Query, description = "RFC 3339, exclusive; default now"),
        ("bucket" = Option<BucketSize>, Query, description = "day, week or month; default chosen from the range"),
        ("tz" = Option<String>, Query, description = "IANA time zone the buckets are cut in; default UTC"),
    ),
    responses(
        (status = 200, body = Engagement), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn engagement(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Engagement>> {
    let entity = parse_entity(&entity)?;
    let query = QueryParams::parse(query);
    let to = query.time("to")?.unwrap_or_else(Utc::now);
    let from = query.time("from")?.unwrap_or(to - Duration::days(90));
    if from > to {
        return Err(Failure::invalid("from", "'from' must not be after 'to'."));
    }
    let bucket = match query.get("bucket") {
        None => crate::domain::timeline::bucket_for(from, to),
        Some(text) => BucketSize::parse(text)
            .ok_or_else(|| Failure::invalid("bucket", "'bucket' must be day, week or month."))?,
    };
    let tz: Tz = match query.get("tz") {
        None => Tz::UTC,
        Some(name) => name
            .parse()
            .map_err(|_| Failure::invalid("tz", format!("Unknown time zone '{name}'.")))?,
    };
    state
        .db
        .run(move |conn| {
            let id = resolve_record(conn, &caller, entity, &crm_id, None)?;
            Ok(Json(engagement_of(conn, id, from, to, bucket, tz)?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Development endpoints

#[utoipa::path(get, path = "/dev/users", tag = "dev",
    responses((status = 200, body = Vec<DevUser>)))]
pub async fn dev_users(State(state): State<AppState>) -> ApiResult<Json<Vec<DevUser>>> {
    state
        .db
        .run(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT u.crm_user, u.name, u.role, t.name FROM users u
                 JOIN tenants t ON t.id = u.tenant_id ORDER BY t.id, u.role = 'rep', u.name",
            )?;
            let users = statement
                .query_map([], |row| {
                    Ok(DevUser {
                        crm_user: row.get(0)?,
                        name: row.get(1)?,
                        role: column_enum(row.get(2)?, Role::parse)?,
                        tenant: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Json(users))
        })
        .await
}

pub const DEFAULT_TOKEN_TTL_SECONDS: u32 = 900;
pub const MAX_TOKEN_TTL_SECONDS: u32 = 86_400;

#[utoipa::path(post, path = "/dev/sso/token", tag = "dev",
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dev_token(
    State(state): State<AppState>,
    body: Bytes,
) -> ApiResult<Json<TokenResponse>> {
    let request: TokenRequest = parse_body(&body)?;
    let ttl = request.ttl_seconds.unwrap_or(DEFAULT_TOKEN_TTL_SECONDS);
    if !(1..=MAX_TOKEN_TTL_SECONDS).contains(&ttl) {
        return Err(Failure::invalid(
            "ttlSeconds",
            format!("'ttlSeconds' must be from 1 to {MAX_TOKEN_TTL_SECONDS}."),
        ));
    }
    let secret = state.config.jwt_secret.clone();
    state
        .db
        .run(move |conn| {
            let (user_id, tenant_id, role): (i64, i64, String) = conn
                .query_row(
                    "SELECT id, tenant_id, role FROM users WHERE crm_user = ?1",
                    [&request.crm_user],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?
                .ok_or_else(|| {
                    Failure::not_found(format!("No CRM user '{}'.", request.crm_user))
                })?;
            let role = Role::parse(&role).ok_or_else(|| Failure::internal("bad role"))?;
            let expires_at = Utc::now() + Duration::seconds(i64::from(ttl));
            let mut claims = Claims::new(tenant_id, user_id, role, &request.crm_user, expires_at);
            claims.connection = super::connections::dev_token_connection(conn, tenant_id)?;
            let token = auth::mint(&secret, &claims);
            // The JWT carries whole seconds; report the instant it really dies.
            let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or(expires_at);
            Ok(Json(TokenResponse { token, expires_at }))
        })
        .await
}

#[utoipa::path(post, path = "/dev/records", tag = "dev",
    request_body = DevRecordIn,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dev_records(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let record: DevRecordIn = parse_body(&body)?;
    check_crm_id("crmId", &record.crm_id)?;
    state
        .db
        .run(move |conn| {
            let id = match db::find_record_id(conn, caller.tenant_id, record.entity, &record.crm_id)? {
                Some(id) => {
                    conn.execute(
                        "UPDATE records SET email = ?2, first_name = ?3, last_name = ?4, company = ?5,
                             job_title = ?6, last_synced_at = ?7 WHERE id = ?1",
                        params![
                            id,
                            record.person.email,
                            record.person.first_name,
                            record.person.last_name,
                            record.person.company,
                            record.person.job_title,
                            to_millis(Utc::now())
                        ],
                    )?;
                    id
                }
                None => db::insert_record(
                    conn,
                    &db::NewRecord {
                        tenant_id: caller.tenant_id,
                        entity: record.entity,
                        crm_id: &record.crm_id,
                        email: record.person.email.as_deref(),
                        first_name: record.person.first_name.as_deref(),
                        last_name: record.person.last_name.as_deref(),
                        company: record.person.company.as_deref(),
                        job_title: record.person.job_title.as_deref(),
                        owner_id: Some(caller.user_id),
                        imported: true,
                        score: 0,
                        opt_in_type: OptInType::Unknown,
                        subscription_status: SubscriptionStatus::Subscribed,
                        last_synced_at: Utc::now(),
                    },
                )?,
            };
            Ok((StatusCode::CREATED, Json(Created { ids: vec![id] })))
        })
        .await
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<DevActivityIn>),
    One(Box<DevActivityIn>),
}

pub const MAX_INGEST_BATCH: usize = 10_000;

#[utoipa::path(post, path = "/dev/activities", tag = "dev",
    request_body(content = Vec<DevActivityIn>, description = "One activity or an array of them"),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dev_activities(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let activities = match parse_body::<OneOrMany>(&body)? {
        OneOrMany::Many(list) => list,
        OneOrMany::One(one) => vec![*one],
    };
    if activities.len() > MAX_INGEST_BATCH {
        return Err(Failure::invalid(
            "body",
            format!("At most {MAX_INGEST_BATCH} activities a request."),
        ));
    }
    state
        .db
        .run(move |conn| {
            let tx = conn.transaction()?;
            let mut ids = Vec::with_capacity(activities.len());
            for (index, activity) in activities.iter().enumerate() {
                let record_id =
                    db::find_record_id(&tx, caller.tenant_id, activity.entity, &activity.crm_id)?
                        .ok_or_else(|| {
                        Failure::invalid(
                            &format!("[{index}].crmId"),
                            format!(
                                "No {} '{}' in this tenant.",
                                activity.entity, activity.crm_id
                            ),
                        )
                    })?;
                ids.push(db::insert_activity(
                    &tx,
                    &db::NewActivity {
                        record_id,
                        occurred_at: activity.occurred_at,
                        kind: activity.kind,
                        subject: activity.subject.as_deref(),
                        url: activity.url.as_deref(),
                        campaign_id: activity.campaign_id.as_deref(),
                        details: &activity.details,
                    },
                )?);
            }
            tx.commit()?;
            Ok((StatusCode::CREATED, Json(Created { ids })))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Noon UTC of a day of March 2026.
    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    /// A database with one lead and its email activities: kind, day of March, campaign.
    fn lead_with_emails(emails: &[(ActivityKind, u32, &str)]) -> (Connection, i64) {
        use crate::sandbox::db::{insert_activity, insert_record, insert_tenant, NewActivity};
        let conn = db::open_in_memory().unwrap();
        let tenant = insert_tenant(&conn, "T").unwrap();
        let record = insert_record(&conn, &db::NewRecord::lead(tenant, "L-1")).unwrap();
        for (kind, d, campaign) in emails {
            insert_activity(
                &conn,
                &NewActivity {
                    record_id: record,
                    occurred_at: day(*d),
                    kind: *kind,
                    subject: None,
                    url: None,
                    campaign_id: Some(campaign),
                    details: &ActivityDetails::default(),
                },
            )
            .unwrap();
        }
        (conn, record)
    }

    #[test]
    fn rates_count_each_email_sent_in_the_range_once() {
        let (conn, record) = lead_with_emails(&[
            // Sent before the range, opened in it: activity, not this range's rate.
            (ActivityKind::EmailSent, 1, "C-old"),
            (ActivityKind::EmailOpened, 11, "C-old"),
            (ActivityKind::EmailSent, 10, "C-1"),
            (ActivityKind::EmailOpened, 10, "C-1"),
            (ActivityKind::EmailOpened, 12, "C-1"),
            (ActivityKind::EmailOpened, 14, "C-1"),
            (ActivityKind::EmailClicked, 12, "C-1"),
            (ActivityKind::EmailClicked, 13, "C-1"),
            (ActivityKind::EmailSent, 15, "C-2"),
        ]);
        let engagement = engagement_of(
            &conn,
            record,
            day(5),
            day(20),
            BucketSize::Week,
            chrono_tz::UTC,
        )
        .unwrap();
        let summary = engagement.summary;
        assert_eq!(summary.counts[&ActivityKind::EmailOpened], 4);
        assert_eq!(summary.open_rate, Some(0.5), "C-1 of C-1 and C-2");
        assert_eq!(summary.click_rate, Some(0.5));

        let nothing_sent = engagement_of(
            &conn,
            record,
            day(11),
            day(12),
            BucketSize::Day,
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(nothing_sent.summary.open_rate, None);
    }

    #[test]
    fn a_campaign_sent_twice_counts_two_emails_and_an_earlier_open_none() {
        let (conn, record) = lead_with_emails(&[
            // C-1 and its reminder; one of them opened.
            (ActivityKind::EmailSent, 10, "C-1"),
            (ActivityKind::EmailOpened, 11, "C-1"),
            (ActivityKind::EmailSent, 13, "C-1"),
            // C-2 went out before the range and was opened in it, before its reminder.
            (ActivityKind::EmailSent, 2, "C-2"),
            (ActivityKind::EmailOpened, 6, "C-2"),
            (ActivityKind::EmailSent, 14, "C-2"),
        ]);
        let summary = engagement_of(
            &conn,
            record,
            day(5),
            day(20),
            BucketSize::Week,
            chrono_tz::UTC,
        )
        .unwrap()
        .summary;
        assert_eq!(summary.counts[&ActivityKind::EmailSent], 3);
        assert_eq!(
            summary.open_rate,
            Some(1.0 / 3.0),
            "C-1's open, of three emails"
        );
        assert_eq!(summary.click_rate, Some(0.0));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            occurred_at: 1_700_000_000_123,
            id: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("12:x")), None);
    }

    #[test]
    fn filters_validate_each_parameter() {
        let parse = |q: &str| ActivityFilter::from_query(&QueryParams::parse(Some(q.to_owned())));
        let ok = parse("kinds=emailSent,pageVisit&limit=10&q=%20pricing%20").unwrap();
        assert_eq!(
            ok.kinds,
            vec![ActivityKind::EmailSent, ActivityKind::PageVisit]
        );
        assert_eq!(ok.limit, 10);
        assert_eq!(ok.q.as_deref(), Some("pricing"));
        for (query, field) in [
            ("kinds=emailSent,nope", "kinds"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
            ("from=yesterday", "from"),
            ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
            ("cursor=%%%", "cursor"),
        ] {
            let error = parse(query).unwrap_err();
            assert_eq!(error.error.field.as_deref(), Some(field), "{query}");
            assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        assert_eq!(parse("").unwrap().limit, ACTIVITIES_DEFAULT_LIMIT);
    }
}
