//! The message of a chosen template: its subject, who it reaches and how it reads for each,
//! when it goes, and the Send button.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::preflight_summary::PreflightSummary;
use super::preview::Preview;
use super::send_actions::{SendActions, SendFailed};
use super::sending::SendOrder;
use super::when_field::WhenField;
use crate::domain::compose::{preflight_said, Compose, ComposeAction};
use crate::domain::schedule::When;
use crate::plugin::bridge::use_host;
use crate::plugin::clock;
use crate::plugin::components::panels::{ErrorPanel, Skeleton};
use crate::plugin::hooks::Load;
use crate::plugin::intl::use_formats;
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

#[derive(Properties, PartialEq)]
pub struct MessageProps {
    pub template: Rc<Template>,
    pub compose: Compose,
    /// The message as composed, without its time.
    pub draft: Option<Rc<SendRequest>>,
    /// The pre-flight of that very draft.
    pub check: Check,
    pub dispatch: Callback<ComposeAction>,
    pub send: Callback<SendOrder>,
}

#[component]
pub fn Message(props: &MessageProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let compose = &props.compose;
    let dispatch = &props.dispatch;
    let subject = compose
        .subject
        .clone()
        .unwrap_or_else(|| props.template.subject.clone());
    let at = compose
        .when
        .send_time(clock::now(), |local| formats.utc_of_local(local));
    let sendable = props.check.answer().map(|p| p.sendable).unwrap_or(0);
    let offer = compose.send_offer(props.draft.as_deref(), sendable, &at, host.context_failed);
    let locked = compose.is_locked();
    let checked = match &props.check {
        Check::Answered(answer) => html! {
            <>
                <Preview
                    template={props.template.clone()}
                    subject={AttrValue::from(subject.clone())}
                    preflight={answer.clone()}
                    index={compose.preview}
                    on_choose={dispatch.reform(ComposeAction::PreviewFor)}
                />
                <PreflightSummary preflight={answer.clone()} />
            </>
        },
        Check::Failed(error, retry) => html! {
            <ErrorPanel
                message={format!("Checking the recipients failed. {error}")}
                on_retry={retry.clone()}
            />
        },
        Check::Asking => html! { <Skeleton label="Checking recipients" rows={3} /> },
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
            <WhenField when={compose.when.clone()} {at} {locked} on_change={dispatch.reform(ComposeAction::SetWhen)} />
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
            <SendFailed phase={compose.phase.clone()} on_edit_anyway={dispatch.reform(|()| ComposeAction::EditAnyway)} />
            <SendActions
                {offer}
                sending={compose.is_sending()}
                {sendable}
                context_failed={host.context_failed}
                send={props.send.clone()}
            />
        </>
    }
}
