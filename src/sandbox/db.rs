//! The sandbox's SQLite database: schema migrations and the row-level helpers shared by the seed,
//! the dev ingest endpoints and the API.
//!
//! Times are stored as Unix milliseconds (UTC); enums as their wire spelling; activity details as
//! the JSON of [`ActivityDetails`].

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};

use crate::wire::{
    Activity, ActivityDetails, ActivityKind, Entity, OptInType, PersonFields, Role,
    SubscriptionStatus,
};

/// Fills `activity_search` from the activities there are (the migration that made it, and a
/// bulk seed, which fills it once after its inserts instead of a trigger per row).
macro_rules! fill_activity_search {
    () => {
        "INSERT INTO activity_search (rowid, text) SELECT search_rowid, text FROM activity_search_rows;
INSERT INTO activity_search (activity_search) VALUES ('optimize');
"
    };
}

/// Indexes each new activity for the text search.
macro_rules! search_on_insert_trigger {
    () => {
        "CREATE TRIGGER activity_search_on_insert AFTER INSERT ON activities
BEGIN
    INSERT INTO activity_search (rowid, text)
    SELECT search_rowid, text FROM activity_search_rows WHERE id = NEW.id;
END;
"
    };
}

/// Run around a bulk insert of activities (the seed): the index is filled once at the end rather
/// than row by row, four times faster at 1,000,000 activities.
pub const PAUSE_SEARCH_INDEXING: &str = "DROP TRIGGER activity_search_on_insert;";
pub const RESUME_SEARCH_INDEXING: &str = concat!(
    "INSERT INTO activity_search (activity_search) VALUES ('delete-all');\n",
    fill_activity_search!(),
    search_on_insert_trigger!()
);

/// Each entry moves the schema one version up; `PRAGMA user_version` records how far a file got.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    crm_user   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('rep', 'manager')),
    manager_id INTEGER REFERENCES users(id)
);
CREATE INDEX users_by_tenant ON users(tenant_id);
CREATE INDEX users_by_manager ON users(manager_id);
CREATE TABLE records (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id),
    entity              TEXT NOT NULL CHECK (entity IN ('lead', 'contact', 'account')),
    crm_id              TEXT NOT NULL,
    email               TEXT,
    first_name          TEXT,
    last_name           TEXT,
    company             TEXT,
    job_title           TEXT,
    owner_id            INTEGER REFERENCES users(id),
    imported            INTEGER NOT NULL DEFAULT 0,
    score               INTEGER NOT NULL DEFAULT 0,
    opt_in_type         TEXT NOT NULL DEFAULT 'unknown',
    subscription_status TEXT NOT NULL DEFAULT 'subscribed',
    last_synced_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, entity, crm_id)
);
CREATE INDEX records_by_email ON records(tenant_id, email COLLATE NOCASE);
CREATE INDEX records_by_owner ON records(tenant_id, owner_id, score DESC);
CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records(id),
    occurred_at INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT,
    url         TEXT,
    campaign_id TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
