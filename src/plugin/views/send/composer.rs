//! The message being composed.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use gloo_timers::callback::Timeout;
use web_sys::{AbortController, HtmlInputElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::keys::{idempotency_key, mark_answered};
use super::preflight_summary::PreflightSummary;
use super::preview::Preview;
use super::results::SendResults;
use super::template_picker::TemplatePicker;
use super::{Action, ComposeState, Load};
use crate::domain::compose::{
    fingerprint, noted, recipients_of, retry_failed, sent_note, Phase, Retry, SendFailure, SendKey,
    When,
};
use crate::domain::labels::{count_of_records, person_name};
use crate::domain::pages::ListPhase;
use crate::plugin::api;
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{title_tag, ErrorPanel, Skeleton};
use crate::plugin::intl::use_formats;
use crate::plugin::pages::{more_footer, typing_pause, use_pages};
use crate::plugin::{clock, focus_after_render, mark};
use crate::protocol::{CrmRecord, PluginMessage};
use crate::wire::{PreflightResponse, SendRequest, Template};
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub records: Rc<Vec<CrmRecord>>,
    pub on_done: Option<Callback<()>>,
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let state = use_reducer(ComposeState::default);
    let compose = &state.0;
    let query = use_state(String::new);
    let folder = use_state(String::new);
    let templates_generation = use_state(|| 0u32);
    // The templates for the search and folder (after a pause in typing), a page at a time.
    let templates = {
        let (query, folder) = ((*query).clone(), (*folder).clone());
        use_pages(
            format!("{}\n{folder}", query.trim()),
            *templates_generation,
            typing_pause(&query),
            move |cursor| Some(api::templates(&query, &folder, cursor)),
        )
    };
    let template = use_state(|| Load::<Rc<Template>>::Idle);
    let template_generation = use_state(|| 0u32);
    // The pre-flight, with the request it answers.
    let preflight = use_state(|| Load::<(Rc<SendRequest>, Rc<PreflightResponse>)>::Idle);
    let preflight_generation = use_state(|| 0u32);
    // Set between the click and the answer: a second click in the same tick does nothing.
    let in_flight = use_memo((), |_| Cell::new(false));
    let recipients = use_memo(props.records.clone(), |records| recipients_of(records));
    let user_id = host
        .context
        .as_ref()
        .map(|c| c.user.id.clone())
        .unwrap_or_default();

    // The chosen template.
    {
        let (template, session) = (template.clone(), host.session.clone());
        use_effect_with(
            (compose.template_id, *template_generation),
            move |(id, _)| {
                let controller = id.and_then(|_| AbortController::new().ok());
                if let (Some(id), Some(controller)) = (*id, controller.as_ref()) {
                    template.set(Load::Loading);
                    let signal = controller.signal();
                    spawn_local(async move {
                        match session.fetch(&api::template(id), &signal).await {
                            Err(error) if error.is_aborted() => {}
                            Ok(loaded) => template.set(Load::Loaded(Rc::new(loaded))),
                            Err(error) => template.set(Load::Failed(error)),
                        }
                    });
                }
                move || controller.iter().for_each(AbortController::abort)
            },
        );
    }

    // The pre-flight of the message as composed (without its time: typing a time must not
    // fail it), again a moment after each subject edit.
    let draft = compose.template_id.map(|template_id| SendRequest {
        template_id,
        subject: compose.subject.clone(),
        recipients: (*recipients).clone(),
        scheduled_at: None,
    });
    {
        let (preflight, session) = (preflight.clone(), host.session.clone());
        use_effect_with((draft.clone(), *preflight_generation), move |(draft, _)| {
            let controller = draft.as_ref().and_then(|_| AbortController::new().ok());
            let timer = match (draft.clone(), controller.as_ref()) {
                (Some(draft), Some(controller)) => {
                    preflight.set(Load::Loading);
                    let signal = controller.signal();
                    Some(Timeout::new(250, move || {
                        spawn_local(async move {
                            let endpoint = api::preflight(&draft);
                            match session.fetch(&endpoint, &signal).await {
                                Err(error) if error.is_aborted() => {}
                                Ok(answer) => {
                                    preflight.set(Load::Loaded((Rc::new(draft), Rc::new(answer))))
                                }
                                Err(error) => preflight.set(Load::Failed(error)),
                            }
                        });
                    }))
                }
                _ => {
                    preflight.set(Load::Idle);
                    None
                }
            };
            move || {
                drop(timer);
                controller.iter().for_each(AbortController::abort);
            }
        });
    }

    // The time of a scheduled send, or why it is not valid.
    let now = clock::now();
    let scheduled: Result<Option<DateTime<Utc>>, &'static str> = match &compose.when {
        When::Now => Ok(None),
        When::Later(text) => crate::domain::time::parse_datetime_local(text)
            .and_then(|local| formats.utc_of_local(local))
            .ok_or("Choose a date and time.")
            .and_then(|at| {
                if at <= now + chrono::Duration::minutes(1) {
                    Err("Choose a time in the future.")
                } else if at > now + chrono::Duration::days(365) {
                    Err("Choose a time within a year.")
                } else {
                    Ok(Some(at))
                }
            }),
    };

    let send = {
        let (state, session, bridge) = (
            state.dispatcher(),
            host.session.clone(),
            host.bridge.clone(),
        );
        let (in_flight, user_id) = (in_flight.clone(), user_id.clone());
        let (send_keys, formats) = (host.send_keys.clone(), formats.clone());
        let log_note = compose.log_note;
        let template_name = match &*template {
            Load::Loaded(t) => t.name.clone(),
            _ => String::new(),
        };
        // A request, and the id of the send whose failed recipients it retries.
        let stale = host.context_failed;
        Callback::from(move |(request, retry_of): (SendRequest, Option<i64>)| {
            // The CRM could not tell the sidebar what the user looks at now: email nobody.
            if stale || in_flight.replace(true) {
                return;
            }
            mark("sidebar:send-click");
            state.dispatch(Action::Start(request.clone(), retry_of));
            let (state, session, bridge, in_flight) = (
                state.clone(),
                session.clone(),
                bridge.clone(),
                in_flight.clone(),
            );
            let SendKey { key, .. } =
                idempotency_key(&send_keys, &fingerprint(&user_id, &request, retry_of));
            let (template_name, send_keys, formats) =
                (template_name.clone(), send_keys.clone(), formats.clone());
            spawn_local(async move {
                // Not tied to the view: a send the user left still finishes and logs its notes.
                let Ok(controller) = AbortController::new() else {
                    in_flight.set(false);
                    return;
                };
                let endpoint = api::send_email(&request, &key);
                let answer = session
                    .fetch_replayed(&endpoint, &controller.signal())
                    .await;
                in_flight.set(false);
                match answer {
                    Ok((response, replayed)) => {
                        // Only the first answer under this key logs notes: an earlier answer
                        // (before a reload, or to the same message sent from a view the user
                        // left meanwhile) already did.
                        let first = mark_answered(&send_keys, &key);
                        if log_note && first {
                            // The time as the user chose it, with the zone: the note is read
                            // in the CRM, by anyone.
                            let scheduled_for = response.scheduled_at.map(|at| {
                                format!("{} ({})", formats.date_time(&at), formats.zone_name())
                            });
                            for result in noted(&response) {
                                let (subject, body) = sent_note(
                                    result,
                                    &template_name,
                                    &response.campaign_id,
                                    scheduled_for.as_deref().unwrap_or_default(),
                                );
                                bridge.post(&PluginMessage::LogActivity {
                                    entity: result.entity,
                                    id: result.crm_id.clone(),
                                    subject,
                                    body,
                                });
                            }
                        }
                        // Already sent: answered here before, or (a "Send again" after a lost
                        // answer) the server says its first attempt had gone through.
                        state.dispatch(Action::Finish(request, Ok((response, !first || replayed))));
                        mark("sidebar:send-results");
                    }
                    Err(error) => state.dispatch(Action::Finish(
                        request,
                        Err(SendFailure {
                            message: error.user_message(),
                            outcome_unknown: error.outcome_unknown(),
                        }),
                    )),
                }
            });
        })
    };
    let dispatch = {
        let state = state.dispatcher();
        Callback::from(move |action: Action| state.dispatch(action))
    };

    // After a send: its results (and a retry of what failed, which keeps them on screen while
    // it goes, and when marketing refuses it).
    if let Phase::Done {
        request,
        response,
        replayed,
        retry,
    } = &compose.phase
    {
        let again = retry_failed(request, response, &recipients_of(&props.records)).map(|again| {
            let (send, send_id) = (send.clone(), response.id);
            Callback::from(move |()| send.emit((again.clone(), Some(send_id))))
        });
        return html! {
            <SendResults
                response={response.clone()}
                replayed={*replayed}
                on_retry={again}
                retrying={matches!(retry, Some(Retry::Sending { .. }))}
                retry_refused={match retry {
                    Some(Retry::Refused(message)) => Some(AttrValue::from(message.clone())),
                    _ => None,
                }}
                on_new={dispatch.reform(|()| {
                    // The results, and the button that had focus, give way to the message.
                    focus_after_render("send-subject");
                    Action::Reset
                })}
                on_done={props.on_done.clone()}
            />
        };
    }

    let count = props.records.len();
    let heading = if count == 1 {
        format!("Email {}", person_name(&props.records[0], None))
    } else {
        format!(
            "Email {}",
            count_of_records(props.records.iter().map(|r| r.entity))
        )
    };

    let list = templates.pages();
    let picker = match &list.phase {
        _ if !list.answered && list.is_first_load() => {
            html! { <Skeleton label="Loading templates" rows={4} /> }
        }
        phase => html! {
            <TemplatePicker
                // The first page failed: why, with a retry, in the list's place; the search and
                // the folder stay, to change what is asked.
                failure={match phase {
                    ListPhase::Failed(error) => Some(html! {
                        <ErrorPanel
                            message={error.user_message()}
                            on_retry={{
                                let generation = templates_generation.clone();
                                Callback::from(move |()| generation.set(*generation + 1))
                            }}
                        />
                    }),
                    _ => None,
                }}
                items={list.items.clone()}
                folders={Rc::new(list.extra.clone())}
                more={list.next_cursor.is_some()}
                loading={matches!(phase, ListPhase::Loading)}
                chosen={compose.template_id}
                query={AttrValue::from((*query).clone())}
                folder={AttrValue::from((*folder).clone())}
                disabled={compose.is_locked()}
                on_query={{ let query = query.clone(); Callback::from(move |q| query.set(q)) }}
                on_folder={{ let folder = folder.clone(); Callback::from(move |f| folder.set(f)) }}
                on_choose={dispatch.reform(Action::Choose)}
                hold={phase.holds()}
                footer={more_footer(phase, "Loading more templates\u{2026}", templates.more())}
                on_more={templates.more()}
            />
        },
    };

    let message = match (&*template, compose.template_id) {
        (_, None) => html! {
            <p class="send-hint">{ "Choose a template to preview and send it." }</p>
        },
        (Load::Failed(error), _) => html! {
            <ErrorPanel
                message={error.user_message()}
                on_retry={{
                    let generation = template_generation.clone();
                    Callback::from(move |()| generation.set(*generation + 1))
                }}
            />
        },
        (Load::Loaded(template), Some(id)) if template.id == id => {
            let subject = compose
                .subject
                .clone()
                .unwrap_or_else(|| template.subject.clone());
            let answered = match &*preflight {
                Load::Loaded((asked, answer)) if Some(&**asked) == draft.as_ref() => {
                    Some(answer.clone())
                }
                _ => None,
            };
            let sending = compose.is_sending();
            // After a lost answer the message is locked: Send sends that very request again.
            let unanswered = compose
                .unanswered()
                .map(|(request, retry_of)| (request.clone(), retry_of));
            let locked = compose.is_locked();
            let sendable = answered.as_ref().map(|a| a.sendable).unwrap_or(0);
            let stale = host.context_failed;
            let can_send =
                !stale && (unanswered.is_some() || (!sending && sendable > 0 && scheduled.is_ok()));
            let onclick = {
                let (send, draft) = (send.clone(), draft.clone());
                let at = scheduled.ok().flatten();
                let unanswered = unanswered.clone();
                Callback::from(move |_: MouseEvent| match (&unanswered, can_send, &draft) {
                    (Some((request, retry_of)), _, _) => {
                        send.emit(((**request).clone(), *retry_of))
                    }
                    (None, true, Some(draft)) => send.emit((
                        SendRequest {
                            scheduled_at: at,
                            ..draft.clone()
                        },
                        None,
                    )),
                    _ => {}
                })
            };
            let label = match (sending, &unanswered, &scheduled) {
                (true, _, _) => format!("Sending to {}…", plural(sendable, "recipient")),
                (false, Some(_), _) => "Send again".to_owned(),
                (false, None, Ok(Some(_))) => {
                    format!("Schedule for {}", plural(sendable, "recipient"))
                }
                (false, None, _) => format!("Send to {}", plural(sendable, "recipient")),
            };
            // Said once per answer by a region that stays, while the summary below is redrawn
            // with each check.
            let heard = answered.as_ref().map(|a| {
                let excluded = a.excluded().count();
                let mut said = format!("{} will receive it", plural(a.sendable, "recipient"));
                if excluded > 0 {
                    said.push_str(&format!(", {excluded} excluded"));
                }
                said
            });
            html! {
                <>
                    <p class="visually-hidden" role="status">{ heard.unwrap_or_default() }</p>
                    <div class="send-field">
                        <label for="send-subject">{ "Subject" }</label>
                        <input
                            id="send-subject"
                            type="text"
                            maxlength="255"
                            value={subject.clone()}
                            disabled={locked}
                            oninput={{
                                let template_subject = template.subject.clone();
                                dispatch.reform(move |e: InputEvent| Action::Subject(
                                    e.target_unchecked_into::<HtmlInputElement>().value(),
                                    template_subject.clone(),
                                ))
                            }}
                        />
                        <p class="send-field-hint">
                            { "Merge fields like {{firstName}} are filled per recipient; {{firstName|there}} falls back to \u{201c}there\u{201d}." }
                        </p>
                    </div>
                    { match (&*preflight, &answered) {
                        (_, Some(answer)) => html! {
                            <>
                                <Preview
                                    template={template.clone()}
                                    subject={AttrValue::from(subject.clone())}
                                    preflight={answer.clone()}
                                    index={compose.preview}
                                    on_choose={dispatch.reform(Action::Preview)}
                                />
                                <PreflightSummary preflight={answer.clone()} />
                            </>
                        },
                        (Load::Failed(error), None) => html! {
                            <ErrorPanel
                                message={format!("Checking the recipients failed. {}", error.user_message())}
                                on_retry={{
                                    let generation = preflight_generation.clone();
                                    Callback::from(move |()| generation.set(*generation + 1))
                                }}
                            />
                        },
                        _ => html! { <Skeleton label="Checking recipients" rows={3} /> },
                    } }
                    <fieldset class="send-when" disabled={locked}>
                        <legend>{ "When" }</legend>
                        <label class="send-option">
                            <input
                                type="radio"
                                name="send-when"
                                id="send-now"
                                checked={compose.when == When::Now}
                                onchange={dispatch.reform(|_: Event| Action::When(When::Now))}
                            />
                            { "Send now" }
                        </label>
                        <label class="send-option">
                            <input
                                type="radio"
                                name="send-when"
                                id="send-later"
                                checked={compose.when != When::Now}
                                onchange={dispatch.reform(|_: Event| Action::When(When::Later(String::new())))}
                            />
                            { "Schedule" }
                        </label>
                        if let When::Later(text) = &compose.when {
                            <label class="send-schedule">
                                <span>{ format!("Date and time ({})", formats.zone_name()) }</span>
                                <input
                                    id="send-at"
                                    type="datetime-local"
                                    value={text.clone()}
                                    aria-invalid={(scheduled.is_err() && !text.is_empty()).to_string()}
                                    aria-describedby={scheduled.is_err().then_some("send-at-error")}
                                    onchange={dispatch.reform(|e: Event| Action::When(When::Later(
                                        e.target_unchecked_into::<HtmlInputElement>().value(),
                                    )))}
                                />
                            </label>
                            // Nothing typed yet is a hint, not an error.
                            if let Err(problem) = &scheduled {
                                <p id="send-at-error"
                                    class={if text.is_empty() { "send-field-hint" } else { "field-error" }}>
                                    { *problem }
                                </p>
                            }
                        }
                    </fieldset>
                    <label class="send-option send-log">
                        <input
                            id="send-log-note"
                            type="checkbox"
                            checked={compose.log_note}
                            disabled={locked}
                            onchange={dispatch.reform(|e: Event| Action::LogNote(
                                e.target_unchecked_into::<HtmlInputElement>().checked(),
                            ))}
                        />
                        { if compose.when == When::Now {
                            "Log a \u{201c}Sent Email\u{201d} note on the CRM record"
                        } else {
                            "Log a \u{201c}Scheduled Email\u{201d} note on the CRM record"
                        } }
                    </label>
                    if let Phase::Failed { request, message, unknown, .. } = &compose.phase {
                        <div class="error-panel compact send-failed" role="alert">
                            if *unknown {
                                <p class="error-message">
                                    { format!(
                                        "The send did not complete: {message} It may have gone out. \u{201c}Send again\u{201d} sends exactly this message to the same {}, and nobody gets it twice.",
                                        plural(request.recipients.len() as u32, "recipient"),
                                    ) }
                                </p>
                                <p class="send-field-hint">
                                    { "Changing it makes a new message: anyone the first one reached would get both." }
                                    <button
                                        id="send-edit-anyway"
                                        type="button"
                                        class="link-button"
                                        onclick={dispatch.reform(|_| Action::EditAnyway)}
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
                    <div class="send-actions">
                        <button
                            id="send-submit"
                            type="button"
                            class="button button-primary"
                            disabled={!can_send}
                            aria-busy={sending.to_string()}
                            {onclick}
                        >
                            { label }
                        </button>
                        if stale {
                            <p class="send-field-hint">
                                { "The CRM couldn't update the sidebar: reopen it to send. Your message is kept." }
                            </p>
                        }
                        if sending {
                            <div class="send-progress" role="status">
                                <progress aria-label="Sending"></progress>
                                <span>{ format!("Sending to {}…", plural(sendable, "recipient")) }</span>
                            </div>
                        }
                    </div>
                </>
            }
        }
        _ => html! { <Skeleton label="Loading the template" rows={3} /> },
    };

    html! {
        <div class="send">
            <@{title_tag(props.on_done.is_some())} class="send-heading">{ heading }</@>
            <section class="send-templates" aria-label="Templates">{ picker }</section>
            <section class="send-message" aria-label="Message">{ message }</section>
        </div>
    }
}

pub(crate) fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
