//! Program enrolment: put a record, or a list-view selection, into automation programs.
//!
//! One record: its current enrolments, then every program the CRM may show (paused ones greyed
//! out with the reason), a search, checkboxes and Enrol. A selection skips the enrolments. Each
//! chosen program gets one request with all the records; its outcome shows beside it, with a
//! retry for what failed. No program at all opens a help dialog instead of an empty list.

mod enrolment_rows;
mod help_dialog;
mod program_item;

use std::cell::Cell;
use std::rc::Rc;

use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::labels::{count_of_records, has_email, person_name, program_email_warning};
use crate::domain::paging::ListPhase;
use crate::domain::programs::{
    enrol_request, unavailable_reason, CurrentPrograms, Run, RunState, Runs, Selection, Start,
};
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{
    title_tag, ErrorPanel, MessagePanel, SearchField, Skeleton,
};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::hooks::{more_footer, typing_pause, use_pages};
use crate::plugin::{focus_after_render, random_key, window};
use crate::protocol::CrmRecord;
use crate::wire::{EnrolOutcome, EnrolResponse, Program, RecordProfile};
use enrolment_rows::EnrolmentRows;
use help_dialog::HelpDialog;
use program_item::{program_item, result_class, ProgramItemProps};

#[derive(Properties, PartialEq)]
pub struct ProgramsProps {
    /// The record of a record page, or the list view's selection (at most 200).
    pub records: Rc<Vec<CrmRecord>>,
    /// Marketing's profile of a single record, once loaded.
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
    /// Offered as "Done" once an enrolment finished, where the host opened the view for one
    /// action (a list-view selection): it asks the host to close it.
    #[prop_or_default]
    pub on_done: Option<Callback<()>>,
    /// Whether the view is on screen (a record page keeps it mounted behind other tabs): the
    /// help dialog waits until it is, so it never takes focus from behind another tab.
    #[prop_or(true)]
    pub shown: bool,
    /// Told once a batch of enrolments enrolled someone: the record page then reloads the
    /// profile (a person marketing did not know is known now) and the history.
    #[prop_or_default]
    pub on_changed: Option<Callback<()>>,
}

/// The height assumed for a program's row before it is measured: name and one line of text.
const PROGRAM_ROW_ESTIMATE: u32 = 58;

pub(crate) const HELP_TEXT: &str =
    "Can't find your program? Your marketing admin must enable it for CRM enrolment.";

/// Everything the view changes, in one reducer so late answers always land on the latest state.
#[derive(Clone, Default, PartialEq)]
struct View {
    selection: Selection,
    /// The search as typed.
    query: String,
    runs: Runs,
    help_open: bool,
    /// Bumped to fetch the programs again (retry).
    programs_generation: u32,
    /// Bumped to fetch the enrolments again (retry, after enrolling).
    enrolments_generation: u32,
    /// The programs of the last Enrol or Retry, whose outcome the hint sums up once it is over.
    last_batch: Vec<i64>,
}

enum Action {
    Toggle(Program),
    Search(String),
    /// Programs were listed (again): a tick on one paused meanwhile goes.
    Listed(Rc<Vec<Program>>),
    /// Requests went out: for these programs (with their keys and records), by Enrol or by a
    /// Retry.
    Start(Vec<(i64, String, String, Vec<CrmRecord>)>, Start),
    /// A program's answer, or why there is none (and whether its outcome is unknown).
    Finish(i64, Result<EnrolResponse, (String, bool)>),
    Abandon(i64),
    /// The last request of a batch came back.
    BatchDone,
    ShowHelp(bool),
    ReloadPrograms,
    ReloadEnrolments,
}

impl Reducible for View {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Toggle(program) => next.selection.toggle(&program),
            Action::Search(query) => next.query = query,
            Action::Listed(programs) => next.selection.retain_available(&programs),
            Action::Start(programs, kind) => {
                next.last_batch = programs.iter().map(|(id, ..)| *id).collect();
                for (id, name, key, sent) in &programs {
                    next.runs.start(*id, name, kind, (key, sent));
                }
                // The ticks were for this Enrol; a retry leaves the user's other ticks alone.
                if kind == Start::Enrol {
                    next.selection.clear();
                }
            }
            Action::Finish(id, answer) => next.runs.finish(id, answer),
            Action::Abandon(id) => next.runs.abandon(id),
            Action::BatchDone => next.enrolments_generation += 1,
            Action::ShowHelp(open) => next.help_open = open,
            Action::ReloadPrograms => next.programs_generation += 1,
            Action::ReloadEnrolments => next.enrolments_generation += 1,
        }
        Rc::new(next)
    }
}

