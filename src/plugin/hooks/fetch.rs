//! A request tied to the life of the view that asked for it.
//!
//! [`use_fetch`] fetches whenever its dependencies change and holds the answer as a [`Load`];
//! [`use_request`] hands each answer to the view's own reducer instead, with the dependencies it
//! answers. Either way, what is in flight is aborted when the dependencies change or the view
//! unmounts: a slow answer for a record the user already left never lands in the view on screen,
//! and an aborted request is never reported as an error.

use std::future::Future;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use web_sys::{AbortController, AbortSignal};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::plugin::api::{ApiError, Endpoint};
use crate::plugin::host::use_host;
use crate::plugin::session::Session;

/// What a call of [`use_fetch`] or [`use_request`] fetches with: the session, and the signal
/// that aborts every request of the call at once.
#[derive(Clone)]
pub struct Fetcher {
    session: Session,
    signal: AbortSignal,
}

impl Fetcher {
    /// Sends `endpoint` (renewing the token once if it expired).
    pub async fn fetch<T: DeserializeOwned>(&self, endpoint: &Endpoint<T>) -> Result<T, ApiError> {
        self.session.fetch(endpoint, &self.signal).await
    }
}

/// A call on its way, or waiting out its delay. Dropping it aborts the call.
struct InFlight {
    controller: AbortController,
    _delay: Option<Timeout>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

impl InFlight {
    /// Runs the call `call` makes (none if it makes none) after `delay_ms` (at once for 0), and
    /// hands its answer to `answered` unless the call was aborted meanwhile.
    fn start<T, Fut>(
        session: Session,
        delay_ms: u32,
        call: impl FnOnce(Fetcher) -> Option<Fut>,
        answered: impl FnOnce(Result<T, ApiError>) + 'static,
    ) -> Option<InFlight>
    where
        T: 'static,
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        let call = call(Fetcher {
            session,
            signal: signal.clone(),
        })?;
        let run = move || {
            spawn_local(async move {
                let answer = call.await;
                // Also an answer that was complete when the view moved on: it is the old view's.
                let aborted = signal.aborted() || matches!(&answer, Err(e) if e.is_aborted());
                if !aborted {
                    answered(answer);
                }
            })
        };
        let delay = if delay_ms == 0 {
            run();
            None
        } else {
            Some(Timeout::new(delay_ms, run))
        };
        Some(InFlight {
            controller,
            _delay: delay,
        })
    }
}

/// Fetches whenever `deps` change, after `delay_ms` (0: at once), and hands each answer to
/// `answered` with the `deps` it answers. `call` makes the call with the [`Fetcher`] it is
/// given, or returns `None` when there is nothing to ask. For views whose reducer takes the
/// answers (a list that grows a page at a time, a pager); [`use_fetch`] keeps one answer itself.
///
/// ```ignore
/// use_request(history.generation, 0, move |fetcher, generation| {
///     let endpoint = api::activities(entity, &crm_id, &query);
///     Some(async move { fetcher.fetch(&endpoint).await })
/// }, history.dispatcher().reform(|(generation, answer)| Action::Answered { generation, answer }));
/// ```
#[hook]
pub fn use_request<D, T, F, Fut>(
    deps: D,
    delay_ms: u32,
    call: F,
    answered: Callback<(D, Result<T, ApiError>)>,
) where
    D: PartialEq + Clone + 'static,
    T: 'static,
    F: FnOnce(Fetcher, &D) -> Option<Fut> + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let session = use_host().session;
    use_effect_with(deps, move |deps| {
        let answers = deps.clone();
        let in_flight = InFlight::start(
            session,
            delay_ms,
            |fetcher| call(fetcher, deps),
            move |answer| answered.emit((answers, answer)),
        );
        move || drop(in_flight)
    });
}

/// One answer on its way, come, or failed.
pub enum Load<T> {
    /// On its way: the first time, for new dependencies, or again after a failure.
    Loading,
    Loaded(Rc<T>),
    /// It did not come; `retry` asks again for the same dependencies.
    Failed {
        error: ApiError,
        retry: Callback<()>,
    },
}

impl<T> Load<T> {
    /// The answer, once it came.
    pub fn loaded(&self) -> Option<&Rc<T>> {
        match self {
            Load::Loaded(answer) => Some(answer),
            Load::Loading | Load::Failed { .. } => None,
        }
    }
}

/// An answer as [`use_fetch`] keeps it: `Ok(None)` while none came, else [`Load`] without its
/// retry (that needs the dispatcher).
type Answer<T> = Result<Option<Rc<T>>, ApiError>;

/// What [`use_fetch`] holds: the answer for the current dependencies, the last answer that came
/// (for these or earlier ones) and the last that was not an error, and how many times it was
/// asked again.
struct FetchState<T> {
    answer: Answer<T>,
    last_answer: Answer<T>,
    latest: Option<Rc<T>>,
    retries: u32,
}

