//! How the plugin asks the API: a [`Fetcher`], the session and the signal that aborts what it
//! asked.

use std::future::Future;

use futures::future::{FutureExt, LocalBoxFuture};
use serde::de::DeserializeOwned;
use web_sys::AbortSignal;

use crate::plugin::api::{self, ApiError, Endpoint};
use crate::plugin::session::Session;

/// What a call of [`use_fetch`] or [`use_request`] fetches with: the session, and the signal
/// that aborts every request of the call at once.
#[derive(Clone)]
pub struct Fetcher {
    session: Session,
    signal: AbortSignal,
}

impl Fetcher {
    pub fn new(session: Session, signal: AbortSignal) -> Fetcher {
        Fetcher { session, signal }
    }

    /// Aborts what this fetcher asked (the view left).
    pub fn signal(&self) -> &AbortSignal {
        &self.signal
    }

    /// Sends `endpoint` (renewing the token once if it expired). The exchange is the same for
    /// every endpoint, so only the decoding of the answer is written for each answer type.
    ///
    /// Marketing's "too many requests" (429) names when to ask again: within
    /// [`LONGEST_RATE_LIMIT_WAIT_S`], the fetcher waits that long (the view keeps loading) and
    /// asks once more by itself; a second 429, or a longer wait, is the view's error to show.
    pub fn fetch<T: DeserializeOwned + 'static>(
        &self,
        endpoint: Endpoint<T>,
    ) -> impl Future<Output = Result<T, ApiError>> + 'static {
        let answer = fetch_text_waiting_out_429(
            self.session.clone(),
            endpoint.request().clone(),
            self.signal.clone(),
        );
        answer.map(move |answer| endpoint.decode(&answer?.body))
    }
}

/// The longest `Retry-After` a view's request waits out by itself: a longer one would leave the
/// user looking at a skeleton with no word of why.
pub const LONGEST_RATE_LIMIT_WAIT_S: u32 = 5;

/// [`Fetcher::fetch`] up to the answer's text: written once, whatever the answer type. A 429 the
/// server did not act on, so asking again cannot do anything twice.
fn fetch_text_waiting_out_429(
    session: Session,
    request: api::Request,
    signal: AbortSignal,
) -> LocalBoxFuture<'static, Result<api::Answer, ApiError>> {
    async move {
        let first = session
            .fetch_text_owned(request.clone(), signal.clone())
            .await;
        let wait = match &first {
            Err(ApiError::RateLimited {
                retry_after_seconds,
            }) => retry_after_seconds.unwrap_or(1),
            _ => return first,
        };
        if wait > LONGEST_RATE_LIMIT_WAIT_S {
            return first;
        }
        gloo_timers::future::TimeoutFuture::new(wait.max(1) * 1000).await;
        if signal.aborted() {
            return Err(ApiError::Aborted);
        }
        session.fetch_text_owned(request, signal).await
    }
    .boxed_local()
}
