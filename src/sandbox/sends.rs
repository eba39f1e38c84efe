//! The send-email endpoints of the API: templates, pre-flight, sends and resubscribe requests.
//!
//! Rules the plugin cannot see from its side:
//! - **Who a recipient is.** A recipient is the platform's record with the same CRM id, else the
//!   one with the same email (any case), like the other endpoints. For a record imported into the
//!   platform its own values come first and the CRM's fill the gaps; for a record only seen through
//!   the CRM the CRM's (current) values come first. Consent is the platform's: the strictest status
//!   of any record of the tenant with the address the email would go to.
//! - **Exactly once.** A send is one row of `sends`, unique per (tenant, sender, `Idempotency-Key`),
//!   claimed in an IMMEDIATE transaction that also writes every recipient and activity. A repeat
//!   with the same key and body answers the stored response; another body is refused.
//! - **Unknown records.** A sendable recipient the platform does not know is created from its CRM
//!   fields (`imported = false`, owned by the sender) so its history can show the send; excluded
//!   and failed ones are not created.
//! - **Scheduled sends** write no activity until their time: a timer delivers them then (each
//!   `emailSent` dated at `scheduledAt`), in one transaction that marks them sent. A start
//!   delivers what fell due while the sandbox was down and sets the timers again
//!   ([`resume_scheduled`]), and every pre-flight and send first delivers whatever is overdue, so
//!   a restart loses nothing and delivers nothing twice. Consent is checked again at delivery.
//! - **Daily limit.** 1,000 emails per sender and UTC calendar day of delivery: a send now counts
//!   on today, a scheduled one on the day of its `scheduledAt`, so scheduling cannot put more than a
//!   day's allowance into one day. The sent and scheduled recipients count.
//! - **Failures.** The sandbox's mail server refuses addresses at `fail.example`, so the plugin's
//!   failed-recipient path can be exercised; failed recipients do not count towards the limit.

use std::time::Duration as StdDuration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use utoipa::OpenApi;

use super::auth::Caller;
use super::contract::parse_documented;
use super::db::{self, column_enum, contains_pattern, from_millis, to_millis};
use super::error::{ApiResult, Failure};
use super::http::{
    check_crm_id, decode_json_cursor, encode_json_cursor, known_record, parse_entity, QueryParams,
};
use super::idempotency::{
    answer_response, earlier_answer, optional_idempotency_key, request_hash, AnswerStore,
};
use super::{AppState, Db};
use crate::domain::merge::{self, MergeData, MergeField};
use crate::domain::preflight::{self, Candidate, Verdict};
use crate::wire::schemas::CrmId;
use crate::wire::*;

/// The sandbox's mail server refuses every address at this domain (or a subdomain of it).
pub const SIMULATED_FAILURE_DOMAIN: &str = "fail.example";

/// How far ahead a send may be scheduled.
pub const MAX_SCHEDULE_DAYS: i64 = 365;

/// A repeated resubscribe request within this time answers the first one.
pub const RESUBSCRIBE_WINDOW_HOURS: i64 = 24;

const NOT_DELIVERED: &str = "The mail server did not accept the message for this address. \
                             Check the address in the CRM, then send again.";

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/templates", get(list_templates))
        .route("/v1/templates/{id}", get(template))
        .route("/v1/sends/preflight", post(preflight))
        .route("/v1/sends", post(send))
        .route(
            "/v1/records/{entity}/{crm_id}/resubscribe",
            post(resubscribe),
        )
        .route(
            "/dev/records/{entity}/{crm_id}/resubscribe/confirm",
            post(dev_confirm_resubscribe),
        )
}

/// The OpenAPI description of this module's endpoints, merged into the document.
#[derive(OpenApi)]
#[openapi(
    paths(list_templates, template, preflight, send, resubscribe, dev_confirm_resubscribe),
    components(schemas(
        TemplateSummary, TemplateList, TemplateField, Template, SendRecipient, SendRequest,
        PreflightRecipient, PreflightResponse, MissingField, RecipientStatus, ExclusionReason,
        SendResult, SendResponse, SendOutcome, ResubscribeRequest, ConsentChange,
    )),
    tags(
        (name = "templates", description = "Approved email templates a rep may send"),
        (name = "sends", description = "Sending a tracked marketing email to CRM records: pre-flight, send once, per-recipient results"),
    )
)]
pub struct Doc;

// ---------------------------------------------------------------------------------------------
// GET /v1/templates

/// Where a page of templates ends: the last template's folder, name and id (the list's order).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateCursor {
    folder: String,
    name: String,
    id: i64,
}

impl TemplateCursor {
    pub fn encode(&self) -> String {
        encode_json_cursor(self)
    }

    pub fn decode(text: &str) -> Option<TemplateCursor> {
        decode_json_cursor(text)
    }
}

