//! CRM connections: how a tenant's CRM signs its sales users in to the platform.
//!
//! A connection names the exact CRM origins it serves and the identity the platform trusts
//! there ([`Trust`]): an Entra ID tenant for Dynamics 365 (or any host whose users sign in with
//! Microsoft), a Salesforce org for a canvas app, or, for a `generic` connection, nothing but the
//! development tokens of `/dev/sso/token`. Its **sales users** map a CRM user id (an Entra object
//! id, a Salesforce `005…` id) to a platform user, whose role and manager say what they may see.
//!
//! Admins manage both with `sandbox connection …` and `sandbox sales-user …` ([`admin`]); the
//! SSO exchange ([`super::sso`]) reads them.

pub mod admin;
pub mod seed;

use std::fmt;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::db::{column_enum, to_millis};
use super::error::Failure;
use crate::host_origins::are_dns_labels;
use crate::protocol::Secret;
use crate::wire::Role;

/// What kind of CRM a connection is, which says what identity it trusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Entra ID assertions (Dynamics 365, or any host whose users sign in with Microsoft).
    Dynamics365,
    /// Salesforce canvas signed requests.
    Salesforce,
    /// Development tokens only (`POST /dev/sso/token`, while dev endpoints are on).
    Generic,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dynamics365 => "dynamics365",
            Kind::Salesforce => "salesforce",
            Kind::Generic => "generic",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        [Kind::Dynamics365, Kind::Salesforce, Kind::Generic]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// The identity a connection trusts.
#[derive(Clone, Debug, PartialEq)]
pub enum Trust {
    EntraId {
        /// The customer's Entra ID tenant (directory) id: assertions must be issued by it.
        tenant_id: String,
        /// The platform's application (client) id: the audience of the assertions.
        application_id: String,
        /// Where the signing keys are published; `None` is Microsoft's for the tenant. A URL
        /// that starts with `/` is on this sandbox's host origin (the demo identity provider).
        jwks_url: Option<String>,
    },
    SalesforceCanvas {
        /// The 18-character org id (`00D…`) the signed requests name.
        org_id: String,
        /// The connected app's consumer secret, the HMAC key of the signed requests.
        consumer_secret: Secret,
    },
    DevTokens,
}

impl Trust {
    pub fn kind(&self) -> Kind {
        match self {
            Trust::EntraId { .. } => Kind::Dynamics365,
            Trust::SalesforceCanvas { .. } => Kind::Salesforce,
            Trust::DevTokens => Kind::Generic,
        }
    }
}

/// Microsoft's published signing keys for the Entra tenant `tenant_id`.
pub fn microsoft_jwks_url(tenant_id: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant_id}/discovery/v2.0/keys")
}

/// The `iss` of an Entra ID v2.0 token issued by the tenant `tenant_id`.
pub fn entra_issuer(tenant_id: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant_id}/v2.0")
}

/// A connection as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CrmConnection {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    /// The exact origins of the CRM pages it serves, sorted.
    pub origins: Vec<String>,
    pub trust: Trust,
}

impl CrmConnection {
    pub fn kind(&self) -> Kind {
        self.trust.kind()
    }
}

/// What an admin reads about a connection: never its consumer secret.
impl fmt::Display for CrmConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "connection {} · {} · tenant {} ({})",
            self.id,
            self.kind().as_str(),
            self.tenant_name,
            self.tenant_id
        )?;
        writeln!(f, "  origins: {}", self.origins.join(" "))?;
        match &self.trust {
            Trust::EntraId {
                tenant_id,
                application_id,
                jwks_url,
            } => {
                writeln!(f, "  Entra tenant id: {tenant_id}")?;
                writeln!(f, "  application id (audience): {application_id}")?;
                match jwks_url {
                    Some(path) if path.starts_with('/') => writeln!(
                        f,
                        "  signing keys: {path} on this sandbox's host origin (the demo identity provider)"
                    ),
                    Some(url) => writeln!(f, "  signing keys: {url}"),
                    None => writeln!(
                        f,
                        "  signing keys: {} (Microsoft's)",
                        microsoft_jwks_url(tenant_id)
                    ),
                }
            }
            Trust::SalesforceCanvas { org_id, .. } => {
                writeln!(f, "  Salesforce org id: {org_id}")?;
                writeln!(f, "  consumer secret: ******** (stored, never shown)")
            }
            Trust::DevTokens => writeln!(
                f,
                "  sign-in: development tokens only (POST /dev/sso/token)"
            ),
        }
    }
}

