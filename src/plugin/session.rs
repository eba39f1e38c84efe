//! The token's life: held in memory only (never storage, cookies, the URL or a log), renewed
//! through the host about a minute before it expires, and on a `tokenExpired` answer, after
//! which the failed call is retried once. Concurrent renewals share one `tokenRequest`. When the
//! host does not answer in time the session is over: the sidebar says so.
//!
//! The session asks for a token through the [`AskForToken`] it is made with, and stays a
//! [`Secret`] until [`api::send_text`] writes the `Authorization` header.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use chrono::{DateTime, Utc};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use web_sys::AbortSignal;
use yew::Callback;

use crate::domain::session::refresh_delay_ms;
use crate::plugin::api::{self, Answer, ApiError, Endpoint, Request};
use crate::plugin::browser::clock;
use crate::protocol::Secret;
use crate::wire::ErrorCode;

/// The API session. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct Session {
    inner: Rc<SessionInner>,
}

type Renewal = Shared<LocalBoxFuture<'static, bool>>;

/// Asks the host for a fresh token. Resolves to whether the host answered with one, which
/// reaches the session through [`Session::set_token`]; `false` when it said it has none, or did
/// not answer in time.
pub type AskForToken = Rc<dyn Fn() -> LocalBoxFuture<'static, bool>>;

struct SessionInner {
    ask_for_token: AskForToken,
    token: RefCell<Option<Token>>,
    /// Counts the tokens taken: a renewal that failed after another token came (with a new
    /// context, say) did not leave the session without one.
    tokens_taken: Cell<u64>,
    /// The renewal in flight, shared by everyone who needs it.
    renewal: RefCell<Option<Renewal>>,
    /// Fires shortly before the token expires.
    renew_timer: RefCell<Option<Timeout>>,
    on_expired: Callback<()>,
}

struct Token {
    value: Secret,
    expires_at: DateTime<Utc>,
}

