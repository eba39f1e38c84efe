//! The API's side of HTTP shared by every endpoint module: reading a request (query
//! parameters, JSON bodies, path entities, CRM ids), page cursors, and the 404 of a record
//! marketing does not know. Each refusal is a [`Failure`] naming the request field.

use std::collections::HashMap;

use axum::body::Bytes;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::db;
use super::error::{ApiResult, Failure};
use crate::wire::query::MAX_SEARCH_CHARS;
use crate::wire::Entity;

/// Longest CRM id a request may name (sends, enrolments, dev records), in characters.
const MAX_CRM_ID_CHARS: usize = 100;

/// A CRM id named by a request: not blank, at most [`MAX_CRM_ID_CHARS`] characters; else a 422
/// on `field`.
pub fn check_crm_id(field: &str, crm_id: &str) -> ApiResult<()> {
    if crm_id.trim().is_empty() || crm_id.chars().count() > MAX_CRM_ID_CHARS {
        return Err(Failure::invalid(
            field,
            format!("'crmId' must be 1 to {MAX_CRM_ID_CHARS} characters."),
        ));
    }
    Ok(())
}

/// A page cursor that is the last row's sort key, as opaque URL-safe text.
pub fn encode_json_cursor<T: serde::Serialize>(key: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The sort key in a cursor made by [`encode_json_cursor`]; `None` for anything else.
pub fn decode_json_cursor<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
}

/// Query parameters by name; a repeated name keeps its last value.
pub struct QueryParams(HashMap<String, String>);

impl QueryParams {
    pub fn parse(raw: Option<String>) -> QueryParams {
        QueryParams(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// A present, non-empty parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// `limit`: `default` when absent, else a number from 1 to `max`.
    pub fn limit(&self, default: u32, max: u32) -> ApiResult<u32> {
        let Some(text) = self.get("limit") else {
            return Ok(default);
        };
        text.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                Failure::invalid(
                    "limit",
                    format!("'limit' must be a number from 1 to {max}."),
                )
            })
    }

    /// `q`, the search text of a list: trimmed, at most [`MAX_SEARCH_CHARS`] characters.
    pub fn search(&self) -> ApiResult<Option<String>> {
        let q = self.get("q").map(|q| q.trim().to_owned());
        if q.as_ref()
            .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(Failure::invalid(
                "q",
                format!("The search text is limited to {MAX_SEARCH_CHARS} characters."),
            ));
        }
        Ok(q)
    }

    /// `cursor`, read by `decode`; a cursor it cannot read is a 422 on `cursor`.
    pub fn cursor<C>(&self, decode: impl FnOnce(&str) -> Option<C>) -> ApiResult<Option<C>> {
        self.get("cursor")
            .map(|c| {
                decode(c).ok_or_else(|| Failure::invalid("cursor", "The cursor is not valid."))
            })
            .transpose()
    }

    pub fn time(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        self.get(name)
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        Failure::invalid(name, format!("'{name}' must be an RFC 3339 time."))
                    })
            })
            .transpose()
    }
}

/// Parses a JSON body into `T`, answering 422 in the API's error shape when it does not fit.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| Failure::invalid("body", format!("Invalid request body: {e}")))
}

pub fn parse_entity(text: &str) -> ApiResult<Entity> {
    Entity::parse(text).ok_or_else(|| {
        Failure::invalid("entity", "'entity' must be one of lead, contact, account.")
    })
}

/// The platform's record of the CRM record a request names ([`db::find_record`]), else a 404.
pub fn known_record(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
) -> ApiResult<i64> {
    db::find_record(conn, tenant_id, entity, crm_id, email)?.ok_or_else(|| {
        Failure::not_found(format!(
            "The {entity} {crm_id} is not yet known to marketing."
        ))
    })
}
