//! The token's life: held in memory only (never storage, cookies, the URL or a log), renewed
//! through the host about a minute before it expires, and on a `tokenExpired` answer, after
//! which the failed call is retried once. Concurrent renewals share one `tokenRequest`. When the
//! host does not answer in time the session is over: the sidebar says so.

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
use crate::plugin::bridge::Bridge;
use crate::plugin::clock;
use crate::wire::ErrorCode;

/// The API session. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct Session {
    inner: Rc<SessionInner>,
}

type Renewal = Shared<LocalBoxFuture<'static, bool>>;

struct SessionInner {
    bridge: Bridge,
    token: RefCell<Option<Token>>,
    /// Counts the tokens taken: a renewal that failed after another token came (with a new
    /// context, say) did not leave the session without one.
    tokens_taken: Cell<u64>,
    /// The renewal in flight, shared by everyone who needs it.
    renewal: RefCell<Option<Renewal>>,
    /// Fires shortly before the token expires.
    renew_timer: RefCell<Option<Timeout>>,
    /// How long the host has to answer a `tokenRequest`.
    answer_timeout_ms: u32,
    on_expired: Callback<()>,
}

struct Token {
    value: String,
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
    /// A session without a token yet; `on_expired` is called once renewing failed, that is when
    /// the host left a `tokenRequest` unanswered for `answer_timeout_ms`
    /// ([`crate::domain::session::TOKEN_ANSWER_TIMEOUT_MS`] in the app).
    pub fn new(bridge: Bridge, answer_timeout_ms: u32, on_expired: Callback<()>) -> Session {
        Session {
            inner: Rc::new(SessionInner {
                bridge,
                token: RefCell::default(),
                tokens_taken: Cell::new(0),
                renewal: RefCell::default(),
                renew_timer: RefCell::default(),
                answer_timeout_ms,
                on_expired,
            }),
        }
    }

    /// Takes a token from the host's context or `token` message and schedules its renewal.
    pub fn set_token(&self, value: String, expires_at: DateTime<Utc>) {
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

    fn token(&self) -> Option<String> {
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
        let answer = self
            .inner
            .bridge
            .request_token(self.inner.answer_timeout_ms);
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
            if self.token().as_deref() == Some(token.as_str()) && !self.renew().await {
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
