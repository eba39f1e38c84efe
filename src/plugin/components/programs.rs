//! Program enrolment: put a record, or a list-view selection, into automation programs.
//!
//! One record: its current enrolments, then every program the CRM may show (paused ones greyed
//! out with the reason), a search, checkboxes and Enrol. A selection skips the enrolments. Each
//! chosen program gets one request with all the records; its outcome shows beside it, with a
//! retry for what failed. No program at all opens a help dialog instead of an empty list.

use std::cell::Cell;
use std::rc::Rc;

use web_sys::{AbortController, HtmlElement, HtmlInputElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::programs::{
    enrol_request, filter, status_label, unavailable_reason, CurrentPrograms, RunState, Runs,
    Selection, Start,
};
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, Skeleton};
use crate::plugin::intl::use_formats;
use crate::protocol::CrmRecord;
use crate::wire::{EnrolOutcome, EnrolResponse, EnrolmentList, Program, RecordProfile};

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

const HELP_TEXT: &str =
    "Can't find your program? Your marketing admin must enable it for CRM enrolment.";

/// A fetched list.
#[derive(Clone)]
enum Load<T> {
    Loading,
    Loaded(T),
    Failed(ApiError),
}

/// Everything the view changes, in one reducer so late answers always land on the latest state.
#[derive(Clone, Default, PartialEq)]
struct View {
    selection: Selection,
    query: String,
    runs: Runs,
    help_open: bool,
    /// Bumped to fetch the programs again (retry).
    programs_generation: u32,
    /// Bumped to fetch the enrolments again (retry, after enrolling).
    enrolments_generation: u32,
}

