//! The programs listed for the search, a page at a time, each a row to tick.

use std::rc::Rc;

use yew::prelude::*;

use super::program_item::{program_item, ProgramItemProps};
use crate::domain::paging::ListPhase;
use crate::domain::programs::{unavailable_reason, CurrentPrograms, Run};
use crate::domain::programs_view::{ProgramsAction, ProgramsView};
use crate::plugin::components::panels::{error_panel, skeleton};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::hooks::{more_footer, UsePages};
use crate::wire::Program;

/// The height assumed for a program's row before it is measured: name and one line of text.
const PROGRAM_ROW_ESTIMATE: u32 = 58;

/// What the list is drawn from.
pub struct ProgramList<'a> {
    pub programs: &'a UsePages<Program>,
    /// The search, trimmed.
    pub query: &'a str,
    pub view: &'a UseReducerHandle<ProgramsView>,
    pub current: &'a CurrentPrograms,
    pub dispatch: &'a Callback<ProgramsAction>,
    /// Retries a program's run.
    pub on_retry: &'a Callback<(i64, Run)>,
    pub record_count: usize,
    /// The tab's scrolling element.
    pub viewport: &'a NodeRef,
}

/// The list in its fieldset: its rows, or why there are none (a failure with its retry, no
/// match for the search), with the next page's footer.
pub fn program_list(list: ProgramList) -> Html {
    let pages = list.programs.pages();
    let rows = match &pages.phase {
        ListPhase::Failed(error) => error_panel(error.user_message().into(), list.programs.retry()),
        ListPhase::Loading if pages.items.is_empty() => skeleton("Loading programs", 4),
        _ if pages.items.is_empty() => html! {
            <p class="programs-none">
                { format!("No program matches \u{201c}{}\u{201d}.", list.query) }
            </p>
        },
        phase => html! {
            <>
                <VirtualRows
                    keys={Rc::new(pages.items.iter().map(|p| p.id).collect::<Vec<_>>())}
                    estimate={PROGRAM_ROW_ESTIMATE}
                    render={row_renderer(&list, pages.items.clone())}
                    more={pages.next_cursor.is_some()}
                    on_near_end={list.programs.more()}
                    hold={phase.holds()}
                    class={classes!("program-list", matches!(phase, ListPhase::Loading).then_some("is-stale"))}
                    label="Programs"
                    row_class="program-row"
                    viewport={list.viewport.clone()}
                />
                { more_footer(phase, "Loading more programs\u{2026}", list.programs.more()) }
            </>
        },
    };
    html! {
        <fieldset class="program-fieldset" aria-busy={matches!(pages.phase, ListPhase::Loading).to_string()}>
            <legend class="visually-hidden">{ "Programs to enrol in" }</legend>
            { rows }
        </fieldset>
    }
}

/// Draws the row at an index of `items`, from the view's latest ticks and runs.
fn row_renderer(list: &ProgramList, items: Rc<Vec<Program>>) -> Callback<usize, Html> {
    let (view, current) = (list.view.clone(), list.current.clone());
    let (dispatch, on_retry) = (list.dispatch.clone(), list.on_retry.clone());
    let (count, busy) = (list.record_count, list.view.runs.busy());
    Callback::from(move |at: usize| {
        let Some(program) = items.get(at) else {
            return html! {};
        };
        let run = view.runs.get(program.id);
        let retry = run.cloned().map(|run| (program.id, run));
        program_item(&ProgramItemProps {
            program: program.clone(),
            checked: view.selection.contains(program.id),
            unavailable: unavailable_reason(program, &current).map(AttrValue::from),
            on_toggle: dispatch.reform(ProgramsAction::Toggle),
            result: run.map(|r| (r.state(), AttrValue::from(r.summary(count)))),
            retry_anyway: run.is_some_and(|r| r.outcome_unknown),
            busy,
            on_retry: {
                let on_retry = on_retry.clone();
                Callback::from(move |_: MouseEvent| {
                    if let Some(retry) = &retry {
                        on_retry.emit(retry.clone());
                    }
                })
            },
        })
    })
}