-- Newest-first pages of one record, with and without a kind filter.
CREATE INDEX activities_by_record_time ON activities(record_id, occurred_at DESC, id DESC);
CREATE INDEX activities_by_record_kind_time ON activities(record_id, kind, occurred_at DESC, id DESC);
CREATE TABLE templates (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    folder    TEXT NOT NULL,
    name      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    html      TEXT NOT NULL
);
CREATE INDEX templates_by_tenant ON templates(tenant_id, folder, name);
CREATE TABLE programs (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    active          INTEGER NOT NULL,
    enabled_for_crm INTEGER NOT NULL
);
CREATE INDEX programs_by_tenant ON programs(tenant_id, name);
CREATE TABLE enrolments (
    id          INTEGER PRIMARY KEY,
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    record_id   INTEGER NOT NULL REFERENCES records(id),
    status      TEXT NOT NULL CHECK (status IN ('active', 'completed', 'exited')),
    enrolled_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (program_id, record_id)
);
CREATE INDEX enrolments_by_record ON enrolments(record_id);
CREATE TABLE sends (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    sender_id       INTEGER NOT NULL REFERENCES users(id),
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    response        TEXT NOT NULL,
    UNIQUE (tenant_id, sender_id, idempotency_key)
);
CREATE INDEX sends_by_sender_time ON sends(sender_id, created_at);
CREATE TABLE send_recipients (
    send_id   INTEGER NOT NULL REFERENCES sends(id),
    record_id INTEGER REFERENCES records(id),
    email     TEXT,
    outcome   TEXT NOT NULL,
    reason    TEXT
);
CREATE INDEX send_recipients_by_send ON send_recipients(send_id);
CREATE TABLE resubscribe_requests (
    id           INTEGER PRIMARY KEY,
    record_id    INTEGER NOT NULL REFERENCES records(id),
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL
);
CREATE INDEX resubscribe_requests_by_record ON resubscribe_requests(record_id);
-- The demo CRM's own side (served on the host origin): records the CRM has that marketing has not
-- seen yet, and the notes the plugin logged on CRM records.
CREATE TABLE crm_only_records (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    entity     TEXT NOT NULL,
    crm_id     TEXT NOT NULL,
    email      TEXT,
    first_name TEXT,
    last_name  TEXT,
    company    TEXT,
    job_title  TEXT,
    owner_id   INTEGER REFERENCES users(id),
    UNIQUE (tenant_id, entity, crm_id)
);
CREATE TABLE crm_notes (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    entity     TEXT NOT NULL,
    crm_id     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_notes_by_record ON crm_notes(tenant_id, entity, crm_id, created_at DESC);
"#,
    r#"
-- Hot prospects: each record's behaviour score as computed for one UTC day (see
-- sandbox::prospects::scoring), so a ranking reads a few thousand rows instead of every activity
-- of the last 90 days. A row is valid only for its `day`; any change to the record's activities
-- deletes it, and the next ranking recomputes it.
CREATE TABLE prospect_scores (
    record_id  INTEGER PRIMARY KEY,
    day        INTEGER NOT NULL,
    score      INTEGER NOT NULL,
    score_then INTEGER NOT NULL,
    last_at    INTEGER,
    last_id    INTEGER
);
CREATE TRIGGER prospect_scores_on_activity_insert AFTER INSERT ON activities
BEGIN DELETE FROM prospect_scores WHERE record_id = NEW.record_id; END;
CREATE TRIGGER prospect_scores_on_activity_update AFTER UPDATE ON activities
BEGIN DELETE FROM prospect_scores WHERE record_id IN (OLD.record_id, NEW.record_id); END;
CREATE TRIGGER prospect_scores_on_activity_delete AFTER DELETE ON activities
BEGIN DELETE FROM prospect_scores WHERE record_id = OLD.record_id; END;
"#,
    r#"
-- Send email: a scheduled send's time, and the subject each recipient got (for the emailSent
-- activity written when a scheduled send becomes due). Recipients waiting for their time are
-- few, so a partial index finds them without scanning every send.
ALTER TABLE sends ADD COLUMN scheduled_at INTEGER;
ALTER TABLE send_recipients ADD COLUMN subject TEXT;
CREATE INDEX send_recipients_scheduled ON send_recipients(send_id) WHERE outcome = 'scheduled';
"#,
    r#"
-- A record's enrolments come a page at a time, newest first.
DROP INDEX enrolments_by_record;
CREATE INDEX enrolments_by_record ON enrolments(record_id, enrolled_at, id);
"#,
    r#"
-- An enrolment request sent with an Idempotency-Key, and its answer, replayed for the same key.
CREATE TABLE enrol_requests (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    user_id         INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, user_id, idempotency_key)
);
"#,
    r#"
-- Send answers say when the daily allowance starts again (the next UTC midnight after the send);
-- answers stored before then get it too, so a replay of one still reads as a whole answer.
UPDATE sends SET response = json_set(response, '$.limitResetsAt',
    strftime('%Y-%m-%dT00:00:00Z', created_at / 1000, 'unixepoch', '+1 day'))
WHERE response IS NOT NULL AND json_valid(response)
  AND json_extract(response, '$.limitResetsAt') IS NULL;
"#,
    r#"
