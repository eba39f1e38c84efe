//! Program enrolment: put a record, or a list-view selection, into automation programs.
//!
//! One record: its current enrolments, then every program the CRM may show (paused ones greyed
//! out with the reason), a search, checkboxes and Enrol. A selection skips the enrolments. Each
//! chosen program gets one request with all the records; its outcome shows beside it, with a
//! retry for what failed. No program at all opens a help dialog instead of an empty list.

mod current;
mod elsewhere;
mod enrol;
mod enrol_actions;
mod enrolment_rows;
mod help_dialog;
mod lists;
mod no_programs;
mod program_item;
mod program_list;

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::email_policy::{has_email, program_email_warning};
use crate::domain::programs::{CurrentPrograms, Run, Start};
use crate::domain::programs_view::{ProgramsAction, ProgramsView};
use crate::domain::wording::{count_of_records, person_name};
use crate::plugin::components::panels::{search_field, skeleton, title_tag};
use crate::plugin::host::use_host;
use crate::plugin::intl::use_formats;
use crate::plugin::views::applied;
use crate::protocol::CrmRecord;
use crate::wire::RecordProfile;
use current::current_programs;
use elsewhere::runs_elsewhere;
use enrol::use_enrol;
use enrol_actions::{enrol_actions, EnrolActions};
use lists::{use_lists, Lists};
use no_programs::no_programs;
use program_list::{program_list, ProgramList};

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

pub(crate) const HELP_TEXT: &str =
    "Can't find your program? Your marketing admin must enable it for CRM enrolment.";

impl Reducible for ProgramsView {
    type Action = ProgramsAction;

    fn reduce(self: Rc<Self>, action: ProgramsAction) -> Rc<Self> {
        // Every action makes a new state.
        applied(self, action, |state, action| {
            state.apply(action);
            true
        })
    }
}

#[component]
pub fn Programs(props: &ProgramsProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let view = use_reducer(ProgramsView::default);
    let dispatch = {
        let view = view.dispatcher();
        Callback::from(move |action: ProgramsAction| view.dispatch(action))
    };
    // "Why?", where focus returns when the help dialog closes.
    let why_ref = use_node_ref();
    // The tab's scrolling element, which clips the list of programs.
    let scroller = use_node_ref();
    let single = (props.records.len() == 1).then(|| props.records[0].clone());
    let query = view.query.trim().to_owned();
    let Lists {
        programs,
        enrolments,
    } = use_lists(single.clone(), query.clone(), &view);
    let (list, current_list) = (programs.pages(), enrolments.pages());
    {
        let dispatch = dispatch.clone();
        use_effect_with(list.items.clone(), move |items| {
            dispatch.emit(ProgramsAction::Listed(items.clone()))
        });
    }
    // No program at all: the list answering the empty search is empty (the key ends with the
    // search: empty, it ends with the newline before it). Not an empty answer to an earlier
    // search while the unfiltered list is asked for again.
    let none_at_all = list.is_empty_list() && list.key.ends_with('\n');
    // The help dialog opens by itself.
    {
        let dispatch = dispatch.clone();
        use_effect_with(none_at_all, move |none| {
            dispatch.emit(ProgramsAction::ShowHelp(*none))
        });
    }
    let submit = use_enrol(dispatch.clone(), props.on_changed.clone());

    let busy = view.runs.busy();
    let count = props.records.len();
    let current = match &single {
        Some(record) => current_programs(record, &enrolments, scroller.clone(), &formats),
        None => html! {},
    };

    let available = if none_at_all {
        html! {
            { no_programs(view.help_open && props.shown, &why_ref, &dispatch) }
        }
    } else if !list.answered && list.is_first_load() && view.query.trim().is_empty() {
        skeleton("Loading programs", 4)
    } else {
        // One record's current programs cannot be chosen again: those the programs list says
        // it is in, and those its enrolments list (reloaded after enrolling) names.
        let current = CurrentPrograms::of(&current_list.items);
        let chosen = view.selection.chosen(&current);
        let enrol = {
            let batch: Vec<_> = chosen
                .iter()
                .map(|p| (p.id, p.name.clone(), (*props.records).clone(), None))
                .collect();
            submit.reform(move |_: MouseEvent| (batch.clone(), Start::Enrol))
        };
        // The Retry of a program's run: the records it did not enrol, again.
        let retry = {
            let records = props.records.clone();
            submit.reform(move |(id, run): (i64, Run)| {
                let (again, key) = run.retry(&records);
                (
                    vec![(id, run.program_name.clone(), again, key)],
                    Start::Retry,
                )
            })
        };
        let elsewhere: Vec<(i64, &Run)> = view.elsewhere(&list.items).collect();
        html! {
            <>
                { search_field(
                    "programs-search",
                    "Search programs",
                    Some("programs-search"),
                    view.query.clone().into(),
                    dispatch.reform(ProgramsAction::Search),
                ) }
                { program_list(ProgramList {
                    programs: &programs,
                    query: &query,
                    view: &view,
                    current: &current,
                    dispatch: &dispatch,
                    on_retry: &retry,
                    record_count: count,
                    viewport: &scroller,
                }) }
                if !elsewhere.is_empty() {
                    { runs_elsewhere(&elsewhere, count, busy, &retry) }
                }
                { enrol_actions(EnrolActions {
                    notices: view.runs.added_notices(&props.records),
                    label: view.enrol_label(chosen.len()),
                    hint: view.hint(&chosen, count, host.context_failed),
                    disabled: busy || chosen.is_empty() || host.context_failed,
                    busy,
                    on_enrol: enrol,
                    on_done: props.on_done.clone().filter(|_| !view.runs.is_empty() && !busy),
                }) }
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
