//! A request tied to the life of the view that asked for it.
//!
//! [`use_fetch`] fetches whenever its dependencies change and holds the answer as a [`Load`];
//! [`use_request`] hands each answer to the view's own reducer instead, with the dependencies it
//! answers. Either way, what is in flight is aborted when the dependencies change or the view
//! unmounts: a slow answer for a record the user already left never lands in the view on screen,
//! and an aborted request is never reported as an error.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture};
use gloo_timers::callback::Timeout;
use web_sys::{AbortController, AbortSignal};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::plugin::api::ApiError;
pub use crate::plugin::fetcher::Fetcher;
use crate::plugin::host::use_host;

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
    /// Runs `call` after `delay_ms` (at once for 0) until `controller` is aborted. Not
    /// generic, so the timer and the task exist once in the wasm.
    fn start(
        controller: AbortController,
        delay_ms: u32,
        call: LocalBoxFuture<'static, ()>,
    ) -> InFlight {
        let run = move || spawn_local(call);
        let delay = if delay_ms == 0 {
            run();
            None
        } else {
            Some(Timeout::new(delay_ms, run))
        };
        InFlight {
            controller,
            _delay: delay,
        }
    }
}

/// Whether the answer came for a call that was aborted: also one that was complete when the
/// view moved on, which is the old view's.
fn aborted(signal: &AbortSignal, error: Option<&ApiError>) -> bool {
    signal.aborted() || error.is_some_and(ApiError::is_aborted)
}

/// Fetches whenever `deps` change, after `delay_ms` (0: at once), and hands each answer to
/// `answered` with the `deps` it answers. `call` makes the call with the [`Fetcher`] it is
/// given, or returns `None` when there is nothing to ask. For views whose reducer takes the
/// answers (a list that grows a page at a time, a pager); [`use_fetch`] keeps one answer itself.
///
/// ```ignore
/// use_request(history.generation, 0, move |fetcher, generation| {
///     Some(fetcher.fetch(api::activities(entity, &crm_id, &query)))
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
        let in_flight = AbortController::new().ok().and_then(|controller| {
            let signal = controller.signal();
            let fetcher = Fetcher::new(session, signal.clone());
            let call = call(fetcher, deps)?;
            let deps = deps.clone();
            let answer = call.map(move |answer| {
                if !aborted(&signal, answer.as_ref().err()) {
                    answered.emit((deps, answer));
                }
            });
            Some(InFlight::start(controller, delay_ms, answer.boxed_local()))
        });
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
/// retry (that needs the dispatcher). Its type is erased, so one reducer serves every
/// [`use_fetch`] in the wasm; [`UseFetch`] knows it.
type Answer = Result<Option<Rc<dyn Any>>, ApiError>;

/// What [`use_fetch`] holds: the answer for the current dependencies, the last answer that came
/// (for these or earlier ones) and the last that was not an error, and how many times it was
/// asked again.
struct FetchState {
    answer: Answer,
    last_answer: Answer,
    latest: Option<Rc<dyn Any>>,
    retries: u32,
}

impl Default for FetchState {
    fn default() -> Self {
        FetchState {
            answer: Ok(None),
            last_answer: Ok(None),
            latest: None,
            retries: 0,
        }
    }
}

enum FetchAction {
    /// The dependencies changed (or a retry began): a call is on its way.
    Started,
    Answered(Result<Rc<dyn Any>, ApiError>),
    /// The user asked again after a failure.
    Retry,
}

impl Reducible for FetchState {
    type Action = FetchAction;

    fn reduce(self: Rc<Self>, action: FetchAction) -> Rc<Self> {
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
                if let Ok(answer) = &answer {
                    next.latest = Some(answer.clone());
                }
                next.answer = answer.map(Some);
                next.last_answer = next.answer.clone();
            }
            FetchAction::Retry => next.retries = self.retries.wrapping_add(1),
        }
        Rc::new(next)
    }
}

/// What [`use_fetch`] gives a view.
pub struct UseFetch<T: 'static> {
    state: UseReducerHandle<FetchState>,
    answer: PhantomData<T>,
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

    fn as_load(&self, answer: &Answer) -> Load<T> {
        match answer {
            Ok(answer) => answer
                .clone()
                .and_then(|answer| answer.downcast().ok())
                .map_or(Load::Loading, Load::Loaded),
            Err(error) => Load::Failed {
                error: error.clone(),
                retry: self.retry(),
            },
        }
    }

    /// The last answer that was not an error, for these dependencies or earlier ones: kept
    /// while the next is on its way and after it failed, for views that keep showing it.
    pub fn latest(&self) -> Option<Rc<T>> {
        self.state.latest.clone()?.downcast().ok()
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
/// let profile = use_fetch((entity, crm_id.clone()), |fetcher, (entity, crm_id)| {
///     fetcher.fetch(api::record(entity, &crm_id, None))
/// });
/// match profile.load() {
///     Load::Loading => skeleton("Loading the profile", 6),
///     Load::Loaded(profile) => html! { <p>{ profile.score }</p> },
///     Load::Failed { error, retry } => error_panel(error.user_message().into(), retry),
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
    let state = use_reducer(FetchState::default);
    let started = state.dispatcher();
    let answered = state.dispatcher();
    use_request(
        (deps, state.retries),
        0,
        move |fetcher, (deps, _)| {
            started.dispatch(FetchAction::Started);
            Some(call(fetcher, deps.clone()))
        },
        Callback::from(move |(_, answer): (_, Result<T, ApiError>)| {
            let answer = answer.map(|answer| Rc::new(answer) as Rc<dyn Any>);
            answered.dispatch(FetchAction::Answered(answer))
        }),
    );
    UseFetch {
        state,
        answer: PhantomData,
    }
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
