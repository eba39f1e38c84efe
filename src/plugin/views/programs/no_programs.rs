//! No program is enabled for the CRM: why, with the help dialog.

use yew::prelude::*;

use super::help_dialog::HelpDialog;
use super::HELP_TEXT;
use crate::domain::programs_view::ProgramsAction;
use crate::plugin::components::panels::message_panel;

/// The message, its "Why?" (`why_ref`, where focus returns when the dialog closes) and, while
/// `help_open`, the help dialog.
pub fn no_programs(
    help_open: bool,
    why_ref: &NodeRef,
    dispatch: &Callback<ProgramsAction>,
) -> Html {
    html! {
        <>
            { message_panel("\u{2205}", "No programs available".into(), Some(HELP_TEXT.into()), html! {
                <button
                    ref={why_ref.clone()}
                    id="programs-why"
                    type="button"
                    class="button"
                    onclick={dispatch.reform(|_| ProgramsAction::ShowHelp(true))}
                >
                    { "Why?" }
                </button>
            }) }
            if help_open {
                <HelpDialog on_close={dispatch.reform(|()| ProgramsAction::ShowHelp(false))} return_to={why_ref.clone()} />
            }
        </>
    }
}
