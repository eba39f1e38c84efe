//! Send email: to the record, or to up to 200 records selected in a CRM list view.
//!
//! Choose a template (folders, search), see it rendered for any recipient in a sandboxed frame,
//! edit the subject, read the pre-flight (who receives it, who is excluded and why, which merge
//! fields are empty for whom), send now or at a time in the user's zone. One request sends the
//! whole batch with an `Idempotency-Key` kept per composed message for the tab's life (see
//! [`crate::domain::compose`]); the results list every recipient, with a retry for the failed
//! ones, and each recipient the email went (or will go) to gets a "Sent Email" (or "Scheduled
//! Email") note in the CRM.

pub mod results;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use gloo_timers::callback::Timeout;
use web_sys::{AbortController, HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::compose::{
    fingerprint, noted, recipients_of, retry_failed, selection_problem, sent_note, Compose, Phase,
    Retry, SendFailure, SendKey, SendKeys, When,
};
use crate::domain::labels::{cannot_email, count_of_records, has_email, person_name};
use crate::domain::merge::{missing_field_note, render_html, render_text, MergeData};
use crate::domain::pages::ListPhase;
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{
    title_tag, ErrorPanel, MessagePanel, SearchField, Skeleton,
};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::intl::use_formats;
use crate::plugin::pages::{more_footer, typing_pause, use_pages};
use crate::plugin::{clock, focus_after_render, mark, random_key, window};
use crate::protocol::{CrmRecord, PluginMessage};
use crate::wire::{
    by_folder, PreflightResponse, RecipientStatus, RecordProfile, SendRequest, SendResponse,
    SubscriptionStatus, Template, TemplateSummary,
};
use results::{daily_limit, SendResults, RESULT_ROW_ESTIMATE};

#[derive(Properties, PartialEq)]
pub struct SendEmailProps {
    /// The record of a record page, or the list view's selection.
    pub records: Rc<Vec<CrmRecord>>,
    /// Marketing's profile of a single record, once loaded.
    #[prop_or_default]
    pub profile: Option<Rc<RecordProfile>>,
    /// Marketing's data about the record changed (a resubscribe was requested): reload it.
    #[prop_or_default]
    pub on_changed: Option<Callback<()>>,
    /// Offered as "Done" with the results where the host opened the view for one action (a
    /// list-view selection): it asks the host to close it.
    #[prop_or_default]
    pub on_done: Option<Callback<()>>,
}

/// A fetched value.
#[derive(Clone)]
enum Load<T> {
    Idle,
    Loading,
    Loaded(T),
    Failed(ApiError),
}

/// The composed message, as a Yew reducer over [`Compose`].
#[derive(Clone, Default, PartialEq)]
struct ComposeState(Compose);

enum Action {
    Choose(i64),
    Subject(String, String),
    When(When),
    LogNote(bool),
    Preview(usize),
    /// A request, and the send whose failed recipients it retries.
    Start(SendRequest, Option<i64>),
    Finish(SendRequest, Result<(SendResponse, bool), SendFailure>),
    /// Unlock a message whose send may have gone out, to change it.
    EditAnyway,
    Reset,
}

impl Reducible for ComposeState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let compose = &mut next.0;
        match action {
            Action::Choose(id) => compose.choose_template(id),
            Action::Subject(subject, template) => compose.edit_subject(subject, &template),
            Action::When(when) => compose.set_when(when),
            Action::LogNote(on) => compose.set_log_note(on),
            Action::Preview(index) => compose.preview = Some(index),
            Action::Start(request, retry_of) => {
                compose.start_send(request, retry_of);
            }
            Action::EditAnyway => compose.edit_anyway(),
            Action::Finish(request, answer) => compose.finish(&request, answer),
            Action::Reset => compose.reset(),
        }
        Rc::new(next)
    }
}

#[component]
pub fn SendEmail(props: &SendEmailProps) -> Html {
    if let Some(problem) = selection_problem(props.records.len()) {
        return html! { <MessagePanel glyph="\u{2709}" title="Can't send this email" detail={problem} /> };
    }
    if let (Some(profile), [record]) = (&props.profile, props.records.as_slice()) {
        // Neither the CRM nor marketing has an address: say so before any template is chosen.
        if !has_email(record, Some(profile)) {
            return html! {
                <MessagePanel glyph="\u{2709}"
                    title={format!("{} has no email address", person_name(record, Some(profile)))}
                    detail="Add one to the record in the CRM to email them." />
            };
        }
        if profile.subscription_status != SubscriptionStatus::Subscribed {
            return html! {
                <Consent
                    record={record.clone()}
                    profile={profile.clone()}
                    on_changed={props.on_changed.clone()}
                />
            };
        }
    }
    html! { <Composer records={props.records.clone()} on_done={props.on_done.clone()} /> }
}

