//! Hot prospects: the most engaged records of a rep, or of a manager's team (a CRM tab).
//!
//! The top 20 by behaviour score among records with activity in the scoring window, with the
//! score's 7-day change, the last activity and the owner. A manager picks a rep or the whole
//! team. "Why hot" expands a row into the activities behind its score. A name asks the host to
//! open the record. The ranking refreshes every 5 minutes while the tab is visible (Page
//! Visibility) and on demand.

mod prospect_row;
mod reasons;

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use web_sys::{AbortController, HtmlSelectElement, VisibilityState};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::{use_after_expiry, use_host};
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, RefreshButton, Skeleton};
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::plugin::state::Generation;
use crate::plugin::{clock, window};
use crate::protocol::PluginMessage;
use crate::wire::{HotProspect, HotProspects as Ranking, Me, OwnerSelection, Role, ScoringRules};

/// How often a visible tab refreshes the ranking.
pub const REFRESH_MS: u32 = 5 * 60 * 1000;

#[derive(Clone)]
pub(crate) enum Load<T> {
    Loading,
    Loaded(T),
    Failed(ApiError),
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
    let me = use_state(|| Load::<Rc<Me>>::Loading);
    let me_generation = use_reducer(Generation::default);
    // What the user picked; until then a manager sees the whole team and a rep their own.
    let chosen = use_state_eq(|| None::<OwnerSelection>);
    let ranking = use_state(|| Load::<Rc<Ranking>>::Loading);
    // Whose ranking (or failure to rank) is on screen, and why the last refresh of it failed: a
    // failed refresh keeps the rows (and the 5-minute timer) and says so above them.
    let ranked_for = use_mut_ref(|| None::<OwnerSelection>);
    let refresh_error = use_state(|| None::<ApiError>);
    // Bumped by Refresh, by the 5-minute timer and on retry.
    let generation = use_reducer(Generation::default);
    let refreshing = use_state_eq(|| false);
    let expanded = use_state(|| None::<String>);

    let manager = matches!(&*me, Load::Loaded(me) if me.user.role == Role::Manager);
    let owner = match (*chosen, &*me) {
        (Some(chosen), _) => Some(chosen),
        (None, Load::Loaded(me)) if me.user.role == Role::Manager => Some(OwnerSelection::Team),
        (None, Load::Loaded(_) | Load::Failed(_)) => Some(OwnerSelection::Me),
        // Not known yet whose prospects to rank.
        (None, Load::Loading) => None,
    };

    // Who the user is: a manager gets the team picker.
    {
        let (me, session) = (me.clone(), host.session.clone());
        use_effect_with(me_generation.0, move |_| {
            let controller = AbortController::new().ok();
            if let Some(signal) = controller.as_ref().map(AbortController::signal) {
                spawn_local(async move {
                    match session.fetch(&api::me(), &signal).await {
                        Err(error) if error.is_aborted() => {}
                        Ok(loaded) => me.set(Load::Loaded(Rc::new(loaded))),
                        Err(error) => me.set(Load::Failed(error)),
                    }
                });
            }
            move || controller.iter().for_each(AbortController::abort)
        });
    }

    // The ranking; the rows on screen stay while a refresh runs.
    {
        let (ranking, refreshing, session) =
            (ranking.clone(), refreshing.clone(), host.session.clone());
        let (ranked_for, refresh_error) = (ranked_for.clone(), refresh_error.clone());
        use_effect_with((owner, generation.0), move |(owner, _)| {
            let controller = owner.and_then(|_| AbortController::new().ok());
            if let (Some(owner), Some(signal)) =
                (*owner, controller.as_ref().map(AbortController::signal))
            {
                let endpoint = api::hot_prospects(owner);
                refreshing.set(true);
                // Rows of another owner never stand in for this one's, even for a moment.
                if *ranked_for.borrow() != Some(owner) {
                    ranking.set(Load::Loading);
                    refresh_error.set(None);
                }
                let shown =
                    matches!(*ranking, Load::Loaded(_)) && *ranked_for.borrow() == Some(owner);
                spawn_local(async move {
                    match session.fetch(&endpoint, &signal).await {
                        Err(error) if error.is_aborted() => return,
                        Ok(loaded) => {
                            *ranked_for.borrow_mut() = Some(owner);
                            refresh_error.set(None);
                            ranking.set(Load::Loaded(Rc::new(loaded)));
                        }
                        Err(error) if shown => {
                            refresh_error.set(Some(error));
                        }
                        Err(error) => {
                            // The failure on screen is this owner's (not shown for another).
                            *ranked_for.borrow_mut() = Some(owner);
                            refresh_error.set(None);
                            ranking.set(Load::Failed(error));
                        }
                    }
                    refreshing.set(false);
                });
            }
            move || controller.iter().for_each(AbortController::abort)
        });
    }

