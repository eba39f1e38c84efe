//! The sales dashboard's endpoints: a rep's (or a manager's team's) sent messages with their
//! engagement, the recipients of one send, and the known visitors on the website.
//!
//! Whose sends and visitors a caller may see follows the hot prospects' rule
//! ([`prospects::owners_for`]): a rep their own, a manager their own, one rep's or the team's.
//!
//! A send's engagement is counted from the activities recorded under its campaign (`SEND-<id>`)
//! by the recipients it went to, each recipient once per kind, through the index of activities by
//! campaign; so a page of sends costs a few index lookups per send, whatever the history's size.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use utoipa::OpenApi;

use super::auth::Caller;
use super::db::{column_enum, from_millis, to_millis};
use super::error::{ApiResult, Failure};
use super::http::{decode_json_cursor, encode_json_cursor, QueryParams};
use super::prospects::{owner_param, owners_for};
use super::records::Cursor;
use super::AppState;
use crate::wire::*;

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/sends", get(sent_messages))
        .route("/v1/sends/{id}/recipients", get(sent_recipients))
        .route("/v1/visitors", get(visitors))
}

/// The OpenAPI description of this module's endpoints, merged into the document.
#[derive(OpenApi)]
#[openapi(
    paths(sent_messages, sent_recipients, visitors),
    components(schemas(SentMessages, SentMessage, SentRecipients, SentRecipient, Visitors, Visitor, PageView)),
    tags((name = "dashboard", description = "A rep's sent messages and who engaged, and who of their records is on the website"))
)]
pub struct Doc;

/// `IN (…)` placeholders for `count` values.
fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// The email activities a send's engagement counts, with how a recipient's are kept.
const ENGAGEMENT_KINDS: &str = "'emailOpened', 'emailClicked', 'emailBounced', 'unsubscribed'";

// ---------------------------------------------------------------------------------------------
// GET /v1/sends

/// How many of a send's recipients it went to have any activity of each engagement kind under
/// its campaign.
fn engaged_recipients(
    conn: &Connection,
    send_id: i64,
    campaign_id: &str,
) -> rusqlite::Result<HashMap<ActivityKind, u32>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT kind, count(DISTINCT record_id) FROM activities
         WHERE campaign_id = ?1 AND kind IN ({ENGAGEMENT_KINDS})
           AND record_id IN (SELECT record_id FROM send_recipients
                             WHERE send_id = ?2 AND outcome = 'sent')
         GROUP BY kind"
    ))?;
    let rows = statement.query_map(params![campaign_id, send_id], |row| {
        Ok((column_enum(row.get(0)?, ActivityKind::parse)?, row.get(1)?))
    })?;
    rows.collect()
}

