//! Hot prospects: the most engaged records of a rep, or of a manager's team (a CRM tab).
//!
//! The top 20 by behaviour score among records with activity in the scoring window, with the
//! score's 7-day change, the last activity and the owner. A manager picks a rep or the whole
//! team. "Why hot" expands a row into the activities behind its score. A name asks the host to
//! open the record. The ranking refreshes every 5 minutes while the tab is visible (Page
//! Visibility) and on demand.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use web_sys::{AbortController, HtmlSelectElement, VisibilityState};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::labels::display_name;
use crate::domain::prospects::score_change_note;
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::{use_after_expiry, use_host};
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, RefreshButton, Skeleton};
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::plugin::state::Generation;
use crate::plugin::{clock, window};
use crate::protocol::PluginMessage;
use crate::wire::{
    HotProspect, HotProspects as Ranking, Me, OwnerSelection, Role, ScoreReasons, ScoringRules,
    Trend,
};

/// How often a visible tab refreshes the ranking.
pub const REFRESH_MS: u32 = 5 * 60 * 1000;

#[derive(Clone)]
enum Load<T> {
    Loading,
    Loaded(T),
    Failed(ApiError),
}

/// The words for a failure of this view: a rep asking for someone else's prospects is told so,
/// and a manager that the rep they chose is no longer theirs to see.
fn failure_message(error: &ApiError, manager: bool) -> String {
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

fn trend_glyph(trend: Trend) -> (&'static str, &'static str) {
    match trend {
        Trend::Up => ("\u{2191}", "up"),
        Trend::Down => ("\u{2193}", "down"),
        Trend::Flat => ("\u{2192}", "unchanged"),
    }
}

#[derive(Properties, PartialEq)]
struct ProspectRowProps {
    rank: usize,
    prospect: Rc<HotProspect>,
    show_owner: bool,
    expanded: bool,
    on_open: Callback<Rc<HotProspect>>,
    on_expand: Callback<()>,
}

#[component]
fn ProspectRow(props: &ProspectRowProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let p = &props.prospect;
    let name = display_name(
        p.first_name.as_deref(),
        p.last_name.as_deref(),
        p.email.as_deref(),
        &p.crm_id,
    );
    let (arrow, words) = trend_glyph(p.trend);
    // The arrow gives the direction: "↓ 68", not "↓ -68"; no change is just that.
    let said = match p.trend {
        Trend::Flat => format!("{words} in 7 days"),
        _ => format!("{words} {} in 7 days", p.score_change.unsigned_abs()),
    };
    let last = &p.last_activity;
    let reasons_id = format!("reasons-{}-{}", p.entity, p.crm_id);
    let columns = if props.show_owner { 6 } else { 5 };
    html! {
        <tbody class={classes!("prospect", props.expanded.then_some("is-expanded"))}
            data-crm-id={p.crm_id.clone()}>
            <tr>
                <td class="col-rank">{ props.rank }</td>
                <td class="col-name">
                    <button
                        type="button"
                        class="link-button prospect-name"
                        title={format!("Open {name} in the CRM")}
                        onclick={props.on_open.reform({ let p = p.clone(); move |_| p.clone() })}
                    >
                        { name.clone() }
                    </button>
                    <span class="prospect-meta">
                        { [p.company.clone().unwrap_or_default(), p.entity.to_string()]
                            .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" \u{00B7} ") }
                        // Where the Owner column gives way (narrow frames), the owner is named here.
                        if props.show_owner {
                            <span class="prospect-owner-inline">
                                { format!(" \u{00B7} {}", p.owner.name) }
                            </span>
                        }
                    </span>
                </td>
                <td class="col-score">
                    <strong class="prospect-score">{ formats.number(p.score) }</strong>
                    <span class={classes!("prospect-trend", format!("trend-{}", p.trend.as_str()))}
                        title={said.clone()}>
                        <span aria-hidden="true">
                            { format!("{arrow} {}", p.score_change.unsigned_abs()) }
                        </span>
                        <span class="visually-hidden">{ said }</span>
                    </span>
                </td>
                <td class="col-last">
                    <span class="prospect-last-kind">{ last.kind.label() }</span>
                    <time datetime={last.occurred_at.to_rfc3339()} title={formats.date_time(&last.occurred_at)}>
                        { formats.relative(&last.occurred_at, &now) }
                    </time>
                </td>
                if props.show_owner {
                    <td class="col-owner">{ p.owner.name.clone() }</td>
                }
                <td class="col-why">
                    <button
                        type="button"
                        class="button prospect-why"
                        aria-expanded={props.expanded.to_string()}
                        aria-controls={reasons_id.clone()}
                        aria-label={format!("Why {name} is hot")}
                        onclick={props.on_expand.reform(|_| ())}
                    >
                        { "Why" }
                    </button>
                </td>
            </tr>
            if props.expanded {
                <tr class="prospect-reasons-row">
                    <td colspan={columns.to_string()} id={reasons_id}>
                        <Reasons prospect={p.clone()} />
                    </td>
                </tr>
            }
        </tbody>
    }
}

