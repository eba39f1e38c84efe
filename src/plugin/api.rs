//! The marketing platform API: one request function, one typed error, and a one-line typed
//! function per endpoint.
//!
//! The plugin is served by the API's origin, so every URL is relative (`/v1/...`): no API root is
//! baked in. Each request carries the caller's `AbortSignal` (the view aborts it when it moves on)
//! and its own 15 s timeout.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit};

use crate::domain::activity_filters::{encode_component, ActivityQuery};
use crate::protocol::Secret;
use crate::wire::{self, ActivityPage, Entity, ErrorBody, ErrorCode, Me, RecordProfile};

/// How long a request may take, body included, before it is given up.
pub const REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Why a request failed. Views show [`ApiError::user_message`] and ignore [`ApiError::Aborted`].
#[derive(Clone, Debug)]
pub enum ApiError {
    /// The view that asked moved on (record, filter or view changed, or it unmounted).
    Aborted,
    /// The request did not reach the API or its answer did not come back.
    Network(Rc<gloo_net::Error>),
    /// No complete answer within [`REQUEST_TIMEOUT_MS`].
    Timeout,
    /// 401: `tokenExpired` or `tokenInvalid`.
    Unauthorized {
        code: Option<ErrorCode>,
        cause: Option<wire::ApiError>,
    },
    /// 403.
    Forbidden(Option<wire::ApiError>),
    /// 404; with code `notFound` on a record, the person is not known to marketing yet.
    NotFound(Option<wire::ApiError>),
    /// 422 (or another 4xx): a request field was rejected.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// 429, with `Retry-After` when the API sent one in seconds.
    RateLimited { retry_after_seconds: Option<u32> },
    /// 5xx (or a status the API does not use).
    Server {
        status: u16,
        cause: Option<wire::ApiError>,
    },
    /// A 2xx answer whose body is not what the contract says.
    Decode(Rc<crate::wire::json::Error>),
}

impl ApiError {
    pub fn is_aborted(&self) -> bool {
        matches!(self, ApiError::Aborted)
    }

    /// A 404 whose code says the record is not known to marketing (as opposed to a wrong URL).
    pub fn is_not_known(&self) -> bool {
        matches!(self, ApiError::NotFound(Some(cause)) if cause.code == ErrorCode::NotFound)
    }

    /// A 403 saying the CRM page the plugin runs in is not one of the token's connection's.
    pub fn is_host_not_connected(&self) -> bool {
        matches!(self, ApiError::Forbidden(Some(cause)) if cause.code == ErrorCode::HostNotConnected)
    }

