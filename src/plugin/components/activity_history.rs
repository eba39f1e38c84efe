//! The Activity tab: the record's marketing history, filtered, newest first, page by page.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::{AbortController, AbortSignal};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::activity_filters::{ActivityQuery, DateRange, Filters};
use crate::domain::activity_history::{entries_from_page, Phase};
use crate::plugin::api;
use crate::plugin::browser::clock;
use crate::plugin::components::activity_list::ActivityList;
use crate::plugin::components::filter_bar::FilterBar;
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, Skeleton};
use crate::plugin::host::use_host;
use crate::plugin::intl::{use_formats, Formats};
use crate::plugin::session::Session;
use crate::plugin::views::activity::history::{Action, History};
use crate::wire::{ActivityKind, Entity};

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
}

/// The request of the current listing: starting another aborts it, so a late page never lands
/// in a listing the user has left.
#[derive(Default)]
struct InFlight(RefCell<Option<AbortController>>);

impl InFlight {
    fn start(&self) -> Option<AbortSignal> {
        self.abort();
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        *self.0.borrow_mut() = Some(controller);
        Some(signal)
    }

    fn abort(&self) {
        if let Some(controller) = self.0.borrow_mut().take() {
            controller.abort();
        }
    }
}

#[component]
pub fn ActivityHistory(props: &ActivityHistoryProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let history = use_reducer(|| History::with_filters(props.filters.clone()));
    let in_flight = use_memo((), |_| InFlight::default());
    // The first page's query of the current listing; later pages continue it at their cursor.
    let listing = use_mut_ref(|| None::<ActivityQuery>);

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

    // The first page of each listing. Its cleanup aborts whatever the listing still has in
    // flight, on a filter change as on unmount.
    {
        let fetcher = Fetcher {
            session: host.session.clone(),
            formats: formats.clone(),
            history: history.dispatcher(),
            generation: history.generation,
        };
        let query = history.filters.query(clock::now());
        let (entity, crm_id) = (props.entity, props.crm_id.clone());
        let (in_flight, listing) = (in_flight.clone(), listing.clone());
        use_effect_with(history.generation, move |_| {
            *listing.borrow_mut() = Some(query.clone());
            if let Some(signal) = in_flight.start() {
                spawn_local(fetcher.fetch(api::activities(entity, &crm_id, &query), signal));
            }
            move || in_flight.abort()
        });
    }

    let load_more = {
        let history = history.clone();
        let (session, formats) = (host.session.clone(), formats.clone());
        let (entity, crm_id) = (props.entity, props.crm_id.clone());
        let (in_flight, listing) = (in_flight.clone(), listing.clone());
        Callback::from(move |()| {
            // The handle reads the latest state, so two calls in one frame ask once.
            if !history.can_load_more() {
                return;
            }
            let (Some(cursor), Some(query)) =
                (history.next_cursor.clone(), listing.borrow().clone())
            else {
                return;
            };
            let fetcher = Fetcher {
                session: session.clone(),
                formats: formats.clone(),
                history: history.dispatcher(),
                generation: history.generation,
            };
            history.dispatch(Action::LoadMore);
            if let Some(signal) = in_flight.start() {
                let endpoint = api::activities(entity, &crm_id, &query.at_cursor(&cursor));
                spawn_local(fetcher.fetch(endpoint, signal));
            }
        })
    };

    let dispatch = {
        let history = history.dispatcher();
        Callback::from(move |action: Action| history.dispatch(action))
    };
    let clear_filters = dispatch.reform(|()| Action::ClearFilters);

    let body = match &history.phase {
        Phase::Loading => html! { <Skeleton label="Loading activity" /> },
        Phase::Failed(error) if error.is_not_known() => html! {
            <MessagePanel
                glyph="\u{2709}"
                title={format!("{} is not yet known to marketing", props.name)}
            />
        },
        Phase::Failed(error) => html! {
            <ErrorPanel
                message={error.user_message()}
                on_retry={dispatch.reform(|()| Action::Reload)}
            />
        },
        _ if history.is_empty() && history.filters.is_active() => html! {
            <MessagePanel glyph="\u{2205}" title="No activity matches these filters">
                <button type="button" class="button" onclick={clear_filters.reform(|_| ())}>
                    { "Clear filters" }
                </button>
            </MessagePanel>
        },
        _ if history.is_empty() => html! {
            <MessagePanel
                glyph="\u{2709}"
                title="No marketing activity yet"
                detail="Emails, page visits and form fills show here as they happen."
            />
        },
        _ => html! {
            <ActivityList
                history={(*history).clone()}
                on_toggle={dispatch.reform(Action::ToggleExpanded)}
                on_measure={dispatch.reform(|(id, height)| Action::Measured { id, height })}
                on_load_more={load_more}
            />
        },
    };

    // What a listing found, for screen readers: the list itself is redrawn, this stays.
    let heard = match &history.phase {
        Phase::Idle | Phase::LoadingMore | Phase::FailedMore(_) => {
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
        Phase::Loading | Phase::Failed(_) => String::new(),
    };

    html! {
        <div class="history">
            <p class="visually-hidden" role="status">{ heard }</p>
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
            <div class="history-body">{ body }</div>
        </div>
    }
}

/// Fetches one page of one listing and hands it to the reducer, tagged with the listing's
/// generation.
struct Fetcher {
    session: Session,
    formats: Rc<Formats>,
    history: UseReducerDispatcher<History>,
    generation: u64,
}

impl Fetcher {
    async fn fetch(self, endpoint: api::Endpoint<crate::wire::ActivityPage>, signal: AbortSignal) {
        let Fetcher {
            session,
            formats,
            history,
            generation,
        } = self;
        match session.fetch(&endpoint, &signal).await {
            // The listing was left: nothing to show, nothing to report.
            Err(error) if error.is_aborted() => {}
            Ok(page) => {
                let entries = entries_from_page(page.items, |at| formats.local_date(at));
                history.dispatch(Action::PageLoaded {
                    generation,
                    entries,
                    next_cursor: page.next_cursor,
                    kind_counts: page.kind_counts,
                });
            }
            Err(error) => history.dispatch(Action::PageFailed { generation, error }),
        }
    }
}
