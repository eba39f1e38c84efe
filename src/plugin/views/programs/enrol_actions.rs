//! What the enrolments did to the CRM records, the Enrol button and the line under it.

use yew::prelude::*;

/// What the actions show.
pub struct EnrolActions {
    /// "<name> was added to the All contacts list first", once per such record.
    pub notices: Vec<String>,
    pub label: String,
    /// What is ticked, what the last Enrol did, or why nothing can be enrolled.
    pub hint: String,
    pub disabled: bool,
    pub busy: bool,
    pub on_enrol: Callback<MouseEvent>,
    /// Closes the view, once an enrolment finished (a list-view action).
    pub on_done: Option<Callback<()>>,
}

pub fn enrol_actions(props: EnrolActions) -> Html {
    html! {
        <>
            if !props.notices.is_empty() {
                <div class="programs-notices" role="status">
                    { for props.notices.iter().map(|n| html! { <p class="programs-notice">{ n.clone() }</p> }) }
                </div>
            }
            <div class="programs-actions">
                <button
                    id="programs-enrol"
                    type="button"
                    class="button button-primary"
                    disabled={props.disabled}
                    aria-busy={props.busy.to_string()}
                    aria-describedby="programs-hint"
                    onclick={props.on_enrol}
                >
                    { props.label }
                </button>
                // Focused when an Enrol is over (its button went busy, then had nothing to
                // enrol): the outcome is what the user reads next.
                <p id="programs-hint" class="programs-hint" tabindex="-1">{ props.hint }</p>
                if let Some(on_done) = &props.on_done {
                    <button id="programs-done" type="button" class="button" onclick={on_done.reform(|_| ())}>
                        { "Done" }
                    </button>
                }
            </div>
        </>
    }
}
