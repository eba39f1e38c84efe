//! Answering a request once: the answers of sends and enrolments stored by `Idempotency-Key`,
//! what makes two requests "the same" (the hash of their content), and the
//! `Idempotent-Replayed` header of an answer given again.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::auth::Caller;
use super::error::{ApiResult, Failure};
use super::http::header_name;
use crate::wire::{IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_CHARS};

/// The request header `Idempotency-Key`.
pub fn key_header() -> HeaderName {
    header_name(IDEMPOTENCY_KEY_HEADER)
}

/// The response header `Idempotent-Replayed`.
pub fn replayed_header() -> HeaderName {
    header_name(IDEMPOTENT_REPLAYED_HEADER)
}

/// The `Idempotency-Key` of a request, when it has one: 1 to 255 visible ASCII characters.
pub fn optional_idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let invalid = |message: &str| Failure::invalid(IDEMPOTENCY_KEY_HEADER, message);
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| invalid("The Idempotency-Key must be visible ASCII characters."))?
        .trim();
    let visible = value.bytes().all(|b| b.is_ascii_graphic());
    if value.is_empty() || value.len() > MAX_IDEMPOTENCY_KEY_CHARS || !visible {
        return Err(invalid(&format!(
            "The Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters."
        )));
    }
    Ok(Some(value.to_owned()))
}

/// Where a request kind keeps its answers by idempotency key: the table, and the column of the
/// user who sent them.
pub struct AnswerStore {
    pub table: &'static str,
    pub user_column: &'static str,
    /// Why another request may not use a key already used (the 409's message).
    pub refusal: &'static str,
}

/// The answer stored for the caller's earlier request under `key`: `Some` when that request had
/// this `hash`, a 409 on `Idempotency-Key` when it was another request.
pub fn earlier_answer(
    conn: &Connection,
    store: &AnswerStore,
    caller: &Caller,
    key: &str,
    hash: &str,
) -> ApiResult<Option<String>> {
    let earlier: Option<(String, String)> = conn
        .prepare_cached(&format!(
            "SELECT request_hash, response FROM {}
             WHERE tenant_id = ?1 AND {} = ?2 AND idempotency_key = ?3",
            store.table, store.user_column
        ))?
        .query_row(params![caller.tenant_id, caller.user_id, key], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match earlier {
        None => Ok(None),
        Some((earlier_hash, response)) if earlier_hash == hash => Ok(Some(response)),
        Some(_) => Err(Failure::conflict(IDEMPOTENCY_KEY_HEADER, store.refusal)),
    }
}

/// What identifies a request's content: the SHA-256 of its canonical JSON, so spacing and key
/// order of the body do not matter.
pub fn request_hash<T: serde::Serialize>(request: &T) -> String {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An answer as sent: its JSON with `status`, marked `Idempotent-Replayed: true` when it
/// repeats the answer to an earlier request under the same key.
pub fn answer_response(status: StatusCode, json: String, replayed: bool) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], json).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(replayed_header(), HeaderValue::from_static("true"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SendRequest;

    #[test]
    fn the_hash_ignores_the_body_s_spelling() {
        let a: SendRequest = serde_json::from_str(
            r#"{"templateId":1,"recipients":[{"entity":"lead","crmId":"L"}],"subject":null}"#,
        )
        .unwrap();
        let b: SendRequest = serde_json::from_str(
            r#"{ "recipients" : [ {"crmId":"L","entity":"lead"} ], "templateId" : 1 }"#,
        )
        .unwrap();
        assert_eq!(request_hash(&a), request_hash(&b));
        let mut c = b.clone();
        c.subject = Some("Other".into());
        assert_ne!(request_hash(&a), request_hash(&c));
    }

    #[test]
    fn the_wire_s_header_names_are_valid_here() {
        assert_eq!(key_header().as_str(), "idempotency-key");
        assert_eq!(replayed_header().as_str(), "idempotent-replayed");
    }
}