enum Action {
    Toggle(Program),
    Search(String),
    Listed(Rc<Vec<Program>>),
    /// Requests went out: for these programs, by Enrol or by a program's Retry.
    Start(Vec<(i64, String)>, Start),
    Finish(i64, Result<EnrolResponse, String>),
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
            Action::Listed(programs) => {
                next.selection.retain_available(&programs);
                next.help_open = programs.is_empty();
            }
            Action::Start(programs, kind) => {
                for (id, name) in &programs {
                    next.runs.start(*id, name, kind);
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

/// What one Enrol click (or a retry) sends: per program, its records; and which of the two.
type Batch = (Vec<(i64, String, Vec<CrmRecord>)>, Start);

#[component]
pub fn Programs(props: &ProgramsProps) -> Html {
    let host = use_host();
    let view = use_reducer(View::default);
    let programs = use_state(|| Load::<Rc<Vec<Program>>>::Loading);
    // "Why?", where focus returns when the help dialog closes.
    let why_ref = use_node_ref();
    let enrolments = use_state(|| Load::<Rc<EnrolmentList>>::Loading);
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

    // The programs, again on retry.
    {
        let (programs, session, dispatch) =
            (programs.clone(), host.session.clone(), view.dispatcher());
        use_effect_with(view.programs_generation, move |_| {
            programs.set(Load::Loading);
            let controller = AbortController::new().ok();
            if let Some(signal) = controller.as_ref().map(|c| c.signal()) {
                spawn_local(async move {
                    match session.fetch(&api::programs(), &signal).await {
                        Err(error) if error.is_aborted() => {}
                        Ok(list) => {
                            let items = Rc::new(list.items);
                            dispatch.dispatch(Action::Listed(items.clone()));
                            programs.set(Load::Loaded(items));
                        }
                        Err(error) => programs.set(Load::Failed(error)),
                    }
                });
            }
            move || controller.iter().for_each(AbortController::abort)
        });
    }

    // The record's enrolments (one record only), again on retry and after enrolling.
    {
        let (enrolments, session) = (enrolments.clone(), host.session.clone());
        let key = single
            .as_ref()
            .map(|r| (r.entity, r.id.clone(), r.email.clone()));
        use_effect_with((key, view.enrolments_generation), move |(key, _)| {
            let controller = key.as_ref().and_then(|_| AbortController::new().ok());
            if let (Some((entity, crm_id, email)), Some(controller)) =
                (key.clone(), controller.as_ref())
            {
                // A retry shows that it is trying again; a reload after enrolling keeps the
                // current list on screen until the new one arrives.
                if matches!(*enrolments, Load::Failed(_)) {
                    enrolments.set(Load::Loading);
                }
                let signal = controller.signal();
                spawn_local(async move {
                    match session
                        .fetch(&api::enrolments(entity, &crm_id, email.as_deref()), &signal)
                        .await
                    {
                        Err(error) if error.is_aborted() => {}
                        Ok(list) => enrolments.set(Load::Loaded(Rc::new(list))),
                        Err(error) => enrolments.set(Load::Failed(error)),
                    }
                });
            }
            move || controller.iter().for_each(AbortController::abort)
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
            if pending.get() > 0 || batch.is_empty() || batch.iter().any(|(_, _, r)| r.is_empty()) {
                return;
            }
            pending.set(batch.len());
            let enrolled = Rc::new(Cell::new(false));
            view.dispatch(Action::Start(
                batch
                    .iter()
                    .map(|(id, name, _)| (*id, name.clone()))
                    .collect(),
                kind,
            ));
            for (id, _, records) in batch {
                let (view, session, pending, signal) = (
                    view.clone(),
                    session.clone(),
                    pending.clone(),
                    signal.clone(),
                );
                let (enrolled, on_changed) = (enrolled.clone(), on_changed.clone());
                spawn_local(async move {
                    let endpoint = api::enrol(id, &enrol_request(&records));
                    match session.fetch(&endpoint, &signal).await {
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
                                answer.map_err(|error| error.user_message()),
                            ));
                            if program_changed {
                                view.dispatch(Action::ReloadPrograms);
                            }
                        }
                    }
                    pending.set(pending.get().saturating_sub(1));
                    if pending.get() == 0 {
                        view.dispatch(Action::BatchDone);
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

    let current = match (&single, &*enrolments) {
        (None, _) => html! {},
        (Some(_), Load::Loading) => html! {
            <section class="enrolments" aria-labelledby="enrolments-title">
                <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
                <Skeleton label="Loading current programs" rows={2} />
            </section>
        },
        (Some(record), Load::Failed(error)) if error.is_not_known() => html! {
            <section class="enrolments" aria-labelledby="enrolments-title">
                <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
                <p class="enrolments-empty">
                    { format!(
                        "{} is not in marketing yet; enrolling adds them to the All contacts list first.",
                        crate::domain::programs::record_name(record)
                    ) }
                </p>
            </section>
        },
        (Some(_), Load::Failed(error)) => html! {
            <section class="enrolments" aria-labelledby="enrolments-title">
                <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
                <ErrorPanel
                    compact=true
                    message={error.user_message()}
                    on_retry={dispatch.reform(|()| Action::ReloadEnrolments)}
                />
            </section>
        },
        (Some(_), Load::Loaded(list)) => html! {
            <section class="enrolments" aria-labelledby="enrolments-title">
                <h2 id="enrolments-title" class="programs-heading">{ "Current programs" }</h2>
                if list.items.is_empty() {
                    <p class="enrolments-empty">{ "Not in any program yet." }</p>
                } else {
                    <EnrolmentItems list={list.clone()} />
                }
            </section>
        },
    };

    let available = match &*programs {
        Load::Loading => html! { <Skeleton label="Loading programs" rows={4} /> },
        Load::Failed(error) => html! {
            <ErrorPanel
                message={error.user_message()}
                on_retry={dispatch.reform(|()| Action::ReloadPrograms)}
            />
        },
        Load::Loaded(list) if list.is_empty() => html! {
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
        },
        Load::Loaded(list) => {
            let shown = filter(list, &view.query);
            // One record's current programs cannot be chosen again.
            let current = match &*enrolments {
                Load::Loaded(current) if count == 1 => CurrentPrograms::of(&current.items),
                _ => CurrentPrograms::default(),
            };
            let chosen = view.selection.chosen(list, &current);
            let enrol = {
                let (submit, records) = (submit.clone(), props.records.clone());
                let batch: Vec<(i64, String, Vec<CrmRecord>)> = chosen
                    .iter()
                    .map(|p| (p.id, p.name.clone(), (*records).clone()))
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
            let notices = view.runs.added_notices(&props.records);
            html! {
                <>
                    <div class="search-field programs-search">
                        <label class="visually-hidden" for="programs-search">
                            { "Search programs" }
                        </label>
                        <input
                            id="programs-search"
                            type="search"
                            placeholder="Search programs"
                            autocomplete="off"
                            value={view.query.clone()}
                            oninput={dispatch.reform(|e: InputEvent| {
                                Action::Search(e.target_unchecked_into::<HtmlInputElement>().value())
                            })}
                        />
                    </div>
                    <fieldset class="program-fieldset">
                        <legend class="visually-hidden">{ "Programs to enrol in" }</legend>
                        if shown.is_empty() {
                            <p class="programs-none">
                                { format!("No program matches \u{201c}{}\u{201d}.", view.query.trim()) }
                            </p>
                        } else {
                            <ul class="program-list">
                                { for shown.into_iter().map(|program| {
                                    let run = view.runs.get(program.id);
                                    let retry = {
                                        let submit = submit.clone();
                                        let records = props.records.clone();
                                        let (id, name) = (program.id, program.name.clone());
                                        let run = run.cloned();
                                        Callback::from(move |_: MouseEvent| {
                                            if let Some(run) = &run {
                                                let again: Vec<CrmRecord> =
                                                    run.to_retry(&records).into_iter().cloned().collect();
                                                submit.emit((vec![(id, name.clone(), again)], Start::Retry));
                                            }
                                        })
                                    };
                                    html! {
                                        <ProgramItem
                                            key={program.id}
                                            program={program.clone()}
                                            checked={view.selection.contains(program.id)}
                                            unavailable={unavailable_reason(program, &current).map(AttrValue::from)}
                                            on_toggle={dispatch.reform(Action::Toggle)}
                                            result={run.map(|r| (r.state(), AttrValue::from(r.summary(count))))}
                                            {busy}
                                            on_retry={retry}
                                        />
                                    }
                                }) }
                            </ul>
                        }
                    </fieldset>
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
                        <p id="programs-hint" class="programs-hint">
                            { if host.context_failed {
                                "The CRM couldn't update the sidebar: reopen it to enrol."
                            } else if chosen.is_empty() {
                                "Select one or more active programs."
                            } else {
                                ""
                            } }
                        </p>
                        if let Some(on_done) = props.on_done.as_ref().filter(|_| !view.runs.is_empty() && !busy) {
                            <button id="programs-done" type="button" class="button" onclick={on_done.reform(|_| ())}>
                                { "Done" }
                            </button>
                        }
                    </div>
                </>
            }
        }
    };

    html! {
        <div class="programs">
            { current }
            <section class="programs-available" aria-labelledby="programs-title">
                <h2 id="programs-title" class="programs-heading">
                    { if count > 1 { format!("Enrol {count} records") } else { "Enrol in a program".to_owned() } }
                </h2>
                { available }
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct EnrolmentItemsProps {
    list: Rc<EnrolmentList>,
}

#[component]
fn EnrolmentItems(props: &EnrolmentItemsProps) -> Html {
    let formats = use_formats();
    html! {
        <ul class="enrolment-list">
            { for props.list.items.iter().map(|e| {
                let status = status_label(e.status);
                html! {
                    <li class="enrolment" key={e.program_id}>
                        <span class="enrolment-name">{ e.program_name.clone() }</span>
                        <span class={classes!("badge", "enrolment-status", format!("status-{}", e.status.as_str()))}>
                            { status }
                        </span>
                        <span class="enrolment-dates">
                            { "Enrolled " }
                            <time datetime={e.enrolled_at.to_rfc3339()}>{ formats.date_time(&e.enrolled_at) }</time>
                            if e.updated_at != e.enrolled_at {
                                { format!(" · {status} ") }
                                <time datetime={e.updated_at.to_rfc3339()}>{ formats.date_time(&e.updated_at) }</time>
                            }
                        </span>
                    </li>
                }
            }) }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
struct ProgramItemProps {
    program: Program,
    checked: bool,
    on_toggle: Callback<Program>,
    /// Why it cannot be chosen (paused, or the record is in it already); `None` when it can.
    unavailable: Option<AttrValue>,
    /// The outcome of its enrolment so far.
    result: Option<(RunState, AttrValue)>,
    busy: bool,
    on_retry: Callback<MouseEvent>,
}

#[component]
fn ProgramItem(props: &ProgramItemProps) -> Html {
    let program = &props.program;
    let id = format!("program-{}", program.id);
    let reason_id = format!("{id}-reason");
    let can = props.unavailable.is_none();
    let onchange = {
        let (on_toggle, program) = (props.on_toggle.clone(), program.clone());
        Callback::from(move |_: Event| on_toggle.emit(program.clone()))
    };
    let class = classes!("program", (!can).then_some("is-unavailable"));
    html! {
        <li {class} data-program-id={program.id.to_string()}>
            <input
                id={id.clone()}
                class="program-check"
                type="checkbox"
                checked={props.checked && can}
                disabled={!can}
                aria-describedby={(!can).then(|| reason_id.clone())}
                {onchange}
            />
            <label for={id} class="program-label">
                <span class="program-name">{ program.name.clone() }</span>
                if !program.description.is_empty() {
                    <span class="program-description">{ program.description.clone() }</span>
                }
                if let Some(reason) = props.unavailable.clone() {
                    <span id={reason_id} class="program-reason">{ reason }</span>
                }
            </label>
            if let Some((state, summary)) = &props.result {
                <div class="program-outcome">
                    <p class={classes!("program-result", result_class(*state))} aria-live="polite">
                        { summary.clone() }
                    </p>
                    if *state == RunState::Failed && can {
                        <button
                            type="button"
                            class="button program-retry"
                            disabled={props.busy}
                            aria-label={format!("Retry enrolling in {}", program.name)}
                            onclick={props.on_retry.clone()}
                        >
                            { "Retry" }
                        </button>
                    }
                </div>
            }
        </li>
    }
}

fn result_class(state: RunState) -> &'static str {
    match state {
        RunState::InFlight => "result-pending",
        RunState::Enrolled => "result-enrolled",
        RunState::AlreadyEnrolled => "result-already",
        RunState::Failed => "result-failed",
    }
}

#[derive(Properties, PartialEq)]
struct HelpDialogProps {
    on_close: Callback<()>,
    /// Gets focus back when the dialog closes.
    return_to: NodeRef,
}

/// The help shown when marketing enabled no program, as a modal dialog: focus moves to its
/// close button and stays in the dialog (its only control), Escape closes it, and focus returns
/// to `return_to` when it closes.
#[component]
fn HelpDialog(props: &HelpDialogProps) -> Html {
    let close_ref = use_node_ref();
    {
        let (close_ref, return_to) = (close_ref.clone(), props.return_to.clone());
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<HtmlElement>() {
                let _ = button.focus();
            }
            move || {
                if let Some(button) = return_to.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let onkeydown = {
        let (on_close, close_ref) = (props.on_close.clone(), close_ref.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                on_close.emit(());
            }
            // Tab and Shift+Tab cycle through the dialog's controls: Close alone.
            "Tab" => {
                e.prevent_default();
                if let Some(button) = close_ref.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
            _ => {}
        })
    };
    html! {
        <div class="programs-dialog-backdrop">
            <div
                class="programs-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="programs-dialog-title"
                aria-describedby="programs-dialog-text"
                {onkeydown}
            >
                <h2 id="programs-dialog-title" class="programs-heading">{ "No programs available" }</h2>
                <p id="programs-dialog-text">{ HELP_TEXT }</p>
                <button
                    ref={close_ref}
                    id="programs-dialog-close"
                    type="button"
                    class="button"
                    onclick={props.on_close.reform(|_| ())}
                >
                    { "Close" }
                </button>
            </div>
        </div>
    }
}
