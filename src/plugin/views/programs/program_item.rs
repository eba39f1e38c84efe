//! A program's row in the list to enrol in.

use yew::prelude::*;

use crate::domain::programs::RunState;
use crate::wire::Program;

/// What a program's row shows.
pub struct ProgramItemProps {
    pub program: Program,
    pub checked: bool,
    pub on_toggle: Callback<Program>,
    /// Why it cannot be chosen (paused, or the record is in it already); `None` when it can.
    pub unavailable: Option<AttrValue>,
    /// The outcome of its enrolment so far.
    pub result: Option<(RunState, AttrValue)>,
    /// The last answer was lost: Retry repeats that request even where the program now looks
    /// taken (the lost request may be what enrolled the record; its answer says so).
    pub retry_anyway: bool,
    pub busy: bool,
    pub on_retry: Callback<MouseEvent>,
}

/// A program's row: its checkbox, and the outcome of its enrolment with a retry. A plain view
/// function: the list renders only the rows in view, each from fresh values.
pub fn program_item(props: &ProgramItemProps) -> Html {
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
        <div {class} data-program-id={program.id.to_string()}>
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
                    if *state == RunState::Failed && (can || props.retry_anyway) {
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
        </div>
    }
}

pub fn result_class(state: RunState) -> &'static str {
    match state {
        RunState::InFlight => "result-pending",
        RunState::Enrolled => "result-enrolled",
        RunState::AlreadyEnrolled => "result-already",
        RunState::Failed => "result-failed",
    }
}
