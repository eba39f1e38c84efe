//! The timeline's controls: the period, one pressed chip of four, and "Emails only".

use yew::prelude::*;

use crate::domain::timeline::TimelineRange;
use crate::domain::timeline_view::{TimelineAction, TimelineView};

/// The period chips and the "Emails only" box of `view`; what the user picks goes to
/// `dispatch`.
pub fn controls(view: &TimelineView, dispatch: &Callback<TimelineAction>) -> Html {
    let chip = |option: TimelineRange| {
        let pressed = option == view.range;
        html! {
            <button
                type="button"
                class={classes!("chip", "range-chip", pressed.then_some("pressed"))}
                id={format!("timeline-range-{}", option.as_str())}
                aria-pressed={if pressed { "true" } else { "false" }}
                title={option.description()}
                onclick={dispatch.reform(move |_| TimelineAction::ShowRange(option))}
            >
                // The spoken name starts with what is shown ("1 y"), so voice control finds
                // it, then says what it means.
                { option.label() }
                <span class="visually-hidden">{ format!(", {}", option.description()) }</span>
            </button>
        }
    };
    html! {
        <div class="timeline-controls">
            <div class="timeline-ranges" role="group" aria-label="Period">
                { for TimelineRange::ALL.iter().copied().map(chip) }
            </div>
            <label class="timeline-toggle">
                <input
                    type="checkbox"
                    id="timeline-emails-only"
                    checked={view.emails_only}
                    onchange={dispatch.reform(|_: Event| TimelineAction::ToggleEmailsOnly)}
                />
                { "Emails only" }
            </label>
        </div>
    }
}
