//! The Activity tab: the record's marketing history, filtered, newest first, page by page.
//!
//! - [`history`]: the view's reducer (the state and its actions are
//!   [`crate::domain::activity_history`]'s, decided and tested without a browser).
//! - [`filter_bar`]: the [`kind_chips`], the search and the period.
//! - [`list`]: the virtualized list of the history's [`row`]s.

pub mod filter_bar;
pub mod history;
pub mod kind_chips;
pub mod list;
pub mod row;

use std::collections::BTreeMap;
use std::rc::Rc;

use futures::FutureExt;
use yew::prelude::*;

use crate::domain::activity_filters::{ActivityQuery, DateRange, Filters};
use crate::domain::activity_history::{entries_from_page, Entry, FIRST_GENERATION};
use crate::domain::paging::ListPhase;
use crate::plugin::api::{self, ApiError};
use crate::plugin::browser::{clock, mark_once};
use crate::plugin::components::panels::{error_panel, message_panel, skeleton};
use crate::plugin::hooks::{use_request, Fetcher};
use crate::plugin::host::use_host;
use crate::plugin::intl::{use_formats, Formats};
use crate::wire::{Activity, ActivityKind, ActivityPage, Entity};
use filter_bar::FilterBar;
use history::{Action, History};
use list::ActivityList;

#[derive(Properties, PartialEq)]
pub struct ActivityHistoryProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    /// The person's name, for messages.
    pub name: AttrValue,
    /// Activities per kind over the whole history (from the profile): which kinds get a chip.
    #[prop_or_default]
    pub counts: Option<Rc<BTreeMap<ActivityKind, u64>>>,
    /// Changing it starts the history over with the same filters (the refresh button).
    #[prop_or_default]
    pub reload: u32,
    /// The filters the history starts with; later changes of this prop are not followed.
    #[prop_or_default]
    pub filters: Filters,
    /// Told the filters whenever they change, so the record view can hand them back when the
    /// rep returns to this tab.
    #[prop_or_default]
    pub on_filters: Callback<Filters>,
    /// The person's new activities from the live feed, oldest first; the history lists the
    /// ones that come after it mounted (its first page has the earlier ones).
    #[prop_or_default]
    pub arrived: Rc<Vec<Rc<Activity>>>,
}

#[component]
pub fn ActivityHistory(props: &ActivityHistoryProps) -> Html {
    let formats = use_formats();
    let history = use_reducer(|| History::with_filters(props.filters.clone()));

    {
        let on_filters = props.on_filters.clone();
        use_effect_with(history.filters.clone(), move |filters| {
            on_filters.emit(filters.clone())
        });
    }

    // The refresh button: a new listing with the same filters (the first one starts by itself).
    {
        let history = history.dispatcher();
        let seen = use_mut_ref(|| props.reload);
        use_effect_with(props.reload, move |reload| {
            if *seen.borrow() != *reload {
                *seen.borrow_mut() = *reload;
                history.dispatch(Action::Reload);
            }
        });
    }

    use_history_pages(&history, props.entity, props.crm_id.clone());

    {
        let history = history.dispatcher();
        let formats = formats.clone();
        let seen = use_mut_ref(|| props.arrived.len());
        use_effect_with(props.arrived.clone(), move |arrived| {
            let from = seen.replace(arrived.len()).min(arrived.len());
            for activity in &arrived[from..] {
                let day = formats.local_date(&activity.occurred_at);
                history.dispatch(Action::Arrived {
                    entry: Entry::new(Activity::clone(activity), day),
                    now: clock::now(),
                });
            }
        });
    }

    let dispatch = {
        let history = history.dispatcher();
        Callback::from(move |action: Action| history.dispatch(action))
    };
    let clear_filters = dispatch.reform(|()| Action::ClearFilters);
    html! {
        <div class="history">
            <p class="visually-hidden" role="status">{ heard(&history, &formats) }</p>
            <FilterBar
                filters={history.filters.clone()}
                counts={props.counts.clone()}
                matching={history.kind_counts.clone()}
                clears={history.clears}
                on_toggle_kind={dispatch.reform(Action::ToggleKind)}
                on_text={dispatch.reform(Action::SetText)}
                on_range={dispatch.reform(|range: DateRange| Action::SetRange(range))}
                on_clear={clear_filters}
            />
            <div class="history-body">{ body(&history, &props.name, &dispatch) }</div>
        </div>
    }
}