    /// Whether the server may have done what was asked although no answer says so: the
    /// request may have arrived (its answer was lost, late, unreadable, or a server error).
    /// Refusals (401, 403, 404, 422, 429) mean nothing was done.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::Aborted
                | ApiError::Network(_)
                | ApiError::Timeout
                | ApiError::Server { .. }
                | ApiError::Decode(_)
        )
    }

    /// What the user reads.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Aborted => String::new(),
            ApiError::Network(_) => {
                "Can't reach marketing. Check your connection and try again.".into()
            }
            ApiError::Timeout => "Marketing took too long to answer. Try again.".into(),
            ApiError::Unauthorized {
                code: Some(ErrorCode::TokenInvalid),
                ..
            } => "Marketing did not accept your sign-in — reopen the sidebar.".into(),
            ApiError::Unauthorized { .. } => "Your session expired — reopen the sidebar.".into(),
            ApiError::Forbidden(_) => "You don't have access to this in marketing.".into(),
            ApiError::NotFound(_) => "Marketing doesn't know this record.".into(),
            ApiError::Invalid {
                field: Some(field),
                message,
            } => {
                format!("Marketing rejected the request ({field}): {message}")
            }
            ApiError::Invalid {
                field: None,
                message,
            } => {
                format!("Marketing rejected the request: {message}")
            }
            ApiError::RateLimited {
                retry_after_seconds: Some(seconds),
            } => {
                format!("Too many requests. Try again in {seconds} s.")
            }
            ApiError::RateLimited {
                retry_after_seconds: None,
            } => "Too many requests. Try again in a moment.".into(),
            ApiError::Server { status, .. } => {
                format!("Marketing is having trouble (error {status}). Try again.")
            }
            ApiError::Decode(_) => "Marketing sent an answer the sidebar can't read.".into(),
        }
    }

    /// Maps a non-2xx answer; `body` is its text, parsed as the contract's error body if it is
    /// one.
    fn from_status(status: u16, body: &str, retry_after: Option<String>) -> ApiError {
        let cause = crate::wire::json::from_str::<ErrorBody>(body)
            .ok()
            .map(|body| body.error);
        match status {
            401 => ApiError::Unauthorized {
                code: cause.as_ref().map(|c| c.code),
                cause,
            },
            403 => ApiError::Forbidden(cause),
            404 => ApiError::NotFound(cause),
            429 => ApiError::RateLimited {
                retry_after_seconds: retry_after.and_then(|s| s.trim().parse().ok()),
            },
            400..=499 => match cause {
                Some(cause) => ApiError::Invalid {
                    field: cause.field,
                    message: cause.message,
                },
                None => ApiError::Invalid {
                    field: None,
                    message: format!("error {status}"),
                },
            },
            _ => ApiError::Server { status, cause },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Aborted => f.write_str("request aborted"),
            ApiError::Network(cause) => write!(f, "network error: {cause}"),
            ApiError::Timeout => write!(f, "no answer within {REQUEST_TIMEOUT_MS} ms"),
            ApiError::Unauthorized { code, .. } => write!(f, "unauthorized ({code:?})"),
            ApiError::Forbidden(_) => f.write_str("forbidden"),
            ApiError::NotFound(_) => f.write_str("not found"),
            ApiError::Invalid { field, message } => {
                write!(
                    f,
                    "invalid {}: {message}",
                    field.as_deref().unwrap_or("request")
                )
            }
            ApiError::RateLimited {
                retry_after_seconds,
            } => {
                write!(f, "rate limited (retry after {retry_after_seconds:?} s)")
            }
            ApiError::Server { status, .. } => write!(f, "server error {status}"),
            ApiError::Decode(cause) => write!(f, "unexpected answer: {cause}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Network(cause) => Some(cause.as_ref()),
            ApiError::Decode(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

/// What is sent to an endpoint, whatever its answer type.
#[derive(Clone)]
pub struct Request {
    method: &'static str,
    path: String,
    /// The JSON body of a `POST`.
    body: Option<Rc<str>>,
    /// The `Idempotency-Key` header of a send.
    idempotency_key: Option<Rc<str>>,
}

/// A request to one endpoint whose 2xx answer is a `T`.
pub struct Endpoint<T> {
    request: Request,
    answer: PhantomData<fn() -> T>,
}

impl<T> Endpoint<T> {
    fn new(method: &'static str, path: String, body: Option<Rc<str>>) -> Endpoint<T> {
        Endpoint {
            request: Request {
                method,
                path,
                body,
                idempotency_key: None,
            },
            answer: PhantomData,
        }
    }

    pub fn get(path: String) -> Endpoint<T> {
        Endpoint::new("GET", path, None)
    }

    /// A `POST` of `body` as JSON.
    pub fn post<B: serde::Serialize>(path: String, body: &B) -> Endpoint<T> {
        Endpoint::new("POST", path, serde_json::to_string(body).ok().map(Rc::from))
    }

    /// The same request, sent with `Idempotency-Key: key`.
    pub fn with_idempotency_key(mut self, key: &str) -> Endpoint<T> {
        self.request.idempotency_key = Some(Rc::from(key));
        self
    }

    /// The path and query, relative to the API's (and the plugin's) origin.
    pub fn path(&self) -> &str {
        &self.request.path
    }

    /// What is sent, without the answer's type.
    pub fn request(&self) -> &Request {
        &self.request
    }
}

impl<T> Clone for Endpoint<T> {
    fn clone(&self) -> Self {
        Endpoint {
            request: self.request.clone(),
            answer: PhantomData,
        }
    }
}

/// `GET /v1/me`
pub fn me() -> Endpoint<Me> {
    Endpoint::get("/v1/me".into())
}

/// `GET /v1/records/{entity}/{crmId}[?email=…]`: with the record's email, marketing finds the
/// person under another CRM record too (a lead converted into this contact).
pub fn record(entity: Entity, crm_id: &str, email: Option<&str>) -> Endpoint<RecordProfile> {
    Endpoint::get(with_email(record_path(entity, crm_id), email))
}

/// `GET /v1/records/{entity}/{crmId}/activities?…`
pub fn activities(entity: Entity, crm_id: &str, query: &ActivityQuery) -> Endpoint<ActivityPage> {
    Endpoint::get(format!(
        "{}/activities?{}",
        record_path(entity, crm_id),
        query.to_query_string()
    ))
}

/// `GET /v1/records/{entity}/{crmId}/engagement?from=…&to=…&bucket=…&tz=…`
pub fn engagement(
    entity: Entity,
    crm_id: &str,
    window: &crate::domain::timeline::Window,
    time_zone: &str,
) -> Endpoint<wire::Engagement> {
    Endpoint::get(format!(
        "{}/engagement?{}",
        record_path(entity, crm_id),
        window.to_query_string(time_zone)
    ))
}

/// A record as the API's list endpoints name it: entity, CRM id and email, if any.
pub type RecordRef<'a> = (Entity, &'a str, Option<&'a str>);

/// `GET /v1/programs?q=…[&entity=…&crmId=…&email=…][&cursor=…]`: a page of programs, after
/// `cursor`, each with `record`'s status in it.
pub fn programs(
    query: &str,
    record: Option<RecordRef<'_>>,
    cursor: Option<&str>,
) -> Endpoint<wire::ProgramList> {
    let mut path = format!("/v1/programs?q={}", encode_component(query.trim()));
    if let Some((entity, crm_id, email)) = record {
        path.push_str(&format!(
            "&entity={}&crmId={}",
            entity.as_str(),
            encode_component(crm_id)
        ));
        path = with_email(path, email);
    }
    Endpoint::get(with_cursor(path, cursor))
}

/// `GET /v1/records/{entity}/{crmId}/enrolments[?email=…][&cursor=…]`: a page of a record's
/// enrolments, after `cursor`.
pub fn enrolments(
    (entity, crm_id, email): RecordRef<'_>,
    cursor: Option<&str>,
) -> Endpoint<wire::EnrolmentList> {
    Endpoint::get(with_cursor(
        with_email(format!("{}/enrolments", record_path(entity, crm_id)), email),
        cursor,
    ))
}

/// `path` with `email=…` for a record with an email address.
fn with_email(path: String, email: Option<&str>) -> String {
    with_param(
        path,
        "email",
        email.map(str::trim).filter(|e| !e.is_empty()),
    )
}

/// `POST /v1/programs/{id}/enrolments`
pub fn enrol(program_id: i64, request: &wire::EnrolRequest) -> Endpoint<wire::EnrolResponse> {
    Endpoint::post(format!("/v1/programs/{program_id}/enrolments"), request)
}

/// `GET /v1/templates?q=…&folder=…[&cursor=…]`: a page of templates, after `cursor`.
pub fn templates(query: &str, folder: &str, cursor: Option<&str>) -> Endpoint<wire::TemplateList> {
    let path = format!(
        "/v1/templates?q={}&folder={}",
        encode_component(query.trim()),
        encode_component(folder)
    );
    Endpoint::get(with_cursor(path, cursor))
}

/// `path` asking for the page after `cursor`, if any.
fn with_cursor(path: String, cursor: Option<&str>) -> String {
    with_param(path, "cursor", cursor)
}

/// `path` with the query parameter `name=value` (encoded) added, when there is a value.
fn with_param(mut path: String, name: &str, value: Option<&str>) -> String {
    if let Some(value) = value {
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(name);
        path.push('=');
        path.push_str(&encode_component(value));
    }
    path
}

/// `GET /v1/templates/{id}`
pub fn template(id: i64) -> Endpoint<wire::Template> {
    Endpoint::get(format!("/v1/templates/{id}"))
}

/// `POST /v1/sends/preflight`
pub fn preflight(request: &wire::SendRequest) -> Endpoint<wire::PreflightResponse> {
    Endpoint::post("/v1/sends/preflight".into(), request)
}

/// `POST /v1/sends`, once per composed message: `key` makes a repeat return the first result.
pub fn send_email(request: &wire::SendRequest, key: &str) -> Endpoint<wire::SendResponse> {
    Endpoint::post("/v1/sends".into(), request).with_idempotency_key(key)
}

/// `POST /v1/records/{entity}/{crmId}/resubscribe`
pub fn resubscribe(entity: Entity, crm_id: &str) -> Endpoint<wire::ResubscribeRequest> {
    Endpoint::post(format!("{}/resubscribe", record_path(entity, crm_id)), &())
}

/// `GET /v1/hot-prospects?owner=…&limit=20`
pub fn hot_prospects(owner: wire::OwnerSelection) -> Endpoint<wire::HotProspects> {
    Endpoint::get(format!(
        "/v1/hot-prospects?owner={}&limit={}",
        owner.to_query(),
        wire::HOT_PROSPECTS_DEFAULT_LIMIT
    ))
}

/// `GET /v1/sends?owner=…`, newest first, the page after `cursor`.
pub fn sent_messages(
    owner: wire::OwnerSelection,
    cursor: Option<&str>,
) -> Endpoint<wire::SentMessages> {
    Endpoint::get(with_cursor(
        format!("/v1/sends?owner={}", owner.to_query()),
        cursor,
    ))
}

/// `GET /v1/sends/{id}/recipients`: every recipient a send may have, in one page.
pub fn sent_recipients(send_id: i64) -> Endpoint<wire::SentRecipients> {
    Endpoint::get(format!(
        "/v1/sends/{send_id}/recipients?limit={}",
        wire::SEND_RECIPIENTS_MAX_LIMIT
    ))
}

/// `GET /v1/visitors?owner=…`: this week's, most recent first, the page after `cursor`.
pub fn visitors(owner: wire::OwnerSelection, cursor: Option<&str>) -> Endpoint<wire::Visitors> {
    Endpoint::get(with_cursor(
        format!("/v1/visitors?owner={}", owner.to_query()),
        cursor,
    ))
}

/// `GET /v1/records/{entity}/{crmId}/score-reasons`
pub fn score_reasons(entity: Entity, crm_id: &str) -> Endpoint<wire::ScoreReasons> {
    Endpoint::get(format!("{}/score-reasons", record_path(entity, crm_id)))
}

fn record_path(entity: Entity, crm_id: &str) -> String {
    format!("/v1/records/{entity}/{}", encode_component(crm_id))
}

impl<T: DeserializeOwned> Endpoint<T> {
    /// The 2xx answer's body as the contract's `T`.
    pub fn decode(&self, body: &str) -> Result<T, ApiError> {
        crate::wire::json::from_str(body).map_err(|e| ApiError::Decode(Rc::new(e)))
    }
}

/// A 2xx answer: its body, and whether the server said it repeats the answer to an earlier
/// request under the same `Idempotency-Key` (`Idempotent-Replayed: true`).
pub struct Answer {
    pub body: String,
    pub replayed: bool,
}

/// The one request function every endpoint goes through: the 2xx body as text, or the error.
/// The caller decodes it with [`Endpoint::decode`]. `host` is the CRM page the plugin runs in:
/// the API answers only inside one of the token's connection's origins.
///
/// `signal` is the caller's: aborting it ends the request with [`ApiError::Aborted`]. The request
/// has its own controller as well, so the timeout can abort it without aborting the caller's
/// other requests. Not generic, and boxed, so the exchange exists once in the wasm instead of
/// being inlined into every endpoint's decoding.
pub fn send_text<'a>(
    request: &'a Request,
    token: &'a Secret,
    host: &'a str,
    signal: &'a AbortSignal,
) -> LocalBoxFuture<'a, Result<Answer, ApiError>> {
    send_for_text(
        request.method,
        &request.path,
        request.body.as_deref(),
        request.idempotency_key.as_deref(),
        token,
        host,
        signal,
    )
    .boxed_local()
}

/// The exchange: the 2xx body as text, or the error.
async fn send_for_text(
    method: &str,
    path: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
    token: &Secret,
    host: &str,
    signal: &AbortSignal,
) -> Result<Answer, ApiError> {
    if signal.aborted() {
        return Err(ApiError::Aborted);
    }
    let controller = AbortController::new().map_err(js_network)?;
    let forward_abort = {
        let controller = controller.clone();
        EventListener::once(signal, "abort", move |_| controller.abort())
    };
    let timed_out = Rc::new(Cell::new(false));
    let timeout = {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        Timeout::new(REQUEST_TIMEOUT_MS, move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let result = exchange(
        method,
        path,
        body,
        idempotency_key,
        token,
        host,
        &controller.signal(),
    )
    .await;
    drop((forward_abort, timeout));
    match result {
        Err(_) if signal.aborted() => Err(ApiError::Aborted),
        Err(ApiError::Network(_)) if timed_out.get() => Err(ApiError::Timeout),
        other => other,
    }
}

async fn exchange(
    method: &str,
    path: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
    token: &Secret,
    host: &str,
    signal: &AbortSignal,
) -> Result<Answer, ApiError> {
    let request = authorized_request(
        method,
        path,
        body,
        idempotency_key,
        "application/json",
        token,
        host,
        signal,
    )?;
    let response = gloo_net::http::Request::from(request)
        .send()
        .await
        .map_err(network)?;
    let status = response.status();
    let body = response.text().await.map_err(network)?;
    if (200..300).contains(&status) {
        let replayed = response
            .headers()
            .get(wire::IDEMPOTENT_REPLAYED_HEADER)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        Ok(Answer { body, replayed })
    } else {
        Err(ApiError::from_status(
            status,
            &body,
            response.headers().get("retry-after"),
        ))
    }
}

/// The browser's request with the token in `Authorization` (the one place it is written).
fn authorized_request(
    method: &str,
    path: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
    accept: &str,
    token: &Secret,
    host: &str,
    signal: &AbortSignal,
) -> Result<web_sys::Request, ApiError> {
    let headers = Headers::new().map_err(js_network)?;
    // Not the browser's error text: some browsers quote the refused value, the token.
    headers
        .set("Authorization", &format!("Bearer {}", token.expose()))
        .map_err(|_| {
            network(gloo_net::Error::GlooError(
                "the browser refused the Authorization header".into(),
            ))
        })?;
    headers.set("Accept", accept).map_err(js_network)?;
    headers
        .set(wire::SIDEBAR_HOST_HEADER, host)
        .map_err(js_network)?;
    if let Some(key) = idempotency_key {
        headers
            .set(wire::IDEMPOTENCY_KEY_HEADER, key)
            .map_err(js_network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(js_network)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    web_sys::Request::new_with_str_and_init(path, &init).map_err(js_network)
}

/// Opens a response that stays open (`GET path`, `Accept: text/event-stream`): its body, to be
/// read as it arrives, once the status is 2xx; else the error its body names. No timeout of
/// its own: the stream lives until `signal` aborts it, and its reader decides when it has been
/// silent too long.
pub fn open_stream<'a>(
    path: &'a str,
    token: &'a Secret,
    host: &'a str,
    signal: &'a AbortSignal,
) -> LocalBoxFuture<'a, Result<web_sys::ReadableStream, ApiError>> {
    async move {
        let request = authorized_request(
            "GET",
            path,
            None,
            None,
            "text/event-stream",
            token,
            host,
            signal,
        )?;
        let response = gloo_net::http::Request::from(request)
            .send()
            .await
            .map_err(|error| {
                if signal.aborted() {
                    ApiError::Aborted
                } else {
                    network(error)
                }
            })?;
        let status = response.status();
        if (200..300).contains(&status) {
            return response.body().ok_or_else(|| {
                network(gloo_net::Error::GlooError("the stream has no body".into()))
            });
        }
        let body = response.text().await.unwrap_or_default();
        Err(ApiError::from_status(
            status,
            &body,
            response.headers().get("retry-after"),
        ))
    }
    .boxed_local()
}

fn network(error: gloo_net::Error) -> ApiError {
    ApiError::Network(Rc::new(error))
}

/// A browser API that should not fail did (no `AbortController`, a header it refused).
fn js_network(error: JsValue) -> ApiError {
    network(gloo_net::Error::GlooError(format!("{error:?}")))
}
