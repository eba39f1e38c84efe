//! A stand-in for the Salesforce REST endpoints the canvas shell calls, served on the host origin
//! over the demo CRM's data, so a test can play a Salesforce org without one:
//!
//! - `GET /services/data/v<api>/query?q=<SOQL>`: `SELECT <fields> FROM Lead|Contact|Account WHERE
//!   Id IN ('…', …)`, and `FROM Task WHERE WhoId|WhatId IN (…)`, answered in Salesforce's query
//!   shape (`totalSize`, `done`, `records` with `attributes`);
//! - `POST /services/data/v<api>/sobjects/Task`: creates a Task, checked as Salesforce checks its
//!   fields, and keeps it so a query (or a test) reads it back.
//!
//! Its OAuth tokens name the demo CRM user they act for: `Bearer standin-<crmUser>` reads and
//! writes that user's tenant; anything else is refused like an expired session. Errors have
//! Salesforce's shape: `[{"message", "errorCode"}]`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use rusqlite::{params_from_iter, OptionalExtension};
use serde_json::{json, Map, Value};

use super::api_version;
use crate::sandbox::http::QueryParams;
use crate::sandbox::AppState;

/// The prefix of the stand-in's OAuth tokens; the rest is the demo CRM user.
pub const TOKEN_PREFIX: &str = "standin-";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/sobjects/Task", post(create_task))
}

/// A refusal in Salesforce's REST error shape.
struct SalesforceError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl SalesforceError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        SalesforceError {
            status,
            code,
            message: message.into(),
        }
    }

    fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", message)
    }
}

impl IntoResponse for SalesforceError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!([{"message": self.message, "errorCode": self.code}])),
        )
            .into_response()
    }
}

impl From<crate::sandbox::error::Failure> for SalesforceError {
    fn from(failure: crate::sandbox::error::Failure) -> Self {
        Self::new(failure.status, "UNKNOWN_EXCEPTION", failure.error.message)
    }
}

impl From<rusqlite::Error> for SalesforceError {
    fn from(error: rusqlite::Error) -> Self {
        crate::sandbox::error::Failure::from(error).into()
    }
}

type StandinResult<T> = Result<T, SalesforceError>;

fn check_version(version: &str) -> StandinResult<()> {
    if version.strip_prefix('v') == Some(api_version()) {
        Ok(())
    } else {
        Err(SalesforceError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("The stand-in answers API version v{} only.", api_version()),
        ))
    }
}

fn session_invalid() -> SalesforceError {
    SalesforceError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_SESSION_ID",
        "Session expired or invalid",
    )
}

fn crm_user_of(headers: &HeaderMap) -> StandinResult<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| token.strip_prefix(TOKEN_PREFIX))
        .filter(|user| !user.is_empty())
        .map(str::to_owned)
        .ok_or_else(session_invalid)
}

fn tenant_of(conn: &rusqlite::Connection, crm_user: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT tenant_id FROM users WHERE crm_user = ?1",
        [crm_user],
        |r| r.get(0),
    )
    .optional()
}

// ---------------------------------------------------------------------------------------------
// SOQL, the little of it the shell writes

/// `SELECT <fields> FROM <object> WHERE <field> IN ('a', 'b')`.
#[derive(Debug, PartialEq)]
pub struct Soql {
    pub fields: Vec<String>,
    pub object: String,
    pub filter_field: String,
    pub ids: Vec<String>,
}

