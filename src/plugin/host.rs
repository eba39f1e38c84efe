//! The host as the views see it: [`BridgeProvider`] wires the bridge (`postMessage`) to the
//! session (the token) and keeps the host's last context; components reach all three through
//! [`use_host`].
//!
//! The bridge and the session do not know each other: the session asks for a token through the
//! callback it is made with, and the token the host sends goes from the bridge's listener to the
//! session here, still a [`crate::protocol::Secret`].

use std::rc::Rc;

use futures::FutureExt;
use gloo_timers::callback::Timeout;
use yew::prelude::*;

#[cfg(feature = "views-record")]
use crate::domain::activity_filters::Filters;
use crate::domain::session::TOKEN_ANSWER_TIMEOUT_MS;
#[cfg(feature = "views-record")]
use crate::plugin::api;
use crate::plugin::bridge::Bridge;
#[cfg(feature = "views-record")]
use crate::plugin::browser::clock;
use crate::plugin::browser::mark;
#[cfg(feature = "views-record")]
use crate::plugin::first_page::FirstPage;
use crate::plugin::session::Session;
#[cfg(feature = "views-record")]
use crate::protocol::View;
use crate::protocol::{Context, HostMessage, PluginMessage, TokenFailure, TokenGrant};

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
    /// The API refused the host: the token's CRM connection does not serve this page. Nothing
    /// more is asked of the API.
    pub host_refused: bool,
    /// Says `ready` again, so the host sends its context again.
    pub ask_context: Callback<()>,
    /// The first page of the context's record's history, asked for as the context arrived. The
    /// same for the provider's life (what it holds changes, not the handle).
    #[cfg(feature = "views-record")]
    pub first_page: FirstPage,
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        self.bridge == other.bridge
            && self.session == other.session
            && self.context == other.context
            && self.expired == other.expired
            && self.context_failed == other.context_failed
            && self.host_refused == other.host_refused
            && self.ask_context == other.ask_context
        // `first_page` is not compared: a provider makes one and keeps it.
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

/// Listens to the host through a [`Bridge`], says `ready`, and provides [`Host`] to its
/// children.
#[component]
pub fn BridgeProvider(props: &BridgeProviderProps) -> Html {
    let context = use_state(|| None::<Rc<Context>>);
    let expired = use_state(|| false);
    let context_failed = use_state(|| false);
    let host_refused = use_state(|| false);
    // Runs out when the host took too long to send the context it owes.
    let context_wait = use_mut_ref(|| None::<Timeout>);
    #[cfg(feature = "views-record")]
    let first_page = use_state(FirstPage::default);
    let bridge = use_memo(props.host.clone(), |host| Bridge::new(host.as_str()));
    let session = {
        let (expired, refused) = (expired.setter(), host_refused.setter());
        use_memo(
            (bridge.clone(), props.token_answer_timeout_ms),
            move |(bridge, timeout)| {
                let (token_bridge, timeout) = ((**bridge).clone(), *timeout);
                Session::new(
                    bridge.host(),
                    Rc::new(move || token_bridge.request_token(timeout).boxed_local()),
                    Callback::from(move |()| expired.set(true)),
                    Callback::from(move |()| refused.set(true)),
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
        #[cfg(feature = "views-record")]
        let first_page = (*first_page).clone();
        let (failed, wait, ask_context) = (
            context_failed.setter(),
            context_wait.clone(),
            (*ask_context).clone(),
        );
        use_effect_with((bridge.clone(), session.clone()), move |_| {
            let listener = bridge.listen(move |message| match message {
                HostMessage::Context(mut next) => {
                    session.set_token(std::mem::take(&mut next.token), next.expires_at);
                    // Before anything renders: the history's first page is what the rep waits
                    // for (its view takes the answer; see `FirstPage`). Only the sidebar's
                    // bundle has the history.
                    #[cfg(feature = "views-record")]
                    if let (View::Activity, Some(record)) = (next.view, &next.record) {
                        let query = Filters::default().query(clock::now());
                        let endpoint = api::activities(record.entity, &record.id, &query);
                        first_page.ask(session.clone(), endpoint);
                    }
                    // A token that arrives late ends an expired session.
                    expired.set(false);
                    wait.borrow_mut().take();
                    failed.set(false);
                    mark("sidebar:context");
                    context.set(Some(Rc::new(*next)));
                }
                HostMessage::Token(TokenGrant {
                    token, expires_at, ..
                }) => {
                    session.set_token(token, expires_at);
                    expired.set(false);
                }
                // The bridge settles the request it answers.
                HostMessage::TokenError(TokenFailure { id: Some(_) }) => {}
                HostMessage::TokenError(TokenFailure { id: None }) => {
                    wait.borrow_mut().take();
                    failed.set(true);
                }
                // The bridge settles the note they answer.
                HostMessage::ActivityLogged(_) | HostMessage::ActivityError(_) => {}
            });
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
        host_refused: *host_refused,
        ask_context: (*ask_context).clone(),
        #[cfg(feature = "views-record")]
        first_page: (*first_page).clone(),
    };
    html! {
        <ContextProvider<Host> context={host}>
            { props.children.clone() }
        </ContextProvider<Host>>
    }
}