/// Never prints the token itself.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_at = self
            .inner
            .token
            .borrow()
            .as_ref()
            .map(|token| token.expires_at);
        f.debug_struct("Session")
            .field("expires_at", &expires_at)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Session {
    /// A session without a token yet, renewing it with `ask_for_token`; `on_expired` is called
    /// once renewing failed and no token came meanwhile.
    pub fn new(ask_for_token: AskForToken, on_expired: Callback<()>) -> Session {
        Session {
            inner: Rc::new(SessionInner {
                ask_for_token,
                token: RefCell::default(),
                tokens_taken: Cell::new(0),
                renewal: RefCell::default(),
                renew_timer: RefCell::default(),
                on_expired,
            }),
        }
    }

    /// Takes a token from the host's context or `token` message and schedules its renewal.
    pub fn set_token(&self, value: Secret, expires_at: DateTime<Utc>) {
        *self.inner.token.borrow_mut() = Some(Token { value, expires_at });
        self.inner
            .tokens_taken
            .set(self.inner.tokens_taken.get() + 1);
        let session = Rc::downgrade(&self.inner);
        let timer = refresh_delay_ms(clock::now(), expires_at).map(|delay| {
            Timeout::new(delay, move || {
                if let Some(inner) = Weak::upgrade(&session) {
                    wasm_bindgen_futures::spawn_local(Session { inner }.renew().map(drop));
                }
            })
        });
        // Replacing the timer cancels the one of the previous token.
        *self.inner.renew_timer.borrow_mut() = timer;
    }

    pub fn has_token(&self) -> bool {
        self.inner.token.borrow().is_some()
    }

    fn token(&self) -> Option<Secret> {
        self.inner
            .token
            .borrow()
            .as_ref()
            .map(|token| token.value.clone())
    }

    /// Asks the host for a fresh token, or joins the request already in flight. Resolves to
    /// whether a token arrived meanwhile (the answer, or a new context's); if none did, the
    /// session is expired.
    pub fn renew(&self) -> Renewal {
        if let Some(renewal) = self.inner.renewal.borrow().as_ref() {
            return renewal.clone();
        }
        let answer = (self.inner.ask_for_token)();
        let taken_before = self.inner.tokens_taken.get();
        let session = Rc::downgrade(&self.inner);
        let renewal = async move {
            let answered = answer.await;
            let Some(inner) = session.upgrade() else {
                return answered;
            };
            inner.renewal.borrow_mut().take();
            let ok = answered || inner.tokens_taken.get() != taken_before;
            if !ok {
                inner.renew_timer.borrow_mut().take();
                inner.on_expired.emit(());
            }
            ok
        }
        .boxed_local()
        .shared();
        *self.inner.renewal.borrow_mut() = Some(renewal.clone());
        renewal
    }

    /// Sends `endpoint` with the current token. On `tokenExpired` it renews the token (once for
    /// all callers that hit it together) and retries once.
    pub async fn fetch<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint<T>,
        signal: &AbortSignal,
    ) -> Result<T, ApiError> {
        endpoint.decode(&self.fetch_text(endpoint.request(), signal).await?.body)
    }

    /// [`Session::fetch`], saying too whether the server replayed the answer to an earlier
    /// request under the same `Idempotency-Key`.
    pub async fn fetch_replayed<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint<T>,
        signal: &AbortSignal,
    ) -> Result<(T, bool), ApiError> {
        let answer = self.fetch_text(endpoint.request(), signal).await?;
        Ok((endpoint.decode(&answer.body)?, answer.replayed))
    }

    /// [`Session::fetch`] up to the answer's text, owning the session, the request and the
    /// signal: for a view's request, whose future outlives what it was made from.
    pub fn fetch_text_owned(
        &self,
        request: Request,
        signal: AbortSignal,
    ) -> LocalBoxFuture<'static, Result<Answer, ApiError>> {
        let session = self.clone();
        async move { session.fetch_text(&request, &signal).await }.boxed_local()
    }

    /// Counts the tokens the session took: a stream opened with one of them knows whether a
    /// newer one came since (then a `tokenExpired` at its end needs no renewal).
    pub fn tokens_taken(&self) -> u64 {
        self.inner.tokens_taken.get()
    }

    /// Opens the live feed's stream at `path` ([`api::open_stream`]), renewing the token and
    /// trying once more when it had expired. Resolves to the body and [`Session::tokens_taken`]
    /// when it opened.
    pub fn open_stream(
        &self,
        path: String,
        signal: AbortSignal,
    ) -> LocalBoxFuture<'static, Result<(web_sys::ReadableStream, u64), ApiError>> {
        let session = self.clone();
        async move {
            for attempt in 0..2 {
                let (Some(token), taken) = (session.token(), session.tokens_taken()) else {
                    break;
                };
                match api::open_stream(&path, &token, &signal).await {
                    Err(ApiError::Unauthorized {
                        code: Some(ErrorCode::TokenExpired),
                        ..
                    }) if attempt == 0 => {
                        if !session.renew_unless_newer(taken).await {
                            break;
                        }
                    }
                    other => return other.map(|body| (body, taken)),
                }
            }
            Err(ApiError::Unauthorized {
                code: Some(ErrorCode::TokenExpired),
                cause: None,
            })
        }
        .boxed_local()
    }

    /// After the token taken as number `taken` expired: renews it, unless a newer one came
    /// meanwhile. Resolves to whether a usable token is there.
    pub async fn renew_unless_newer(&self, taken: u64) -> bool {
        self.tokens_taken() != taken || self.renew().await
    }

    /// [`Session::fetch`] up to the answer's text: the exchange and the one retry exist once in
    /// the wasm, whatever the endpoint's answer type.
    fn fetch_text<'a>(
        &'a self,
        request: &'a Request,
        signal: &'a AbortSignal,
    ) -> LocalBoxFuture<'a, Result<Answer, ApiError>> {
        async move {
            let Some(token) = self.token() else {
                return Err(ApiError::Unauthorized {
                    code: None,
                    cause: None,
                });
            };
            let error = match api::send_text(request, &token, signal).await {
                Err(
                    error @ ApiError::Unauthorized {
                        code: Some(ErrorCode::TokenExpired),
                        ..
                    },
                ) => error,
                other => return other,
            };
            // Another call may have renewed the token while this one was in flight.
            if self.token().as_ref() == Some(&token) && !self.renew().await {
                return Err(error);
            }
            if signal.aborted() {
                return Err(ApiError::Aborted);
            }
            let token = self.token().unwrap_or_default();
            api::send_text(request, &token, signal).await
        }
        .boxed_local()
    }
}