-- CRM connections (sandbox::connections): the CRMs a tenant's sales users sign in from, the exact
-- origins each serves, and the identity the platform trusts there: an Entra ID tenant and the
-- platform's application id (dynamics365; jwks_url NULL is Microsoft's keys of that tenant), a
-- Salesforce org and its connected app's consumer secret (salesforce), or nothing but the
-- development tokens (generic).
CREATE TABLE crm_connections (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    kind            TEXT NOT NULL CHECK (kind IN ('dynamics365', 'salesforce', 'generic')),
    entra_tenant_id TEXT,
    application_id  TEXT,
    jwks_url        TEXT,
    org_id          TEXT UNIQUE,
    consumer_secret TEXT,
    created_at      INTEGER NOT NULL,
    CHECK ((kind = 'dynamics365') = (entra_tenant_id IS NOT NULL AND application_id IS NOT NULL)),
    CHECK ((kind = 'salesforce') = (org_id IS NOT NULL AND consumer_secret IS NOT NULL)),
    CHECK (kind = 'dynamics365' OR jwks_url IS NULL)
);
-- An Entra directory and the platform's application belong to one connection, so an assertion
-- names the connection it is for.
CREATE UNIQUE INDEX crm_connections_by_entra
    ON crm_connections(entra_tenant_id, application_id) WHERE kind = 'dynamics365';
CREATE TABLE crm_connection_origins (
    connection_id INTEGER NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
    origin        TEXT NOT NULL,
    PRIMARY KEY (connection_id, origin)
);
-- Sales users: a CRM user of a connection (Entra object id, Salesforce 005 id) as a platform user.
CREATE TABLE sales_users (
    connection_id INTEGER NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
    crm_user_id   TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (connection_id, crm_user_id)
);
CREATE INDEX sales_users_by_user ON sales_users(user_id);
-- Every token the SSO exchange minted: who, through which connection, until when. Kept when a
-- connection is removed, as the record of who signed in through it.
CREATE TABLE sso_sign_ins (
    id            INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    signed_in_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sso_sign_ins_by_connection ON sso_sign_ins(connection_id, signed_in_at);
"#,
    r#"
-- The dashboard's sent messages: what a send was composed from (its subject as written, merge
-- fields and all, and its template), and each send's engagement counted from an index of the
-- activities by campaign instead of from every activity. Sends stored before then take their
-- template from their answer and the subject their first recipient got.
ALTER TABLE sends ADD COLUMN template_id INTEGER;
ALTER TABLE sends ADD COLUMN subject TEXT;
UPDATE sends SET template_id = json_extract(response, '$.templateId') WHERE json_valid(response);
UPDATE sends SET subject = (SELECT sr.subject FROM send_recipients sr
                            WHERE sr.send_id = sends.id AND sr.subject IS NOT NULL
                            ORDER BY sr.rowid LIMIT 1);
CREATE INDEX activities_by_campaign ON activities(campaign_id, kind, record_id, occurred_at)
    WHERE campaign_id IS NOT NULL;
"#,
    concat!(
        r#"
-- The text search of a record's activities (`q`) reads an index instead of every row: the fields
-- it searches, lower-cased as it compares them (`casefold`) and one to a line, cut into trigrams,
-- so any run of three or more characters is found. Its rowid is the record's id times 2^32 plus
-- the activity's (activity ids stay under 2^32), so one record's activities are one range of it
-- (`search_rowids`), which a search reads alone.
CREATE VIRTUAL TABLE activity_search USING fts5(
    text, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1');
-- What the index holds for each activity, in one place for the triggers and the first filling.
CREATE VIEW activity_search_rows (id, search_rowid, text) AS
SELECT id, record_id * 4294967296 + id,
       casefold(concat_ws(char(10), subject, url,
           json_extract(details, '$.clickedUrl'), json_extract(details, '$.pageTitle'),
           json_extract(details, '$.formName'), json_extract(details, '$.scoreReason'),
           json_extract(details, '$.programName')))
FROM activities;
"#,
        fill_activity_search!(),
        search_on_insert_trigger!(),
        r#"
CREATE TRIGGER activity_search_on_update AFTER UPDATE ON activities
BEGIN
    DELETE FROM activity_search WHERE rowid = OLD.record_id * 4294967296 + OLD.id;
    INSERT INTO activity_search (rowid, text)
    SELECT search_rowid, text FROM activity_search_rows WHERE id = NEW.id;
END;
CREATE TRIGGER activity_search_on_delete AFTER DELETE ON activities
BEGIN DELETE FROM activity_search WHERE rowid = OLD.record_id * 4294967296 + OLD.id; END;
"#
    ),
];

