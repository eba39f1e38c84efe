//! No program is enabled for the CRM: why, with the help dialog.

use yew::prelude::*;

use super::help_dialog::HelpDialog;
use super::HELP_TEXT;
use crate::plugin::components::panels::MessagePanel;

#[derive(Properties, PartialEq)]
pub struct NoProgramsProps {
    /// The help dialog is open (and the view on screen).
    pub help_open: bool,
    /// Opens or closes the help dialog.
    pub on_help: Callback<bool>,
}

#[component]
pub fn NoPrograms(props: &NoProgramsProps) -> Html {
    // "Why?", where focus returns when the help dialog closes.
    let why_ref = use_node_ref();
    html! {
        <>
            <MessagePanel glyph="\u{2205}" title="No programs available" detail={HELP_TEXT}>
                <button
                    ref={why_ref.clone()}
                    id="programs-why"
                    type="button"
                    class="button"
                    onclick={props.on_help.reform(|_| true)}
                >
                    { "Why?" }
                </button>
            </MessagePanel>
            if props.help_open {
                <HelpDialog on_close={props.on_help.reform(|()| false)} return_to={why_ref} />
            }
        </>
    }
}
