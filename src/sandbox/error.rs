//! The one error shape of the API (`{"error": {"code", "message", "field"?}}`) and its statuses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::wire::{ApiError, ErrorBody, ErrorCode};

/// An API failure: the status, the wire error and, for 429, how long to wait.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub error: ApiError,
    pub retry_after_seconds: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            error: ApiError {
                code,
                message: message.into(),
                field: None,
            },
            retry_after_seconds: None,
        }
    }

    /// 422 naming the rejected request field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Failure {
        let mut failure = Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidParameter,
            message,
        );
        failure.error.field = Some(field.to_owned());
        failure
    }

    /// 409 naming the request field: a request the document allows, refused by the current state
    /// (a time that has passed, a template the tenant lacks, a key used for another request).
    pub fn conflict(field: &str, message: impl Into<String>) -> Failure {
        let mut failure = Failure::new(StatusCode::CONFLICT, ErrorCode::Conflict, message);
        failure.error.field = Some(field.to_owned());
        failure
    }

    pub fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// A call from a CRM page (`host`) that is not one of the token's connection's origins.
    pub fn host_not_connected(host: &str) -> Failure {
        Failure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::HostNotConnected,
            format!("The token's CRM connection does not serve {host}."),
        )
    }

    pub fn token_invalid(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, ErrorCode::TokenInvalid, message)
    }

    pub fn token_expired() -> Failure {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "The token has expired.",
        )
    }

    pub fn rate_limited(retry_after_seconds: u64) -> Failure {
        let mut failure = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("Too many requests; retry in {retry_after_seconds} s."),
        );
        failure.retry_after_seconds = Some(retry_after_seconds);
        failure
    }

    pub fn internal(cause: impl std::fmt::Display) -> Failure {
        tracing::error!("internal error: {cause}");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Internal error.",
        )
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Failure {
        Failure::internal(error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.error })).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, Failure>;