pub type DbResult<T> = rusqlite::Result<T>;

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
pub fn open(path: &Path) -> DbResult<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

/// An in-memory database with the current schema, for unit tests.
pub fn open_in_memory() -> DbResult<Connection> {
    let conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> DbResult<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    // `rarray(?)`: a list of values bound as one parameter (the ids a search found).
    rusqlite::vtab::array::load_module(conn)?;
    // `casefold(text)`: lower case beyond ASCII (SQLite's own LIKE and lower() fold A-Z only),
    // for searches: `casefold(name) LIKE ?` with a [`contains_pattern`].
    conn.create_scalar_function(
        "casefold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .map(|text| text.to_lowercase()))
        },
    )
}

/// A `LIKE` pattern matching `text` anywhere, in any case (compare it with a `casefold`ed
/// column), with `\` as the escape character.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The rowids of `record_id`'s activities in `activity_search`, first and last.
fn search_rowids(record_id: i64) -> (i64, i64) {
    let first = record_id << 32;
    (first, first | 0xFFFF_FFFF)
}

/// The ids of `record_id`'s activities with `text` in a searched field ([`search_phrase`]), in
/// no order; `None` when the index cannot answer (then the fields are read row by row).
pub fn search_activities(
    conn: &Connection,
    record_id: i64,
    text: &str,
) -> DbResult<Option<Vec<i64>>> {
    let Some(phrase) = search_phrase(text) else {
        return Ok(None);
    };
    let (first, last) = search_rowids(record_id);
    let ids = conn
        .prepare_cached(
            "SELECT rowid - ?1 FROM activity_search
             WHERE activity_search MATCH ?2 AND rowid BETWEEN ?1 AND ?3",
        )?
        .query_map(params![first, phrase, last], |row| row.get(0))?
        .collect::<DbResult<Vec<i64>>>()?;
    Ok(Some(ids))
}

/// The `activity_search MATCH` query finding `text` anywhere in an activity's searched fields, in
/// any case, when the index can answer it: the trigrams need three characters, and the index
/// keeps the fields one to a line, so a text with a line break in it could match across two.
pub fn search_phrase(text: &str) -> Option<String> {
    let folded = text.to_lowercase();
    if folded.chars().count() < 3 || folded.contains('\n') {
        return None;
    }
    // One quoted phrase, in which only `"` means anything (doubled).
    Some(format!("\"{}\"", folded.replace('"', "\"\"")))
}

/// An enum read from a text column, or the column's type error.
pub fn column_enum<T>(text: String, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    parse(&text).ok_or(rusqlite::Error::InvalidColumnType(
        0,
        text,
        rusqlite::types::Type::Text,
    ))
}

fn migrate(conn: &Connection) -> DbResult<()> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}

pub fn to_millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or_default()
}