/// A page of the sends of `owners`, newest first (by creation, then id), after `after`.
pub fn sent_messages_of(
    conn: &Connection,
    tenant_id: i64,
    owners: &[UserSummary],
    after: Option<Cursor>,
    limit: u32,
) -> ApiResult<(Vec<SentMessage>, Option<String>)> {
    let sql = format!(
        "SELECT s.id, s.sender_id, s.created_at, s.scheduled_at, s.template_id,
                coalesce(s.subject, t.subject, ''), t.name,
                (SELECT count(*) FROM send_recipients WHERE send_id = s.id),
                (SELECT count(*) FROM send_recipients WHERE send_id = s.id AND outcome = 'sent'),
                (SELECT count(*) FROM send_recipients WHERE send_id = s.id AND outcome = 'scheduled')
         FROM sends s LEFT JOIN templates t ON t.id = s.template_id AND t.tenant_id = s.tenant_id
         WHERE s.tenant_id = ? AND s.sender_id IN ({}) AND (? IS NULL OR (s.created_at, s.id) < (?, ?))
         ORDER BY s.created_at DESC, s.id DESC LIMIT ?",
        placeholders(owners.len())
    );
    let mut args: Vec<rusqlite::types::Value> = vec![tenant_id.into()];
    args.extend(owners.iter().map(|owner| owner.id.into()));
    let after_at = after.map(|c| c.occurred_at);
    args.extend([after_at.into(), after_at.into(), after.map(|c| c.id).into()]);
    args.push((i64::from(limit) + 1).into());
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(args))?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let sender_id: i64 = row.get(1)?;
        let sender = owners
            .iter()
            .find(|owner| owner.id == sender_id)
            .cloned()
            .ok_or_else(|| Failure::internal("a listed send has no listed sender"))?;
        let campaign_id = format!("SEND-{id}");
        let engaged = engaged_recipients(conn, id, &campaign_id)?;
        let count = |kind| engaged.get(&kind).copied().unwrap_or(0);
        let sent: u32 = row.get(8)?;
        items.push(SentMessage {
            id,
            campaign_id,
            subject: row.get(5)?,
            template_id: row.get::<_, Option<i64>>(4)?.unwrap_or_default(),
            template_name: row.get(6)?,
            sender,
            created_at: from_millis(row.get(2)?),
            scheduled_at: row.get::<_, Option<i64>>(3)?.map(from_millis),
            recipients: row.get(7)?,
            sent,
            scheduled: row.get(9)?,
            delivered: sent.saturating_sub(count(ActivityKind::EmailBounced)),
            opened: count(ActivityKind::EmailOpened),
            clicked: count(ActivityKind::EmailClicked),
            bounced: count(ActivityKind::EmailBounced),
            unsubscribed: count(ActivityKind::Unsubscribed),
        });
    }
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last| {
            Cursor {
                occurred_at: to_millis(last.created_at),
                id: last.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok((items, next_cursor))
}

#[utoipa::path(get, path = "/v1/sends", tag = "dashboard",
    description = "The messages sent (or scheduled) by the caller, one rep of a manager's team, or a manager \
and their whole team, newest first, each with its recipients' engagement: `opened`, `clicked`, `bounced` and \
`unsubscribed` count the recipients the email went to with at least one activity of that kind under the \
send's campaign (each recipient once), and `delivered` is `sent` minus `bounced`.",
    params(
        ("owner" = Option<String>, Query, pattern = "^(me|team|[1-9][0-9]{0,17})$",
            description = "`me` (default), `team` (a manager and their reps) or a user id: a rep may \
                           only ask for themselves, a manager also for one of their reps"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1..100, default 20"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page (same `owner`); one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = SentMessages),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The owner is not the caller nor, for a manager, on their team", body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn sent_messages(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SentMessages>> {
    let query = QueryParams::parse(query);
    let owner = owner_param(&query)?;
    let after = query.cursor(Cursor::decode)?;
    let limit = query.limit(SENDS_DEFAULT_LIMIT, SENDS_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            let owners = owners_for(conn, &caller, owner, "sends")?;
            let (items, next_cursor) =
                sent_messages_of(conn, caller.tenant_id, &owners, after, limit)?;
            Ok(Json(SentMessages {
                owners,
                items,
                next_cursor,
            }))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/sends/{id}/recipients

/// What one recipient did under a campaign.
#[derive(Clone, Copy, Debug, Default)]
struct RecipientEngagement {
    first_opened_at: Option<i64>,
    first_clicked_at: Option<i64>,
    bounced: bool,
    unsubscribed: bool,
}

/// Each record's engagement under a campaign.
fn engagement_by_record(
    conn: &Connection,
    campaign_id: &str,
) -> rusqlite::Result<HashMap<i64, RecipientEngagement>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT record_id, kind, min(occurred_at) FROM activities
         WHERE campaign_id = ?1 AND kind IN ({ENGAGEMENT_KINDS}) GROUP BY record_id, kind"
    ))?;
    let mut rows = statement.query([campaign_id])?;
    let mut by_record: HashMap<i64, RecipientEngagement> = HashMap::new();
    while let Some(row) = rows.next()? {
        let engagement = by_record.entry(row.get(0)?).or_default();
        let first: i64 = row.get(2)?;
        match column_enum(row.get(1)?, ActivityKind::parse)? {
            ActivityKind::EmailOpened => engagement.first_opened_at = Some(first),
            ActivityKind::EmailClicked => engagement.first_clicked_at = Some(first),
            ActivityKind::EmailBounced => engagement.bounced = true,
            ActivityKind::Unsubscribed => engagement.unsubscribed = true,
            _ => {}
        }
    }
    Ok(by_record)
}

/// A page of a send's recipients, in the order the rep listed them, from position `from`.
/// Only someone who may see the sender's sends may read them; another tenant's send is unknown.
pub fn sent_recipients_of(
    conn: &Connection,
    caller: &Caller,
    send_id: i64,
    from: usize,
    limit: u32,
) -> ApiResult<SentRecipients> {
    let send: Option<(i64, String)> = conn
        .prepare_cached("SELECT sender_id, response FROM sends WHERE id = ?1 AND tenant_id = ?2")?
        .query_row(params![send_id, caller.tenant_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (sender_id, response) =
        send.ok_or_else(|| Failure::not_found(format!("No send {send_id}.")))?;
    owners_for(conn, caller, OwnerSelection::User(sender_id), "sends")?;
    let answer: SendResponse = serde_json::from_str(&response).map_err(Failure::internal)?;
    // The answer names each recipient as the rep listed them; the rows say what became of them
    // since (a scheduled recipient is sent or excluded when due). Both are in request order.
    let rows = conn
        .prepare_cached(
            "SELECT record_id, outcome, reason FROM send_recipients WHERE send_id = ?1 ORDER BY rowid",
        )?
        .query_map([send_id], |row| {
            Ok((
                row.get::<_, Option<i64>>(0)?,
                column_enum(row.get(1)?, SendOutcome::parse)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rows.len() != answer.results.len() {
        return Err(Failure::internal(
            "a send's recipients disagree with its answer",
        ));
    }
    let engagement = engagement_by_record(conn, &answer.campaign_id)?;
    let total = rows.len();
    let end = from.saturating_add(limit as usize).min(total);
    let items = answer
        .results
        .into_iter()
        .zip(rows)
        .skip(from)
        .take(end.saturating_sub(from))
        .map(|(listed, (record_id, outcome, reason))| {
            let engaged = match (outcome, record_id) {
                (SendOutcome::Sent, Some(id)) => engagement.get(&id).copied().unwrap_or_default(),
                _ => RecipientEngagement::default(),
            };
            SentRecipient {
                entity: listed.entity,
                crm_id: listed.crm_id,
                name: listed.name,
                email: listed.email,
                outcome,
                reason: reason.as_deref().and_then(ExclusionReason::parse),
                first_opened_at: engaged.first_opened_at.map(from_millis),
                first_clicked_at: engaged.first_clicked_at.map(from_millis),
                bounced: engaged.bounced,
                unsubscribed: engaged.unsubscribed,
            }
        })
        .collect();
    Ok(SentRecipients {
        items,
        next_cursor: (end < total).then(|| encode_json_cursor(&end)),
    })
}

#[utoipa::path(get, path = "/v1/sends/{id}/recipients", tag = "dashboard",
    description = "The recipients of one send in the order the rep listed them, each with what the send did \
with them and, for those it went to, their first open and first click and whether they bounced or \
unsubscribed (activities under the send's campaign).",
    params(
        ("id" = i64, Path, description = "The send's id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page; one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = SentRecipients),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The send is another rep's, not on the caller's team", body = ErrorBody),
        (status = 404, description = "No such send in the caller's tenant", body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn sent_recipients(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SentRecipients>> {
    let send_id: i64 = id
        .parse()
        .map_err(|_| Failure::not_found(format!("No send '{id}'.")))?;
    let query = QueryParams::parse(query);
    let from = query.cursor(decode_json_cursor::<usize>)?.unwrap_or(0);
    let limit = query.limit(SEND_RECIPIENTS_DEFAULT_LIMIT, SEND_RECIPIENTS_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            Ok(Json(sent_recipients_of(
                conn, &caller, send_id, from, limit,
            )?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/visitors

/// How many visits page views at these times (oldest first) make: a new visit starts after a
/// gap longer than [`VISIT_GAP_MINUTES`].
pub fn visit_count(viewed_at: &[i64]) -> u32 {
    let gap = Duration::minutes(VISIT_GAP_MINUTES).num_milliseconds();
    let starts = viewed_at
        .windows(2)
        .filter(|pair| pair[1] - pair[0] > gap)
        .count();
    if viewed_at.is_empty() {
        0
    } else {
        1 + starts as u32
    }
}

/// The newest visit of page views listed newest first: the views up to the first gap longer
/// than [`VISIT_GAP_MINUTES`].
pub fn newest_visit(views: Vec<PageView>) -> Vec<PageView> {
    let gap = Duration::minutes(VISIT_GAP_MINUTES);
    let mut visit: Vec<PageView> = Vec::new();
    for view in views {
        if visit
            .last()
            .is_some_and(|newer| newer.viewed_at - view.viewed_at > gap)
        {
            break;
        }
        visit.push(view);
    }
    visit
}

fn page_view(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<PageView> {
    Ok(PageView {
        activity_id: row.get(first)?,
        viewed_at: from_millis(row.get(first + 1)?),
        url: row.get(first + 2)?,
        title: row.get(first + 3)?,
    })
}

/// The columns [`page_view`] reads, of `activities` as `a`.
const PAGE_VIEW_COLUMNS: &str =
    "a.id, a.occurred_at, a.url, coalesce(json_extract(a.details, '$.pageTitle'), a.subject)";

/// Where a page of visitors ends: the last visitor's newest page view (in milliseconds) and
/// record id, the order's key.
type VisitorsAfter = (i64, i64);

/// A page of the owners' records whose newest page view is at or after `since`, most recent
/// first (ties by record id, highest first, so a page boundary never repeats nor skips anyone),
/// after `after`, with the cursor of the next page.
pub fn visitors_of(
    conn: &Connection,
    tenant_id: i64,
    owners: &[UserSummary],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    after: Option<VisitorsAfter>,
    limit: u32,
) -> ApiResult<(Vec<Visitor>, Option<String>)> {
    // One index seek per owned record for its newest page view (a few thousand at most for a
    // team), not a scan of the tenant's page views.
    let sql = format!(
        "SELECT r.id, r.entity, r.crm_id, r.first_name, r.last_name, r.email, r.company, r.owner_id,
                {PAGE_VIEW_COLUMNS}
         FROM records r JOIN activities a ON a.id = (
             SELECT id FROM activities WHERE record_id = r.id AND kind = 'pageVisit'
             ORDER BY occurred_at DESC, id DESC LIMIT 1)
         WHERE r.tenant_id = ? AND r.owner_id IN ({}) AND a.occurred_at >= ?
           AND (? IS NULL OR (a.occurred_at, r.id) < (?, ?))
         ORDER BY a.occurred_at DESC, r.id DESC LIMIT ?",
        placeholders(owners.len())
    );
    let mut args: Vec<Option<i64>> = vec![Some(tenant_id)];
    args.extend(owners.iter().map(|owner| Some(owner.id)));
    args.push(Some(to_millis(since)));
    let after_at = after.map(|(at, _)| at);
    args.extend([after_at, after_at, after.map(|(_, id)| id)]);
    // One more than a page: whether another page follows.
    args.push(Some(i64::from(limit) + 1));
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(args))?;
    let active_since = now - Duration::minutes(ACTIVE_NOW_MINUTES);
    let mut visitors = Vec::new();
    let mut last: Option<VisitorsAfter> = None;
    let mut more = false;
    while let Some(row) = rows.next()? {
        // A row past the page: another page follows, which starts after the page's last.
        if visitors.len() == limit as usize {
            more = true;
            break;
        }
        let record_id: i64 = row.get(0)?;
        let owner_id: i64 = row.get(7)?;
        let last_page = page_view(row, 8)?;
        last = Some((to_millis(last_page.viewed_at), record_id));
        visitors.push(Visitor {
            entity: column_enum(row.get(1)?, Entity::parse)?,
            crm_id: row.get(2)?,
            first_name: row.get(3)?,
            last_name: row.get(4)?,
            email: row.get(5)?,
            company: row.get(6)?,
            owner: owners
                .iter()
                .find(|owner| owner.id == owner_id)
                .cloned()
                .ok_or_else(|| Failure::internal("a visitor has no listed owner"))?,
            active_now: last_page.viewed_at >= active_since,
            pages: newest_visit(recent_views(conn, record_id, &last_page)?),
            visits_30_days: visits_since(conn, record_id, now - Duration::days(VISIT_COUNT_DAYS))?,
            last_page,
        });
    }
    let next_cursor = last.filter(|_| more).map(|key| encode_json_cursor(&key));
    Ok((visitors, next_cursor))
}

/// A record's page views up to and including `last`, newest first, as many as a visit lists.
fn recent_views(
    conn: &Connection,
    record_id: i64,
    last: &PageView,
) -> rusqlite::Result<Vec<PageView>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {PAGE_VIEW_COLUMNS} FROM activities a
         WHERE a.record_id = ?1 AND a.kind = 'pageVisit' AND (a.occurred_at, a.id) <= (?2, ?3)
         ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?4"
    ))?;
    let rows = statement.query_map(
        params![
            record_id,
            to_millis(last.viewed_at),
            last.activity_id,
            MAX_PAGES_PER_VISIT as i64
        ],
        |row| page_view(row, 0),
    )?;
    rows.collect()
}

/// A record's visits with a page view since `since`.
fn visits_since(conn: &Connection, record_id: i64, since: DateTime<Utc>) -> rusqlite::Result<u32> {
    let times = conn
        .prepare_cached(
            "SELECT occurred_at FROM activities
             WHERE record_id = ?1 AND kind = 'pageVisit' AND occurred_at >= ?2
             ORDER BY occurred_at",
        )?
        .query_map(params![record_id, to_millis(since)], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(visit_count(&times))
}

#[utoipa::path(get, path = "/v1/visitors", tag = "dashboard",
    description = "Known people on the website: the records of the caller (or a manager's team, or one of \
their reps) whose newest page view is at or after `since`, most recent first (ties by record), a page at a \
time: `nextCursor` asks for the next, older page. A visit is page views at most \
30 minutes apart; `activeNow` means a page view in the last 5 minutes. People become known by filling in a \
form or clicking a link in an email.",
    params(
        ("owner" = Option<String>, Query, pattern = "^(me|team|[1-9][0-9]{0,17})$",
            description = "`me` (default), `team` or a user id, as for `GET /v1/sends`"),
        ("since" = Option<DateTime<Utc>>, Query, description = "RFC 3339; default 7 days ago"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page (same `owner` and `since`); one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = Visitors),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The owner is not the caller nor, for a manager, on their team", body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn visitors(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Visitors>> {
    let query = QueryParams::parse(query);
    let owner = owner_param(&query)?;
    let now = Utc::now();
    let since = query
        .time("since")?
        .unwrap_or(now - Duration::days(VISITORS_DEFAULT_DAYS));
    let after = query.cursor(decode_json_cursor::<VisitorsAfter>)?;
    let limit = query.limit(VISITORS_DEFAULT_LIMIT, VISITORS_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            let owners = owners_for(conn, &caller, owner, "visitors")?;
            let (items, next_cursor) =
                visitors_of(conn, caller.tenant_id, &owners, since, now, after, limit)?;
            Ok(Json(Visitors {
                owners,
                items,
                since,
                generated_at: now,
                next_cursor,
            }))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn view(id: i64, minutes: i64) -> PageView {
        PageView {
            activity_id: id,
            url: None,
            title: None,
            viewed_at: from_millis(minutes * MINUTE),
        }
    }

    #[test]
    fn a_gap_of_more_than_half_an_hour_starts_a_new_visit() {
        assert_eq!(visit_count(&[]), 0);
        assert_eq!(visit_count(&[0]), 1);
        assert_eq!(visit_count(&[0, 30 * MINUTE, 60 * MINUTE]), 1);
        assert_eq!(visit_count(&[0, 31 * MINUTE, 62 * MINUTE + 1]), 3);
        assert_eq!(visit_count(&[0, 5 * MINUTE, 200 * MINUTE, 210 * MINUTE]), 2);
    }

    #[test]
    fn the_newest_visit_ends_at_the_first_long_gap() {
        let pages = newest_visit(vec![
            view(5, 100),
            view(4, 90),
            view(3, 61),
            view(2, 31),
            view(1, 1),
        ]);
        let ids: Vec<i64> = pages.iter().map(|page| page.activity_id).collect();
        assert_eq!(ids, vec![5, 4, 3, 2, 1]);
        let pages = newest_visit(vec![view(3, 100), view(2, 69), view(1, 60)]);
        let ids: Vec<i64> = pages.iter().map(|page| page.activity_id).collect();
        assert_eq!(ids, vec![3], "31 minutes apart");
        assert!(newest_visit(Vec::new()).is_empty());
    }
}
