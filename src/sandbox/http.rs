//! The API's side of HTTP shared by every endpoint module: reading a request (query
//! parameters, JSON bodies, path entities, CRM ids), page cursors, and the 404 of a record
//! marketing does not know. Each refusal is a [`Failure`] naming the request field.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::HeaderName;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::db;
use super::error::{ApiResult, Failure};
use crate::wire::query::MAX_SEARCH_CHARS;
use crate::wire::{is_blank, Entity, MAX_CRM_ID_CHARS};

/// A header the wire spells in title case, as `http` names it (lower case).
pub fn header_name(spelled: &'static str) -> HeaderName {
    HeaderName::from_bytes(spelled.as_bytes()).expect("the wire's header names are valid")
}

/// The documented `pattern` of a page cursor: URL-safe base64 without padding.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]+$";

/// The documented `pattern` of hot prospects' `owner`: `me`, `team` or a user id.
pub const OWNER_PATTERN: &str = "^(me|team|[1-9][0-9]{0,17})$";

/// A CRM id named by a request: not blank, at most [`MAX_CRM_ID_CHARS`] characters; else a 422
/// on `field`.
pub fn check_crm_id(field: &str, crm_id: &str) -> ApiResult<()> {
    if is_blank(crm_id) || crm_id.chars().count() > MAX_CRM_ID_CHARS {
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

    /// A present, non-empty parameter: for free text, where empty means "any".
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A parameter as sent, even empty: for numbers, names and times, where an empty value is
    /// one the document does not allow.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `limit`: `default` when absent, else a number from 1 to `max`.
    pub fn limit(&self, default: u32, max: u32) -> ApiResult<u32> {
        let Some(text) = self.raw("limit") else {
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

    /// `q`, the search text of a list: at most [`MAX_SEARCH_CHARS`] characters, trimmed.
    pub fn search(&self) -> ApiResult<Option<String>> {
        if self
            .raw("q")
            .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(Failure::invalid(
                "q",
                format!("The search text is limited to {MAX_SEARCH_CHARS} characters."),
            ));
        }
        Ok(self.get("q").map(|q| q.trim().to_owned()))
    }

    /// `cursor`, read by `decode`. One that is not of [`CURSOR_PATTERN`] is a 422; one of the
    /// pattern that `decode` cannot read was not made for this list (or this version of the
    /// API), a 409: a client may hold a cursor that no longer leads anywhere.
    pub fn cursor<C>(&self, decode: impl FnOnce(&str) -> Option<C>) -> ApiResult<Option<C>> {
        let Some(text) = self.raw("cursor") else {
            return Ok(None);
        };
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if text.is_empty() || !text.bytes().all(base64url) {
            return Err(Failure::invalid(
                "cursor",
                "The cursor is not one this API makes (URL-safe base64).",
            ));
        }
        decode(text).map(Some).ok_or_else(|| {
            Failure::conflict(
                "cursor",
                "The cursor does not lead anywhere in this list; start again from the first page.",
            )
        })
    }

    /// An entity named by a parameter, if present.
    pub fn entity(&self, name: &str) -> ApiResult<Option<Entity>> {
        self.raw(name).map(parse_entity).transpose()
    }

    /// A CRM id named by a parameter, if present (see [`check_crm_id`]).
    pub fn crm_id(&self, name: &str) -> ApiResult<Option<String>> {
        self.raw(name)
            .map(|crm_id| check_crm_id(name, crm_id).map(|()| crm_id.to_owned()))
            .transpose()
    }

    pub fn time(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        self.raw(name)
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

/// The platform's record of the CRM record a request's path names ([`db::find_record`]), else a
/// 404; a CRM id the document does not allow is a 422 on `crmId`.
pub fn known_record(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
    email: Option<&str>,
) -> ApiResult<i64> {
    check_crm_id("crmId", crm_id)?;
    db::find_record(conn, tenant_id, entity, crm_id, email)?.ok_or_else(|| {
        Failure::not_found(format!(
            "The {entity} {crm_id} is not yet known to marketing."
        ))
    })
}