impl<T> Default for FetchState<T> {
    fn default() -> Self {
        FetchState {
            answer: Ok(None),
            last_answer: Ok(None),
            latest: None,
            retries: 0,
        }
    }
}

enum FetchAction<T> {
    /// The dependencies changed (or a retry began): a call is on its way.
    Started,
    Answered(Result<T, ApiError>),
    /// The user asked again after a failure.
    Retry,
}

impl<T> Reducible for FetchState<T> {
    type Action = FetchAction<T>;

    fn reduce(self: Rc<Self>, action: FetchAction<T>) -> Rc<Self> {
        let mut next = FetchState {
            answer: self.answer.clone(),
            last_answer: self.last_answer.clone(),
            latest: self.latest.clone(),
            retries: self.retries,
        };
        match action {
            FetchAction::Started if matches!(self.answer, Ok(None)) => return self,
            FetchAction::Started => next.answer = Ok(None),
            FetchAction::Answered(answer) => {
                next.answer = answer.map(|answer| Some(Rc::new(answer)));
                if let Ok(Some(answer)) = &next.answer {
                    next.latest = Some(answer.clone());
                }
                next.last_answer = next.answer.clone();
            }
            FetchAction::Retry => next.retries = self.retries.wrapping_add(1),
        }
        Rc::new(next)
    }
}

/// What [`use_fetch`] gives a view.
pub struct UseFetch<T: 'static> {
    state: UseReducerHandle<FetchState<T>>,
}

impl<T: 'static> UseFetch<T> {
    /// Where the answer for the current dependencies is.
    pub fn load(&self) -> Load<T> {
        self.as_load(&self.state.answer)
    }

    /// The last answer that came, loaded or failed, for these dependencies or earlier ones:
    /// kept while the next is on its way, for views that keep what is on screen while they
    /// reload. [`Load::Loading`] only until the first answer.
    pub fn last_answer(&self) -> Load<T> {
        self.as_load(&self.state.last_answer)
    }

    fn as_load(&self, answer: &Answer<T>) -> Load<T> {
        match answer {
            Ok(None) => Load::Loading,
            Ok(Some(answer)) => Load::Loaded(answer.clone()),
            Err(error) => Load::Failed {
                error: error.clone(),
                retry: self.retry(),
            },
        }
    }

    /// The last answer that was not an error, for these dependencies or earlier ones: kept
    /// while the next is on its way and after it failed, for views that keep showing it.
    pub fn latest(&self) -> Option<Rc<T>> {
        self.state.latest.clone()
    }

    /// Asks again, for the same dependencies.
    pub fn retry(&self) -> Callback<()> {
        let dispatcher = self.state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(FetchAction::Retry))
    }
}

/// Calls `call` whenever `deps` change (and on [`UseFetch::retry`]), and holds its answer.
///
/// `call` gets a [`Fetcher`] and the dependencies, and may send several requests (one after the
/// other, say): they are all aborted together when the dependencies change or the view
/// unmounts. While a call is on its way the load is [`Load::Loading`];
/// [`UseFetch::last_answer`] and [`UseFetch::latest`] still have the previous answer.
///
/// ```ignore
/// let profile = use_fetch((entity, crm_id.clone()), |fetcher, (entity, crm_id)| async move {
///     fetcher.fetch(&api::record(entity, &crm_id, None)).await
/// });
/// match profile.load() {
///     Load::Loading => html! { <Skeleton label="Loading the profile" /> },
///     Load::Loaded(profile) => html! { <p>{ profile.score }</p> },
///     Load::Failed { error, retry } => html! {
///         <ErrorPanel message={error.user_message()} on_retry={retry} />
///     },
/// }
/// ```
#[hook]
pub fn use_fetch<D, T, F, Fut>(deps: D, call: F) -> UseFetch<T>
where
    D: PartialEq + Clone + 'static,
    T: 'static,
    F: FnOnce(Fetcher, D) -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let state = use_reducer(FetchState::<T>::default);
    let started = state.dispatcher();
    let answered = state.dispatcher();
    use_request(
        (deps, state.retries),
        0,
        move |fetcher, (deps, _)| {
            started.dispatch(FetchAction::Started);
            Some(call(fetcher, deps.clone()))
        },
        Callback::from(move |(_, answer)| answered.dispatch(FetchAction::Answered(answer))),
    );
    UseFetch { state }
}

/// A reload count, for the dependencies of a fetch that something outside them asks to repeat
/// (a timer, a listener): `dispatch(())` always adds one to the latest value, where
/// `use_state`'s `set(*n + 1)` from a long-lived closure would keep setting the value it
/// captured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generation(pub u32);

impl Reducible for Generation {
    type Action = ();

    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Generation(self.0.wrapping_add(1)))
    }
}
