//! Send now, or at a date and time in the user's zone.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::domain::compose::ComposeAction;
use crate::domain::schedule::{SendTime, When};
use crate::plugin::intl::Formats;

/// The "When" fieldset: `at` is when the message would go as chosen, or why it cannot;
/// `locked`, the message may not change (it is being sent, or its answer was lost).
pub fn when_field(
    when: &When,
    at: &SendTime,
    locked: bool,
    formats: &Formats,
    dispatch: &Callback<ComposeAction>,
) -> Html {
    let on_change = dispatch.reform(ComposeAction::SetWhen);
    html! {
        <fieldset class="send-when" disabled={locked}>
            <legend>{ "When" }</legend>
            <label class="send-option">
                <input
                    type="radio"
                    name="send-when"
                    id="send-now"
                    checked={*when == When::Now}
                    onchange={on_change.reform(|_: Event| When::Now)}
                />
                { "Send now" }
            </label>
            <label class="send-option">
                <input
                    type="radio"
                    name="send-when"
                    id="send-later"
                    checked={*when != When::Now}
                    onchange={on_change.reform(|_: Event| When::Later(String::new()))}
                />
                { "Schedule" }
            </label>
            if let When::Later(text) = when {
                <label class="send-schedule">
                    <span>{ format!("Date and time ({})", formats.zone_name()) }</span>
                    <input
                        id="send-at"
                        type="datetime-local"
                        value={text.clone()}
                        aria-invalid={(at.is_err() && !text.is_empty()).to_string()}
                        aria-describedby={at.is_err().then_some("send-at-error")}
                        onchange={on_change.reform(|e: Event| When::Later(
                            e.target_unchecked_into::<HtmlInputElement>().value(),
                        ))}
                    />
                </label>
                // Nothing typed yet is a hint, not an error.
                if let Err(problem) = &at {
                    <p id="send-at-error"
                        class={if text.is_empty() { "send-field-hint" } else { "field-error" }}>
                        { problem.message() }
                    </p>
                }
            }
        </fieldset>
    }
}