/// Reads the one query shape the shell sends; anything else is `MALFORMED_QUERY`, as a query the
/// stand-in cannot answer truthfully must not look answered.
pub fn parse_soql(text: &str) -> Result<Soql, String> {
    let text = text.trim();
    let keyword = |rest: &str, word: &str| -> Option<usize> {
        let upper = rest.to_ascii_uppercase();
        upper.find(&format!(" {word} ")).map(|at| at + 1)
    };
    let upper = text.to_ascii_uppercase();
    if !upper.starts_with("SELECT ") {
        return Err("the query must start with SELECT".into());
    }
    let from = keyword(text, "FROM").ok_or("the query has no FROM")?;
    let where_at = keyword(text, "WHERE").ok_or("the query has no WHERE")?;
    if where_at < from {
        return Err("WHERE comes before FROM".into());
    }
    let fields: Vec<String> = text[7..from]
        .split(',')
        .map(|f| f.trim().to_owned())
        .collect();
    let object = text[from + 4..where_at].trim().to_owned();
    let condition = text[where_at + 5..].trim();
    let in_at = keyword(condition, "IN").ok_or("the condition must be <field> IN (…)")?;
    let filter_field = condition[..in_at].trim().to_owned();
    let list = condition[in_at + 2..].trim();
    let list = list
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .ok_or("the IN list must be in parentheses, and nothing may follow it")?;
    let ids = list
        .split(',')
        .map(|item| {
            let item = item.trim();
            item.strip_prefix('\'')
                .and_then(|i| i.strip_suffix('\''))
                .filter(|id| {
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .map(str::to_owned)
                .ok_or_else(|| format!("{item} is not a quoted id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if fields.iter().any(|f| f.is_empty()) || object.is_empty() || filter_field.is_empty() {
        return Err("a field, the object or the filter is empty".into());
    }
    Ok(Soql {
        fields,
        object,
        filter_field,
        ids,
    })
}

/// The fields the stand-in has for each object, and the filter each is queried by.
fn known_fields(object: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    match object {
        "Lead" => Some((
            &["Id", "Email", "FirstName", "LastName", "Company", "Title"],
            &["Id"],
        )),
        "Contact" => Some((
            &[
                "Id",
                "Email",
                "FirstName",
                "LastName",
                "Title",
                "Account.Name",
            ],
            &["Id"],
        )),
        "Account" => Some((&["Id", "Name"], &["Id"])),
        "Task" => Some((
            &[
                "Id",
                "Subject",
                "Description",
                "Status",
                "ActivityDate",
                "WhoId",
                "WhatId",
            ],
            &["WhoId", "WhatId"],
        )),
        _ => None,
    }
}

fn attributes(object: &str, id: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/v{}/sobjects/{object}/{id}", api_version())})
}

async fn query(
    State(state): State<AppState>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> StandinResult<Json<Value>> {
    check_version(&version)?;
    let crm_user = crm_user_of(&headers)?;
    let q = QueryParams::parse(raw)
        .get("q")
        .map(str::to_owned)
        .ok_or_else(|| SalesforceError::malformed("q is required"))?;
    let soql = parse_soql(&q).map_err(SalesforceError::malformed)?;
    let (fields, filters) = known_fields(&soql.object).ok_or_else(|| {
        SalesforceError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", soql.object),
        )
    })?;
    if let Some(unknown) = soql.fields.iter().find(|f| !fields.contains(&f.as_str())) {
        return Err(SalesforceError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            format!("No such column '{unknown}' on entity '{}'.", soql.object),
        ));
    }
    if !filters.contains(&soql.filter_field.as_str()) {
        return Err(SalesforceError::malformed(format!(
            "The stand-in filters {} by {} only.",
            soql.object,
            filters.join(" or ")
        )));
    }
    let records = state
        .db
        .run(move |conn| {
            let Some(tenant) = tenant_of(conn, &crm_user)? else {
                return Ok(Err(session_invalid()));
            };
            let rows = if soql.object == "Task" {
                tasks(conn, tenant, &soql.filter_field, &soql.ids)?
            } else {
                people(conn, tenant, &soql.object, &soql.ids)?
            };
            Ok(Ok(rows
                .into_iter()
                .map(|row| {
                    let mut record = Map::new();
                    record.insert(
                        "attributes".into(),
                        attributes(&soql.object, row["Id"].as_str().unwrap_or_default()),
                    );
                    for field in &soql.fields {
                        if let Some(relation) = field.strip_suffix(".Name") {
                            let name = row.get(field.as_str()).cloned().unwrap_or(Value::Null);
                            let value = if name.is_null() {
                                Value::Null
                            } else {
                                json!({"attributes": {"type": relation}, "Name": name})
                            };
                            record.insert(relation.to_owned(), value);
                        } else {
                            record.insert(
                                field.clone(),
                                row.get(field.as_str()).cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                    Value::Object(record)
                })
                .collect::<Vec<_>>()))
        })
        .await??;
    Ok(Json(
        json!({"totalSize": records.len(), "done": true, "records": records}),
    ))
}

/// A nullable text column as JSON.
fn text_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Value> {
    Ok(row
        .get::<_, Option<String>>(index)?
        .map_or(Value::Null, Value::String))
}

fn placeholders(count: usize, first: usize) -> String {
    (0..count)
        .map(|i| format!("?{}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The demo CRM's people (marketing's records, and those only the CRM knows) as Salesforce rows.
fn people(
    conn: &rusqlite::Connection,
    tenant: i64,
    object: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<Map<String, Value>>> {
    let entity = object.to_ascii_lowercase();
    let list = placeholders(ids.len(), 3);
    let sql = format!(
        "SELECT crm_id, email, first_name, last_name, company, job_title FROM records
          WHERE tenant_id = ?1 AND entity = ?2 AND crm_id IN ({list})
         UNION ALL
         SELECT c.crm_id, c.email, c.first_name, c.last_name, c.company, c.job_title FROM crm_only_records c
          WHERE c.tenant_id = ?1 AND c.entity = ?2 AND c.crm_id IN ({list})
            AND NOT EXISTS (SELECT 1 FROM records k WHERE k.tenant_id = ?1 AND k.entity = c.entity AND k.crm_id = c.crm_id)"
    );
    let mut params = vec![
        rusqlite::types::Value::Integer(tenant),
        rusqlite::types::Value::Text(entity),
    ];
    params.extend(
        ids.iter()
            .map(|id| rusqlite::types::Value::Text(id.clone())),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(params_from_iter(params), |row| {
        let text = |i: usize| text_at(row, i);
        let mut out = Map::new();
        out.insert("Id".into(), text(0)?);
        out.insert("Email".into(), text(1)?);
        out.insert("FirstName".into(), text(2)?);
        out.insert("LastName".into(), text(3)?);
        out.insert("Company".into(), text(4)?);
        out.insert("Account.Name".into(), text(4)?);
        out.insert("Name".into(), text(4)?);
        out.insert("Title".into(), text(5)?);
        Ok(out)
    })?;
    rows.collect()
}

// ---------------------------------------------------------------------------------------------
// Tasks

fn ensure_task_table(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    // The stand-in's own table, made on first use: the sandbox's schema stays the platform's.
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS standin_salesforce_tasks (
             id            INTEGER PRIMARY KEY,
             tenant_id     INTEGER NOT NULL,
             who_id        TEXT,
             what_id       TEXT,
             subject       TEXT NOT NULL,
             description   TEXT,
             status        TEXT NOT NULL,
             activity_date TEXT,
             created_at    INTEGER NOT NULL
         )",
    )
}

fn task_id(id: i64) -> String {
    format!("00T{id:015}")
}

fn tasks(
    conn: &rusqlite::Connection,
    tenant: i64,
    by: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<Map<String, Value>>> {
    ensure_task_table(conn)?;
    let column = if by == "WhoId" { "who_id" } else { "what_id" };
    let sql = format!(
        "SELECT id, subject, description, status, activity_date, who_id, what_id FROM standin_salesforce_tasks
          WHERE tenant_id = ?1 AND {column} IN ({}) ORDER BY id",
        placeholders(ids.len(), 2)
    );
    let mut params: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Integer(tenant)];
    params.extend(
        ids.iter()
            .map(|id| rusqlite::types::Value::Text(id.clone())),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(params_from_iter(params), |row| {
        let text = |i: usize| text_at(row, i);
        let mut out = Map::new();
        out.insert("Id".into(), Value::String(task_id(row.get(0)?)));
        out.insert("Subject".into(), text(1)?);
        out.insert("Description".into(), text(2)?);
        out.insert("Status".into(), text(3)?);
        out.insert("ActivityDate".into(), text(4)?);
        out.insert("WhoId".into(), text(5)?);
        out.insert("WhatId".into(), text(6)?);
        Ok(out)
    })?;
    rows.collect()
}

const TASK_STATUSES: [&str; 5] = [
    "Not Started",
    "In Progress",
    "Completed",
    "Waiting on someone else",
    "Deferred",
];

/// A Task as Salesforce would take it, or the refusal it would give.
fn checked_task(
    body: &Bytes,
) -> StandinResult<(
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
)> {
    let invalid = |code: &'static str, message: String| {
        SalesforceError::new(StatusCode::BAD_REQUEST, code, message)
    };
    let fields: Map<String, Value> = serde_json::from_slice(body).map_err(|e| {
        invalid(
            "JSON_PARSER_ERROR",
            format!("The body is not a JSON object: {e}"),
        )
    })?;
    let known = [
        "Subject",
        "Description",
        "Status",
        "ActivityDate",
        "WhoId",
        "WhatId",
    ];
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(
            "INVALID_FIELD",
            format!("No such column '{unknown}' on sobject of type Task"),
        ));
    }
    let text = |name: &str| -> StandinResult<Option<String>> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid("JSON_PARSER_ERROR", format!("{name} must be text"))),
        }
    };
    let subject = text("Subject")?.unwrap_or_default();
    if subject.chars().count() > 255 {
        return Err(invalid(
            "STRING_TOO_LONG",
            "Subject: data value too large (max length=255)".into(),
        ));
    }
    let status = text("Status")?.unwrap_or_else(|| "Not Started".into());
    if !TASK_STATUSES.contains(&status.as_str()) {
        return Err(invalid(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            format!("Status: bad value for restricted picklist field: {status}"),
        ));
    }
    let activity_date = text("ActivityDate")?;
    if let Some(date) = &activity_date {
        NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            invalid(
                "JSON_PARSER_ERROR",
                format!("Cannot deserialize instance of date from VALUE_STRING value {date}"),
            )
        })?;
    }
    let (who, what) = (text("WhoId")?, text("WhatId")?);
    if who.is_none() && what.is_none() {
        return Err(invalid(
            "REQUIRED_FIELD_MISSING",
            "The stand-in keeps Tasks on a person or an account: WhoId or WhatId".into(),
        ));
    }
    Ok((
        who,
        what,
        subject,
        text("Description")?,
        status,
        activity_date,
    ))
}

async fn create_task(
    State(state): State<AppState>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StandinResult<(StatusCode, Json<Value>)> {
    check_version(&version)?;
    let crm_user = crm_user_of(&headers)?;
    let (who, what, subject, description, status, activity_date) = checked_task(&body)?;
    let id = state
        .db
        .run(move |conn| {
            let Some(tenant) = tenant_of(conn, &crm_user)? else {
                return Ok(Err(session_invalid()));
            };
            // A WhoId is a lead or contact of this org, a WhatId an account, as in Salesforce.
            let exists = |entities: &str, id: &Option<String>| -> rusqlite::Result<bool> {
                let Some(id) = id else { return Ok(true) };
                conn.query_row(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM records WHERE tenant_id = ?1 AND crm_id = ?2 AND entity IN ({entities}))
                             OR EXISTS (SELECT 1 FROM crm_only_records WHERE tenant_id = ?1 AND crm_id = ?2 AND entity IN ({entities}))"
                    ),
                    rusqlite::params![tenant, id],
                    |r| r.get(0),
                )
            };
            if !exists("'lead', 'contact'", &who)? || !exists("'account'", &what)? {
                return Ok(Err(SalesforceError::new(
                    StatusCode::BAD_REQUEST,
                    "FIELD_INTEGRITY_EXCEPTION",
                    "WhoId or WhatId: id value of incorrect type",
                )));
            }
            ensure_task_table(conn)?;
            conn.execute(
                "INSERT INTO standin_salesforce_tasks
                   (tenant_id, who_id, what_id, subject, description, status, activity_date, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![tenant, who, what, subject, description, status, activity_date, Utc::now().timestamp_millis()],
            )?;
            Ok(Ok(conn.last_insert_rowid()))
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": task_id(id), "success": true, "errors": []})),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shells_queries_are_read() {
        let soql =
            parse_soql("SELECT Id, Email, FirstName FROM Lead WHERE Id IN ('00Q1', 'LEAD-B-0001')")
                .unwrap();
        assert_eq!(soql.fields, ["Id", "Email", "FirstName"]);
        assert_eq!(soql.object, "Lead");
        assert_eq!(soql.filter_field, "Id");
        assert_eq!(soql.ids, ["00Q1", "LEAD-B-0001"]);
        assert_eq!(
            parse_soql("select Id from Task where WhoId in ('00Q1')")
                .unwrap()
                .object,
            "Task"
        );
    }

    #[test]
    fn other_queries_are_malformed() {
        for query in [
            "SELECT Id FROM Lead",
            "SELECT Id FROM Lead WHERE Id = '00Q1'",
            "SELECT Id FROM Lead WHERE Id IN ('00Q1') LIMIT 1",
            "SELECT Id FROM Lead WHERE Id IN ('00Q1' OR Id != '')",
            "DELETE FROM Lead WHERE Id IN ('00Q1')",
            "SELECT FROM Lead WHERE Id IN ('00Q1')",
        ] {
            assert!(parse_soql(query).is_err(), "{query}");
        }
    }
}