/// Why an admin's change was not made.
#[derive(Debug)]
pub enum AdminError {
    /// The input was refused; the message says why and what to give instead.
    Refused(String),
    Db(rusqlite::Error),
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::Refused(message) => f.write_str(message),
            AdminError::Db(error) => write!(f, "database error: {error}"),
        }
    }
}

impl From<rusqlite::Error> for AdminError {
    fn from(error: rusqlite::Error) -> AdminError {
        AdminError::Db(error)
    }
}

fn refused<T>(message: impl Into<String>) -> Result<T, AdminError> {
    Err(AdminError::Refused(message.into()))
}

// ---------------------------------------------------------------------------------------------
// Validation

/// An exact origin as a browser writes it (`https://host[:port]`: lower case, no path, no
/// default port); `http:` only on this machine, where nothing on the way can read it.
pub fn exact_origin(text: &str) -> Result<String, String> {
    let problem = |why: &str| {
        Err(format!(
            "'{text}' is not an exact origin: {why} (e.g. https://contoso.crm4.dynamics.com)."
        ))
    };
    let Some((scheme, authority)) = text.split_once("://") else {
        return problem("it has no scheme");
    };
    // The one IPv6 host a connection may name is this machine's.
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some("") => ("[::1]", None),
        Some(rest) => match rest.strip_prefix(':') {
            Some(port) => ("[::1]", Some(port)),
            None => return problem("its host must be lower-case DNS labels, with no path"),
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]")
        || host.strip_suffix(".localhost").is_some_and(are_dns_labels);
    if host.contains('*') {
        return problem("a connection serves exact origins, not patterns");
    }
    if !(loopback || are_dns_labels(host)) {
        return problem("its host must be lower-case DNS labels, with no path");
    }
    match (scheme, loopback) {
        ("https", _) | ("http", true) => {}
        ("http", false) => return problem("http is allowed only on this machine"),
        _ => return problem("its scheme must be https"),
    }
    if let Some(port) = port {
        let default = if scheme == "https" { "443" } else { "80" };
        let number: Option<u16> = port.parse().ok();
        if port.starts_with('0') || number.is_none_or(|n| n == 0) || port == default {
            return problem("its port must be 1-65535, without leading zeros or the default port");
        }
    }
    Ok(text.to_owned())
}

/// An Entra ID tenant, application or object id: a GUID, stored in lower case as Entra writes
/// it in tokens.
pub fn guid(what: &str, text: &str) -> Result<String, String> {
    let lower = text.trim().to_ascii_lowercase();
    let shaped = lower.len() == 36
        && lower.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if shaped {
        Ok(lower)
    } else {
        Err(format!(
            "The {what} must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47."
        ))
    }
}

/// An 18-character Salesforce id with the key prefix `prefix` (`00D` an org, `005` a user). The
/// 15-character form is refused: it is case-sensitive, and canvas requests carry 18.
pub fn salesforce_id(what: &str, prefix: &str, text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() == 18
        && text.starts_with(prefix)
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "The {what} must be the 18-character Salesforce id starting with {prefix}."
        ))
    }
}

/// Where an Entra connection's signing keys are: `https://…`, `http://` on this machine, or a
/// path on this sandbox's host origin (`/demo-idp/.well-known/jwks.json`).
pub fn jwks_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let refused = || {
        Err(format!(
            "The JWKS URL '{text}' must be https://…, http:// on this machine, or a path of this \
             sandbox's host origin starting with /."
        ))
    };
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refused();
    }
    if text.starts_with('/') && !text.starts_with("//") {
        return Ok(text.to_owned());
    }
    let origin_end = text
        .find("://")
        .map(|scheme_end| {
            text[scheme_end + 3..]
                .find(['/', '?', '#'])
                .map_or(text.len(), |i| scheme_end + 3 + i)
        })
        .unwrap_or(0);
    match exact_origin(&text[..origin_end]) {
        Ok(_) => Ok(text.to_owned()),
        Err(_) => refused(),
    }
}

