//! Send now, or at a date and time in the user's zone.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::domain::schedule::{SendTime, When};
use crate::plugin::intl::use_formats;

#[derive(Properties, PartialEq)]
pub struct WhenFieldProps {
    pub when: When,
    /// When the message would go as chosen, or why it cannot.
    pub at: SendTime,
    /// The message may not change (it is being sent, or its answer was lost).
    pub locked: bool,
    pub on_change: Callback<When>,
}

#[component]
pub fn WhenField(props: &WhenFieldProps) -> Html {
    let formats = use_formats();
    let on_change = &props.on_change;
    html! {
        <fieldset class="send-when" disabled={props.locked}>
            <legend>{ "When" }</legend>
            <label class="send-option">
                <input
                    type="radio"
                    name="send-when"
                    id="send-now"
                    checked={props.when == When::Now}
                    onchange={on_change.reform(|_: Event| When::Now)}
                />
                { "Send now" }
            </label>
            <label class="send-option">
                <input
                    type="radio"
                    name="send-when"
                    id="send-later"
                    checked={props.when != When::Now}
                    onchange={on_change.reform(|_: Event| When::Later(String::new()))}
                />
                { "Schedule" }
            </label>
            if let When::Later(text) = &props.when {
                <label class="send-schedule">
                    <span>{ format!("Date and time ({})", formats.zone_name()) }</span>
                    <input
                        id="send-at"
                        type="datetime-local"
                        value={text.clone()}
                        aria-invalid={(props.at.is_err() && !text.is_empty()).to_string()}
                        aria-describedby={props.at.is_err().then_some("send-at-error")}
                        onchange={on_change.reform(|e: Event| When::Later(
                            e.target_unchecked_into::<HtmlInputElement>().value(),
                        ))}
                    />
                </label>
                // Nothing typed yet is a hint, not an error.
                if let Err(problem) = &props.at {
                    <p id="send-at-error"
                        class={if text.is_empty() { "send-field-hint" } else { "field-error" }}>
                        { problem.message() }
                    </p>
                }
            }
        </fieldset>
    }
}
