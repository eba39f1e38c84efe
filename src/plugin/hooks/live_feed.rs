//! The live feed of new activities (`GET /v1/events`), followed for as long as the view that
//! asked lives.
//!
//! [`use_live_feed`] reads the feed's server-sent events from a `fetch` response body as it
//! arrives (`EventSource` cannot send the token in a header, and the token never goes in the
//! URL). When the stream drops it reconnects after its last cursor, so nothing is lost or
//! repeated, waiting longer after each failed try ([`retry_delay_ms`]). When the token expires
//! mid-stream it renews it through the session and resumes. When a stream opens but stays
//! silent (a proxy that buffers the body holds the first message back), it long-polls instead.
//!
//! The loop is one non-generic [`Follower`]: every view that follows the feed shares its code
//! in the wasm.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use futures::future::{self, Either};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader};
use yew::platform::spawn_local;
use yew::prelude::*;

pub use crate::domain::live_feed::FeedScope;
use crate::domain::live_feed::{retry_delay_ms, SseReader};
use crate::plugin::api::{ApiError, Endpoint};
use crate::plugin::browser::clock;
use crate::plugin::host::use_host;
use crate::plugin::session::Session;
use crate::wire::{self, feed_event, ActivityEvent, ErrorBody, ErrorCode, EventPage};

/// A stream that sends nothing this long after it was asked for is held back on its way (the
/// sandbox sends `position` at once): the follower long-polls instead.
const SILENT_MS: u32 = 5_000;
/// A live stream that sends nothing (not even its heartbeat) this long is dead.
const IDLE_MS: u32 = (wire::FEED_HEARTBEAT_SECONDS as u32) * 2_000 + 10_000;
/// How long a long poll waits for news: under the requests' own timeout.
const POLL_WAIT_SECONDS: u32 = 10;

/// What the feed tells a view.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveNews {
    /// A new activity of a followed record, in the order they were recorded.
    Activity(Rc<ActivityEvent>),
    /// The feed could not replay what happened while it was away: reload what is shown.
    Missed,
}

/// Whether the view is up to date, for its freshness stamp.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Freshness {
    /// The feed is connected: what is shown is current.
    pub live: bool,
    /// The last time the feed was heard from (a message or a heartbeat); `None` until it was.
    pub last_update: Option<DateTime<Utc>>,
}

/// Follows the live feed for `scope` (`None`: nothing to follow yet) and hands each piece of
/// news to `on_news`; returns how fresh the view is. The stream is closed when `scope` changes
/// and when the view unmounts. `on_news` may be a new callback at every render: the latest one
/// is called.
///
/// ```ignore
/// let scope = FeedScope::Record { entity, crm_id: crm_id.to_string(), email: None };
/// let freshness = use_live_feed(Some(scope), {
///     let history = history.dispatcher();
///     Callback::from(move |news| match news {
///         LiveNews::Activity(event) => history.dispatch(Action::Arrived(event)),
///         LiveNews::Missed => history.dispatch(Action::Reload),
///     })
/// });
/// html! { <p>{ freshness_stamp(&formats, freshness) }</p> }
/// ```
#[hook]
pub fn use_live_feed(scope: Option<FeedScope>, on_news: Callback<LiveNews>) -> Freshness {
    let session = use_host().session;
    let freshness = use_state_eq(Freshness::default);
    let listener = use_mut_ref(|| on_news.clone());
    *listener.borrow_mut() = on_news;
    let set_freshness = freshness.setter();
    use_effect_with(scope, move |scope| {
        let controller = AbortController::new().ok();
        if let (Some(scope), Some(controller)) = (scope, &controller) {
            set_freshness.set(Freshness::default());
            let follower = Follower {
                session,
                scope: scope.clone(),
                signal: controller.signal(),
                news: listener,
                set_freshness: Callback::from(move |f| set_freshness.set(f)),
                cursor: None,
                freshness: Freshness::default(),
            };
            spawn_local(follower.follow());
        }
        move || {
            if let Some(controller) = controller {
                controller.abort();
            }
        }
    });
    *freshness
}

/// How one connection ended.
enum Ended {
    /// It was live, or never opened: try again after a wait.
    Dropped { was_live: bool },
    /// The token expired and a new one is there: go on at once.
    Renewed,
    /// Nothing came through: long-poll from now on.
    Silent,
    /// The session has no token (the host did not renew it): wait, as for a drop.
    SignedOut,
}

struct Follower {
    session: Session,
    scope: FeedScope,
    /// Aborted when the view leaves the scope or unmounts.
    signal: AbortSignal,
    news: Rc<RefCell<Callback<LiveNews>>>,
    set_freshness: Callback<Freshness>,
    /// After the last message this follower got: where a reconnection resumes.
    cursor: Option<String>,
    freshness: Freshness,
}

impl Follower {
    async fn follow(mut self) {
        let mut failures = 0u32;
        let mut polling = false;
        loop {
            let ended = if polling {
                self.poll().await
            } else {
                self.stream().await
            };
            if self.signal.aborted() {
                return;
            }
            match ended {
                Ended::Renewed => continue,
                Ended::Silent => {
                    polling = true;
                    continue;
                }
                Ended::Dropped { was_live: true } => failures = 1,
                Ended::Dropped { was_live: false } | Ended::SignedOut => {
                    failures = failures.saturating_add(1)
                }
            }
            self.set_live(false);
            TimeoutFuture::new(retry_delay_ms(failures, js_sys::Math::random())).await;
            if self.signal.aborted() {
                return;
            }
        }
    }

