//! Programs enrolled from another search: their outcomes, which no row shows now.

use yew::prelude::*;

use super::program_item::result_class;
use crate::domain::programs::{Run, RunState};

/// Each program's run (by program id) with its outcome for `record_count` records, and a retry
/// of a failed one unless a batch is `busy`.
pub fn runs_elsewhere(
    runs: &[(i64, &Run)],
    record_count: usize,
    busy: bool,
    on_retry: &Callback<(i64, Run)>,
) -> Html {
    html! {
        <ul class="programs-elsewhere" aria-label="Programs enrolled from another search">
            { for runs.iter().map(|(id, run)| {
                let state = run.state();
                let retry = (*id, (*run).clone());
                html! {
                    <li class="program-elsewhere" key={*id} data-program-id={id.to_string()}>
                        <span class="program-name">{ run.program_name.clone() }</span>
                        <div class="program-outcome">
                            <p class={classes!("program-result", result_class(state))} aria-live="polite">
                                { run.summary(record_count) }
                            </p>
                            if state == RunState::Failed {
                                <button
                                    type="button"
                                    class="button program-retry"
                                    disabled={busy}
                                    aria-label={format!("Retry enrolling in {}", run.program_name)}
                                    onclick={on_retry.reform(move |_| retry.clone())}
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
