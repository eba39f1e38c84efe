//! A list the API serves a page at a time, fetched for a key by [`use_pages`]: the first page
//! when the key changes (after `delay_ms`, so typing a search asks once), the next one when the
//! view asks for it; a page for an older key or cursor never lands (see
//! [`crate::domain::paging`]). Each page is asked for through [`use_request`], so leaving the
//! key or the view aborts it.

use std::rc::Rc;

use serde::de::DeserializeOwned;
use yew::prelude::*;

use crate::domain::paging::{Keyed, ListPhase, Page, PageAnswer, Pages};
use crate::plugin::api::{ApiError, Endpoint};
use crate::plugin::components::panels::compact_error;
use crate::plugin::hooks::fetch::{use_request, Fetcher};

/// The list, the next page it asked for (its key and cursor), and how many times its first
/// page was asked for again.
struct PagesState<T, X> {
    pages: Pages<T, ApiError, X>,
    more_request: Option<(String, String)>,
    retries: u32,
}

impl<T, X: Default> Default for PagesState<T, X> {
    fn default() -> Self {
        PagesState {
            pages: Pages::default(),
            more_request: None,
            retries: 0,
        }
    }
}

enum PagesAction<T, X> {
    Load(String),
    First(String, PageAnswer<T, ApiError, X>),
    More,
    Next(String, String, PageAnswer<T, ApiError, X>),
    /// The first page again, for the same key (after it failed).
    Retry,
}

impl<T: Keyed + Clone, X: Clone> Reducible for PagesState<T, X> {
    type Action = PagesAction<T, X>;

    fn reduce(self: Rc<Self>, action: PagesAction<T, X>) -> Rc<Self> {
        let mut next = PagesState {
            pages: self.pages.clone(),
            more_request: self.more_request.clone(),
            retries: self.retries,
        };
        match action {
            PagesAction::Load(key) => {
                next.pages.load(&key);
                next.more_request = None;
            }
            PagesAction::First(key, answer) => {
                next.pages.first_page(&key, answer);
            }
            PagesAction::More => {
                if let Some(cursor) = next.pages.more() {
                    next.more_request = Some((next.pages.key.clone(), cursor));
                }
            }
            PagesAction::Next(key, after, answer) => {
                if next.pages.next_page(&key, &after, answer) {
                    next.more_request = None;
                }
            }
            PagesAction::Retry => next.retries = next.retries.wrapping_add(1),
        }
        Rc::new(next)
    }
}

/// What [`use_pages`] gives a view.
pub struct UsePages<T: Keyed + Clone + 'static, X: Clone + 'static = ()> {
    state: UseReducerHandle<PagesState<T, X>>,
}

impl<T: Keyed + Clone + 'static, X: Clone + 'static> UsePages<T, X> {
    pub fn pages(&self) -> &Pages<T, ApiError, X> {
        &self.state.pages
    }

    /// Asks for the next page (when the list nears its end, or to retry a failed one).
    pub fn more(&self) -> Callback<()> {
        let dispatcher = self.state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(PagesAction::More))
    }

    /// Asks for the first page again, for the same key (the retry of a failed one).
    pub fn retry(&self) -> Callback<()> {
        let dispatcher = self.state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(PagesAction::Retry))
    }
}

/// How long a first page waits after the search text changed: none for no search (the whole
/// list, at once), else a pause in typing, so typing a word asks once.
pub fn typing_pause(search: &str) -> u32 {
    if search.trim().is_empty() {
        0
    } else {
        200
    }
}

/// The pages of the list `endpoint` serves (called with a page's cursor, `None` for the
/// first; it gives no endpoint when there is nothing to list), for `key`: fetched again from the
/// first page when `key` or `generation` changes, or on [`UsePages::retry`].
#[hook]
pub fn use_pages<P, F>(
    key: String,
    generation: u32,
    delay_ms: u32,
    endpoint: F,
) -> UsePages<P::Item, P::Extra>
where
    P: Page + DeserializeOwned + 'static,
    P::Item: 'static,
    P::Extra: 'static,
    F: Fn(Option<&str>) -> Option<Endpoint<P>> + 'static,
{
    let state = use_reducer(PagesState::<P::Item, P::Extra>::default);
    let endpoint = Rc::new(endpoint);
    let first_page = {
        let (endpoint, dispatch) = (endpoint.clone(), state.dispatcher());
        move |fetcher: Fetcher, (key, ..): &(String, u32, u32)| {
            dispatch.dispatch(PagesAction::Load(key.clone()));
            Some(fetcher.fetch(endpoint(None)?))
        }
    };
    let dispatch = state.dispatcher();
    use_request(
        (key, generation, state.retries),
        delay_ms,
        first_page,
        Callback::from(
            move |((key, ..), answer): ((String, u32, u32), Result<P, _>)| {
                dispatch.dispatch(PagesAction::First(key, answer.map(Page::into_parts)))
            },
        ),
    );
    let next_page = move |fetcher: Fetcher, request: &Option<(String, String)>| {
        Some(fetcher.fetch(endpoint(Some(&request.as_ref()?.1))?))
    };
    let dispatch = state.dispatcher();
    use_request(
        state.more_request.clone(),
        0,
        next_page,
        Callback::from(
            move |(request, answer): (Option<(String, String)>, Result<P, _>)| {
                if let Some((key, cursor)) = request {
                    dispatch.dispatch(PagesAction::Next(key, cursor, answer.map(Page::into_parts)));
                }
            },
        ),
    );
    UsePages { state }
}

/// Under a list that comes a page at a time: the next page on its way, or why it did not come
/// with a retry.
pub fn more_footer(
    phase: &ListPhase<ApiError>,
    loading: &'static str,
    on_more: Callback<()>,
) -> Html {
    match phase {
        ListPhase::LoadingMore => html! {
            <p class="list-footer" role="status">{ loading }</p>
        },
        ListPhase::FailedMore(error) => compact_error(error.user_message().into(), on_more),
        _ => html! {},
    }
}
