//! The programs endpoints of the API: the programs marketing made available to the CRM, a
//! record's enrolments, and enrolling records (one, or a list-view selection) into a program.
//!
//! An enrolment is one row per (program, record), so enrolling twice is a no-op answered
//! `alreadyEnrolled`; the UNIQUE constraint keeps that true whatever the concurrency.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
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
use super::AppState;
use crate::wire::schemas::CrmId;
use crate::wire::*;

/// The reason shown beside a program that is listed but cannot be selected.
pub const PAUSED_REASON: &str = "This program is paused.";

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/programs", get(list_programs))
        .route("/v1/programs/{id}/enrolments", post(enrol))
        .route(
            "/v1/records/{entity}/{crm_id}/enrolments",
            get(record_enrolments),
        )
}

/// The OpenAPI description of this module's endpoints, merged into the document.
#[derive(OpenApi)]
#[openapi(
    paths(list_programs, record_enrolments, enrol),
    components(schemas(
        Program, ProgramList, Enrolment, EnrolmentList, EnrolmentStatus, EnrolRecord,
        EnrolRequest, EnrolResult, EnrolResponse, EnrolOutcome,
    )),
    tags((name = "programs", description = "Automation programs and enrolling CRM records into them"))
)]
pub struct Doc;

// ---------------------------------------------------------------------------------------------
// GET /v1/programs

fn program_of(row: &rusqlite::Row) -> rusqlite::Result<Program> {
    let active: bool = row.get(3)?;
    let status: Option<String> = row.get(5)?;
    Ok(Program {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        active,
        enabled_for_crm: row.get(4)?,
        unavailable_reason: (!active).then(|| PAUSED_REASON.to_owned()),
        enrolment_status: status
            .map(|status| column_enum(status, EnrolmentStatus::parse))
            .transpose()?,
    })
}

/// Where a page of programs ends: the last program's sort key (active first, name, id).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProgramCursor {
    active: bool,
    name: String,
    id: i64,
}

/// A page of the CRM-enabled programs of a tenant whose name contains `q` (any case), after
/// `after`: at most `limit`, active ones first, then by name (any case) and id; with the status
/// of `record` (the platform's id) in each it is or was in.
pub fn crm_programs(
    conn: &Connection,
    tenant_id: i64,
    q: Option<&str>,
    record: Option<i64>,
    after: Option<&ProgramCursor>,
    limit: u32,
) -> ApiResult<ProgramList> {
    // `NOT active` sorts active programs first with the row-value comparison ascending.
    let mut statement = conn.prepare_cached(
        "SELECT p.id, p.name, p.description, p.active, p.enabled_for_crm, e.status
         FROM programs p LEFT JOIN enrolments e ON e.program_id = p.id AND e.record_id = ?7
         WHERE p.tenant_id = ?1 AND p.enabled_for_crm = 1
           AND (?2 IS NULL OR casefold(p.name) LIKE ?2 ESCAPE '\\')
           AND (?3 IS NULL OR (NOT p.active, p.name COLLATE NOCASE, p.id) > (NOT ?3, ?4, ?5))
         ORDER BY NOT p.active, p.name COLLATE NOCASE, p.id
         LIMIT ?6",
    )?;
    let mut items = statement
        .query_map(
            params![
                tenant_id,
                q.map(contains_pattern),
                after.map(|c| c.active),
                after.map(|c| c.name.as_str()),
                after.map(|c| c.id),
                i64::from(limit) + 1,
                record,
            ],
            program_of,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last| {
            encode_json_cursor(&ProgramCursor {
                active: last.active,
                name: last.name.clone(),
                id: last.id,
            })
        })
    } else {
        None
    };
    Ok(ProgramList { items, next_cursor })
}

