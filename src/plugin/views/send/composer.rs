//! The message being composed: the template list beside it, then its results once sent.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::message::Message;
use super::results::SendResults;
use super::sending::{use_send, NoteOptions, SendOrder};
use super::template_picker::TemplatePicker;
use super::Load;
use crate::domain::compose::{recipients_of, retry_failed, Compose, ComposeAction, Phase, Retry};
use crate::domain::labels::{count_of_records, person_name};
use crate::domain::paging::ListPhase;
use crate::plugin::api;
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{title_tag, ErrorPanel, Skeleton};
use crate::plugin::focus_after_render;
use crate::plugin::hooks::{more_footer, typing_pause, use_pages};
use crate::protocol::CrmRecord;
use crate::wire::{PreflightResponse, SendRequest, Template};

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub records: Rc<Vec<CrmRecord>>,
    pub on_done: Option<Callback<()>>,
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let state = use_reducer(Compose::default);
    let dispatch = {
        let state = state.dispatcher();
        Callback::from(move |action: ComposeAction| state.dispatch(action))
    };
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
    let template_generation = use_state(|| 0u32);
    let template = use_template(state.template_id, *template_generation);
    let recipients = use_memo(props.records.clone(), |records| recipients_of(records));
    // The pre-flight of the message as composed (without its time: typing a time must not
    // fail it), again a moment after each subject edit.
    let draft = state.template_id.map(|template_id| SendRequest {
        template_id,
        subject: state.subject.clone(),
        recipients: (*recipients).clone(),
        scheduled_at: None,
    });
    let preflight_generation = use_state(|| 0u32);
    let preflight = use_preflight(draft.clone(), *preflight_generation);
    let send = use_send(
        NoteOptions {
            log_note: state.log_note,
            template_name: match &template {
                Load::Loaded(t) => t.name.clone(),
                _ => String::new(),
            },
        },
        dispatch.clone(),
    );

    if let Some(results) = results(&state, &props.records, &send, &dispatch, &props.on_done) {
        return results;
    }

    let heading = match props.records.as_slice() {
        [record] => format!("Email {}", person_name(record, None)),
        records => format!(
            "Email {}",
            count_of_records(records.iter().map(|r| r.entity))
        ),
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
                chosen={state.template_id}
                query={AttrValue::from((*query).clone())}
                folder={AttrValue::from((*folder).clone())}
                disabled={state.is_locked()}
                on_query={{ let query = query.clone(); Callback::from(move |q| query.set(q)) }}
                on_folder={{ let folder = folder.clone(); Callback::from(move |f| folder.set(f)) }}
                on_choose={dispatch.reform(ComposeAction::ChooseTemplate)}
                hold={phase.holds()}
                footer={more_footer(phase, "Loading more templates\u{2026}", templates.more())}
                on_more={templates.more()}
            />
        },
    };

    let message = match (&template, state.template_id) {
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
            let answered = match &preflight {
                Load::Loaded((asked, answer)) if Some(&**asked) == draft.as_ref() => {
                    Some(answer.clone())
                }
                _ => None,
            };
            let check_failed = match (&preflight, &answered) {
                (Load::Failed(error), None) => Some(AttrValue::from(error.user_message())),
                _ => None,
            };
            html! {
                <Message
                    template={template.clone()}
                    compose={(*state).clone()}
                    draft={draft.map(Rc::new)}
                    preflight={answered}
                    {check_failed}
                    on_check_again={{
                        let generation = preflight_generation.clone();
                        Callback::from(move |()| generation.set(*generation + 1))
                    }}
                    dispatch={dispatch.clone()}
                    {send}
                />
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

/// After a send: its results, with a retry of what failed (which keeps them on screen while it
/// goes, and when marketing refuses it). `None` before.
fn results(
    compose: &Compose,
    records: &[CrmRecord],
    send: &Callback<SendOrder>,
    dispatch: &Callback<ComposeAction>,
    on_done: &Option<Callback<()>>,
) -> Option<Html> {
    let Phase::Done {
        request,
        response,
        replayed,
        retry,
    } = &compose.phase
    else {
        return None;
    };
    let again = retry_failed(request, response, &recipients_of(records)).map(|again| {
        let (send, send_id) = (send.clone(), response.id);
        Callback::from(move |()| send.emit((again.clone(), Some(send_id))))
    });
    Some(html! {
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
                ComposeAction::Reset
            })}
            on_done={on_done.clone()}
        />
    })
}

/// The chosen template, fetched again when `generation` changes.
#[hook]
fn use_template(id: Option<i64>, generation: u32) -> Load<Rc<Template>> {
    let session = use_host().session;
    let template = use_state(|| Load::<Rc<Template>>::Idle);
    {
        let template = template.clone();
        use_effect_with((id, generation), move |(id, _)| {
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
        });
    }
    (*template).clone()
}

/// The pre-flight of `draft`, with the request it answers, a moment after the draft changed.
#[hook]
fn use_preflight(
    draft: Option<SendRequest>,
    generation: u32,
) -> Load<(Rc<SendRequest>, Rc<PreflightResponse>)> {
    let session = use_host().session;
    let preflight = use_state(|| Load::<(Rc<SendRequest>, Rc<PreflightResponse>)>::Idle);
    {
        let preflight = preflight.clone();
        use_effect_with((draft, generation), move |(draft, _)| {
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
    (*preflight).clone()
}