    /// One stream, from opening it to its end.
    async fn stream(&mut self) -> Ended {
        // Its own controller, so leaving a connection closes it without ending the follower.
        let connection = match AbortController::new() {
            Ok(connection) => Connection(connection),
            Err(_) => return Ended::Silent,
        };
        let _forward_abort = {
            let connection = connection.0.clone();
            EventListener::once(&self.signal, "abort", move |_| connection.abort())
        };
        let path = self.scope.path(self.cursor.as_deref(), None);
        let opened = self.session.open_stream(path, connection.0.signal());
        let (body, tokens_taken) = match within(SILENT_MS, opened).await {
            None => return Ended::Silent,
            Some(Ok(opened)) => opened,
            Some(Err(ApiError::Unauthorized { .. })) => return Ended::SignedOut,
            Some(Err(_)) => return Ended::Dropped { was_live: false },
        };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut messages = SseReader::default();
        let mut was_live = false;
        loop {
            let wait = if was_live { IDLE_MS } else { SILENT_MS };
            let chunk = match within(wait, JsFuture::from(reader.read())).await {
                None if !was_live => return Ended::Silent,
                Some(Ok(chunk)) => chunk,
                None | Some(Err(_)) => return Ended::Dropped { was_live },
            };
            let Some(bytes) = chunk_bytes(&chunk) else {
                return Ended::Dropped { was_live };
            };
            self.freshness.last_update = Some(clock::now());
            for message in messages.push(&bytes) {
                if message.id.is_some() {
                    self.cursor = message.id;
                }
                match message.event.as_str() {
                    feed_event::POSITION => {
                        was_live = true;
                        self.set_live(true);
                    }
                    feed_event::ACTIVITY => {
                        if let Ok(event) = wire::json::from_str::<ActivityEvent>(&message.data) {
                            self.tell(LiveNews::Activity(Rc::new(event)));
                        }
                    }
                    feed_event::RESET => self.tell(LiveNews::Missed),
                    feed_event::ERROR => {
                        let expired = wire::json::from_str::<ErrorBody>(&message.data)
                            .is_ok_and(|body| body.error.code == ErrorCode::TokenExpired);
                        if !expired {
                            return Ended::Dropped { was_live };
                        }
                        // The session usually renewed the token a minute before; a stream
                        // opened earlier still dies with the old one.
                        return if self.session.renew_unless_newer(tokens_taken).await {
                            Ended::Renewed
                        } else {
                            Ended::SignedOut
                        };
                    }
                    _ => {}
                }
            }
        }
    }

    /// Long polls, one after the other, until one fails.
    async fn poll(&mut self) -> Ended {
        loop {
            let endpoint = Endpoint::<EventPage>::get(
                self.scope
                    .path(self.cursor.as_deref(), Some(POLL_WAIT_SECONDS)),
            );
            let answer = self
                .session
                .fetch_text_owned(endpoint.request().clone(), self.signal.clone())
                .await;
            let page = match answer.and_then(|answer| endpoint.decode(&answer.body)) {
                Ok(page) => page,
                Err(ApiError::Unauthorized { .. }) => return Ended::SignedOut,
                Err(_) => return Ended::Dropped { was_live: false },
            };
            self.freshness.last_update = Some(clock::now());
            self.set_live(true);
            // A first poll (no cursor yet) only learns where the feed stands.
            if page.reset && self.cursor.is_some() {
                self.tell(LiveNews::Missed);
            }
            self.cursor = Some(page.cursor);
            for event in page.items {
                self.tell(LiveNews::Activity(Rc::new(event)));
            }
        }
    }

    fn set_live(&mut self, live: bool) {
        if self.freshness.live != live || live {
            self.freshness.live = live;
            if !self.signal.aborted() {
                self.set_freshness.emit(self.freshness);
            }
        }
    }

    fn tell(&self, news: LiveNews) {
        if !self.signal.aborted() {
            // Cloned first: the view may render (and replace the callback) while it runs.
            let on_news = self.news.borrow().clone();
            on_news.emit(news);
        }
    }
}

/// Aborts its connection when the follower leaves it, however it ends.
struct Connection(AbortController);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A `read()` result's bytes; `None` once the body is done.
fn chunk_bytes(chunk: &wasm_bindgen::JsValue) -> Option<Vec<u8>> {
    let done = js_sys::Reflect::get(chunk, &"done".into()).ok()?;
    if done.as_bool() != Some(false) {
        return None;
    }
    let value = js_sys::Reflect::get(chunk, &"value".into()).ok()?;
    Some(value.dyn_into::<js_sys::Uint8Array>().ok()?.to_vec())
}

/// `work`'s output, or `None` when it takes longer than `ms`.
async fn within<T>(ms: u32, work: impl Future<Output = T>) -> Option<T> {
    let work = std::pin::pin!(work);
    match future::select(work, TimeoutFuture::new(ms)).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}