/// A page of the templates of a tenant whose name contains `q` (any case), in `folder` (any
/// case) if given, after `after`: at most `limit`, by folder then name (any case) then id.
pub fn templates_of(
    conn: &Connection,
    tenant_id: i64,
    q: Option<&str>,
    folder: Option<&str>,
    after: Option<&TemplateCursor>,
    limit: u32,
) -> ApiResult<TemplateList> {
    let folders = conn
        .prepare_cached(
            "SELECT min(folder) FROM templates WHERE tenant_id = ?1
             GROUP BY folder COLLATE NOCASE ORDER BY folder COLLATE NOCASE",
        )?
        .query_map([tenant_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut items = conn
        .prepare_cached(
            "SELECT id, folder, name, subject FROM templates
             WHERE tenant_id = ?1 AND (?2 IS NULL OR casefold(name) LIKE ?2 ESCAPE '\\')
               AND (?3 IS NULL OR folder = ?3 COLLATE NOCASE)
               AND (?4 IS NULL
                    OR (folder COLLATE NOCASE, name COLLATE NOCASE, id) > (?4, ?5, ?6))
             ORDER BY folder COLLATE NOCASE, name COLLATE NOCASE, id
             LIMIT ?7",
        )?
        .query_map(
            params![
                tenant_id,
                q.map(contains_pattern),
                folder,
                after.map(|c| c.folder.as_str()),
                after.map(|c| c.name.as_str()),
                after.map(|c| c.id),
                i64::from(limit) + 1,
            ],
            |row| {
                Ok(TemplateSummary {
                    id: row.get(0)?,
                    folder: row.get(1)?,
                    name: row.get(2)?,
                    subject: row.get(3)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last| {
            TemplateCursor {
                folder: last.folder.clone(),
                name: last.name.clone(),
                id: last.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(TemplateList {
        folders,
        items,
        next_cursor,
    })
}

#[utoipa::path(get, path = "/v1/templates", tag = "templates",
    description = "The caller tenant's email templates, a page at a time, by folder then name, with every \
folder of the tenant (whatever the filter) for a folder picker.",
    params(
        ("q" = Option<String>, Query, max_length = 200, description = "Only templates whose name contains this text (any case), at most 200 characters"),
        ("folder" = Option<String>, Query, description = "Only templates of this folder (any case)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page (same `q` and `folder`); one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = TemplateList), (status = 401, body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TemplateList>> {
    let query = QueryParams::parse(query);
    let q = query.search()?;
    let folder = query.get("folder").map(|f| f.trim().to_owned());
    let after = query.cursor(TemplateCursor::decode)?;
    let limit = query.limit(query::TEMPLATES_DEFAULT_LIMIT, query::TEMPLATES_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            Ok(Json(templates_of(
                conn,
                caller.tenant_id,
                q.as_deref(),
                folder.as_deref(),
                after.as_ref(),
                limit,
            )?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/templates/{id}

/// A template of the tenant, if it has one with that id.
fn find_template(conn: &Connection, tenant_id: i64, id: i64) -> ApiResult<Option<Template>> {
    let found = conn
        .prepare_cached(
            "SELECT id, folder, name, subject, html FROM templates WHERE id = ?1 AND tenant_id = ?2",
        )?
        .query_row(params![id, tenant_id], |row| {
            Ok(Template {
                id: row.get(0)?,
                folder: row.get(1)?,
                name: row.get(2)?,
                subject: row.get(3)?,
                html: row.get(4)?,
                merge_fields: Vec::new(),
            })
        })
        .optional()?;
    Ok(found.map(|mut template| {
        template.merge_fields = merge::template_fields(&[&template.subject, &template.html]);
        template
    }))
}

#[utoipa::path(get, path = "/v1/templates/{id}", tag = "templates",
    description = "One template with its HTML body and the merge fields it uses. Merge fields are \
`{{fieldName}}` or `{{fieldName|fallback}}`; records imported into marketing can use firstName, lastName, \
email, company, jobTitle, ownerName and score, records only seen through the CRM the first five.",
    params(("id" = i64, Path, description = "The template's id")),
    responses(
        (status = 200, body = Template), (status = 401, body = ErrorBody),
        (status = 404, description = "No such template in the caller's tenant", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Template>> {
    let not_found = || Failure::not_found(format!("No template '{id}'."));
    let template_id: i64 = id.parse().map_err(|_| not_found())?;
    let found = state
        .db
        .run(move |conn| find_template(conn, caller.tenant_id, template_id))
        .await?;
    found.map(Json).ok_or_else(not_found)
}

// ---------------------------------------------------------------------------------------------
// Recipients

/// A recipient as the platform sees it.
#[derive(Clone, Debug)]
struct Resolved {
    record_id: Option<i64>,
    imported: bool,
    /// The strictest consent of the records with the address; `None` when none is known.
    status: Option<SubscriptionStatus>,
    email: Option<String>,
    data: MergeData,
    name: String,
}

/// How strongly a status forbids email; the strictest of several wins.
fn strictness(status: SubscriptionStatus) -> u8 {
    match status {
        SubscriptionStatus::Subscribed => 0,
        SubscriptionStatus::Suppressed => 1,
        SubscriptionStatus::HardBounced => 2,
        SubscriptionStatus::OptedOut => 3,
    }
}

/// The strictest status of the tenant's records with `email` (any case).
fn status_of_address(
    conn: &Connection,
    tenant_id: i64,
    email: &str,
) -> rusqlite::Result<Option<SubscriptionStatus>> {
    let mut statement = conn.prepare_cached(
        "SELECT subscription_status FROM records WHERE tenant_id = ?1 AND email = ?2 COLLATE NOCASE",
    )?;
    let statuses = statement.query_map(params![tenant_id, email], |row| {
        column_enum(row.get(0)?, SubscriptionStatus::parse)
    })?;
    let mut strictest = None;
    for status in statuses {
        let status = status?;
        if strictest.is_none_or(|s| strictness(status) > strictness(s)) {
            strictest = Some(status);
        }
    }
    Ok(strictest)
}

/// A recipient's consent: its record's own status (`own`), or the strictest of any of the
/// tenant's records with its `email`, whichever forbids more (the person may have unsubscribed
/// as another record).
fn consent(
    conn: &Connection,
    tenant_id: i64,
    own: Option<SubscriptionStatus>,
    email: Option<&str>,
) -> rusqlite::Result<Option<SubscriptionStatus>> {
    let of_address = match email {
        Some(email) => status_of_address(conn, tenant_id, email)?,
        None => None,
    };
    Ok([own, of_address]
        .into_iter()
        .flatten()
        .max_by_key(|status| strictness(*status)))
}

fn resolve(conn: &Connection, tenant_id: i64, recipient: &SendRecipient) -> ApiResult<Resolved> {
    let person = recipient.person.trimmed();
    let crm = MergeData::from_crm(
        person.first_name.as_deref(),
        person.last_name.as_deref(),
        person.email.as_deref(),
        person.company.as_deref(),
        person.job_title.as_deref(),
    );
    let crm_id = recipient.crm_id.trim();
    let record_id = db::find_record(
        conn,
        tenant_id,
        recipient.entity,
        crm_id,
        person.email.as_deref(),
    )?;
    let (data, imported, own_status) = match record_id {
        None => (crm, false, None),
        Some(id) => {
            let (imported, status, platform) = conn
                .prepare_cached(
                    "SELECT r.imported, r.subscription_status, r.first_name, r.last_name, r.email,
                            r.company, r.job_title, u.name, r.score
                     FROM records r LEFT JOIN users u ON u.id = r.owner_id WHERE r.id = ?1",
                )?
                .query_row([id], |row| {
                    let imported: bool = row.get(0)?;
                    let status = column_enum(row.get(1)?, SubscriptionStatus::parse)?;
                    let mut data = if imported {
                        MergeData::imported()
                    } else {
                        MergeData::crm_only()
                    };
                    for (index, field) in [
                        (2, MergeField::FirstName),
                        (3, MergeField::LastName),
                        (4, MergeField::Email),
                        (5, MergeField::Company),
                        (6, MergeField::JobTitle),
                        (7, MergeField::OwnerName),
                    ] {
                        data.set(field, row.get::<_, Option<String>>(index)?.as_deref());
                    }
                    let score: i64 = row.get(8)?;
                    data.set(MergeField::Score, Some(&score.to_string()));
                    Ok((imported, status, data))
                })?;
            // Marketing's own data is the truth for a record it imported; for one it only keeps
            // from an earlier CRM request, the CRM's values of now are fresher.
            let data = if imported {
                let mut data = platform;
                data.fill_from(&crm);
                data
            } else {
                let mut data = crm;
                data.fill_from(&platform);
                data
            };
            (data, imported, Some(status))
        }
    };
    let email = data.get(MergeField::Email).map(str::to_owned);
    let status = consent(conn, tenant_id, own_status, email.as_deref())?;
    Ok(Resolved {
        record_id,
        imported,
        status,
        name: data.display_name(crm_id),
        email,
        data,
    })
}

/// The start of the UTC calendar day of `now`.
fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Recipients of `sender_id` delivered, or to be delivered, on the UTC day that starts at `day`:
/// those of the sends made then and of the sends scheduled for then.
fn delivered_on(conn: &Connection, sender_id: i64, day: DateTime<Utc>) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT count(*) FROM sends s JOIN send_recipients r ON r.send_id = s.id
         WHERE s.sender_id = ?1 AND r.outcome IN ('sent', 'scheduled')
           AND coalesce(s.scheduled_at, s.created_at) >= ?2
           AND coalesce(s.scheduled_at, s.created_at) < ?3",
    )?
    .query_row(
        params![
            sender_id,
            to_millis(day),
            to_millis(day + Duration::days(1))
        ],
        |row| row.get(0),
    )
}

/// What is left of the daily allowance of the UTC day of `delivery`.
fn remaining_on(conn: &Connection, sender_id: i64, delivery: DateTime<Utc>) -> ApiResult<u32> {
    Ok(preflight::remaining_today(
        DAILY_SEND_LIMIT,
        delivered_on(conn, sender_id, start_of_day(delivery))?,
    ))
}

/// Checks what can be checked without the database.
fn validate_request(request: &SendRequest) -> ApiResult<()> {
    let count = request.recipients.len();
    if !(1..=MAX_SEND_RECIPIENTS).contains(&count) {
        return Err(Failure::invalid(
            "recipients",
            format!(
                "An email goes to 1 to {MAX_SEND_RECIPIENTS} recipients at a time ({count} selected)."
            ),
        ));
    }
    for (index, recipient) in request.recipients.iter().enumerate() {
        check_crm_id(&format!("recipients[{index}].crmId"), &recipient.crm_id)?;
    }
    if let Some(subject) = &request.subject {
        if is_blank(subject) || subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Failure::invalid(
                "subject",
                format!("The subject must be 1 to {MAX_SUBJECT_CHARS} characters."),
            ));
        }
    }
    Ok(())
}

/// A scheduled time must be ahead, and not too far: a 409, as the same time was fine when the
/// user picked it.
fn validate_schedule(scheduled_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ApiResult<()> {
    match scheduled_at {
        Some(at) if at <= now => Err(Failure::conflict(
            "scheduledAt",
            "The scheduled time has passed; choose a later time or send now.",
        )),
        Some(at) if at > now + Duration::days(MAX_SCHEDULE_DAYS) => Err(Failure::conflict(
            "scheduledAt",
            format!("A send can be scheduled at most {MAX_SCHEDULE_DAYS} days ahead."),
        )),
        _ => Ok(()),
    }
}

/// The composed message, resolved against the database: what a pre-flight shows and a send does.
struct Plan {
    subject: String,
    html: String,
    recipients: Vec<Resolved>,
    verdicts: Vec<Verdict>,
    remaining_today: u32,
    limit_resets_at: DateTime<Utc>,
}

fn plan(
    conn: &Connection,
    caller: &Caller,
    request: &SendRequest,
    now: DateTime<Utc>,
) -> ApiResult<Plan> {
    let template =
        find_template(conn, caller.tenant_id, request.template_id)?.ok_or_else(|| {
            Failure::conflict(
                "templateId",
                format!("No template {}.", request.template_id),
            )
        })?;
    let subject = request
        .subject
        .as_deref()
        .map(str::trim)
        .unwrap_or(&template.subject)
        .to_owned();
    // A send counts on the day it is delivered: scheduling cannot pile a week's emails on one day.
    let delivery = request.scheduled_at.unwrap_or(now);
    let remaining_today = remaining_on(conn, caller.user_id, delivery)?;
    // A record listed again is the same person as where it was first listed: it resolves to the
    // same address, so the duplicate rule excludes it rather than email one record twice.
    let mut first_listed = std::collections::HashMap::new();
    let mut recipients: Vec<Resolved> = Vec::with_capacity(request.recipients.len());
    for (index, recipient) in request.recipients.iter().enumerate() {
        let record = (recipient.entity, recipient.crm_id.trim());
        let resolved = match first_listed.get(&record) {
            Some(&first) => Resolved::clone(&recipients[first]),
            None => {
                first_listed.insert(record, index);
                resolve(conn, caller.tenant_id, recipient)?
            }
        };
        recipients.push(resolved);
    }
    let candidates: Vec<Candidate<'_>> = recipients
        .iter()
        .map(|r| Candidate {
            email: r.email.as_deref(),
            status: r.status,
        })
        .collect();
    let verdicts = preflight::check(&candidates, remaining_today)
        .verdicts()
        .to_vec();
    Ok(Plan {
        subject,
        html: template.html,
        recipients,
        verdicts,
        remaining_today,
        limit_resets_at: start_of_day(delivery) + Duration::days(1),
    })
}

// ---------------------------------------------------------------------------------------------
// POST /v1/sends/preflight

fn preflight_of(plan: &Plan, request: &SendRequest) -> PreflightResponse {
    let recipients = request
        .recipients
        .iter()
        .zip(&plan.recipients)
        .zip(&plan.verdicts)
        .map(|((asked, resolved), verdict)| PreflightRecipient {
            entity: asked.entity,
            crm_id: asked.crm_id.trim().to_owned(),
            name: resolved.name.clone(),
            email: resolved.email.clone(),
            imported: resolved.imported,
            status: match verdict {
                Verdict::Sendable => RecipientStatus::Sendable,
                Verdict::Excluded(_) => RecipientStatus::Excluded,
            },
            reason: verdict.reason(),
            merge_values: resolved.data.to_values(),
        })
        .collect();
    let sendable = plan
        .recipients
        .iter()
        .zip(&plan.verdicts)
        .filter(|(_, verdict)| **verdict == Verdict::Sendable)
        .map(|(r, _)| (r.name.as_str(), &r.data));
    PreflightResponse {
        sendable: plan
            .verdicts
            .iter()
            .filter(|v| **v == Verdict::Sendable)
            .count() as u32,
        recipients,
        missing_fields: merge::missing_fields(&[&plan.subject, &plan.html], sendable),
        remaining_today: plan.remaining_today,
        limit_resets_at: plan.limit_resets_at,
    }
}

#[utoipa::path(post, path = "/v1/sends/preflight", tag = "sends",
    description = "Who would receive the message and who is excluded and why, before anything is sent; \
nothing is stored. Exclusions, first that applies: `noEmail`, `invalidEmail`, `optedOut` / `hardBounced` / \
`suppressed` (the strictest consent of any record with the address), `duplicateEmail` (the first recipient \
with an address, in any case, is kept), `dailyLimit` (the recipients after the caller's remaining daily \
allowance of 1,000 on the UTC day of delivery: today, or the day of `scheduledAt`). `missingFields` lists the merge fields without a fallback that some sendable \
recipients have no value for.",
    request_body = SendRequest,
    responses(
        (status = 200, body = PreflightResponse), (status = 401, body = ErrorBody),
        (status = 409, description = "Field `scheduledAt` (past, or more than a year ahead) or `templateId` \
(no such template in the tenant)", body = ErrorBody),
        (status = 422, description = "Field `recipients` (not 1 to 200), `recipients[i].crmId` (blank or too long), `subject` or `body`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn preflight(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<PreflightResponse>> {
    let request: SendRequest = parse_documented("SendRequest", &body)?;
    validate_request(&request)?;
    let now = Utc::now();
    validate_schedule(request.scheduled_at, now)?;
    state
        .db
        .run(move |conn| {
            deliver_due(conn, now)?;
            let plan = plan(conn, &caller, &request, now)?;
            Ok(Json(preflight_of(&plan, &request)))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// POST /v1/sends

/// The idempotency key of a send: required.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    optional_idempotency_key(headers)?.ok_or_else(|| {
        Failure::invalid(
            IDEMPOTENCY_KEY_HEADER,
            "An Idempotency-Key header is required: one key per composed message, \
             so a retry never sends twice.",
        )
    })
}

/// Where sends keep their answers by key.
const SEND_ANSWERS: AnswerStore = AnswerStore {
    table: "sends",
    user_column: "sender_id",
    refusal: "This Idempotency-Key was already used for a different message (other template, \
              subject, recipients or time). Nothing was sent; compose the message again to get \
              a new key.",
};

/// A send as answered: its JSON, and whether it repeats an earlier request.
struct Answer {
    json: String,
    replayed: bool,
    scheduled_at: Option<DateTime<Utc>>,
}

/// Adds an unknown recipient to the tenant from its CRM fields, so its history can show the send.
fn create_record(
    conn: &Connection,
    caller: &Caller,
    recipient: &SendRecipient,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let (id, _) = db::add_crm_record(
        conn,
        caller.tenant_id,
        caller.user_id,
        recipient.entity,
        recipient.crm_id.trim(),
        &recipient.person.trimmed(),
        now,
    )?;
    Ok(id)
}

fn is_refused_by_mail_server(email: &str) -> bool {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default();
    domain == SIMULATED_FAILURE_DOMAIN || domain.ends_with(&format!(".{SIMULATED_FAILURE_DOMAIN}"))
}

fn email_sent(
    conn: &Connection,
    record_id: i64,
    at: DateTime<Utc>,
    subject: &str,
    campaign_id: &str,
) -> rusqlite::Result<i64> {
    db::insert_activity(
        conn,
        &db::NewActivity {
            record_id,
            occurred_at: at,
            kind: ActivityKind::EmailSent,
            subject: Some(subject),
            url: None,
            campaign_id: Some(campaign_id),
            details: &ActivityDetails::default(),
        },
    )
}

/// Sends a message once per (sender, key): the first request does it, every later one with the
/// same body gets the first answer.
pub fn send_once(
    conn: &mut Connection,
    caller: &Caller,
    key: &str,
    request: &SendRequest,
    now: DateTime<Utc>,
) -> ApiResult<(String, bool)> {
    let answer = send_in_transaction(conn, caller, key, request, now)?;
    Ok((answer.json, answer.replayed))
}

fn send_in_transaction(
    conn: &mut Connection,
    caller: &Caller,
    key: &str,
    request: &SendRequest,
    now: DateTime<Utc>,
) -> ApiResult<Answer> {
    let hash = request_hash(request);
    // IMMEDIATE takes the write lock up front: the key check and the claim see one database.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(json) = earlier_answer(&tx, &SEND_ANSWERS, caller, key, &hash)? {
        return Ok(Answer {
            json,
            replayed: true,
            scheduled_at: None,
        });
    }
    validate_schedule(request.scheduled_at, now)?;
    let plan = plan(&tx, caller, request, now)?;
    // The claim. The UNIQUE index refuses a second row for the key whatever the locking, so a
    // request that lost a race answers the winner's response instead of sending again.
    let claimed =
        tx.prepare_cached(
            "INSERT INTO sends (tenant_id, sender_id, idempotency_key, request_hash, created_at,
                 response, scheduled_at, template_id, subject)
             VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, ?8)
             ON CONFLICT (tenant_id, sender_id, idempotency_key) DO NOTHING",
        )?
        .execute(params![
            caller.tenant_id,
            caller.user_id,
            key,
            hash,
            to_millis(now),
            request.scheduled_at.map(to_millis),
            request.template_id,
            plan.subject,
        ])? == 1;
    if !claimed {
        drop(tx);
        let json = earlier_answer(conn, &SEND_ANSWERS, caller, key, &hash)?
            .ok_or_else(|| Failure::internal("a claimed idempotency key has no send"))?;
        return Ok(Answer {
            json,
            replayed: true,
            scheduled_at: None,
        });
    }
    let send_id = tx.last_insert_rowid();
    let campaign_id = format!("SEND-{send_id}");
    let mut results = Vec::with_capacity(request.recipients.len());
    for ((asked, resolved), verdict) in request
        .recipients
        .iter()
        .zip(&plan.recipients)
        .zip(&plan.verdicts)
    {
        let mut result = SendResult {
            entity: asked.entity,
            crm_id: asked.crm_id.trim().to_owned(),
            name: resolved.name.clone(),
            email: resolved.email.clone(),
            outcome: SendOutcome::Excluded,
            reason: verdict.reason(),
            subject: None,
            message: None,
        };
        let mut record_id = resolved.record_id;
        let email = resolved.email.as_deref().unwrap_or_default();
        if *verdict == Verdict::Sendable {
            if is_refused_by_mail_server(email) {
                result.outcome = SendOutcome::Failed;
                result.message = Some(NOT_DELIVERED.to_owned());
            } else {
                let id = match record_id {
                    Some(id) => id,
                    None => create_record(&tx, caller, asked, now)?,
                };
                record_id = Some(id);
                let subject = merge::render_text(&plan.subject, &resolved.data);
                match request.scheduled_at {
                    Some(_) => result.outcome = SendOutcome::Scheduled,
                    None => {
                        email_sent(&tx, id, now, &subject, &campaign_id)?;
                        result.outcome = SendOutcome::Sent;
                    }
                }
                result.subject = Some(subject);
            }
        }
        tx.prepare_cached(
            "INSERT INTO send_recipients (send_id, record_id, email, outcome, reason, subject)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            send_id,
            record_id,
            resolved.email,
            result.outcome.as_str(),
            result.reason.map(ExclusionReason::as_str),
            result.subject,
        ])?;
        results.push(result);
    }
    let used = results
        .iter()
        .filter(|r| matches!(r.outcome, SendOutcome::Sent | SendOutcome::Scheduled))
        .count() as u32;
    let response = SendResponse {
        id: send_id,
        campaign_id,
        template_id: request.template_id,
        created_at: from_millis(to_millis(now)),
        scheduled_at: request.scheduled_at,
        results,
        remaining_today: plan.remaining_today.saturating_sub(used),
        limit_resets_at: plan.limit_resets_at,
    };
    let json = serde_json::to_string(&response).map_err(Failure::internal)?;
    tx.execute(
        "UPDATE sends SET response = ?2 WHERE id = ?1",
        params![send_id, json],
    )?;
    tx.commit()?;
    Ok(Answer {
        json,
        replayed: false,
        scheduled_at: request.scheduled_at,
    })
}

/// Delivers the scheduled recipients whose time has come: each gets its `emailSent` activity,
/// dated at the scheduled time, unless it lost its consent meanwhile. Returns how many were sent.
pub fn deliver_due(conn: &mut Connection, now: DateTime<Utc>) -> ApiResult<usize> {
    // Almost always nothing is due: answer that without taking the write lock.
    let any_due: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM send_recipients sr JOIN sends s ON s.id = sr.send_id
             WHERE sr.outcome = 'scheduled' AND s.scheduled_at <= ?1)",
        )?
        .query_row([to_millis(now)], |row| row.get(0))?;
    if !any_due {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let due = tx
        .prepare_cached(
            "SELECT sr.rowid, s.id, s.scheduled_at, sr.record_id, sr.subject, r.subscription_status,
                    s.tenant_id, sr.email
             FROM send_recipients sr JOIN sends s ON s.id = sr.send_id
             LEFT JOIN records r ON r.id = sr.record_id
             WHERE sr.outcome = 'scheduled' AND s.scheduled_at <= ?1",
        )?
        .query_map([to_millis(now)], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<i64>>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, Option<String>>(7)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut sent = 0;
    for (rowid, send_id, at, record_id, subject, status, tenant_id, email) in due {
        // Consent as at sending, not as at scheduling.
        let own = status.as_deref().and_then(SubscriptionStatus::parse);
        let reason =
            consent(&tx, tenant_id, own, email.as_deref())?.and_then(preflight::consent_exclusion);
        match (record_id, reason) {
            (Some(record_id), None) => {
                let subject = subject.unwrap_or_default();
                email_sent(
                    &tx,
                    record_id,
                    from_millis(at),
                    &subject,
                    &format!("SEND-{send_id}"),
                )?;
                tx.execute(
                    "UPDATE send_recipients SET outcome = 'sent' WHERE rowid = ?1",
                    [rowid],
                )?;
                sent += 1;
            }
            // A scheduled recipient always has a record; without one there is nobody to email.
            (_, reason) => {
                tx.execute(
                    "UPDATE send_recipients SET outcome = 'excluded', reason = ?2 WHERE rowid = ?1",
                    params![rowid, reason.unwrap_or(ExclusionReason::NoEmail).as_str()],
                )?;
            }
        }
    }
    tx.commit()?;
    Ok(sent)
}

/// Delivers a scheduled send when its time comes.
fn deliver_at(db: Db, at: DateTime<Utc>) {
    let delay = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::spawn(async move {
        // A little after, so the send is due by the database's clock too.
        tokio::time::sleep(delay + StdDuration::from_millis(20)).await;
        // A failure is logged by `Failure::internal`; the next send or pre-flight catches up.
        let _ = db.run(|conn| deliver_due(conn, Utc::now())).await;
    });
}

/// At start: delivers what fell due while the sandbox was down and sets a timer for every send
/// still waiting, so a restart neither loses a scheduled send nor needs a request to deliver it.
pub async fn resume_scheduled(db: Db) {
    let waiting = db
        .run(|conn| {
            deliver_due(conn, Utc::now())?;
            let times = conn
                .prepare(
                    "SELECT DISTINCT s.scheduled_at FROM sends s
                     JOIN send_recipients sr ON sr.send_id = s.id
                     WHERE sr.outcome = 'scheduled'",
                )?
                .query_map([], |row| row.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(times)
        })
        .await;
    match waiting {
        Ok(times) => {
            for at in times {
                deliver_at(db.clone(), from_millis(at));
            }
        }
        // The next send or pre-flight delivers what is due.
        Err(failure) => tracing::warn!("resuming scheduled sends: {failure:?}"),
    }
}

#[utoipa::path(post, path = "/v1/sends", tag = "sends",
    description = "Sends (or schedules) one composed message to 1-200 recipients, exactly once per \
`Idempotency-Key`: the same key and body answer the first result again (header `Idempotent-Replayed: true`) \
without sending; the same key with another body is refused. The exclusion rules of the pre-flight apply, \
the daily limit (1,000 per sender and UTC day of delivery) included. Each sent recipient gets an `emailSent` activity \
(subject as rendered for them, campaign `SEND-<id>`); a scheduled recipient gets it at `scheduledAt`, not \
before. A recipient marketing does not know is added from its CRM fields (`imported: false`) so its \
history shows the send. In the sandbox the mail server refuses addresses at `fail.example` (outcome `failed`).",
    params(("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "One key per composed message, 1 to 255 visible ASCII characters; reuse it for retries")),
    request_body = SendRequest,
    responses(
        (status = 201, description = "One result per recipient, in request order", body = SendResponse,
            headers(("Idempotent-Replayed" = String, description = "`true` when this answers an earlier request with the same key"))),
        (status = 401, body = ErrorBody),
        (status = 409, description = "Field `Idempotency-Key` (used for a different message), `scheduledAt` (past, or \
more than a year ahead) or `templateId` (no such template in the tenant)", body = ErrorBody),
        (status = 422, description = "Field `Idempotency-Key` (missing or malformed), `recipients` (not 1 to 200), \
`recipients[i].crmId` (blank or too long), `subject` or `body`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request: SendRequest = parse_documented("SendRequest", &body)?;
    validate_request(&request)?;
    let answer = state
        .db
        .run(move |conn| {
            let now = Utc::now();
            deliver_due(conn, now)?;
            send_in_transaction(conn, &caller, &key, &request, now)
        })
        .await?;
    if let Some(at) = answer.scheduled_at {
        deliver_at(state.db.clone(), at);
    }
    Ok(answer_response(
        StatusCode::CREATED,
        answer.json,
        answer.replayed,
    ))
}

// ---------------------------------------------------------------------------------------------
// POST /v1/records/{entity}/{crmId}/resubscribe

/// The record's id, display name and consent.
fn consent_of(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
) -> ApiResult<(i64, String, SubscriptionStatus, OptInType)> {
    let id = known_record(conn, tenant_id, entity, crm_id, email)?;
    let (first, last, email, status, opt_in): (
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    ) = conn.query_row(
        "SELECT first_name, last_name, email, subscription_status, opt_in_type FROM records
         WHERE id = ?1",
        [id],
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        },
    )?;
    let name =
        crate::wire::display_name(first.as_deref(), last.as_deref(), email.as_deref(), crm_id);
    let status = SubscriptionStatus::parse(&status).ok_or_else(|| Failure::internal(&status))?;
    let opt_in = OptInType::parse(&opt_in).ok_or_else(|| Failure::internal(&opt_in))?;
    Ok((id, name, status, opt_in))
}

/// A consent status as a refusal words it ("… is hard bounced").
fn consent_in_words(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Subscribed => "subscribed",
        SubscriptionStatus::OptedOut => "opted out",
        SubscriptionStatus::HardBounced => "hard bounced",
        SubscriptionStatus::Suppressed => "suppressed",
    }
}

/// Stores a resubscribe request for an opted-out record, once a day: `(request, created)`.
pub fn request_resubscribe(
    conn: &mut Connection,
    caller: &Caller,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<(ResubscribeRequest, bool)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (record_id, name, status, _) = consent_of(&tx, caller.tenant_id, entity, crm_id, email)?;
    if status != SubscriptionStatus::OptedOut {
        return Err(Failure::conflict(
            "crmId",
            format!(
                "Only a person who opted out can be asked to resubscribe; {name} is {}.",
                consent_in_words(status)
            ),
        ));
    }
    let since = now - Duration::hours(RESUBSCRIBE_WINDOW_HOURS);
    let earlier: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT rr.requested_at, u.name FROM resubscribe_requests rr
             JOIN users u ON u.id = rr.requested_by
             WHERE rr.record_id = ?1 AND rr.requested_at > ?2
             ORDER BY rr.requested_at DESC LIMIT 1",
        )?
        .query_row(params![record_id, to_millis(since)], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let answer = |requested_at: i64, requested_by: String| ResubscribeRequest {
        entity,
        crm_id: crm_id.to_owned(),
        requested_at: from_millis(requested_at),
        requested_by,
    };
    if let Some((requested_at, requested_by)) = earlier {
        return Ok((answer(requested_at, requested_by), false));
    }
    tx.execute(
        "INSERT INTO resubscribe_requests (record_id, requested_by, requested_at)
         VALUES (?1, ?2, ?3)",
        params![record_id, caller.user_id, to_millis(now)],
    )?;
    let requested_by: String = tx.query_row(
        "SELECT name FROM users WHERE id = ?1",
        [caller.user_id],
        |row| row.get(0),
    )?;
    tx.commit()?;
    Ok((answer(to_millis(now), requested_by), true))
}

#[utoipa::path(post, path = "/v1/records/{entity}/{crmId}/resubscribe", tag = "records",
    description = "Asks marketing to send an opted-out person a resubscribe confirmation email. Idempotent \
within a day: a repeat within 24 hours (by anyone) answers the first request with 200. The record's profile \
shows `resubscribeRequestedAt` while the person is still opted out.",
    params(
        ("entity" = Entity, Path, description = "lead, contact or account"),
        ("crmId" = CrmId, Path, description = "The record's id in the CRM"),
        ("email" = Option<String>, Query, description = "Find the record by email when the CRM id is unknown"),
    ),
    responses(
        (status = 201, description = "Requested", body = ResubscribeRequest),
        (status = 200, description = "Already requested within the last 24 hours", body = ResubscribeRequest),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Not yet known to marketing", body = ErrorBody),
        (status = 409, description = "The person has not opted out (field `crmId`)", body = ErrorBody),
        (status = 422, description = "A bad `entity` or `crmId`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn resubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<(StatusCode, Json<ResubscribeRequest>)> {
    let entity = parse_entity(&entity)?;
    let email = QueryParams::parse(query).get("email").map(str::to_owned);
    let (request, created) = state
        .db
        .run(move |conn| {
            request_resubscribe(conn, &caller, entity, &crm_id, email.as_deref(), Utc::now())
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(request)))
}

// ---------------------------------------------------------------------------------------------
// POST /dev/records/{entity}/{crmId}/resubscribe/confirm

/// The person confirmed through the resubscribe email: subscribed again, and a confirmed email
/// is a double opt-in, which only ever raises the opt-in type.
pub fn confirm_resubscribe(
    conn: &mut Connection,
    caller: &Caller,
    entity: Entity,
    crm_id: &str,
) -> ApiResult<ConsentChange> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (record_id, name, status, opt_in) =
        consent_of(&tx, caller.tenant_id, entity, crm_id, None)?;
    let requested: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM resubscribe_requests WHERE record_id = ?1)",
        [record_id],
        |row| row.get(0),
    )?;
    if status != SubscriptionStatus::OptedOut || !requested {
        return Err(Failure::conflict(
            "crmId",
            format!("{name} has no resubscribe request waiting for confirmation."),
        ));
    }
    let change = ConsentChange {
        subscription_status: SubscriptionStatus::Subscribed,
        opt_in_type: opt_in.upgrade(OptInType::Double),
    };
    tx.execute(
        "UPDATE records SET subscription_status = ?2, opt_in_type = ?3 WHERE id = ?1",
        params![
            record_id,
            change.subscription_status.as_str(),
            change.opt_in_type.as_str()
        ],
    )?;
    tx.commit()?;
    Ok(change)
}

#[utoipa::path(post, path = "/dev/records/{entity}/{crmId}/resubscribe/confirm", tag = "dev",
    description = "Simulates the person clicking the link of the resubscribe confirmation email: the record is \
subscribed again and its opt-in type raised to at least `double` (never lowered).",
    params(("entity" = Entity, Path), ("crmId" = CrmId, Path)),
    responses(
        (status = 200, body = ConsentChange), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No resubscribe request waiting for the record", body = ErrorBody),
        (status = 422, description = "A bad `entity` or `crmId`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn dev_confirm_resubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
) -> ApiResult<Json<ConsentChange>> {
    if !state.config.dev_endpoints {
        return Err(Failure::not_found("No such endpoint."));
    }
    let entity = parse_entity(&entity)?;
    state
        .db
        .run(move |conn| Ok(Json(confirm_resubscribe(conn, &caller, entity, &crm_id)?)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Role;

    fn fixture() -> (Connection, Caller, i64) {
        let conn = db::open_in_memory().unwrap();
        let tenant = db::insert_tenant(&conn, "T").unwrap();
        let user = db::insert_user(&conn, tenant, "rep", "Rep", Role::Rep, None).unwrap();
        let template = db::insert_template(
            &conn,
            tenant,
            "Nurture",
            "Welcome",
            "Hi {{firstName|there}}",
            "<p>Hi {{firstName}}</p>",
        )
        .unwrap();
        let caller = Caller {
            tenant_id: tenant,
            user_id: user,
            role: Role::Rep,
            crm_user: "rep".to_owned(),
            connection_id: None,
        };
        (conn, caller, template)
    }

    fn request(template_id: i64, emails: &[&str]) -> SendRequest {
        SendRequest {
            template_id,
            subject: None,
            recipients: emails
                .iter()
                .enumerate()
                .map(|(i, email)| SendRecipient {
                    entity: Entity::Lead,
                    crm_id: format!("LEAD-{i}"),
                    person: PersonFields {
                        email: Some((*email).to_owned()),
                        first_name: Some(format!("P{i}")),
                        ..PersonFields::default()
                    },
                })
                .collect(),
            scheduled_at: None,
        }
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_key_sends_once_and_unknown_records_are_created() {
        let (mut conn, caller, template) = fixture();
        let now = Utc::now();
        let body = request(template, &["a@x.example", "b@fail.example", "A@X.example"]);
        let (first, replayed) = send_once(&mut conn, &caller, "k1", &body, now).unwrap();
        assert!(!replayed);
        let (again, replayed) = send_once(&mut conn, &caller, "k1", &body, now).unwrap();
        assert!(replayed);
        assert_eq!(first, again);
        let response: SendResponse = serde_json::from_str(&first).unwrap();
        let outcomes: Vec<SendOutcome> = response.results.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                SendOutcome::Sent,
                SendOutcome::Failed,
                SendOutcome::Excluded
            ]
        );
        assert_eq!(
            response.results[2].reason,
            Some(ExclusionReason::DuplicateEmail)
        );
        assert_eq!(response.results[0].subject.as_deref(), Some("Hi P0"));
        assert_eq!(response.remaining_today, DAILY_SEND_LIMIT - 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM sends"), 1);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM activities WHERE kind = 'emailSent'"
            ),
            1
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM records WHERE imported = 0"),
            1,
            "only the sent recipient is created"
        );
        let mut other = body.clone();
        other.subject = Some("Changed".into());
        let refused = send_once(&mut conn, &caller, "k1", &other, now).unwrap_err();
        assert_eq!(refused.error.field.as_deref(), Some(IDEMPOTENCY_KEY_HEADER));
    }

    #[test]
    fn scheduled_recipients_are_delivered_when_due_unless_they_opted_out() {
        let (mut conn, caller, template) = fixture();
        let now = Utc::now();
        let mut body = request(template, &["a@x.example", "b@x.example"]);
        body.scheduled_at = Some(now + Duration::hours(1));
        let (json, _) = send_once(&mut conn, &caller, "k", &body, now).unwrap();
        let response: SendResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(response.count(SendOutcome::Scheduled), 2);
        assert_eq!(deliver_due(&mut conn, now).unwrap(), 0);
        assert_eq!(count(&conn, "SELECT count(*) FROM activities"), 0);
        conn.execute(
            "UPDATE records SET subscription_status = 'optedOut' WHERE crm_id = 'LEAD-1'",
            [],
        )
        .unwrap();
        assert_eq!(deliver_due(&mut conn, now + Duration::hours(2)).unwrap(), 1);
        let at: i64 = conn
            .query_row("SELECT occurred_at FROM activities", [], |row| row.get(0))
            .unwrap();
        assert_eq!(at, to_millis(now + Duration::hours(1)));
        assert_eq!(
            count(&conn, "SELECT count(*) FROM send_recipients WHERE outcome = 'excluded' AND reason = 'optedOut'"),
            1
        );
        // Scheduled and sent recipients count towards the day they are delivered on.
        assert_eq!(
            remaining_on(&conn, caller.user_id, now + Duration::hours(1)).unwrap(),
            DAILY_SEND_LIMIT - 1
        );
    }

    #[test]
    fn a_scheduled_email_is_not_delivered_to_an_address_that_unsubscribed_as_another_record() {
        let (mut conn, caller, template) = fixture();
        let now = Utc::now();
        let mut body = request(template, &["p@x.example"]);
        body.scheduled_at = Some(now + Duration::hours(1));
        let (json, _) = send_once(&mut conn, &caller, "k", &body, now).unwrap();
        let response: SendResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(response.count(SendOutcome::Scheduled), 1);
        // Meanwhile the same person opts out as a contact, under the address in other case.
        crate::sandbox::db::insert_record(
            &conn,
            &crate::sandbox::db::NewRecord {
                entity: Entity::Contact,
                email: Some("P@X.example"),
                subscription_status: SubscriptionStatus::OptedOut,
                ..crate::sandbox::db::NewRecord::lead(caller.tenant_id, "CON-1")
            },
        )
        .unwrap();
        assert_eq!(deliver_due(&mut conn, now + Duration::hours(2)).unwrap(), 0);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM activities WHERE kind = 'emailSent'"
            ),
            0
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM send_recipients WHERE outcome = 'excluded' AND reason = 'optedOut'"),
            1
        );
    }
}
