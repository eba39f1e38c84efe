//! Programs enrolled from another search: their outcomes, which no row shows now.

use yew::prelude::*;

use super::program_item::result_class;
use crate::domain::programs::{Run, RunState};

#[derive(Properties, PartialEq)]
pub struct ElsewhereProps {
    /// Each program's run, by program id.
    pub runs: Vec<(i64, Run)>,
    pub record_count: usize,
    /// A batch is in flight: no retry now.
    pub busy: bool,
    pub on_retry: Callback<(i64, Run)>,
}

#[component]
pub fn Elsewhere(props: &ElsewhereProps) -> Html {
    html! {
        <ul class="programs-elsewhere" aria-label="Programs enrolled from another search">
            { for props.runs.iter().map(|(id, run)| {
                let state = run.state();
                let retry = (*id, run.clone());
                html! {
                    <li class="program-elsewhere" key={*id} data-program-id={id.to_string()}>
                        <span class="program-name">{ run.program_name.clone() }</span>
                        <div class="program-outcome">
                            <p class={classes!("program-result", result_class(state))} aria-live="polite">
                                { run.summary(props.record_count) }
                            </p>
                            if state == RunState::Failed {
                                <button
                                    type="button"
                                    class="button program-retry"
                                    disabled={props.busy}
                                    aria-label={format!("Retry enrolling in {}", run.program_name)}
                                    onclick={props.on_retry.reform(move |_| retry.clone())}
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
}
