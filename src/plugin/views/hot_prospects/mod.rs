//! Hot prospects: the most engaged records of a rep, or of a manager's team (a CRM tab).
//!
//! The top 20 by behaviour score among records with activity in the scoring window, with the
//! score's 7-day change, the last activity and the owner. A manager picks a rep or the whole
//! team. "Why hot" expands a row into the activities behind its score. A name asks the host to
//! open the record. The ranking refreshes when the live feed brings new activity of the owner's
//! records (a burst at most once a second), every 5 minutes while the tab is visible (Page
//! Visibility), and on demand.

mod prospect_row;
mod ranking_table;
mod reasons;
mod refresh;

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::prospects::{what_makes_hot, HotProspectsAction, HotProspectsView};
use crate::plugin::api::{self, ApiError};
use crate::plugin::components::freshness::freshness_stamp;
use crate::plugin::components::owner_picker::owner_picker;
use crate::plugin::components::panels::{
    compact_error, error_panel, message_panel, refresh_button, skeleton,
};
use crate::plugin::hooks::{use_live_feed, use_request, FeedScope};
use crate::plugin::host::{use_after_expiry, use_host};
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::plugin::views::applied;
use crate::protocol::PluginMessage;
use crate::wire::{HotProspect, OwnerSelection};
use ranking_table::{ranking_table, RankingTable};
use refresh::use_refresh_every;
pub use refresh::REFRESH_MS;

/// How long after the live feed's first news of a burst the ranking is asked for again: the
/// burst's other activities make one refresh with it.
const LIVE_REFRESH_DELAY_MS: u32 = 1_000;

/// The view's state, as `use_reducer` holds it.
type View = HotProspectsView<ApiError>;

impl Reducible for View {
    type Action = HotProspectsAction<ApiError>;

    fn reduce(self: Rc<Self>, action: Self::Action) -> Rc<Self> {
        // Every action makes a new state.
        applied(self, action, |state, action| {
            state.apply(action);
            true
        })
    }
}

/// The words for a failure of this view: a rep asking for someone else's prospects is told so,
/// and a manager that the rep they chose is no longer theirs to see.
pub(crate) fn failure_message(error: &ApiError, manager: bool) -> String {
    match error {
        ApiError::Forbidden(_) if manager => {
            "This rep is no longer in your team. Choose someone else.".into()
        }
        ApiError::Forbidden(_) => {
            "Only a manager can see another rep's prospects; you can see your own.".into()
        }
        other => other.user_message(),
    }
}

