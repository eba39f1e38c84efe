//! Why the last send did not complete, and the Send button.

use yew::prelude::*;

use super::sending::SendOrder;
use crate::domain::compose::{lost_answer_note, recipient_count, ComposeAction, Phase, SendOffer};

/// The last send's failure, if it failed: after a lost answer, what "Send again" does and the
/// way to change the message anyway.
pub fn send_failed(phase: &Phase, dispatch: &Callback<ComposeAction>) -> Html {
    let Phase::Failed {
        request,
        message,
        unknown,
        ..
    } = phase
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
                        onclick={dispatch.reform(|_| ComposeAction::EditAnyway)}
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

/// The Send button as `offer` has it, the CRM's failure to update the sidebar (`context_failed`:
/// nothing is sent) and the progress of a send to `sendable` recipients.
pub fn send_actions(
    offer: SendOffer,
    sending: bool,
    sendable: u32,
    context_failed: bool,
    send: &Callback<SendOrder>,
) -> Html {
    let onclick = {
        let (send, request) = (send.clone(), offer.request.clone());
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
                disabled={offer.request.is_none()}
                aria-busy={sending.to_string()}
                {onclick}
            >
                { offer.label }
            </button>
            if context_failed {
                <p class="send-field-hint">
                    { "The CRM couldn't update the sidebar: reopen it to send. Your message is kept." }
                </p>
            }
            if sending {
                <div class="send-progress" role="status">
                    <progress aria-label="Sending"></progress>
                    <span>{ format!("Sending to {}\u{2026}", recipient_count(sendable)) }</span>
                </div>
            }
        </div>
    }
}