/// Asks for the page the history waits for: the first page of each listing (each generation),
/// and the next one when the list asks for it. A page comes tagged with its
/// listing's generation, so one for a listing the user left is dropped; leaving a listing or the
/// view aborts what it asked for.
#[hook]
fn use_history_pages(history: &UseReducerHandle<History>, entity: Entity, crm_id: AttrValue) {
    let formats = use_formats();
    let first_page = use_host().first_page;
    // The first page's query of the current listing; later pages continue it at their cursor.
    let listing = use_mut_ref(|| None::<ActivityQuery>);
    let answered = {
        let history = history.dispatcher();
        Callback::from(
            move |(generation, answer): (u64, Result<ActivityPage, ApiError>)| {
                if answer.is_ok() && generation == FIRST_GENERATION {
                    // The first page is read and decoded: the benchmark's "decoded" phase.
                    mark_once("sidebar:first-page");
                }
                history.dispatch(match answer {
                    Ok(page) => Action::PageLoaded {
                        generation,
                        entries: entries_from_page(page.items, |at| formats.local_date(at)),
                        next_cursor: page.next_cursor,
                        kind_counts: page.kind_counts,
                    },
                    Err(error) => Action::PageFailed { generation, error },
                })
            },
        )
    };
    let query = history.filters.query(clock::now());
    let page = move |fetcher: Fetcher, (generation, asking): &(u64, Option<Option<String>>)| {
        let query = match asking.as_ref()? {
            None => listing.borrow_mut().insert(query).clone(),
            Some(cursor) => listing.borrow().as_ref()?.at_cursor(cursor),
        };
        let endpoint = api::activities(entity, &crm_id, &query);
        // The history as it opens: its first page may be on its way already.
        let asked = (*generation == FIRST_GENERATION && matches!(asking, Some(None)))
            .then(|| first_page.take(&fetcher, &endpoint))
            .flatten();
        Some(match asked {
            Some(answer) => answer.boxed_local(),
            None => fetcher.fetch(endpoint).boxed_local(),
        })
    };
    use_request(
        (history.generation, history.asking()),
        0,
        page,
        answered.reform(|((generation, _), answer)| (generation, answer)),
    );
}

/// Under the filters: where the listing is, or its rows.
fn body(history: &History, name: &AttrValue, dispatch: &Callback<Action>) -> Html {
    match &history.phase {
        ListPhase::Loading => skeleton("Loading activity", 6),
        ListPhase::Failed(error) if error.is_not_known() => message_panel(
            "\u{2709}",
            format!("{name} is not yet known to marketing").into(),
            None,
            html! {},
        ),
        ListPhase::Failed(error) => error_panel(
            error.user_message().into(),
            dispatch.reform(|()| Action::Reload),
        ),
        _ if history.is_empty() && history.filters.is_active() => message_panel(
            "\u{2205}",
            "No activity matches these filters".into(),
            None,
            html! {
                <button
                    type="button"
                    class="button"
                    onclick={dispatch.reform(|_| Action::ClearFilters)}
                >
                    { "Clear filters" }
                </button>
            },
        ),
        _ if history.is_empty() => message_panel(
            "\u{2709}",
            "No marketing activity yet".into(),
            Some("Emails, page visits and form fills show here as they happen.".into()),
            html! {},
        ),
        _ => html! {
            <ActivityList
                history={history.clone()}
                on_toggle={dispatch.reform(Action::ToggleExpanded)}
                on_measure={dispatch.reform(|(id, height)| Action::Measured { id, height })}
                on_load_more={dispatch.reform(|()| Action::LoadMore)}
                on_scrolled_down={dispatch.reform(Action::ScrolledDown)}
                on_show_arrived={dispatch.reform(|()| Action::ShowArrived)}
            />
        },
    }
}

/// What a listing found, for screen readers: the list itself is redrawn, this stays.
fn heard(history: &History, formats: &Formats) -> String {
    match &history.phase {
        ListPhase::Idle | ListPhase::LoadingMore | ListPhase::FailedMore(_) => {
            let shown = history.entries().len();
            match (shown, history.filters.is_active()) {
                (0, true) => "No activity matches these filters".to_owned(),
                (0, false) => "No marketing activity yet".to_owned(),
                // Not a count: it would be said again with every page scrolling loads.
                _ if history.next_cursor.is_some() => {
                    "The newest activities are listed; older ones load as you scroll".to_owned()
                }
                (1, _) => "1 activity listed".to_owned(),
                (n, _) => format!("{} activities listed", formats.count(n as u64)),
            }
        }
        ListPhase::Loading | ListPhase::Failed(_) => String::new(),
    }
}
