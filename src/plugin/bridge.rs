//! The host bridge: `postMessage` between the CRM page (our `window.parent`) and the plugin.
//!
//! The host origin comes from the URL (`?host=`) and must be in the manifest's allow-list before
//! a [`BridgeProvider`] is ever mounted. A message is accepted only from that exact origin, from
//! `window.parent`, with our protocol tag and a known shape (the rules live in
//! [`crate::protocol`]); everything the plugin posts goes to that exact origin, never `*`.
//!
//! Components reach the bridge, the session and the host's context through [`use_host`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;
use yew::prelude::*;

use crate::domain::session::TOKEN_ANSWER_TIMEOUT_MS;
use crate::plugin::session::Session;
use crate::plugin::{mark, window};
use crate::protocol::{
    accept_host_message, Context, HostMessage, PluginMessage, TokenFailure, TokenGrant,
};

/// The plugin's end of the host bridge. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct Bridge {
    inner: Rc<BridgeInner>,
}

struct BridgeInner {
    host: String,
    next_id: Cell<u64>,
    /// `tokenRequest`s waiting for their answer, by id: `true` for a `token`, `false` for a
    /// `tokenError`.
    pending: RefCell<Vec<(String, oneshot::Sender<bool>)>>,
}

impl PartialEq for Bridge {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Bridge {
    /// A bridge to `host`, which the caller has checked against the manifest.
    pub fn new(host: impl Into<String>) -> Bridge {
        Bridge {
            inner: Rc::new(BridgeInner {
                host: host.into(),
                next_id: Cell::new(1),
                pending: RefCell::default(),
            }),
        }
    }

    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The host message in `event`, if it passes every rule of the protocol.
    pub fn accept(&self, event: &MessageEvent) -> Option<HostMessage> {
        let parent = window().parent().ok().flatten();
        let from_parent = match (event.source(), parent) {
            (Some(source), Some(parent)) => JsValue::from(source) == JsValue::from(parent),
            _ => false,
        };
        // Through JSON text, so the protocol's rules (tested natively on text) see exactly what
        // arrived. Anything that is not plain JSON data (a port, a DOM node, undefined) fails
        // here and is ignored.
        let text = js_sys::JSON::stringify(&event.data()).ok()?.as_string()?;
        accept_host_message(&event.origin(), self.host(), from_parent, &text).ok()
    }

    /// Posts `message` to the host's exact origin. Does nothing outside a frame we can reach.
    pub fn post(&self, message: &PluginMessage) {
        let Ok(Some(parent)) = window().parent() else {
            return;
        };
        let Ok(data) = js_sys::JSON::parse(&message.to_json()) else {
            return;
        };
        // A host that navigated away makes the target origin mismatch: the browser drops the
        // message, which is what we want.
        let _ = parent.post_message(&data, self.host());
    }

    /// Asks the host for a fresh token. Resolves to `true` once the host answered with one (the
    /// token itself goes to the session through [`BridgeProvider`]), `false` when it answered
    /// that it has none or after `timeout_ms` without an answer.
    pub fn request_token(&self, timeout_ms: u32) -> impl std::future::Future<Output = bool> {
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id + 1);
        let id = format!("token-{id}");
        let (answered, answer) = oneshot::channel();
        self.inner.pending.borrow_mut().push((id.clone(), answered));
        self.post(&PluginMessage::TokenRequest { id: id.clone() });
        let inner = Rc::downgrade(&self.inner);
        async move {
            let ok = match select(answer, TimeoutFuture::new(timeout_ms)).await {
                Either::Left((answer, _)) => answer == Ok(true),
                Either::Right(_) => false,
            };
            if !ok {
                if let Some(inner) = inner.upgrade() {
                    inner
                        .pending
                        .borrow_mut()
                        .retain(|(pending, _)| *pending != id);
                }
            }
            ok
        }
    }

    /// Ids of the `tokenRequest`s still waiting for an answer.
    pub fn pending_token_requests(&self) -> Vec<String> {
        self.inner
            .pending
            .borrow()
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Settles the request the host's `token` (`got_one`) or `tokenError` answers. Unknown ids
    /// (late or forged answers) settle nothing.
    fn answered(&self, id: &str, got_one: bool) {
        let mut pending = self.inner.pending.borrow_mut();
        if let Some(at) = pending.iter().position(|(pending, _)| pending == id) {
            let (_, answered) = pending.swap_remove(at);
            let _ = answered.send(got_one);
        }
    }
}

/// What components know about the host: the bridge, the session and the last context.
#[derive(Clone)]
pub struct Host {
    pub bridge: Bridge,
    pub session: Session,
    /// The host's latest context, without its token (the session holds the live one).
    pub context: Option<Rc<Context>>,
    /// The host left a token request unanswered: the session is over until a token arrives
    /// (late, or after the user asked again).
    pub expired: bool,
    /// The host owed a context (after `ready`, or for another record) and said it has none
    /// (`tokenError`) or sent none in time. A context that comes later ends it.
    pub context_failed: bool,
    /// Says `ready` again, so the host sends its context again.
    pub ask_context: Callback<()>,
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        self.bridge == other.bridge
            && self.session == other.session
            && self.context == other.context
            && self.expired == other.expired
            && self.context_failed == other.context_failed
            && self.ask_context == other.ask_context
    }
}