#[derive(Properties, PartialEq)]
struct ReasonsProps {
    prospect: Rc<HotProspect>,
}

/// The activities behind a score, with the points each earns now.
#[component]
fn Reasons(props: &ReasonsProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let reasons = use_state(|| Load::<Rc<ScoreReasons>>::Loading);
    let generation = use_state(|| 0u32);
    {
        let (reasons, session) = (reasons.clone(), host.session.clone());
        let (entity, crm_id) = (props.prospect.entity, props.prospect.crm_id.clone());
        // Asked again on retry, and when a refreshed ranking changed the score they explain.
        let score = (props.prospect.score, props.prospect.score_change);
        use_effect_with((*generation, score), move |_| {
            reasons.set(Load::Loading);
            let controller = AbortController::new().ok();
            if let Some(signal) = controller.as_ref().map(AbortController::signal) {
                spawn_local(async move {
                    match session
                        .fetch(&api::score_reasons(entity, &crm_id), &signal)
                        .await
                    {
                        Err(error) if error.is_aborted() => {}
                        Ok(loaded) => reasons.set(Load::Loaded(Rc::new(loaded))),
                        Err(error) => reasons.set(Load::Failed(error)),
                    }
                });
            }
            move || controller.iter().for_each(AbortController::abort)
        });
    }
    match &*reasons {
        Load::Loading => html! { <Skeleton label="Loading the reasons" rows={2} /> },
        Load::Failed(error) => html! {
            <ErrorPanel compact=true message={failure_message(error, false)}
                on_retry={{ let g = generation.clone(); Callback::from(move |()| g.set(*g + 1)) }} />
        },
        Load::Loaded(r) => html! {
            <div class="reasons">
                <p class="reasons-totals">
                    { r.totals.iter().map(|t| format!(
                        "{} × {}: {}{}",
                        formats.count(u64::from(t.activities)),
                        t.rule.label(),
                        if t.points > 0 { "+" } else { "" },
                        formats.number(t.points)
                    ))
                        .collect::<Vec<_>>().join(" \u{00B7} ") }
                </p>
                if let Some(lost) = score_change_note(r) {
                    <p class="reasons-change">{ lost }</p>
                }
                <ul class="reasons-list" aria-label="Activities behind the score">
                    { for r.reasons.iter().map(|reason| html! {
                        <li class="reason" key={reason.activity.id}>
                            <span class="reason-points">{ format!("{:+}", reason.points) }</span>
                            <span class="reason-kind">{ reason.rule.label() }</span>
                            if let Some(subject) = &reason.activity.subject {
                                <span class="reason-subject">{ subject.clone() }</span>
                            }
                            <time datetime={reason.activity.occurred_at.to_rfc3339()}>
                                { formats.date_time(&reason.activity.occurred_at) }
                            </time>
                            if reason.points != reason.base_points {
                                <span class="reason-decay">
                                    { format!("{:+} halved with age", reason.base_points) }
                                </span>
                            }
                        </li>
                    }) }
                </ul>
                if r.reasons_total as usize > r.reasons.len() {
                    <p class="reasons-more">
                        { format!(
                            "The latest {} of {} activities; the totals above count them all.",
                            r.reasons.len(),
                            formats.count(u64::from(r.reasons_total))
                        ) }
                    </p>
                }
            </div>
        },
    }
}