    // Every 5 minutes while the tab is visible; at once when it comes back after longer.
    {
        let generation = generation.dispatcher();
        let generated_at = match &*ranking {
            Load::Loaded(r) => Some(r.generated_at),
            _ => None,
        };
        use_effect_with(generated_at, move |generated_at| {
            let visible = || {
                window()
                    .document()
                    .map(|d| d.visibility_state() == VisibilityState::Visible)
                    .unwrap_or(true)
            };
            // Measured on this browser's clock from when the ranking landed (this effect runs
            // right after it renders), so a server clock ahead of ours cannot skip a refresh.
            let loaded_at = generated_at.map(|_| clock::now());
            let stale = move || {
                loaded_at.is_some_and(|at| {
                    // A second's slack: a timer may fire a hair early.
                    (clock::now() - at).num_milliseconds() >= i64::from(REFRESH_MS) - 1000
                })
            };
            let tick = {
                let generation = generation.clone();
                Interval::new(REFRESH_MS, move || {
                    if visible() && stale() {
                        generation.dispatch(());
                    }
                })
            };
            let shown = window().document().map(|document| {
                EventListener::new(&document, "visibilitychange", move |_| {
                    if visible() && stale() {
                        generation.dispatch(());
                    }
                })
            });
            move || drop((tick, shown))
        });
    }