#[utoipa::path(get, path = "/v1/programs", tag = "programs",
    description = "The caller tenant's programs that marketing made available to the CRM, a page at a time, \
active ones first, then by name. Inactive ones are listed with an `unavailableReason` so the UI can show them \
greyed out; an empty first page without `q` means marketing has enabled no program for CRM enrolment.",
    params(
        ("q" = Option<String>, Query, max_length = 200, description = "Only programs whose name contains this text (any case), at most 200 characters"),
        ("entity" = Option<Entity>, Query, description = "With `crmId`: the record whose `enrolmentStatus` each program carries"),
        ("crmId" = Option<CrmId>, Query, description = "The record's id in the CRM"),
        ("email" = Option<String>, Query, description = "Find the record by email when the CRM id is unknown"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page (same `q` and record); one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = ProgramList), (status = 401, body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, description = "Field `q`, `limit`, `cursor`, `entity` or `crmId`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_programs(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProgramList>> {
    let query = QueryParams::parse(query);
    let q = query.search()?;
    // Each is checked alone, as the document states them; the record needs both.
    let entity = query.entity("entity")?;
    let crm_id = query.crm_id("crmId")?;
    let record = match (entity, crm_id) {
        (Some(entity), Some(crm_id)) => {
            Some((entity, crm_id, query.get("email").map(str::to_owned)))
        }
        _ => None,
    };
    let after = query.cursor(decode_json_cursor::<ProgramCursor>)?;
    let limit = query.limit(query::PROGRAMS_DEFAULT_LIMIT, query::PROGRAMS_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            let record = match &record {
                Some((entity, crm_id, email)) => {
                    db::find_record(conn, caller.tenant_id, *entity, crm_id, email.as_deref())?
                }
                None => None,
            };
            Ok(Json(crm_programs(
                conn,
                caller.tenant_id,
                q.as_deref(),
                record,
                after.as_ref(),
                limit,
            )?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /v1/records/{entity}/{crmId}/enrolments

/// Where a page of enrolments ends: the last one's enrolment time and row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnrolmentCursor {
    at: i64,
    id: i64,
}

/// A page of a record's enrolments after `after`, newest first: at most `limit`.
pub fn enrolments_of(
    conn: &Connection,
    record_id: i64,
    after: Option<EnrolmentCursor>,
    limit: u32,
) -> ApiResult<EnrolmentList> {
    let mut statement = conn.prepare_cached(
        "SELECT e.program_id, p.name, e.status, e.enrolled_at, e.updated_at, e.id
         FROM enrolments e JOIN programs p ON p.id = e.program_id
         WHERE e.record_id = ?1 AND (?2 IS NULL OR (e.enrolled_at, e.id) < (?2, ?3))
         ORDER BY e.enrolled_at DESC, e.id DESC
         LIMIT ?4",
    )?;
    let mut rows = statement
        .query_map(
            params![
                record_id,
                after.map(|c| c.at),
                after.map(|c| c.id),
                i64::from(limit) + 1
            ],
            |row| {
                let enrolled_at: i64 = row.get(3)?;
                let enrolment = Enrolment {
                    program_id: row.get(0)?,
                    program_name: row.get(1)?,
                    status: column_enum(row.get(2)?, EnrolmentStatus::parse)?,
                    enrolled_at: from_millis(enrolled_at),
                    updated_at: from_millis(row.get(4)?),
                };
                Ok((
                    enrolment,
                    EnrolmentCursor {
                        at: enrolled_at,
                        id: row.get(5)?,
                    },
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(_, cursor)| encode_json_cursor(cursor))
    } else {
        None
    };
    Ok(EnrolmentList {
        items: rows.into_iter().map(|(enrolment, _)| enrolment).collect(),
        next_cursor,
    })
}

#[utoipa::path(get, path = "/v1/records/{entity}/{crmId}/enrolments", tag = "programs",
    params(
        ("entity" = Entity, Path, description = "lead, contact or account"),
        ("crmId" = CrmId, Path, description = "The record's id in the CRM"),
        ("email" = Option<String>, Query, description = "Find the record by email when the CRM id is unknown"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1..200, default 50"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+$", description = "`nextCursor` of the previous page; one this API did not make, or that leads nowhere in this list, is 409"),
    ),
    responses(
        (status = 200, body = EnrolmentList), (status = 401, body = ErrorBody),
        (status = 404, description = "Not yet known to marketing", body = ErrorBody),
        (status = 409, description = "A `cursor` that leads nowhere in this list", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn record_enrolments(
    State(state): State<AppState>,
    caller: Caller,
    Path((entity, crm_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<EnrolmentList>> {
    let entity = parse_entity(&entity)?;
    let query = QueryParams::parse(query);
    let email = query.get("email").map(str::to_owned);
    let after = query.cursor(decode_json_cursor::<EnrolmentCursor>)?;
    let limit = query.limit(query::ENROLMENTS_DEFAULT_LIMIT, query::ENROLMENTS_MAX_LIMIT)?;
    state
        .db
        .run(move |conn| {
            let id = known_record(conn, caller.tenant_id, entity, &crm_id, email.as_deref())?;
            Ok(Json(enrolments_of(conn, id, after, limit)?))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// POST /v1/programs/{id}/enrolments

/// Checks what can be checked without the database: the number of records and their CRM ids.
fn validate_request(request: &EnrolRequest) -> ApiResult<()> {
    let count = request.records.len();
    if !(1..=MAX_ENROL_RECORDS).contains(&count) {
        return Err(Failure::invalid(
            "records",
            format!("Enrol 1 to {MAX_ENROL_RECORDS} records at a time ({count} given)."),
        ));
    }
    for (index, record) in request.records.iter().enumerate() {
        check_crm_id(&format!("records[{index}].crmId"), &record.crm_id)?;
    }
    Ok(())
}

/// The program to enrol into, if the caller's tenant may: 404 for another tenant's (or no)
/// program, 409 for one the CRM may not use or that is paused.
fn enrollable_program(conn: &Connection, tenant_id: i64, program_id: i64) -> ApiResult<String> {
    let (name, active, enabled): (String, bool, bool) = conn
        .prepare_cached(
            "SELECT name, active, enabled_for_crm FROM programs WHERE id = ?1 AND tenant_id = ?2",
        )?
        .query_row(params![program_id, tenant_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?
        .ok_or_else(|| Failure::not_found(format!("No program {program_id}.")))?;
    if !enabled {
        return Err(Failure::conflict(
            "programId",
            format!(
                "'{name}' is not available for enrolment from the CRM; \
                 your marketing admin must enable it for CRM enrolment."
            ),
        ));
    }
    if !active {
        return Err(Failure::conflict(
            "programId",
            format!("'{name}' is paused; only active programs accept enrolments."),
        ));
    }
    Ok(name)
}

/// The platform's record for a CRM record, adding it to the tenant ("All contacts") from the CRM
/// fields when unknown. `Ok(None)` when it is unknown and has nothing to add it by.
fn record_for(
    conn: &Connection,
    caller: &Caller,
    record: &EnrolRecord,
    now: DateTime<Utc>,
) -> ApiResult<Option<(i64, bool)>> {
    let person = record.person.trimmed();
    let crm_id = record.crm_id.trim();
    let email = person.email.as_deref();
    if let Some(id) = db::find_record(conn, caller.tenant_id, record.entity, crm_id, email)? {
        return Ok(Some((id, false)));
    }
    if email.is_none() && person.first_name.is_none() && person.last_name.is_none() {
        return Ok(None);
    }
    Ok(Some(db::add_crm_record(
        conn,
        caller.tenant_id,
        caller.user_id,
        record.entity,
        crm_id,
        &person,
        now,
    )?))
}

fn enrol_one(
    conn: &Connection,
    caller: &Caller,
    program_id: i64,
    program_name: &str,
    record: &EnrolRecord,
) -> ApiResult<EnrolResult> {
    let now = Utc::now();
    let mut result = EnrolResult {
        entity: record.entity,
        crm_id: record.crm_id.clone(),
        outcome: EnrolOutcome::Failed,
        enrolment_status: None,
        message: None,
        added_to_all_contacts: false,
    };
    let Some((record_id, added)) = record_for(conn, caller, record, now)? else {
        result.message = Some(format!(
            "This {} is not in marketing yet and has no email or name to add it with. \
             Add an email address in the CRM, then try again.",
            record.entity
        ));
        return Ok(result);
    };
    result.added_to_all_contacts = added;
    let inserted =
        conn.prepare_cached(
            "INSERT INTO enrolments (program_id, record_id, status, enrolled_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (program_id, record_id) DO NOTHING",
        )?
        .execute(params![
            program_id,
            record_id,
            EnrolmentStatus::Active.as_str(),
            to_millis(now)
        ])? == 1;
    if inserted {
        db::insert_activity(
            conn,
            &db::NewActivity {
                record_id,
                occurred_at: now,
                kind: ActivityKind::ProgramEnrolled,
                subject: Some(program_name),
                url: None,
                campaign_id: None,
                details: &ActivityDetails {
                    program_name: Some(program_name.to_owned()),
                    ..ActivityDetails::default()
                },
            },
        )?;
        result.outcome = EnrolOutcome::Enrolled;
        return Ok(result);
    }
    let status: String = conn
        .prepare_cached("SELECT status FROM enrolments WHERE program_id = ?1 AND record_id = ?2")?
        .query_row(params![program_id, record_id], |row| row.get(0))?;
    result.outcome = EnrolOutcome::AlreadyEnrolled;
    result.enrolment_status = EnrolmentStatus::parse(&status);
    Ok(result)
}

/// Where enrolment requests keep their answers by key.
const ENROL_ANSWERS: AnswerStore = AnswerStore {
    table: "enrol_requests",
    user_column: "user_id",
    refusal: "This Idempotency-Key was already used for another enrolment request. Nothing was \
              enrolled; send the request with a new key.",
};

/// Enrols `records` into a program of the caller's tenant, all in one transaction, answered as
/// JSON; with an idempotency key, a request already answered
/// under it gets that answer again (and `true`), a different request under it a 422.
pub fn enrol_once(
    conn: &mut Connection,
    caller: &Caller,
    program_id: i64,
    records: &[EnrolRecord],
    key: Option<&str>,
) -> ApiResult<(String, bool)> {
    // IMMEDIATE takes the write lock up front, so a check and its write see the same database.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let hash = request_hash(&(program_id, records));
    if let Some(key) = key {
        if let Some(answer) = earlier_answer(&tx, &ENROL_ANSWERS, caller, key, &hash)? {
            return Ok((answer, true));
        }
    }
    let program_name = enrollable_program(&tx, caller.tenant_id, program_id)?;
    let results = records
        .iter()
        .map(|record| enrol_one(&tx, caller, program_id, &program_name, record))
        .collect::<ApiResult<Vec<_>>>()?;
    let json = serde_json::to_string(&EnrolResponse {
        program_id,
        program_name,
        results,
    })
    .map_err(|_| Failure::internal("an enrolment answer could not be written"))?;
    if let Some(key) = key {
        tx.prepare_cached(
            "INSERT INTO enrol_requests (tenant_id, user_id, idempotency_key, request_hash,
                 response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            caller.tenant_id,
            caller.user_id,
            key,
            hash,
            json,
            to_millis(Utc::now())
        ])?;
    }
    tx.commit()?;
    Ok((json, false))
}

#[utoipa::path(post, path = "/v1/programs/{id}/enrolments", tag = "programs",
    description = "Enrols one record or a list-view selection into an active, CRM-enabled program, \
idempotently per record and program. A record the platform does not know is first added to the \
\"All contacts\" list from the CRM fields given (`addedToAllContacts`); each new enrolment adds a \
`programEnrolled` activity to the record. With an `Idempotency-Key`, the same key and body answer \
the first result again (header `Idempotent-Replayed: true`), so a retry after a lost answer reads \
what that request did, even for a program paused since.",
    params(
        ("id" = i64, Path, description = "The program's id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Optional: one key per request, 1 to 255 visible ASCII characters; reuse it to retry that request"),
    ),
    request_body = EnrolRequest,
    responses(
        (status = 200, description = "One result per record, in request order", body = EnrolResponse,
            headers(("Idempotent-Replayed" = String, description = "`true` when this answers an earlier request with the same key"))),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such program in the caller's tenant", body = ErrorBody),
        (status = 409, description = "Field `programId` (the program is paused or not enabled for CRM \
enrolment) or `Idempotency-Key` (used for another request)", body = ErrorBody),
        (status = 422, description = "Field `records` (not 1 to 200 records), `records[i].crmId`, `Idempotency-Key` \
(malformed) or `body`", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    Path(program_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let program_id: i64 = program_id
        .parse()
        .map_err(|_| Failure::not_found(format!("No program '{program_id}'.")))?;
    let key = optional_idempotency_key(&headers)?;
    let request: EnrolRequest = parse_documented("EnrolRequest", &body)?;
    validate_request(&request)?;
    let (json, replayed) = state
        .db
        .run(move |conn| enrol_once(conn, &caller, program_id, &request.records, key.as_deref()))
        .await?;
    Ok(answer_response(StatusCode::OK, json, replayed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Role;

    /// [`enrol_once`] without a key, its answer read back.
    fn enrol_records(
        conn: &mut Connection,
        caller: &Caller,
        program_id: i64,
        records: &[EnrolRecord],
    ) -> ApiResult<EnrolResponse> {
        let (json, _) = enrol_once(conn, caller, program_id, records, None)?;
        Ok(serde_json::from_str(&json).expect("an enrolment answer reads back"))
    }

    fn caller(tenant_id: i64, user_id: i64) -> Caller {
        Caller {
            tenant_id,
            user_id,
            role: Role::Rep,
            crm_user: "rep".to_owned(),
            connection_id: None,
        }
    }

    fn lead(crm_id: &str, email: Option<&str>) -> EnrolRecord {
        EnrolRecord {
            entity: Entity::Lead,
            crm_id: crm_id.to_owned(),
            person: PersonFields {
                email: email.map(str::to_owned),
                ..PersonFields::default()
            },
        }
    }

    fn fixture() -> (Connection, Caller, i64) {
        let conn = db::open_in_memory().unwrap();
        let tenant = db::insert_tenant(&conn, "T").unwrap();
        let user = db::insert_user(&conn, tenant, "rep", "Rep", Role::Rep, None).unwrap();
        let program = db::insert_program(&conn, tenant, "Nurture", "N", true, true).unwrap();
        (conn, caller(tenant, user), program)
    }

    #[test]
    fn request_size_and_crm_ids_are_checked_before_the_database() {
        let request = |records: Vec<EnrolRecord>| EnrolRequest { records };
        let field = |r: EnrolRequest| validate_request(&r).unwrap_err().error.field.unwrap();
        assert_eq!(field(request(vec![])), "records");
        assert_eq!(
            field(request(vec![lead("L", None); MAX_ENROL_RECORDS + 1])),
            "records"
        );
        assert_eq!(
            field(request(vec![lead("L", None), lead("  ", None)])),
            "records[1].crmId"
        );
        assert_eq!(
            field(request(vec![lead(&"x".repeat(101), None)])),
            "records[0].crmId"
        );
        assert!(validate_request(&request(vec![lead("L", None); MAX_ENROL_RECORDS])).is_ok());
    }

    #[test]
    fn a_failed_record_does_not_undo_the_others() {
        let (mut conn, caller, program) = fixture();
        let records = [lead("L-1", Some("a@example.com")), lead("L-2", None)];
        let response = enrol_records(&mut conn, &caller, program, &records).unwrap();
        assert_eq!(response.results[0].outcome, EnrolOutcome::Enrolled);
        assert!(response.results[0].added_to_all_contacts);
        assert_eq!(response.results[1].outcome, EnrolOutcome::Failed);
        assert!(response.results[1]
            .message
            .as_ref()
            .unwrap()
            .contains("no email or name"));
        let records: i64 = conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .unwrap();
        assert_eq!(records, 1, "nothing is added for the record that failed");
    }

    #[test]
    fn an_unknown_crm_id_with_a_known_email_enrols_the_known_person() {
        let (mut conn, caller, program) = fixture();
        enrol_records(
            &mut conn,
            &caller,
            program,
            &[lead("L-1", Some("a@example.com"))],
        )
        .unwrap();
        let again = enrol_records(
            &mut conn,
            &caller,
            program,
            &[lead("L-OTHER", Some("A@Example.com"))],
        )
        .unwrap();
        assert_eq!(again.results[0].outcome, EnrolOutcome::AlreadyEnrolled);
        assert!(!again.results[0].added_to_all_contacts);
    }

    #[test]
    fn a_finished_enrolment_is_reported_with_its_status() {
        let (mut conn, caller, program) = fixture();
        enrol_records(
            &mut conn,
            &caller,
            program,
            &[lead("L-1", Some("a@example.com"))],
        )
        .unwrap();
        conn.execute("UPDATE enrolments SET status = 'completed'", [])
            .unwrap();
        let again = enrol_records(&mut conn, &caller, program, &[lead("L-1", None)]).unwrap();
        assert_eq!(again.results[0].outcome, EnrolOutcome::AlreadyEnrolled);
        assert_eq!(
            again.results[0].enrolment_status,
            Some(EnrolmentStatus::Completed)
        );
        let list = enrolments_of(&conn, 1, None, 50).unwrap();
        assert_eq!(list.items[0].status, EnrolmentStatus::Completed);
    }
}
