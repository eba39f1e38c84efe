//! The enrolment requests of one Enrol click (or one Retry): one per program, each carrying
//! every record, under its own `Idempotency-Key`.

use std::cell::Cell;
use std::rc::Rc;

use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::programs::{enrol_request, Start};
use crate::domain::programs_view::ProgramsAction;
use crate::plugin::api::{self, ApiError};
use crate::plugin::browser::{focus_after_render, random_key, window};
use crate::plugin::host::use_host;
use crate::protocol::CrmRecord;
use crate::wire::{EnrolOutcome, EnrolResponse};

/// What one Enrol click (or a retry) sends: per program, its name, its records and the key of
/// the request it repeats (a lost answer's), if any; and which of the two.
pub type Batch = (Vec<(i64, String, Vec<CrmRecord>, Option<String>)>, Start);

/// Sends a batch and tells `dispatch` what goes and what comes back. A batch while another is
/// in flight does nothing, nor does any while the CRM could not say what the user looks at
/// now. `on_changed` is told once a batch enrolled someone. The requests are aborted when the
/// view goes away.
#[hook]
pub fn use_enrol(
    dispatch: Callback<ProgramsAction>,
    on_changed: Option<Callback<()>>,
) -> Callback<Batch> {
    let host = use_host();
    // Requests of the batch in flight: a second click while it is non-zero does nothing.
    let pending = use_memo((), |_| Cell::new(0usize));
    let posts = use_memo((), |_| AbortController::new().ok());
    {
        let posts = posts.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(controller) = posts.as_ref() {
                    controller.abort();
                }
            }
        });
    }
    let (session, stale) = (host.session, host.context_failed);
    Callback::from(move |(batch, kind): Batch| {
        let Some(signal) = posts.as_ref().as_ref().map(|c| c.signal()) else {
            return;
        };
        if stale || pending.get() > 0 || batch.is_empty() || batch.iter().any(|b| b.2.is_empty()) {
            return;
        }
        pending.set(batch.len());
        let enrolled = Rc::new(Cell::new(false));
        // A new request gets a new key; the retry of a lost answer repeats its key.
        let batch: Vec<_> = batch
            .into_iter()
            .map(|(id, name, records, key)| {
                let key = key.unwrap_or_else(|| format!("enrol-{}", random_key()));
                (id, name, key, records)
            })
            .collect();
        dispatch.emit(ProgramsAction::Started(batch.clone(), kind));
        for (id, _, key, records) in batch {
            let (dispatch, session, pending, signal) = (
                dispatch.clone(),
                session.clone(),
                pending.clone(),
                signal.clone(),
            );
            let (enrolled, on_changed) = (enrolled.clone(), on_changed.clone());
            spawn_local(async move {
                let endpoint = api::enrol(id, &enrol_request(&records)).with_idempotency_key(&key);
                let mut answer = session.fetch(&endpoint, &signal).await;
                if matches!(&answer, Err(error) if error.outcome_unknown()) {
                    // The answer was lost: the same request under its key once more reads
                    // what it did (enrolled, added to All contacts) rather than "already".
                    answer = session.fetch(&endpoint, &signal).await;
                }
                match answer {
                    Err(error) if error.is_aborted() => {
                        dispatch.emit(ProgramsAction::Abandoned(id))
                    }
                    answer => answered(&dispatch, id, answer, &enrolled),
                }
                pending.set(pending.get().saturating_sub(1));
                if pending.get() == 0 {
                    dispatch.emit(ProgramsAction::BatchDone);
                    outcome_takes_lost_focus();
                    if let (true, Some(on_changed)) = (enrolled.get(), &on_changed) {
                        on_changed.emit(());
                    }
                }
            });
        }
    })
}

/// Takes in a program's answer; notes whether it enrolled anyone.
fn answered(
    dispatch: &Callback<ProgramsAction>,
    id: i64,
    answer: Result<EnrolResponse, ApiError>,
    enrolled: &Cell<bool>,
) {
    // Paused, no longer enabled or gone since the list was loaded: the reloaded list shows
    // why, and a retry is not offered.
    let program_changed = matches!(
        &answer,
        Err(ApiError::Invalid { field: Some(field), .. }) if field == "programId"
    ) || matches!(&answer, Err(ApiError::NotFound(_)));
    if matches!(&answer, Ok(response) if response.count(EnrolOutcome::Enrolled) > 0) {
        enrolled.set(true);
    }
    dispatch.emit(ProgramsAction::Answered(
        id,
        answer.map_err(|error| (error.user_message(), error.outcome_unknown())),
    ));
    if program_changed {
        dispatch.emit(ProgramsAction::ProgramChanged);
    }
}

/// Once an Enrol is over: focus the outcome if the focus went with the busy Enrol button (to
/// the actions around it, or nowhere). Focus the user moved elsewhere stays.
fn outcome_takes_lost_focus() {
    let active = window().document().and_then(|d| d.active_element());
    let lost = active.is_none_or(|element| {
        element.tag_name() == "BODY"
            || element.id() == "programs-enrol"
            || element.matches(".programs-actions").unwrap_or(false)
    });
    if lost {
        focus_after_render("programs-hint");
    }
}
