//! The message being composed: the template list beside it, then its results once sent.

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use super::message::{message, Check, MessageView};
use super::results::SendResults;
use super::sending::{use_send, NoteOptions, SendOrder};
use super::template_picker::{template_picker, TemplatePickerView};
use crate::domain::compose::{recipients_of, retry_failed, Compose, ComposeAction, Phase, Retry};
use crate::domain::paging::ListPhase;
use crate::domain::wording::{count_of_records, person_name};
use crate::plugin::api;
use crate::plugin::browser::focus_after_render;
use crate::plugin::components::panels::{error_panel, skeleton, title_tag};
use crate::plugin::hooks::{more_footer, typing_pause, use_fetch, use_pages, Load, UseFetch};
use crate::plugin::host::use_host;
use crate::plugin::intl::use_formats;
use crate::protocol::CrmRecord;
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
    let state = use_reducer(Compose::default);
    let dispatch = {
        let state = state.dispatcher();
        Callback::from(move |action: ComposeAction| state.dispatch(action))
    };
    let query = use_state(String::new);
    let folder = use_state(String::new);
    // The template list's scrolling box.
    let template_scroller = use_node_ref();
    // The templates for the search and folder (after a pause in typing), a page at a time.
    let templates = {
        let (query, folder) = ((*query).clone(), (*folder).clone());
        use_pages(
            format!("{}\n{folder}", query.trim()),
            0,
            typing_pause(&query),
            move |cursor| Some(api::templates(&query, &folder, cursor)),
        )
    };
    let template = use_template(state.template_id).load();
    // The template chosen, once it came.
    let chosen = template
        .loaded()
        .and_then(|t| (**t).clone())
        .filter(|t| Some(t.id) == state.template_id);
    let recipients = use_memo(props.records.clone(), |records| recipients_of(records));
    // The pre-flight of the message as composed (without its time: typing a time must not
    // fail it), again a moment after each subject edit.
    let draft = state.template_id.map(|template_id| SendRequest {
        template_id,
        subject: state.subject.clone(),
        recipients: (*recipients).clone(),
        scheduled_at: None,
    });
    let preflight = use_preflight(draft.clone()).load();
    let send = use_send(
        NoteOptions {
            log_note: state.log_note,
            template_name: template
                .loaded()
                .and_then(|t| t.as_ref().as_ref().map(|t| t.name.clone()))
                .unwrap_or_default(),
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
        _ if !list.answered && list.is_first_load() => skeleton("Loading templates", 4),
        phase => template_picker(TemplatePickerView {
            // The first page failed: why, with a retry, in the list's place; the search and
            // the folder stay, to change what is asked.
            failure: match phase {
                ListPhase::Failed(error) => {
                    Some(error_panel(error.user_message().into(), templates.retry()))
                }
                _ => None,
            },
            items: list.items.clone(),
            folders: Rc::new(list.extra.clone()),
            more: list.next_cursor.is_some(),
            loading: matches!(phase, ListPhase::Loading),
            chosen: state.template_id,
            query: AttrValue::from((*query).clone()),
            folder: AttrValue::from((*folder).clone()),
            disabled: state.is_locked(),
            on_query: {
                let query = query.clone();
                Callback::from(move |q| query.set(q))
            },
            on_folder: {
                let folder = folder.clone();
                Callback::from(move |f| folder.set(f))
            },
            on_choose: dispatch.reform(ComposeAction::ChooseTemplate),
            hold: phase.holds(),
            footer: more_footer(phase, "Loading more templates\u{2026}", templates.more()),
            on_more: templates.more(),
            scroller: template_scroller.clone(),
        }),
    };

    let message = match (&template, chosen) {
        _ if state.template_id.is_none() => html! {
            <p class="send-hint">{ "Choose a template to preview and send it." }</p>
        },
        (Load::Failed { error, retry }, _) => {
            error_panel(error.user_message().into(), retry.clone())
        }
        (_, Some(template)) => message(MessageView {
            template: &template,
            compose: &state,
            check: Check::of(&preflight, draft.as_ref()),
            draft: draft.as_ref(),
            dispatch: &dispatch,
            send: &send,
            context_failed: host.context_failed,
            formats: &formats,
        }),
        _ => skeleton("Loading the template", 3),
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

/// The chosen template (none before one is chosen).
#[hook]
fn use_template(id: Option<i64>) -> UseFetch<Option<Rc<Template>>> {
    use_fetch(id, |fetcher, id| async move {
        match id {
            Some(id) => fetcher
                .fetch(api::template(id))
                .await
                .map(|t| Some(Rc::new(t))),
            None => Ok(None),
        }
    })
}

/// The pre-flight of `draft` (none without one), with the request it answers: a moment after
/// the draft changed, so typing a subject asks once.
#[hook]
fn use_preflight(
    draft: Option<SendRequest>,
) -> UseFetch<Option<(SendRequest, Rc<PreflightResponse>)>> {
    use_fetch(draft, |fetcher, draft| async move {
        let Some(draft) = draft else {
            return Ok(None);
        };
        // Typing on meanwhile aborts the call: it then sends nothing.
        TimeoutFuture::new(250).await;
        let answer = fetcher.fetch(api::preflight(&draft)).await?;
        Ok(Some((draft, Rc::new(answer))))
    })
}