/// A connected app's consumer secret: at least 16 visible characters.
pub fn consumer_secret(text: &str) -> Result<Secret, String> {
    if text.len() >= 16 && text.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(Secret::new(text))
    } else {
        Err(
            "The consumer secret must be at least 16 visible ASCII characters (the connected \
             app's Consumer Secret)."
                .to_owned(),
        )
    }
}

fn checked(trust: &Trust) -> Result<Trust, String> {
    Ok(match trust {
        Trust::EntraId {
            tenant_id,
            application_id,
            jwks_url: url,
        } => Trust::EntraId {
            tenant_id: guid("Entra tenant id", tenant_id)?,
            application_id: guid("application id", application_id)?,
            jwks_url: url.as_deref().map(jwks_url).transpose()?,
        },
        Trust::SalesforceCanvas {
            org_id,
            consumer_secret: secret,
        } => Trust::SalesforceCanvas {
            org_id: salesforce_id("org id", "00D", org_id)?,
            consumer_secret: consumer_secret(secret.expose())?,
        },
        Trust::DevTokens => Trust::DevTokens,
    })
}

// ---------------------------------------------------------------------------------------------
// Connections

const SELECT_CONNECTION: &str = "
    SELECT c.id, c.tenant_id, t.name, c.kind, c.entra_tenant_id, c.application_id, c.jwks_url,
           c.org_id, c.consumer_secret
    FROM crm_connections c JOIN tenants t ON t.id = c.tenant_id";

fn connection_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CrmConnection> {
    let kind = column_enum(row.get(3)?, Kind::parse)?;
    let trust = match kind {
        Kind::Dynamics365 => Trust::EntraId {
            tenant_id: row.get(4)?,
            application_id: row.get(5)?,
            jwks_url: row.get(6)?,
        },
        Kind::Salesforce => Trust::SalesforceCanvas {
            org_id: row.get(7)?,
            consumer_secret: Secret::new(row.get::<_, String>(8)?),
        },
        Kind::Generic => Trust::DevTokens,
    };
    Ok(CrmConnection {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        tenant_name: row.get(2)?,
        origins: Vec::new(),
        trust,
    })
}

fn with_origins(
    conn: &Connection,
    mut connection: CrmConnection,
) -> rusqlite::Result<CrmConnection> {
    connection.origins = origins_of(conn, connection.id)?.unwrap_or_default();
    Ok(connection)
}