pub fn insert_tenant(conn: &Connection, name: &str) -> DbResult<i64> {
    conn.execute("INSERT INTO tenants (name) VALUES (?1)", params![name])?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_user(
    conn: &Connection,
    tenant_id: i64,
    crm_user: &str,
    name: &str,
    role: Role,
    manager_id: Option<i64>,
) -> DbResult<i64> {
    conn.execute(
        "INSERT INTO users (tenant_id, crm_user, name, role, manager_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![tenant_id, crm_user, name, role.as_str(), manager_id],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A record row as written by the seed and the dev ingest endpoint.
#[derive(Clone, Debug)]
pub struct NewRecord<'a> {
    pub tenant_id: i64,
    pub entity: Entity,
    pub crm_id: &'a str,
    pub email: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub company: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub owner_id: Option<i64>,
    pub imported: bool,
    pub score: i64,
    pub opt_in_type: OptInType,
    pub subscription_status: SubscriptionStatus,
    pub last_synced_at: DateTime<Utc>,
}

#[cfg(test)]
impl<'a> NewRecord<'a> {
    /// An imported, subscribed lead with no person data and no owner, for tests.
    pub fn lead(tenant_id: i64, crm_id: &'a str) -> NewRecord<'a> {
        NewRecord {
            tenant_id,
            entity: Entity::Lead,
            crm_id,
            email: None,
            first_name: None,
            last_name: None,
            company: None,
            job_title: None,
            owner_id: None,
            imported: true,
            score: 0,
            opt_in_type: OptInType::Unknown,
            subscription_status: SubscriptionStatus::Subscribed,
            last_synced_at: Utc::now(),
        }
    }
}

pub fn insert_record(conn: &Connection, record: &NewRecord<'_>) -> DbResult<i64> {
    conn.prepare_cached(
        "INSERT INTO records (tenant_id, entity, crm_id, email, first_name, last_name, company,
             job_title, owner_id, imported, score, opt_in_type, subscription_status, last_synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        record.tenant_id,
        record.entity.as_str(),
        record.crm_id,
        record.email,
        record.first_name,
        record.last_name,
        record.company,
        record.job_title,
        record.owner_id,
        record.imported,
        record.score,
        record.opt_in_type.as_str(),
        record.subscription_status.as_str(),
        to_millis(record.last_synced_at),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Adds a record marketing knows only from the CRM, with the person's fields as the CRM sent
/// them: not imported, subscribed, opt-in unknown, owned by `owner_id`. Returns its id, and
/// whether this call added it: another request (or an earlier recipient of the same selection)
/// may have added it first.
pub fn add_crm_record(
    conn: &Connection,
    tenant_id: i64,
    owner_id: i64,
    entity: Entity,
    crm_id: &str,
    person: &PersonFields,
    now: DateTime<Utc>,
) -> DbResult<(i64, bool)> {
    let added =
        conn.prepare_cached(
            "INSERT INTO records (tenant_id, entity, crm_id, email, first_name, last_name, company,
                 job_title, owner_id, imported, score, opt_in_type, subscription_status,
                 last_synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, ?10, ?11, ?12)
             ON CONFLICT (tenant_id, entity, crm_id) DO NOTHING",
        )?
        .execute(params![
            tenant_id,
            entity.as_str(),
            crm_id,
            person.email,
            person.first_name,
            person.last_name,
            person.company,
            person.job_title,
            owner_id,
            OptInType::Unknown.as_str(),
            SubscriptionStatus::Subscribed.as_str(),
            to_millis(now),
        ])? == 1;
    let id = find_record_id(conn, tenant_id, entity, crm_id)?
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok((id, added))
}

/// The id of the tenant called `name`.
pub fn tenant_id(conn: &Connection, name: &str) -> DbResult<i64> {
    conn.query_row("SELECT id FROM tenants WHERE name = ?1", [name], |row| {
        row.get(0)
    })
}

/// The internal id of a record of `tenant_id`, if the platform knows it.
pub fn find_record_id(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
) -> DbResult<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM records WHERE tenant_id = ?1 AND entity = ?2 AND crm_id = ?3",
    )?
    .query_row(params![tenant_id, entity.as_str(), crm_id], |row| {
        row.get(0)
    })
    .optional()
}

/// The platform's record of a CRM record: by CRM id, else by `email` (any case), preferring the
/// same entity. This is how the platform recognises a person the CRM knows under another id.
pub fn find_record(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
) -> DbResult<Option<i64>> {
    if let Some(id) = find_record_id(conn, tenant_id, entity, crm_id)? {
        return Ok(Some(id));
    }
    let Some(email) = email else {
        return Ok(None);
    };
    conn.prepare_cached(
        "SELECT id FROM records WHERE tenant_id = ?1 AND email = ?2 COLLATE NOCASE
         ORDER BY entity = ?3 DESC, id LIMIT 1",
    )?
    .query_row(params![tenant_id, email, entity.as_str()], |row| row.get(0))
    .optional()
}

/// An activity row as written by the seed and the dev ingest endpoint.
#[derive(Clone, Debug)]
pub struct NewActivity<'a> {
    pub record_id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: ActivityKind,
    pub subject: Option<&'a str>,
    pub url: Option<&'a str>,
    pub campaign_id: Option<&'a str>,
    pub details: &'a ActivityDetails,
}

/// An activity read from `row`, whose columns from `first` on are, in this order, `id, kind,
/// occurred_at, subject, url, campaign_id, details` of `activities`.
pub fn activity_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Activity> {
    let details: String = row.get(first + 6)?;
    Ok(Activity {
        id: row.get(first)?,
        kind: column_enum(row.get(first + 1)?, ActivityKind::parse)?,
        occurred_at: from_millis(row.get(first + 2)?),
        subject: row.get(first + 3)?,
        url: row.get(first + 4)?,
        campaign_id: row.get(first + 5)?,
        details: serde_json::from_str(&details).unwrap_or_default(),
    })
}

pub fn insert_activity(conn: &Connection, activity: &NewActivity<'_>) -> DbResult<i64> {
    let details = serde_json::to_string(activity.details).expect("details serialize");
    conn.prepare_cached(
        "INSERT INTO activities (record_id, occurred_at, kind, subject, url, campaign_id, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        activity.record_id,
        to_millis(activity.occurred_at),
        activity.kind.as_str(),
        activity.subject,
        activity.url,
        activity.campaign_id,
        details,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_template(
    conn: &Connection,
    tenant_id: i64,
    folder: &str,
    name: &str,
    subject: &str,
    html: &str,
) -> DbResult<i64> {
    conn.execute(
        "INSERT INTO templates (tenant_id, folder, name, subject, html) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![tenant_id, folder, name, subject, html],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_program(
    conn: &Connection,
    tenant_id: i64,
    name: &str,
    description: &str,
    active: bool,
    enabled_for_crm: bool,
) -> DbResult<i64> {
    conn.execute(
        "INSERT INTO programs (tenant_id, name, description, active, enabled_for_crm)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![tenant_id, name, description, active, enabled_for_crm],
    )?;
    Ok(conn.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_match_literally_and_in_any_case_beyond_ascii() {
        assert_eq!(contains_pattern("50%_OFF\\"), "%50\\%\\_off\\\\%");
        let conn = open_in_memory().unwrap();
        let matches = |text: &str, search: &str| -> bool {
            conn.query_row(
                "SELECT casefold(?1) LIKE ?2 ESCAPE '\\'",
                params![text, contains_pattern(search)],
                |row| row.get(0),
            )
            .unwrap()
        };
        assert!(matches("Über uns", "über"));
        assert!(matches("ÉCOLE Primaire", "école"));
        assert!(matches("50%_off today", "50%_OFF"));
        assert!(!matches("50 percent off", "50%"));
        assert!(!matches("a_b", "a%b"));
    }

    #[test]
    fn migrations_are_applied_once() {
        let dir = std::env::temp_dir().join(format!("sandbox-db-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.db");
        let _ = std::fs::remove_file(&path);
        let conn = open(&path).unwrap();
        insert_tenant(&conn, "A").unwrap();
        drop(conn);
        let conn = open(&path).unwrap();
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let tenants: i64 = conn
            .query_row("SELECT count(*) FROM tenants", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            tenants, 1,
            "reopening keeps the data and does not re-run migrations"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_database_of_any_earlier_version_is_brought_up_to_date() {
        for version in 1..MIGRATIONS.len() {
            let conn = Connection::open_in_memory().unwrap();
            configure(&conn).unwrap();
            for sql in &MIGRATIONS[..version] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(&format!("PRAGMA user_version = {version}"))
                .unwrap();
            migrate(&conn).unwrap();
            let tables: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master
                     WHERE type = 'table' AND name IN ('enrol_requests', 'sends', 'enrolments')",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(tables, 3, "from version {version}");
        }
    }

    /// An in-memory database as it was just before the migration whose SQL holds `text`.
    fn database_before(text: &str) -> Connection {
        let before = MIGRATIONS
            .iter()
            .position(|sql| sql.contains(text))
            .expect("a migration holds it");
        let conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        for sql in &MIGRATIONS[..before] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!("PRAGMA user_version = {before}"))
            .unwrap();
        conn
    }

    #[test]
    fn activities_written_before_the_search_index_are_found_once_migrated() {
        let conn = database_before("CREATE VIRTUAL TABLE activity_search");
        let tenant = insert_tenant(&conn, "A").unwrap();
        let record = insert_record(&conn, &NewRecord::lead(tenant, "L-1")).unwrap();
        let details = ActivityDetails {
            page_title: Some("Pricing".into()),
            ..ActivityDetails::default()
        };
        let id = insert_activity(
            &conn,
            &NewActivity {
                record_id: record,
                occurred_at: Utc::now(),
                kind: ActivityKind::PageVisit,
                subject: None,
                url: Some("https://example.com/"),
                campaign_id: None,
                details: &details,
            },
        )
        .unwrap();
        migrate(&conn).unwrap();
        let found = search_activities(&conn, record, "PRICING").unwrap();
        assert_eq!(found, Some(vec![id]));
    }

    #[test]
    fn a_search_phrase_is_one_literal_phrase_of_three_characters_or_more() {
        assert_eq!(search_phrase("Pricing").as_deref(), Some("\"pricing\""));
        assert_eq!(
            search_phrase("say \"hi\" OR x*").as_deref(),
            Some("\"say \"\"hi\"\" or x*\"")
        );
        assert_eq!(search_phrase("ÉTÉ").as_deref(), Some("\"été\""));
        for unindexed in ["", "ab", "Ü", "two\nlines"] {
            assert_eq!(search_phrase(unindexed), None, "{unindexed:?}");
        }
    }

    #[test]
    fn send_answers_stored_before_the_reset_time_was_answered_get_it() {
        let conn = database_before("limitResetsAt");
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let old = r#"{"id":1,"campaignId":"SEND-1","templateId":2,"createdAt":"2026-12-05T23:59:59Z","results":[],"remainingToday":999}"#;
        // 2026-12-05T23:59:59Z
        let created_at = 1_796_515_199_000_i64;
        conn.execute(
            "INSERT INTO sends (id, tenant_id, sender_id, idempotency_key, request_hash, created_at, response)
             VALUES (1, 1, 1, 'k', 'h', ?1, ?2)",
            params![created_at, old],
        )
        .unwrap();
        migrate(&conn).unwrap();
        let stored: String = conn
            .query_row("SELECT response FROM sends WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let answer: crate::wire::sends::SendResponse = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            answer.limit_resets_at.to_rfc3339(),
            "2026-12-06T00:00:00+00:00"
        );
        assert_eq!(answer.remaining_today, 999);
    }

    #[test]
    fn sends_stored_before_the_dashboard_get_their_template_and_a_subject() {
        let conn = database_before("activities_by_campaign");
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let answer = r#"{"id":1,"campaignId":"SEND-1","templateId":7,"createdAt":"2026-12-05T12:00:00Z","results":[],"remainingToday":999,"limitResetsAt":"2026-12-06T00:00:00Z"}"#;
        conn.execute_batch(&format!(
            "INSERT INTO sends (id, tenant_id, sender_id, idempotency_key, request_hash, created_at, response)
             VALUES (1, 1, 1, 'k', 'h', 0, '{answer}');
             INSERT INTO send_recipients (send_id, email, outcome, reason) VALUES (1, 'a@x', 'excluded', 'noEmail');
             INSERT INTO send_recipients (send_id, email, outcome, subject) VALUES (1, 'b@x', 'sent', 'Hi Bo');
             INSERT INTO send_recipients (send_id, email, outcome, subject) VALUES (1, 'c@x', 'sent', 'Hi Cy');"
        ))
        .unwrap();
        migrate(&conn).unwrap();
        let (template, subject): (i64, String) = conn
            .query_row(
                "SELECT template_id, subject FROM sends WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((template, subject.as_str()), (7, "Hi Bo"));
    }
}