/// The host bridge, session and context of the enclosing [`BridgeProvider`].
///
/// ```ignore
/// let host = use_host();
/// if let Some(context) = &host.context { /* context.record, context.user.locale, … */ }
/// ```
#[hook]
pub fn use_host() -> Host {
    use_context::<Host>().expect("use_host is only called under a BridgeProvider")
}

/// Calls `again` when an expired session ends (a token arrived): what the view asked for while
/// it was over failed, and is asked for again.
#[hook]
pub fn use_after_expiry(again: Callback<()>) {
    let expired = use_host().expired;
    let was_expired = use_mut_ref(|| false);
    use_effect_with(expired, move |expired| {
        if was_expired.replace(*expired) && !*expired {
            again.emit(());
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct BridgeProviderProps {
    /// The host origin, already checked against the manifest.
    pub host: AttrValue,
    /// How long the host has to answer a `tokenRequest` before the session is over.
    #[prop_or(TOKEN_ANSWER_TIMEOUT_MS)]
    pub token_answer_timeout_ms: u32,
    #[prop_or_default]
    pub children: Html,
}

/// Listens to the host, says `ready`, and provides [`Host`] to its children.
#[component]
pub fn BridgeProvider(props: &BridgeProviderProps) -> Html {
    let context = use_state(|| None::<Rc<Context>>);
    let expired = use_state(|| false);
    let context_failed = use_state(|| false);
    // Runs out when the host took too long to send the context it owes.
    let context_wait = use_mut_ref(|| None::<Timeout>);
    let bridge = use_memo(props.host.clone(), |host| Bridge::new(host.as_str()));
    let session = {
        let expired = expired.setter();
        use_memo(
            (bridge.clone(), props.token_answer_timeout_ms),
            move |(bridge, timeout)| {
                Session::new(
                    (**bridge).clone(),
                    *timeout,
                    Callback::from(move |()| expired.set(true)),
                )
            },
        )
    };

    // `ready`: the host answers with the context, and has as long as for a token to do so.
    let ask_context = {
        let (failed, wait) = (context_failed.setter(), context_wait.clone());
        use_memo(
            ((*bridge).clone(), props.token_answer_timeout_ms),
            move |(bridge, timeout)| {
                let bridge = bridge.clone();
                let timeout = *timeout;
                Callback::from(move |()| {
                    failed.set(false);
                    let failed = failed.clone();
                    *wait.borrow_mut() = Some(Timeout::new(timeout, move || failed.set(true)));
                    bridge.post(&PluginMessage::Ready);
                })
            },
        )
    };

    {
        let (bridge, session, context) = ((*bridge).clone(), (*session).clone(), context.setter());
        let expired = expired.setter();
        let (failed, wait, ask_context) = (
            context_failed.setter(),
            context_wait.clone(),
            (*ask_context).clone(),
        );
        use_effect_with((bridge.clone(), session.clone()), move |_| {
            let listener = {
                let bridge = bridge.clone();
                EventListener::new(&window(), "message", move |event| {
                    let Some(event) = event.dyn_ref::<MessageEvent>() else {
                        return;
                    };
                    match bridge.accept(event) {
                        Some(HostMessage::Context(mut next)) => {
                            session.set_token(
                                std::mem::take(&mut next.token).into_inner(),
                                next.expires_at,
                            );
                            // A token that arrives late ends an expired session.
                            expired.set(false);
                            wait.borrow_mut().take();
                            failed.set(false);
                            mark("sidebar:context");
                            context.set(Some(Rc::new(*next)));
                        }
                        Some(HostMessage::Token(TokenGrant {
                            id,
                            token,
                            expires_at,
                        })) => {
                            session.set_token(token.into_inner(), expires_at);
                            expired.set(false);
                            if let Some(id) = id {
                                bridge.answered(&id, true);
                            }
                        }
                        Some(HostMessage::TokenError(TokenFailure { id: Some(id) })) => {
                            bridge.answered(&id, false);
                        }
                        Some(HostMessage::TokenError(TokenFailure { id: None })) => {
                            wait.borrow_mut().take();
                            failed.set(true);
                        }
                        None => {}
                    }
                })
            };
            ask_context.emit(());
            move || drop(listener)
        });
    }

    let host = Host {
        bridge: (*bridge).clone(),
        session: (*session).clone(),
        context: (*context).clone(),
        expired: *expired,
        context_failed: *context_failed,
        ask_context: (*ask_context).clone(),
    };
    html! {
        <ContextProvider<Host> context={host}>
            { props.children.clone() }
        </ContextProvider<Host>>
    }
}