fn query_connections(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<CrmConnection>> {
    let mut statement = conn.prepare_cached(&format!("{SELECT_CONNECTION} {filter}"))?;
    let found = statement
        .query_map(args, connection_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    found
        .into_iter()
        .map(|connection| with_origins(conn, connection))
        .collect()
}

/// Connects a CRM to the tenant `tenant_id`: the origins it serves and the identity it trusts,
/// both checked first. Its several writes belong in the caller's transaction.
pub fn add(
    conn: &Connection,
    tenant_id: i64,
    origins: &[String],
    trust: &Trust,
) -> Result<CrmConnection, AdminError> {
    if origins.is_empty() {
        return refused("A connection serves at least one origin (--origin).");
    }
    let mut origins = origins
        .iter()
        .map(|origin| exact_origin(origin.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AdminError::Refused)?;
    origins.sort();
    origins.dedup();
    let trust = checked(trust).map_err(AdminError::Refused)?;
    let (entra_tenant, application, jwks, org, secret) = match &trust {
        Trust::EntraId {
            tenant_id,
            application_id,
            jwks_url,
        } => (
            Some(tenant_id.as_str()),
            Some(application_id.as_str()),
            jwks_url.as_deref(),
            None,
            None,
        ),
        Trust::SalesforceCanvas {
            org_id,
            consumer_secret,
        } => (
            None,
            None,
            None,
            Some(org_id.as_str()),
            Some(consumer_secret.expose()),
        ),
        Trust::DevTokens => (None, None, None, None, None),
    };
    let inserted = conn.execute(
        "INSERT INTO crm_connections (tenant_id, kind, entra_tenant_id, application_id, jwks_url,
             org_id, consumer_secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            tenant_id,
            trust.kind().as_str(),
            entra_tenant,
            application,
            jwks,
            org,
            secret,
            to_millis(Utc::now())
        ],
    );
    if let Err(rusqlite::Error::SqliteFailure(error, _)) = &inserted {
        if error.code == rusqlite::ErrorCode::ConstraintViolation {
            return refused(match trust.kind() {
                Kind::Dynamics365 => {
                    "Another connection already trusts this Entra tenant for this application."
                }
                Kind::Salesforce => "Another connection already has this Salesforce org id.",
                Kind::Generic => "No tenant with that id.",
            });
        }
    }
    inserted?;
    let id = conn.last_insert_rowid();
    for origin in &origins {
        conn.execute(
            "INSERT INTO crm_connection_origins (connection_id, origin) VALUES (?1, ?2)",
            params![id, origin],
        )?;
    }
    Ok(get(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?)
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<CrmConnection>> {
    Ok(query_connections(conn, "WHERE c.id = ?1", [id])?.pop())
}

/// Every connection, or the tenant's, oldest first.
pub fn list(conn: &Connection, tenant_id: Option<i64>) -> rusqlite::Result<Vec<CrmConnection>> {
    query_connections(
        conn,
        "WHERE ?1 IS NULL OR c.tenant_id = ?1 ORDER BY c.tenant_id, c.id",
        [tenant_id],
    )
}

/// Removes a connection with its origins and sales users, and answers what it was.
pub fn remove(conn: &Connection, id: i64) -> Result<(CrmConnection, usize), AdminError> {
    let Some(connection) = get(conn, id)? else {
        return refused(format!("There is no connection {id}."));
    };
    let sales_users: usize = conn.query_row(
        "SELECT count(*) FROM sales_users WHERE connection_id = ?1",
        [id],
        |row| row.get(0),
    )?;
    conn.execute("DELETE FROM crm_connections WHERE id = ?1", [id])?;
    Ok((connection, sales_users))
}

/// The Entra connection that trusts the directory `entra_tenant_id`: the one for the
/// application `application_id` if there is one, so that a wrong audience is reported as such.
pub fn for_entra_tenant(
    conn: &Connection,
    entra_tenant_id: &str,
    application_id: &str,
) -> rusqlite::Result<Option<CrmConnection>> {
    Ok(query_connections(
        conn,
        "WHERE c.kind = 'dynamics365' AND c.entra_tenant_id = ?1
         ORDER BY c.application_id = ?2 DESC, c.id LIMIT 1",
        params![
            entra_tenant_id.to_ascii_lowercase(),
            application_id.to_ascii_lowercase()
        ],
    )?
    .pop())
}

/// The Salesforce connection of the org `org_id`.
pub fn for_salesforce_org(
    conn: &Connection,
    org_id: &str,
) -> rusqlite::Result<Option<CrmConnection>> {
    Ok(query_connections(
        conn,
        "WHERE c.kind = 'salesforce' AND c.org_id = ?1",
        [org_id],
    )?
    .pop())
}

/// The connection a development token of the tenant is bound to: its first `generic` one.
pub fn dev_token_connection(conn: &Connection, tenant_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM crm_connections WHERE tenant_id = ?1 AND kind = 'generic' ORDER BY id LIMIT 1",
        [tenant_id],
        |row| row.get(0),
    )
    .optional()
}

/// The origins `GET /v1/me` names for a token bound to `connection_id`: none for a token bound
/// to no connection. A token whose connection was removed is refused.
pub fn origins_for(
    conn: &Connection,
    connection_id: Option<i64>,
) -> Result<Option<Vec<String>>, Failure> {
    let Some(id) = connection_id else {
        return Ok(None);
    };
    origins_of(conn, id)?
        .map(Some)
        .ok_or_else(|| Failure::token_invalid("The token's CRM connection was removed."))
}

/// The origins of the connection `id`, or `None` when there is no such connection.
pub fn origins_of(conn: &Connection, id: i64) -> rusqlite::Result<Option<Vec<String>>> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM crm_connections WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let mut statement = conn.prepare_cached(
        "SELECT origin FROM crm_connection_origins WHERE connection_id = ?1 ORDER BY origin",
    )?;
    let origins = statement
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some(origins))
}

// ---------------------------------------------------------------------------------------------
// Sales users

/// A CRM user of a connection as the platform user they sign in as.
#[derive(Clone, Debug, PartialEq)]
pub struct SalesUser {
    pub connection_id: i64,
    /// The Entra object id or the Salesforce `005…` id.
    pub crm_user_id: String,
    pub tenant_id: i64,
    pub user_id: i64,
    /// The platform user's user name (`rep-ava`).
    pub user: String,
    pub name: String,
    pub role: Role,
    /// A rep's manager, by user name.
    pub manager: Option<String>,
}

impl fmt::Display for SalesUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} → {} ({}, {}",
            self.crm_user_id, self.user, self.name, self.role
        )?;
        if let Some(manager) = &self.manager {
            write!(f, " of {manager}")?;
        }
        write!(f, ") · connection {}", self.connection_id)
    }
}

