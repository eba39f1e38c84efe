//! Why no program is listed, as a modal dialog.

use web_sys::HtmlElement;
use yew::prelude::*;

use super::HELP_TEXT;

#[derive(Properties, PartialEq)]
pub struct HelpDialogProps {
    pub on_close: Callback<()>,
    /// Gets focus back when the dialog closes.
    pub return_to: NodeRef,
}

/// The help shown when marketing enabled no program, as a modal dialog: focus moves to its
/// close button and stays in the dialog (its only control), Escape closes it, and focus returns
/// to `return_to` when it closes.
#[component]
pub fn HelpDialog(props: &HelpDialogProps) -> Html {
    let close_ref = use_node_ref();
    {
        let (close_ref, return_to) = (close_ref.clone(), props.return_to.clone());
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<HtmlElement>() {
                let _ = button.focus();
            }
            move || {
                if let Some(button) = return_to.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let onkeydown = {
        let (on_close, close_ref) = (props.on_close.clone(), close_ref.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                on_close.emit(());
            }
            // Tab and Shift+Tab cycle through the dialog's controls: Close alone.
            "Tab" => {
                e.prevent_default();
                if let Some(button) = close_ref.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
            _ => {}
        })
    };
    html! {
        <div class="programs-dialog-backdrop">
            <div
                class="programs-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="programs-dialog-title"
                aria-describedby="programs-dialog-text"
                {onkeydown}
            >
                <h2 id="programs-dialog-title" class="programs-heading">{ "No programs available" }</h2>
                <p id="programs-dialog-text">{ HELP_TEXT }</p>
                <button
                    ref={close_ref}
                    id="programs-dialog-close"
                    type="button"
                    class="button"
                    onclick={props.on_close.reform(|_| ())}
                >
                    { "Close" }
                </button>
            </div>
        </div>
    }
}