#[derive(Properties, PartialEq)]
struct ComposerProps {
    records: Rc<Vec<CrmRecord>>,
    on_done: Option<Callback<()>>,
}

#[component]
fn Composer(props: &ComposerProps) -> Html {
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

/// The `Idempotency-Key` for a message fingerprint, and whether a send with it was already
/// answered. Remembered in memory for the plugin's life (so a retry after a timeout reuses it
/// even where the browser refuses storage) and copied to `sessionStorage` (a random key, no
/// record data) so a reload of the same compose finds it again.
fn idempotency_key(keys: &RefCell<SendKeys>, fingerprint: &str) -> SendKey {
    let storage = window().session_storage().ok().flatten();
    let name = format!("crm-sidebar.send.{fingerprint}");
    let stored = || {
        let storage = storage.as_ref()?;
        let key = storage.get_item(&name).ok().flatten()?;
        let answered = storage
            .get_item(&format!("{name}.answered"))
            .ok()
            .flatten()
            .is_some();
        Some(SendKey { key, answered })
    };
    let key = keys.borrow_mut().key_for(fingerprint, stored, random_key);
    if let Some(storage) = &storage {
        let _ = storage.set_item(&name, &key.key);
        let _ = storage.set_item(&format!("crm-sidebar.key.{}", key.key), &name);
    }
    key
}

/// Remembers that the send with `key` was answered (its notes were logged). Returns whether it
/// is the first answer under that key.
fn mark_answered(keys: &RefCell<SendKeys>, key: &str) -> bool {
    let first = keys.borrow_mut().mark_answered(key);
    if let Some(storage) = window().session_storage().ok().flatten() {
        if let Ok(Some(name)) = storage.get_item(&format!("crm-sidebar.key.{key}")) {
            let _ = storage.set_item(&format!("{name}.answered"), "1");
        }
    }
    first
}

#[derive(Properties, PartialEq)]
struct TemplatePickerProps {
    /// The templates listed so far, in the API's order.
    items: Rc<Vec<TemplateSummary>>,
    /// Every folder of the tenant, for the folder picker.
    folders: Rc<Vec<String>>,
    /// More pages may come.
    more: bool,
    /// A first page for another search or folder is on its way.
    loading: bool,
    chosen: Option<i64>,
    query: AttrValue,
    folder: AttrValue,
    disabled: bool,
    on_query: Callback<String>,
    on_folder: Callback<String>,
    on_choose: Callback<i64>,
    /// Scrolling to the end asks for no page now (see [`ListPhase::holds`]).
    hold: bool,
    /// Under the list: the next page on its way, or why it did not come.
    footer: Html,
    /// Shown instead of the list when its first page failed.
    failure: Option<Html>,
    /// Asks for the next page.
    on_more: Callback<()>,
}

#[component]
fn TemplatePicker(props: &TemplatePickerProps) -> Html {
    // The list's scrolling box, which clips the virtualized rows.
    let scroller = use_node_ref();
    // One row per folder name, then its templates: a folder is keyed by its place among the
    // folders (below zero, so it never meets a template's id).
    let rows: Rc<Vec<TemplateRow>> = Rc::new(
        by_folder(&props.items)
            .into_iter()
            .enumerate()
            .flat_map(|(at, (folder, items))| {
                std::iter::once(TemplateRow::Folder(-(at as i64) - 1, folder.to_owned()))
                    .chain(items.into_iter().map(|t| TemplateRow::Template(t.clone())))
            })
            .collect(),
    );
    let keys = Rc::new(rows.iter().map(TemplateRow::key).collect::<Vec<_>>());
    let render = {
        let (rows, chosen, on_choose) = (rows.clone(), props.chosen, props.on_choose.clone());
        Callback::from(move |at: usize| match rows.get(at) {
            Some(TemplateRow::Folder(_, folder)) => html! {
                <p class="template-folder-name">{ folder.clone() }</p>
            },
            Some(TemplateRow::Template(t)) => {
                let id = t.id;
                html! {
                    <label class="template" data-template-id={id.to_string()}>
                        <input
                            id={format!("template-{id}")}
                            type="radio"
                            name="send-template"
                            checked={chosen == Some(id)}
                            onchange={on_choose.reform(move |_: Event| id)}
                        />
                        <span class="template-name">{ t.name.clone() }</span>
                        <span class="template-subject">{ t.subject.clone() }</span>
                    </label>
                }
            }
            None => html! {},
        })
    };
    html! {
        <>
            <div class="send-filters">
                <SearchField
                    id="template-search"
                    label="Search templates"
                    value={props.query.clone()}
                    on_input={props.on_query.clone()}
                />
                <label class="visually-hidden" for="template-folder">{ "Folder" }</label>
                <select
                    id="template-folder"
                    onchange={props.on_folder.reform(|e: Event| {
                        e.target_unchecked_into::<HtmlSelectElement>().value()
                    })}
                >
                    <option value="" selected={props.folder.is_empty()}>{ "All folders" }</option>
                    { for props.folders.iter().map(|f| html! {
                        <option value={f.clone()} selected={props.folder == f.as_str()}>{ f.clone() }</option>
                    }) }
                </select>
            </div>
            if let Some(failure) = &props.failure {
                { failure.clone() }
            } else if rows.is_empty() && props.loading {
                <Skeleton label="Loading templates" rows={3} />
            } else if rows.is_empty() {
                <p class="send-hint">{ "No template matches. Try another name or folder." }</p>
            } else {
                <fieldset
                    class={classes!("template-list", props.loading.then_some("is-stale"))}
                    aria-busy={props.loading.to_string()}
                    disabled={props.disabled}
                    ref={scroller.clone()}
                >
                    <legend class="visually-hidden">{ "Template" }</legend>
                    <VirtualRows
                        {keys}
                        estimate={TEMPLATE_ROW_ESTIMATE}
                        {render}
                        more={props.more}
                        on_near_end={props.on_more.clone()}
                        hold={props.hold}
                        counted={false}
                        class="template-rows"
                        label="Templates by folder"
                        row_class="template-row"
                        viewport={scroller}
                        pinned={props.chosen}
                    />
                    { props.footer.clone() }
                </fieldset>
            }
        </>
    }
}

/// A row of the template list: a folder's name, or a template.
enum TemplateRow {
    Folder(i64, String),
    Template(TemplateSummary),
}

impl TemplateRow {
    fn key(&self) -> i64 {
        match self {
            TemplateRow::Folder(key, _) => *key,
            TemplateRow::Template(t) => t.id,
        }
    }
}

/// The height assumed for a template's row before it is measured: its name and subject.
const TEMPLATE_ROW_ESTIMATE: u32 = 44;

#[derive(Properties, PartialEq)]
struct PreviewProps {
    template: Rc<Template>,
    subject: AttrValue,
    preflight: Rc<PreflightResponse>,
    index: Option<usize>,
    on_choose: Callback<usize>,
}

/// The message as one recipient will get it; the body in a frame with no scripts and no origin.
#[component]
fn Preview(props: &PreviewProps) -> Html {
    let recipients = &props.preflight.recipients;
    // The chosen recipient, else the first one the email goes to.
    let index = props
        .index
        .filter(|index| *index < recipients.len())
        .or_else(|| {
            recipients
                .iter()
                .position(|r| r.status == RecipientStatus::Sendable)
        })
        .unwrap_or(0);
    let Some(recipient) = recipients.get(index) else {
        return html! {};
    };
    let data = MergeData::from_values(recipient.imported, &recipient.merge_values);
    let subject = render_text(&props.subject, &data);
    let body = render_html(&props.template.html, &data);
    html! {
        <section class="send-preview" aria-label="Preview">
            if recipients.len() > 1 {
                <label class="send-preview-for">
                    <span>{ "Preview for" }</span>
                    <select
                        id="send-preview-recipient"
                        onchange={props.on_choose.reform(|e: Event| {
                            e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(0)
                        })}
                    >
                        { for recipients.iter().enumerate().map(|(i, r)| html! {
                            <option value={i.to_string()} selected={i == index}>
                                { match r.reason {
                                    Some(reason) => format!("{} (excluded: {})", r.name, reason.label()),
                                    None => r.name.clone(),
                                } }
                            </option>
                        }) }
                    </select>
                </label>
            }
            <p class="send-preview-subject"><span>{ "Subject: " }</span><strong>{ subject }</strong></p>
            <iframe
                class="send-preview-frame"
                title={format!("Email preview for {}", recipient.name)}
                sandbox=""
                referrerpolicy="no-referrer"
                srcdoc={body}
            />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PreflightSummaryProps {
    preflight: Rc<PreflightResponse>,
}

/// Who receives it, who does not and why, and the merge fields some recipients lack.
#[component]
fn PreflightSummary(props: &PreflightSummaryProps) -> Html {
    let formats = use_formats();
    let p = &props.preflight;
    let excluded: Vec<_> = p.excluded().collect();
    // Up to 200 of them: only those in view are in the DOM.
    let render_excluded = {
        let preflight = props.preflight.clone();
        Callback::from(move |at: usize| {
            let Some(r) = preflight.excluded().nth(at) else {
                return html! {};
            };
            html! {
                <div class="preflight-recipient" data-crm-id={r.crm_id.clone()}>
                    <span class="preflight-name">{ r.name.clone() }</span>
                    <span class="badge badge-negative">
                        { r.reason.map(|reason| reason.label()).unwrap_or("Excluded") }
                    </span>
                </div>
            }
        })
    };
    html! {
        <section class="preflight" aria-label="Before sending">
            <p class="preflight-count">
                <strong>{ plural(p.sendable, "recipient") }</strong>
                { " will receive it" }
                if !excluded.is_empty() {
                    { format!(" · {} excluded", excluded.len()) }
                }
            </p>
            if !excluded.is_empty() {
                <VirtualRows
                    keys={Rc::new((0..excluded.len() as i64).collect::<Vec<_>>())}
                    estimate={RESULT_ROW_ESTIMATE}
                    render={render_excluded}
                    class="preflight-excluded"
                    label="Excluded recipients"
                    row_class="preflight-row"
                />
            }
            { for p.missing_fields.iter().map(|m| html! {
                <p class="preflight-missing" role="note">
                    { missing_field_note(&m.field, &m.recipients) }
                </p>
            }) }
            { daily_limit(p.remaining_today, &p.limit_resets_at, &formats) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ConsentProps {
    record: CrmRecord,
    profile: Rc<RecordProfile>,
    on_changed: Option<Callback<()>>,
}

/// A record marketing may not email: why, and for an opt-out the resubscribe request.
#[component]
fn Consent(props: &ConsentProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let request = use_state(|| Load::<DateTime<Utc>>::Idle);
    let name = person_name(&props.record, Some(&props.profile));
    let requested_at = match &*request {
        Load::Loaded(at) => Some(*at),
        _ => props.profile.resubscribe_requested_at,
    };
    let onclick = {
        let (request, session) = (request.clone(), host.session.clone());
        // The person marketing knows: for a contact converted from a lead, the lead it found
        // by email (the contact's own CRM id is unknown to marketing).
        let (profile, on_changed) = (props.profile.clone(), props.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            if matches!(*request, Load::Loading) {
                return;
            }
            request.set(Load::Loading);
            let (request, session, profile, on_changed) = (
                request.clone(),
                session.clone(),
                profile.clone(),
                on_changed.clone(),
            );
            spawn_local(async move {
                let Ok(controller) = AbortController::new() else {
                    return;
                };
                let endpoint = api::resubscribe(profile.entity, &profile.crm_id);
                match session.fetch(&endpoint, &controller.signal()).await {
                    Ok(answer) => {
                        request.set(Load::Loaded(answer.requested_at));
                        if let Some(on_changed) = on_changed {
                            on_changed.emit(());
                        }
                    }
                    Err(error) => request.set(Load::Failed(error)),
                }
            });
        })
    };
    let title = cannot_email(props.profile.subscription_status, true, &name).unwrap_or_default();
    let detail = match props.profile.subscription_status {
        SubscriptionStatus::OptedOut => "Marketing emails can't be sent to someone who unsubscribed. You can ask marketing to send them a resubscribe confirmation; they are emailable again once they confirm.",
        SubscriptionStatus::HardBounced => "The mail server rejected this address permanently. Correct the email in the CRM; marketing will try the new address.",
        _ => "A marketing admin blocked email to this person. Ask them if you think this is wrong.",
    };
    html! {
        <div class="send consent">
            <MessagePanel glyph="\u{2298}" {title} detail={detail}>
                if props.profile.subscription_status == SubscriptionStatus::OptedOut {
                    if let Some(at) = requested_at {
                        <p class="consent-requested" role="status">
                            { "Resubscribe requested " }
                            <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                            { ". They are emailable once they confirm." }
                        </p>
                    } else {
                        <button
                            id="send-resubscribe"
                            type="button"
                            class="button button-primary"
                            disabled={matches!(*request, Load::Loading)}
                            {onclick}
                        >
                            { if matches!(*request, Load::Loading) { "Requesting…" } else { "Request resubscribe" } }
                        </button>
                    }
                    if let Load::Failed(error) = &*request {
                        <p class="field-error" role="alert">{ error.user_message() }</p>
                    }
                }
            </MessagePanel>
        </div>
    }
}