/// The platform user a CRM user signs in as: one that exists, or one to create.
#[derive(Clone, Copy, Debug)]
pub enum PlatformUser<'a> {
    Existing(&'a str),
    New {
        user: &'a str,
        name: &'a str,
        role: Role,
        /// A rep's manager, by user name.
        manager: Option<&'a str>,
    },
}

const SELECT_SALES_USER: &str = "
    SELECT s.connection_id, s.crm_user_id, u.tenant_id, u.id, u.crm_user, u.name, u.role, m.crm_user
    FROM sales_users s
    JOIN crm_connections c ON c.id = s.connection_id
    JOIN users u ON u.id = s.user_id AND u.tenant_id = c.tenant_id
    LEFT JOIN users m ON m.id = u.manager_id";

fn sales_user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SalesUser> {
    Ok(SalesUser {
        connection_id: row.get(0)?,
        crm_user_id: row.get(1)?,
        tenant_id: row.get(2)?,
        user_id: row.get(3)?,
        user: row.get(4)?,
        name: row.get(5)?,
        role: column_enum(row.get(6)?, Role::parse)?,
        manager: row.get(7)?,
    })
}

/// The CRM user id as the connection's CRM writes it, checked.
fn crm_user_id(kind: Kind, text: &str) -> Result<String, AdminError> {
    match kind {
        Kind::Dynamics365 => guid("Entra object id of the user", text),
        Kind::Salesforce => salesforce_id("Salesforce user id", "005", text),
        Kind::Generic => {
            return refused(
                "A generic connection signs users in with development tokens only; it has no \
                 sales users.",
            )
        }
    }
    .map_err(AdminError::Refused)
}

/// The platform user called `user`: id, tenant and role.
fn find_user(conn: &Connection, user: &str) -> rusqlite::Result<Option<(i64, i64, Role)>> {
    conn.query_row(
        "SELECT id, tenant_id, role FROM users WHERE crm_user = ?1",
        [user],
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                column_enum(row.get(2)?, Role::parse)?,
            ))
        },
    )
    .optional()
}

