//! The timeline's controls: the period, one pressed chip of four, and "Emails only".

use yew::prelude::*;

use crate::domain::timeline::TimelineRange;

#[derive(Properties, PartialEq)]
pub struct TimelineControlsProps {
    pub range: TimelineRange,
    pub emails_only: bool,
    pub on_range: Callback<TimelineRange>,
    pub on_emails_only: Callback<()>,
}

#[component]
pub fn TimelineControls(props: &TimelineControlsProps) -> Html {
    let chip = |option: TimelineRange| {
        let pressed = option == props.range;
        html! {
            <button
                type="button"
                class={classes!("chip", "range-chip", pressed.then_some("pressed"))}
                id={format!("timeline-range-{}", option.as_str())}
                aria-pressed={if pressed { "true" } else { "false" }}
                title={option.description()}
                onclick={props.on_range.reform(move |_| option)}
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
                    checked={props.emails_only}
                    onchange={props.on_emails_only.reform(|_: Event| ())}
                />
                { "Emails only" }
            </label>
        </div>
    }
}
