//! Why the last send did not complete, and the Send button.

use yew::prelude::*;

use super::sending::SendOrder;
use crate::domain::compose::{lost_answer_note, recipient_count, Phase, SendOffer};

#[derive(Properties, PartialEq)]
pub struct SendFailedProps {
    pub phase: Phase,
    pub on_edit_anyway: Callback<()>,
}

/// The last send's failure, if it failed: after a lost answer, what "Send again" does and the
/// way to change the message anyway.
#[component]
pub fn SendFailed(props: &SendFailedProps) -> Html {
    let Phase::Failed {
        request,
        message,
        unknown,
        ..
    } = &props.phase
    else {
        return html! {};
    };
    html! {
        <div class="error-panel compact send-failed" role="alert">
            if *unknown {
                <p class="error-message">
                    { lost_answer_note(message, request.recipients.len()) }
                </p>
                <p class="send-field-hint">
                    { "Changing it makes a new message: anyone the first one reached would get both." }
                    <button
                        id="send-edit-anyway"
                        type="button"
                        class="link-button"
                        onclick={props.on_edit_anyway.reform(|_| ())}
                    >
                        { "Change the message" }
                    </button>
                </p>
            } else {
                <p class="error-message">
                    { format!("The send did not complete: {message}") }
                </p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct SendActionsProps {
    pub offer: SendOffer,
    pub sending: bool,
    /// Whom the pre-flight says the message reaches.
    pub sendable: u32,
    /// The CRM could not say what the user looks at now.
    pub context_failed: bool,
    pub send: Callback<SendOrder>,
}

#[component]
pub fn SendActions(props: &SendActionsProps) -> Html {
    let onclick = {
        let (send, request) = (props.send.clone(), props.offer.request.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(order) = &request {
                send.emit(order.clone());
            }
        })
    };
    html! {
        <div class="send-actions">
            <button
                id="send-submit"
                type="button"
                class="button button-primary"
                disabled={props.offer.request.is_none()}
                aria-busy={props.sending.to_string()}
                {onclick}
            >
                { props.offer.label.clone() }
            </button>
            if props.context_failed {
                <p class="send-field-hint">
                    { "The CRM couldn't update the sidebar: reopen it to send. Your message is kept." }
                </p>
            }
            if props.sending {
                <div class="send-progress" role="status">
                    <progress aria-label="Sending"></progress>
                    <span>{ format!("Sending to {}\u{2026}", recipient_count(props.sendable)) }</span>
                </div>
            }
        </div>
    }
}