/// Lets the CRM user `crm_user_id` of the connection sign in as `platform` (created first when
/// new, in the connection's tenant). Its several writes belong in the caller's transaction.
pub fn add_sales_user(
    conn: &Connection,
    connection_id: i64,
    crm_user_id_text: &str,
    platform: PlatformUser<'_>,
) -> Result<SalesUser, AdminError> {
    let Some(connection) = get(conn, connection_id)? else {
        return refused(format!("There is no connection {connection_id}."));
    };
    let crm_user = crm_user_id(connection.kind(), crm_user_id_text)?;
    let tenant = connection.tenant_id;
    let user_id = match platform {
        PlatformUser::Existing(user) => match find_user(conn, user)? {
            Some((id, user_tenant, _)) if user_tenant == tenant => id,
            Some(_) => {
                return refused(format!(
                    "The platform user '{user}' belongs to another tenant than connection \
                     {connection_id}."
                ))
            }
            None => {
                return refused(format!(
                    "There is no platform user '{user}': give --name and --role to create one."
                ))
            }
        },
        PlatformUser::New {
            user,
            name,
            role,
            manager,
        } => {
            let valid_user = !user.is_empty()
                && user.len() <= 100
                && user
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b));
            if !valid_user {
                return refused(
                    "A user name is 1-100 letters, digits, '-', '_', '.' or '@' (e.g. rep-ava).",
                );
            }
            if find_user(conn, user)?.is_some() {
                return refused(format!(
                    "The platform user '{user}' exists: leave out --name, --role and --manager \
                     to map to it."
                ));
            }
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return refused("A name is 1-100 characters.");
            }
            let manager_id = match (role, manager) {
                (_, None) => None,
                (Role::Manager, Some(_)) => return refused("A manager has no --manager."),
                (Role::Rep, Some(manager)) => match find_user(conn, manager)? {
                    Some((id, manager_tenant, Role::Manager)) if manager_tenant == tenant => {
                        Some(id)
                    }
                    _ => {
                        return refused(format!(
                            "The --manager '{manager}' is not a manager of this tenant."
                        ))
                    }
                },
            };
            super::db::insert_user(conn, tenant, user, name, role, manager_id)?
        }
    };
    let inserted = conn.execute(
        "INSERT INTO sales_users (connection_id, crm_user_id, user_id) VALUES (?1, ?2, ?3)",
        params![connection_id, crm_user, user_id],
    );
    if let Err(rusqlite::Error::SqliteFailure(error, _)) = &inserted {
        if error.code == rusqlite::ErrorCode::ConstraintViolation {
            return refused(format!(
                "{crm_user} is already a sales user of connection {connection_id}: remove it first."
            ));
        }
    }
    inserted?;
    Ok(sales_user(conn, connection_id, &crm_user)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?)
}

/// The sales user `crm_user_id` of the connection, if the connection has one.
pub fn sales_user(
    conn: &Connection,
    connection_id: i64,
    crm_user_id: &str,
) -> rusqlite::Result<Option<SalesUser>> {
    conn.prepare_cached(&format!(
        "{SELECT_SALES_USER} WHERE s.connection_id = ?1 AND s.crm_user_id = ?2"
    ))?
    .query_row(params![connection_id, crm_user_id], sales_user_row)
    .optional()
}

pub fn sales_users(conn: &Connection, connection_id: i64) -> rusqlite::Result<Vec<SalesUser>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT_SALES_USER} WHERE s.connection_id = ?1 ORDER BY u.role = 'rep', u.name, s.crm_user_id"
    ))?;
    let users = statement
        .query_map([connection_id], sales_user_row)?
        .collect();
    users
}

/// Stops the CRM user signing in through the connection (the platform user stays).
pub fn remove_sales_user(
    conn: &Connection,
    connection_id: i64,
    crm_user_id: &str,
) -> Result<SalesUser, AdminError> {
    let crm_user_id = crm_user_id.trim();
    let found = sales_user(conn, connection_id, crm_user_id)?
        // Entra writes ids in lower case; an admin may paste them in upper case.
        .or(sales_user(
            conn,
            connection_id,
            &crm_user_id.to_ascii_lowercase(),
        )?);
    let Some(found) = found else {
        return refused(format!(
            "Connection {connection_id} has no sales user {crm_user_id}."
        ));
    };
    conn.execute(
        "DELETE FROM sales_users WHERE connection_id = ?1 AND crm_user_id = ?2",
        params![connection_id, found.crm_user_id],
    )?;
    Ok(found)
}

#[cfg(test)]
mod tests;