#[component]
pub fn HotProspects() -> Html {
    let host = use_host();
    let formats = use_formats();
    let now = use_minute_clock();
    let view = use_reducer(View::default);
    let dispatch = {
        let view = view.dispatcher();
        Callback::from(move |action: HotProspectsAction<ApiError>| view.dispatch(action))
    };
    // Who the user is: a manager gets the team picker.
    use_request(
        view.me_asks,
        0,
        |fetcher, _| Some(fetcher.fetch(api::me())),
        dispatch.reform(|(_, me)| HotProspectsAction::Identified(me)),
    );
    let (manager, owner) = (view.manager(), view.owner());

    // The ranking; the rows on screen stay while a refresh runs.
    {
        let asked = dispatch.clone();
        use_request(
            (owner, view.refreshes),
            0,
            move |fetcher, (owner, _)| {
                let owner = (*owner)?;
                asked.emit(HotProspectsAction::Asked(owner));
                Some(fetcher.fetch(api::hot_prospects(owner)))
            },
            {
                let dispatch = dispatch.clone();
                Callback::from(
                    move |((owner, _), answer): ((Option<OwnerSelection>, u32), _)| {
                        if let Some(owner) = owner {
                            dispatch.emit(HotProspectsAction::Ranked(owner, answer));
                        }
                    },
                )
            },
        );
    }
    let ranking = view.ranking(owner);
    let refresh = dispatch.reform(|()| HotProspectsAction::Refresh);
    use_refresh_every(
        match ranking {
            Some(Ok(r)) => Some(r.generated_at),
            _ => None,
        },
        refresh.clone(),
    );
    // The refresh a burst of news asked for, on its way.
    let pending = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let freshness = use_live_feed(owner.map(FeedScope::Owner), {
        let refresh = refresh.clone();
        Callback::from(move |_| {
            // The first news of a burst asks for the ranking a second later, once.
            if pending.borrow().is_none() {
                let (pending_, refresh) = (pending.clone(), refresh.clone());
                *pending.borrow_mut() = Some(gloo_timers::callback::Timeout::new(
                    LIVE_REFRESH_DELAY_MS,
                    move || {
                        pending_.borrow_mut().take();
                        refresh.emit(());
                    },
                ));
            }
        })
    });
    // Back from an expired session: the ranking is asked for again, and who the user is if
    // that failed meanwhile (a manager would otherwise stay on their own prospects).
    use_after_expiry({
        let (dispatch, me_failed) = (dispatch.clone(), matches!(view.me, Some(Err(_))));
        Callback::from(move |()| {
            if me_failed {
                dispatch.emit(HotProspectsAction::AskWhoAgain);
            }
            dispatch.emit(HotProspectsAction::Refresh);
        })
    });
    let on_open = {
        let bridge = host.bridge.clone();
        Callback::from(move |prospect: Rc<HotProspect>| {
            bridge.post(&PluginMessage::OpenRecord {
                entity: prospect.entity,
                id: prospect.crm_id.clone(),
            });
        })
    };

    let picker = match &view.me {
        Some(Ok(me)) if manager => html! {
            { owner_picker("prospects-owner", "My prospects", me, owner, &dispatch.reform(HotProspectsAction::Choose)) }
        },
        Some(Err(error)) => compact_error(
            failure_message(error, false).into(),
            dispatch.reform(|()| HotProspectsAction::AskWhoAgain),
        ),
        _ => html! {},
    };
    let updated = match ranking {
        Some(Ok(r)) => html! {
            <p class="updated prospects-updated">
                { "Updated " }
                <time datetime={r.generated_at.to_rfc3339()} title={formats.date_time(&r.generated_at)}>
                    { formats.relative(&r.generated_at, &now) }
                </time>
            </p>
        },
        _ => html! {},
    };
    let body = match ranking {
        None => skeleton("Ranking your prospects", 6),
        Some(Err(error)) => error_panel(failure_message(error, manager).into(), refresh.clone()),
        Some(Ok(r)) if r.items.is_empty() => message_panel(
            "\u{2605}",
            "No hot prospects yet".into(),
            Some(what_makes_hot(&r.rules).into()),
            html! {},
        ),
        Some(Ok(r)) => ranking_table(RankingTable {
            ranking: r,
            show_owner: owner != Some(OwnerSelection::Me),
            expanded: view.expanded.as_deref(),
            on_open: &on_open,
            on_expand: &dispatch.reform(HotProspectsAction::Expand),
        }),
    };

    html! {
        <section class="prospects" aria-labelledby="prospects-title">
            <header class="prospects-header">
                <h1 id="prospects-title" class="prospects-title">{ "Hot prospects" }</h1>
                { picker }
                <div class="prospects-freshness">
                    { freshness_stamp(&formats, freshness) }
                    { updated }
                    { refresh_button(
                        Some("prospects-refresh"),
                        "Refresh hot prospects",
                        view.refreshing,
                        refresh.clone(),
                    ) }
                </div>
            </header>
            if let (Some(error), Some(Ok(_))) = (&view.refresh_error, ranking) {
                { compact_error(
                    format!("Couldn't refresh the ranking: {} These rows are from before.", failure_message(error, manager)).into(),
                    refresh.clone(),
                ) }
            }
            <div class="prospects-body">{ body }</div>
        </section>
    }
}
