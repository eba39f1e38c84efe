//! The message of a chosen template: its subject, who it reaches and how it reads for each,
//! when it goes, and the Send button.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::preflight_summary::preflight_summary;
use super::preview::preview;
use super::send_actions::{send_actions, send_failed};
use super::sending::SendOrder;
use super::when_field::when_field;
use crate::domain::compose::{preflight_said, Compose, ComposeAction};
use crate::domain::schedule::When;
use crate::plugin::browser::clock;
use crate::plugin::components::panels::{error_panel, skeleton};
use crate::plugin::hooks::Load;
use crate::plugin::intl::Formats;
use crate::wire::{PreflightResponse, SendRequest, Template};

/// Who the draft reaches, as the pre-flight says.
#[derive(Clone, PartialEq)]
pub enum Check {
    Asking,
    Answered(Rc<PreflightResponse>),
    /// Why it failed, and the retry.
    Failed(AttrValue, Callback<()>),
}

impl Check {
    /// Where the pre-flight of `draft` stands: an answer to an earlier draft is no answer.
    pub fn of(
        load: &Load<Option<(SendRequest, Rc<PreflightResponse>)>>,
        draft: Option<&SendRequest>,
    ) -> Check {
        match load {
            Load::Loaded(answer) => match answer.as_ref() {
                Some((asked, answer)) if Some(asked) == draft => Check::Answered(answer.clone()),
                _ => Check::Asking,
            },
            Load::Failed { error, retry } => {
                Check::Failed(error.user_message().into(), retry.clone())
            }
            Load::Loading => Check::Asking,
        }
    }

    fn answer(&self) -> Option<&PreflightResponse> {
        match self {
            Check::Answered(answer) => Some(answer),
            _ => None,
        }
    }
}

/// What the message is drawn from.
pub struct MessageView<'a> {
    pub template: &'a Rc<Template>,
    pub compose: &'a Compose,
    /// The message as composed, without its time.
    pub draft: Option<&'a SendRequest>,
    /// The pre-flight of that very draft.
    pub check: Check,
    pub dispatch: &'a Callback<ComposeAction>,
    pub send: &'a Callback<SendOrder>,
    /// The CRM could not say what the user looks at now.
    pub context_failed: bool,
    pub formats: &'a Formats,
}

/// A plain view function: drawn with the composer, which holds all it needs.
pub fn message(props: MessageView) -> Html {
    let (compose, dispatch, formats) = (props.compose, props.dispatch, props.formats);
    let subject = compose
        .subject
        .clone()
        .unwrap_or_else(|| props.template.subject.clone());
    let at = compose
        .when
        .send_time(clock::now(), |local| formats.utc_of_local(local));
    let sendable = props.check.answer().map(|p| p.sendable).unwrap_or(0);
    let offer = compose.send_offer(props.draft, sendable, &at, props.context_failed);
    let locked = compose.is_locked();
    let checked = match &props.check {
        Check::Answered(answer) => html! {
            <>
                { preview(
                    props.template,
                    &subject,
                    answer,
                    compose.preview,
                    &dispatch.reform(ComposeAction::PreviewFor),
                ) }
                { preflight_summary(answer, formats) }
            </>
        },
        Check::Failed(error, retry) => error_panel(
            format!("Checking the recipients failed. {error}").into(),
            retry.clone(),
        ),
        Check::Asking => skeleton("Checking recipients", 3),
    };
    html! {
        <>
            // Said once per answer by a region that stays, while the summary below is redrawn
            // with each check.
            <p class="visually-hidden" role="status">
                { props.check.answer().map(preflight_said).unwrap_or_default() }
            </p>
            <div class="send-field">
                <label for="send-subject">{ "Subject" }</label>
                <input
                    id="send-subject"
                    type="text"
                    maxlength="255"
                    value={subject}
                    disabled={locked}
                    oninput={{
                        let template_subject = props.template.subject.clone();
                        dispatch.reform(move |e: InputEvent| ComposeAction::EditSubject {
                            subject: e.target_unchecked_into::<HtmlInputElement>().value(),
                            template_subject: template_subject.clone(),
                        })
                    }}
                />
                <p class="send-field-hint">
                    { "Merge fields like {{firstName}} are filled per recipient; {{firstName|there}} falls back to \u{201c}there\u{201d}." }
                </p>
            </div>
            { checked }
            { when_field(&compose.when, &at, locked, formats, dispatch) }
            <label class="send-option send-log">
                <input
                    id="send-log-note"
                    type="checkbox"
                    checked={compose.log_note}
                    disabled={locked}
                    onchange={dispatch.reform(|e: Event| ComposeAction::SetLogNote(
                        e.target_unchecked_into::<HtmlInputElement>().checked(),
                    ))}
                />
                { if compose.when == When::Now {
                    "Log a \u{201c}Sent Email\u{201d} note on the CRM record"
                } else {
                    "Log a \u{201c}Scheduled Email\u{201d} note on the CRM record"
                } }
            </label>
            { send_failed(&compose.phase, dispatch) }
            { send_actions(offer, compose.is_sending(), sendable, props.context_failed, props.send) }
        </>
    }
}