    let refresh = {
        let generation = generation.dispatcher();
        Callback::from(move |()| generation.dispatch(()))
    };
    // Back from an expired session: the ranking is asked for again, and who the user is if
    // that failed meanwhile (a manager would otherwise stay on their own prospects).
    use_after_expiry({
        let (refresh, me_generation) = (refresh.clone(), me_generation.dispatcher());
        let me_failed = matches!(*me, Load::Failed(_));
        Callback::from(move |()| {
            if me_failed {
                me_generation.dispatch(());
            }
            refresh.emit(());
        })
    });
    let on_owner = {
        let (chosen, expanded) = (chosen.clone(), expanded.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(selected) = OwnerSelection::parse(&value) {
                expanded.set(None);
                chosen.set(Some(selected));
            }
        })
    };
    let on_open = {
        let bridge = host.bridge.clone();
        Callback::from(move |prospect: Rc<HotProspect>| {
            bridge.post(&PluginMessage::OpenRecord {
                entity: prospect.entity,
                id: prospect.crm_id.clone(),
            });
        })
    };
    let on_expand = {
        let expanded = expanded.clone();
        Callback::from(move |key: String| {
            let next = (expanded.as_deref() != Some(key.as_str())).then_some(key);
            expanded.set(next);
        })
    };

    let picker = match &*me {
        Load::Loaded(me) if me.user.role == Role::Manager => html! {
            <label class="prospects-owner">
                <span>{ "Show" }</span>
                <select id="prospects-owner" onchange={on_owner}>
                    <option value="team" selected={owner == Some(OwnerSelection::Team)}>{ "Whole team" }</option>
                    <option value="me" selected={owner == Some(OwnerSelection::Me)}>{ "My prospects" }</option>
                    { for me.team.iter().map(|rep| html! {
                        <option value={rep.id.to_string()} selected={owner == Some(OwnerSelection::User(rep.id))}>
                            { rep.name.clone() }
                        </option>
                    }) }
                </select>
            </label>
        },
        Load::Failed(error) => html! {
            <ErrorPanel compact=true message={failure_message(error, false)}
                on_retry={{ let g = me_generation.dispatcher(); Callback::from(move |()| g.dispatch(())) }} />
        },
        _ => html! {},
    };

    let updated = match &*ranking {
        Load::Loaded(r) => html! {
            <p class="updated prospects-updated">
                { "Updated " }
                <time datetime={r.generated_at.to_rfc3339()} title={formats.date_time(&r.generated_at)}>
                    { formats.relative(&r.generated_at, &now) }
                </time>
            </p>
        },
        _ => html! {},
    };

    let body = match &*ranking {
        Load::Loading => html! { <Skeleton label="Ranking your prospects" rows={6} /> },
        Load::Failed(error) => html! {
            <ErrorPanel message={failure_message(error, manager)} on_retry={refresh.clone()} />
        },
        Load::Loaded(r) if r.items.is_empty() => html! {
            <MessagePanel glyph="\u{2605}" title="No hot prospects yet" detail={what_makes_hot(&r.rules)} />
        },
        Load::Loaded(r) => {
            let show_owner = owner != Some(OwnerSelection::Me);
            html! {
                <table class="prospects-table">
                    <caption class="visually-hidden">{ "Hot prospects, most engaged first" }</caption>
                    <thead>
                        <tr>
                            <th scope="col" class="col-rank">{ "#" }</th>
                            <th scope="col">{ "Name" }</th>
                            // Not the lead score of a record's header: points the scoring
                            // rules give the last days' activity. (A soft hyphen lets the
                            // word break in a 320 px frame.)
                            <th scope="col" class="col-score">{ "Engage\u{AD}ment" }</th>
                            <th scope="col" class="col-last">{ "Last activity" }</th>
                            if show_owner {
                                <th scope="col" class="col-owner">{ "Owner" }</th>
                            }
                            <th scope="col" class="col-why"><span class="visually-hidden">{ "Why hot" }</span></th>
                        </tr>
                    </thead>
                    { for r.items.iter().enumerate().map(|(i, p)| {
                        let key = format!("{}/{}", p.entity, p.crm_id);
                        let is_expanded = expanded.as_deref() == Some(key.as_str());
                        let toggle = on_expand.reform({
                            let key = key.clone();
                            move |()| key.clone()
                        });
                        html! {
                            <ProspectRow
                                key={key.clone()}
                                rank={i + 1}
                                prospect={Rc::new(p.clone())}
                                {show_owner}
                                expanded={is_expanded}
                                on_open={on_open.clone()}
                                on_expand={toggle}
                            />
                        }
                    }) }
                </table>
            }
        }
    };

    html! {
        <section class="prospects" aria-labelledby="prospects-title">
            <header class="prospects-header">
                <h1 id="prospects-title" class="prospects-title">{ "Hot prospects" }</h1>
                { picker }
                <div class="prospects-freshness">
                    { updated }
                    <RefreshButton
                        id="prospects-refresh"
                        label="Refresh hot prospects"
                        busy={*refreshing}
                        on_refresh={refresh.clone()}
                    />
                </div>
            </header>
            if let (Some(error), Load::Loaded(_)) = (&*refresh_error, &*ranking) {
                <ErrorPanel compact=true
                    message={format!("Couldn't refresh the ranking: {} These rows are from before.", failure_message(error, manager))}
                    on_retry={refresh.clone()} />
            }
            <div class="prospects-body">{ body }</div>
        </section>
    }
}

/// The empty state's explanation, from the platform's own rules.
fn what_makes_hot(rules: &ScoringRules) -> String {
    let points: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| r.points > 0)
        .map(|r| format!("{} +{}", r.rule.label().to_ascii_lowercase(), r.points))
        .collect();
    format!(
        "A prospect is hot when they engage with marketing: {}. Points halve every {} days and only the last {} days count. None of these records has engaged recently.",
        points.join(", "),
        rules.half_life_days,
        rules.window_days
    )
}

use prospect_row::ProspectRow;