/// What one Enrol click (or a retry) sends: per program, its records and the key of the request
/// it repeats (a lost answer's), if any; and which of the two.
type Batch = (Vec<(i64, String, Vec<CrmRecord>, Option<String>)>, Start);

#[component]
pub fn Programs(props: &ProgramsProps) -> Html {
    let host = use_host();
    let view = use_reducer(View::default);
    // "Why?", where focus returns when the help dialog closes.
    let why_ref = use_node_ref();
    // The tab's scrolling element, which clips the list of programs.
    let scroller = use_node_ref();
    // Requests of the batch in flight: a second click while it is non-zero does nothing.
    let pending = use_memo((), |_| Cell::new(0usize));
    // Aborts the enrolment requests when the view goes away.
    let posts = use_memo((), |_| AbortController::new().ok());
    {
        let posts = posts.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(controller) = posts.as_ref() {
                    controller.abort();
                }
            }
        });
    }
    let single = (props.records.len() == 1).then(|| props.records[0].clone());

    let record = single
        .as_ref()
        .map(|r| (r.entity, r.id.clone(), r.email.clone()));
    let record_key = record
        .as_ref()
        .map(|(entity, id, email)| format!("{entity}/{id}/{}", email.as_deref().unwrap_or("")));
    let query = view.query.trim().to_owned();

    // The programs for the search (after a pause in typing), a page at a time, each with the
    // record's status in it; again on retry.
    let programs = {
        let (record, query) = (record.clone(), query.clone());
        use_pages(
            format!("{}\n{query}", record_key.as_deref().unwrap_or("")),
            view.programs_generation,
            typing_pause(&query),
            move |cursor| {
                let record = record
                    .as_ref()
                    .map(|(entity, id, email)| (*entity, id.as_str(), email.as_deref()));
                Some(api::programs(&query, record, cursor))
            },
        )
    };
    // The record's enrolments (one record only), again on retry and after enrolling.
    let enrolments = {
        let record = record.clone();
        use_pages(
            record_key.clone().unwrap_or_default(),
            view.enrolments_generation,
            0,
            move |cursor| {
                let (entity, id, email) = record.as_ref()?;
                Some(api::enrolments((*entity, id, email.as_deref()), cursor))
            },
        )
    };
    let (list, current_list) = (programs.pages(), enrolments.pages());
    {
        let dispatch = view.dispatcher();
        use_effect_with(list.items.clone(), move |items| {
            dispatch.dispatch(Action::Listed(items.clone()))
        });
    }
    // No program at all: the list answering the empty search is empty (the key ends with the
    // search: empty, it ends with the newline before it). Not an empty answer to an earlier
    // search while the unfiltered list is asked for again.
    let none_at_all = list.is_empty_list() && list.key.ends_with('\n');
    // The help dialog opens by itself.
    {
        let dispatch = view.dispatcher();
        use_effect_with(none_at_all, move |none| {
            dispatch.dispatch(Action::ShowHelp(*none))
        });
    }

    let submit = {
        let (view, session, pending, posts) = (
            view.dispatcher(),
            host.session.clone(),
            pending.clone(),
            posts.clone(),
        );
        let on_changed = props.on_changed.clone();
        let stale = host.context_failed;
        Callback::from(move |(batch, kind): Batch| {
            // The CRM could not tell the sidebar what the user looks at now: enrol nobody.
            if stale {
                return;
            }
            let Some(signal) = posts.as_ref().as_ref().map(|c| c.signal()) else {
                return;
            };
            if pending.get() > 0
                || batch.is_empty()
                || batch.iter().any(|(_, _, r, _)| r.is_empty())
            {
                return;
            }
            pending.set(batch.len());
            let enrolled = Rc::new(Cell::new(false));
            // A new request gets a new key; the retry of a lost answer repeats its key.
            let batch: Vec<_> = batch
                .into_iter()
                .map(|(id, name, records, key)| {
                    let key = key.unwrap_or_else(|| format!("enrol-{}", random_key()));
                    (id, name, records, key)
                })
                .collect();
            view.dispatch(Action::Start(
                batch
                    .iter()
                    .map(|(id, name, records, key)| {
                        (*id, name.clone(), key.clone(), records.clone())
                    })
                    .collect(),
                kind,
            ));
            for (id, _, records, key) in batch {
                let (view, session, pending, signal) = (
                    view.clone(),
                    session.clone(),
                    pending.clone(),
                    signal.clone(),
                );
                let (enrolled, on_changed) = (enrolled.clone(), on_changed.clone());
                spawn_local(async move {
                    let endpoint =
                        api::enrol(id, &enrol_request(&records)).with_idempotency_key(&key);
                    let mut answer = session.fetch(&endpoint, &signal).await;
                    if matches!(&answer, Err(error) if error.outcome_unknown()) {
                        // The answer was lost: the same request under its key once more reads
                        // what it did (enrolled, added to All contacts) rather than "already".
                        answer = session.fetch(&endpoint, &signal).await;
                    }
                    match answer {
                        Err(error) if error.is_aborted() => view.dispatch(Action::Abandon(id)),
                        answer => {
                            // Paused, no longer enabled or gone since the list was loaded: the
                            // reloaded list shows why, and a retry is not offered.
                            let program_changed =
                                matches!(
                                    &answer,
                                    Err(ApiError::Invalid { field: Some(field), .. })
                                        if field == "programId"
                                ) || matches!(&answer, Err(ApiError::NotFound(_)));
                            if matches!(&answer, Ok(response) if response.count(EnrolOutcome::Enrolled) > 0)
                            {
                                enrolled.set(true);
                            }
                            view.dispatch(Action::Finish(
                                id,
                                answer.map_err(|error| {
                                    (error.user_message(), error.outcome_unknown())
                                }),
                            ));
                            if program_changed {
                                view.dispatch(Action::ReloadPrograms);
                            }
                        }
                    }
                    pending.set(pending.get().saturating_sub(1));
                    if pending.get() == 0 {
                        view.dispatch(Action::BatchDone);
                        outcome_takes_lost_focus();
                        if let (true, Some(on_changed)) = (enrolled.get(), &on_changed) {
                            on_changed.emit(());
                        }
                    }
                });
            }
        })
    };

    let busy = view.runs.busy();
    let count = props.records.len();
    let dispatch = {
        let view = view.dispatcher();
        Callback::from(move |action: Action| view.dispatch(action))
    };

    let current = match &single {
        None => html! {},
        Some(record) => {
            let body = match &current_list.phase {
                ListPhase::Failed(error) if error.is_not_known() => html! {
                    <p class="enrolments-empty">
                        { format!(
                            "{} is not in marketing yet; enrolling adds them to the All contacts list first.",
                            crate::domain::programs::record_name(record)
                        ) }
                    </p>
                },
                ListPhase::Failed(error) => html! {
                    <ErrorPanel
                        compact=true
                        message={error.user_message()}
                        on_retry={dispatch.reform(|()| Action::ReloadEnrolments)}
                    />
                },
                _ if current_list.is_first_load() => {
                    html! { <Skeleton label="Loading current programs" rows={2} /> }
                }
                _ if current_list.is_empty_list() => {
                    html! { <p class="enrolments-empty">{ "Not in any program yet." }</p> }
                }
                phase => html! {
                    <>
                        <EnrolmentRows
                            items={current_list.items.clone()}
                            more={current_list.next_cursor.is_some()}
                            hold={phase.holds()}
                            on_more={enrolments.more()}
                            viewport={scroller.clone()}
                        />
                        { more_footer(phase, "Loading more of the current programs\u{2026}", enrolments.more()) }
                    </>
                },
            };
            html! {
                <section class="enrolments" aria-labelledby="enrolments-title">
                    <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
                    { body }
                </section>
            }
        }
    };

    let available = if none_at_all {
        html! {
            <>
                <MessagePanel glyph="\u{2205}" title="No programs available" detail={HELP_TEXT}>
                    <button
                        ref={why_ref.clone()}
                        id="programs-why"
                        type="button"
                        class="button"
                        onclick={dispatch.reform(|_| Action::ShowHelp(true))}
                    >
                        { "Why?" }
                    </button>
                </MessagePanel>
                if view.help_open && props.shown {
                    <HelpDialog
                        on_close={dispatch.reform(|()| Action::ShowHelp(false))}
                        return_to={why_ref.clone()}
                    />
                }
            </>
        }
    } else if !list.answered && list.is_first_load() && view.query.trim().is_empty() {
        html! { <Skeleton label="Loading programs" rows={4} /> }
    } else {
        // One record's current programs cannot be chosen again: those the programs list says
        // it is in, and those its enrolments list (reloaded after enrolling) names.
        let current = CurrentPrograms::of(&current_list.items);
        let chosen = view.selection.chosen(&current);
        let enrol = {
            let (submit, records) = (submit.clone(), props.records.clone());
            let batch: Vec<_> = chosen
                .iter()
                .map(|p| (p.id, p.name.clone(), (*records).clone(), None))
                .collect();
            Callback::from(move |_: MouseEvent| submit.emit((batch.clone(), Start::Enrol)))
        };
        let label = if busy {
            "Enrolling…".to_owned()
        } else {
            match chosen.len() {
                0 => "Enrol".to_owned(),
                1 => "Enrol in 1 program".to_owned(),
                n => format!("Enrol in {n} programs"),
            }
        };
        // What the last Enrol did, program by program, until the next tick.
        let outcome = (!busy)
            .then(|| {
                view.last_batch
                    .iter()
                    .filter_map(|id| view.runs.get(*id))
                    .map(|run| {
                        format!("{}: {}", run.program_name, run.summary(props.records.len()))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|outcome| !outcome.is_empty());
        let hint = if host.context_failed {
            "The CRM couldn't update the sidebar: reopen it to enrol.".to_owned()
        } else if let (true, Some(outcome)) = (chosen.is_empty(), outcome) {
            outcome
        } else if chosen.is_empty() {
            "Select one or more active programs.".to_owned()
        } else {
            // Ticks stay while a search shows other programs: say which.
            let names: Vec<&str> = chosen.iter().map(|p| p.name.as_str()).collect();
            format!("Selected: {}", names.join(", "))
        };
        let notices = view.runs.added_notices(&props.records);
        // The Retry of a program's run: the records it did not enrol, again.
        let retry_for = {
            let (submit, records) = (submit.clone(), props.records.clone());
            Rc::new(move |id: i64, run: Option<&Run>| {
                let (submit, records) = (submit.clone(), records.clone());
                let run = run.cloned();
                Callback::from(move |_: MouseEvent| {
                    if let Some(run) = &run {
                        let (again, key) = run.retry(&records);
                        submit.emit((
                            vec![(id, run.program_name.clone(), again, key)],
                            Start::Retry,
                        ));
                    }
                })
            })
        };
        let elsewhere: Vec<(i64, &Run)> = view
            .runs
            .iter()
            .filter(|(id, _)| !list.items.iter().any(|p| p.id == *id))
            .collect();
        let rows = match &list.phase {
            ListPhase::Failed(error) => html! {
                <ErrorPanel
                    message={error.user_message()}
                    on_retry={dispatch.reform(|()| Action::ReloadPrograms)}
                />
            },
            ListPhase::Loading if list.items.is_empty() => {
                html! { <Skeleton label="Loading programs" rows={4} /> }
            }
            _ if list.items.is_empty() => html! {
                <p class="programs-none">
                    { format!("No program matches \u{201c}{query}\u{201d}.") }
                </p>
            },
            phase => {
                let items = list.items.clone();
                let keys = Rc::new(items.iter().map(|p| p.id).collect::<Vec<_>>());
                let render = {
                    let (view, retry_for) = (view.clone(), retry_for.clone());
                    let (dispatch, current) = (dispatch.clone(), current.clone());
                    Callback::from(move |at: usize| {
                        let Some(program) = items.get(at) else {
                            return html! {};
                        };
                        let run = view.runs.get(program.id);
                        let retry = retry_for(program.id, run);
                        html! {
                            { program_item(&ProgramItemProps {
                                program: program.clone(),
                                checked: view.selection.contains(program.id),
                                unavailable: unavailable_reason(program, &current).map(AttrValue::from),
                                on_toggle: dispatch.reform(Action::Toggle),
                                result: run.map(|r| (r.state(), AttrValue::from(r.summary(count)))),
                                retry_anyway: run.is_some_and(|r| r.outcome_unknown),
                                busy,
                                on_retry: retry,
                            }) }
                        }
                    })
                };
                html! {
                    <>
                        <VirtualRows
                            {keys}
                            estimate={PROGRAM_ROW_ESTIMATE}
                            {render}
                            more={list.next_cursor.is_some()}
                            on_near_end={programs.more()}
                            hold={phase.holds()}
                            class={classes!("program-list", matches!(phase, ListPhase::Loading).then_some("is-stale"))}
                            label="Programs"
                            row_class="program-row"
                            viewport={scroller.clone()}
                        />
                        { more_footer(phase, "Loading more programs\u{2026}", programs.more()) }
                    </>
                }
            }
        };
        html! {
            <>
                <SearchField
                    id="programs-search"
                    label="Search programs"
                    class="programs-search"
                    value={view.query.clone()}
                    on_input={dispatch.reform(Action::Search)}
                />
                <fieldset class="program-fieldset" aria-busy={matches!(list.phase, ListPhase::Loading).to_string()}>
                    <legend class="visually-hidden">{ "Programs to enrol in" }</legend>
                    { rows }
                </fieldset>
                if !elsewhere.is_empty() {
                    // Enrolled from another search: their outcomes, which no row shows now.
                    <ul class="programs-elsewhere" aria-label="Programs enrolled from another search">
                        { for elsewhere.into_iter().map(|(id, run)| {
                            let state = run.state();
                            html! {
                                <li class="program-elsewhere" key={id} data-program-id={id.to_string()}>
                                    <span class="program-name">{ run.program_name.clone() }</span>
                                    <div class="program-outcome">
                                        <p class={classes!("program-result", result_class(state))} aria-live="polite">
                                            { run.summary(count) }
                                        </p>
                                        if state == RunState::Failed {
                                            <button
                                                type="button"
                                                class="button program-retry"
                                                disabled={busy}
                                                aria-label={format!("Retry enrolling in {}", run.program_name)}
                                                onclick={retry_for(id, Some(run))}
                                            >
                                                { "Retry" }
                                            </button>
                                        }
                                    </div>
                                </li>
                            }
                        }) }
                    </ul>
                }
                if !notices.is_empty() {
                    <div class="programs-notices" role="status">
                        { for notices.into_iter().map(|n| html! { <p class="programs-notice">{ n }</p> }) }
                    </div>
                }
                <div class="programs-actions">
                    <button
                        id="programs-enrol"
                        type="button"
                        class="button button-primary"
                        disabled={busy || chosen.is_empty() || host.context_failed}
                        aria-busy={busy.to_string()}
                        aria-describedby="programs-hint"
                        onclick={enrol}
                    >
                        { label }
                    </button>
                    // Focused when an Enrol is over (its button went busy, then had nothing
                    // to enrol): the outcome is what the user reads next.
                    <p id="programs-hint" class="programs-hint" tabindex="-1">{ hint }</p>
                    if let Some(on_done) = props.on_done.as_ref().filter(|_| !view.runs.is_empty() && !busy) {
                        <button id="programs-done" type="button" class="button" onclick={on_done.reform(|_| ())}>
                            { "Done" }
                        </button>
                    }
                </div>
            </>
        }
    };

    // A person marketing may not email can still be enrolled; say what that means first.
    let email_warning = match (props.profile.as_deref(), props.records.as_slice()) {
        (Some(profile), [record]) => program_email_warning(
            profile.subscription_status,
            has_email(record, Some(profile)),
            &person_name(record, Some(profile)),
        ),
        _ => None,
    };
    html! {
        <div class="programs" ref={scroller}>
            { current }
            <section class="programs-available" aria-labelledby="programs-title">
                <@{title_tag(props.on_done.is_some())} id="programs-title" class="programs-heading">
                    { if count > 1 {
                        format!("Enrol {}", count_of_records(props.records.iter().map(|r| r.entity)))
                    } else {
                        "Enrol in a program".to_owned()
                    } }
                </@>
                if let Some(warning) = &email_warning {
                    <p class="programs-notice programs-consent" role="note">{ warning.clone() }</p>
                }
                { available }
            </section>
        </div>
    }
}

/// Once an Enrol is over: focus the outcome if the focus went with the busy Enrol button (to
/// the actions around it, or nowhere). Focus the user moved elsewhere stays.
fn outcome_takes_lost_focus() {
    let active = window().document().and_then(|d| d.active_element());
    let lost = active.is_none_or(|element| {
        element.tag_name() == "BODY"
            || element.id() == "programs-enrol"
            || element.matches(".programs-actions").unwrap_or(false)
    });
    if lost {
        focus_after_render("programs-hint");
    }
}
