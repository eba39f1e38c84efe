//! The host bridge: `postMessage` between the CRM page (our `window.parent`) and the plugin,
//! and nothing else: what a message means to the session or the view is
//! [`crate::plugin::host`]'s to decide.
//!
//! The host origin comes from the URL (`?host=`) and must be in the manifest's allow-list before
//! a bridge is ever made. A message is accepted only from that exact origin, from
//! `window.parent`, with our protocol tag and a known shape (the rules live in
//! [`crate::protocol`]); everything the plugin posts goes to that exact origin, never `*`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;

use crate::domain::crm_notes::NoteState;
use crate::plugin::browser::window;
use crate::protocol::{
    accept_host_message, from_host, HostMessage, NoteAnswer, PluginMessage, TokenFailure,
    TokenGrant,
};
use crate::wire::Entity;

/// What the host answered a request: `Err` with its words when it refused.
type HostAnswer = Result<(), String>;

/// The plugin's end of the host bridge. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct Bridge {
    inner: Rc<BridgeInner>,
}

struct BridgeInner {
    host: String,
    next_id: Cell<u64>,
    /// `tokenRequest`s and `logActivity`s waiting for their answer, by id (`token-…`,
    /// `note-…`): `Ok` for a `token` or `activityLogged`, `Err` with the host's words for a
    /// `tokenError` or `activityError`.
    pending: RefCell<Vec<(String, oneshot::Sender<HostAnswer>)>>,
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
        // Before the data is touched: any page may post to the frame, and copying what it sent
        // costs as much as it chose to send.
        from_host(&event.origin(), self.host(), from_parent).ok()?;
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
    /// token itself goes to whoever [`Bridge::listen`]s), `false` when it answered that it has
    /// none or after `timeout_ms` without an answer.
    pub fn request_token(&self, timeout_ms: u32) -> impl std::future::Future<Output = bool> {
        let id = self.next_id("token");
        let answer = self.ask(
            &PluginMessage::TokenRequest { id: id.clone() },
            id,
            timeout_ms,
        );
        async move { answer.await == Some(Ok(())) }
    }

    /// Asks the host to log a note on a record, and resolves to what it answered: saved, not
    /// saved and why, or (no answer within `timeout_ms`) unknown.
    pub fn log_activity(
        &self,
        entity: Entity,
        crm_id: String,
        subject: String,
        body: String,
        timeout_ms: u32,
    ) -> impl std::future::Future<Output = NoteState> {
        let note_id = self.next_id("note");
        let message = PluginMessage::LogActivity {
            entity,
            id: crm_id,
            subject,
            body,
            note_id: note_id.clone(),
        };
        let answer = self.ask(&message, note_id, timeout_ms);
        async move {
            match answer.await {
                Some(Ok(())) => NoteState::Saved,
                Some(Err(why)) => NoteState::NotSaved(why),
                None => NoteState::Unknown,
            }
        }
    }

    fn next_id(&self, kind: &str) -> String {
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id + 1);
        format!("{kind}-{id}")
    }

    /// Posts `message`, whose answer will echo `id`, and resolves to the answer, or to `None`
    /// after `timeout_ms` without one (the request is then forgotten: a late answer settles
    /// nothing).
    fn ask(
        &self,
        message: &PluginMessage,
        id: String,
        timeout_ms: u32,
    ) -> impl std::future::Future<Output = Option<Result<(), String>>> {
        let (answered, answer) = oneshot::channel();
        self.inner.pending.borrow_mut().push((id.clone(), answered));
        self.post(message);
        let inner = Rc::downgrade(&self.inner);
        async move {
            let answer = match select(answer, TimeoutFuture::new(timeout_ms)).await {
                Either::Left((answer, _)) => answer.ok(),
                Either::Right(_) => None,
            };
            if answer.is_none() {
                if let Some(inner) = inner.upgrade() {
                    inner
                        .pending
                        .borrow_mut()
                        .retain(|(pending, _)| *pending != id);
                }
            }
            answer
        }
    }

    /// Ids of the `tokenRequest`s still waiting for an answer.
    pub fn pending_token_requests(&self) -> Vec<String> {
        self.pending("token-")
    }

    /// `noteId`s of the `logActivity`s still waiting for an answer, oldest first.
    pub fn pending_notes(&self) -> Vec<String> {
        let mut notes = self.pending("note-");
        notes.sort_by_key(|id| id[5..].parse::<u64>().unwrap_or_default());
        notes
    }

    fn pending(&self, kind: &str) -> Vec<String> {
        self.inner
            .pending
            .borrow()
            .iter()
            .filter(|(id, _)| id.starts_with(kind))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Listens to the host until the listener is dropped: every message that passes the
    /// protocol's rules goes to `on_message`, and then a `token` or `tokenError` with an id
    /// settles the [`Bridge::request_token`] it answers (after `on_message` took the token, so
    /// the request resolves with the token in place), an `activityLogged` or `activityError`
    /// the [`Bridge::log_activity`].
    pub fn listen(&self, on_message: impl Fn(HostMessage) + 'static) -> EventListener {
        let bridge = self.clone();
        EventListener::new(&window(), "message", move |event| {
            let Some(message) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|event| bridge.accept(event))
            else {
                return;
            };
            // An answer settles only a request of its own kind.
            let settles = match &message {
                HostMessage::Token(TokenGrant { id: Some(id), .. }) => Some(("token-", id, Ok(()))),
                HostMessage::TokenError(TokenFailure { id: Some(id) }) => {
                    Some(("token-", id, Err(String::new())))
                }
                HostMessage::ActivityLogged(NoteAnswer { id, .. }) => Some(("note-", id, Ok(()))),
                HostMessage::ActivityError(NoteAnswer { id, message }) => {
                    Some(("note-", id, Err(message.clone())))
                }
                _ => None,
            }
            .filter(|(kind, id, _)| id.starts_with(kind))
            .map(|(_, id, answer)| (id.clone(), answer));
            on_message(message);
            if let Some((id, answer)) = settles {
                bridge.answered(&id, answer);
            }
        })
    }

    /// Settles the request the host's answer names. Unknown ids (late or forged answers)
    /// settle nothing.
    fn answered(&self, id: &str, answer: Result<(), String>) {
        let mut pending = self.inner.pending.borrow_mut();
        if let Some(at) = pending.iter().position(|(pending, _)| pending == id) {
            let (_, answered) = pending.swap_remove(at);
            let _ = answered.send(answer);
        }
    }
}
