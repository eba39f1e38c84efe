//! The CRM notes sends log, as a context of their own: provided once for the plugin's life
//! (above every view, so a note still on its way when the user left the Send view is kept, and
//! one the CRM did not store is there to retry when they come back).

use std::cell::Cell;
use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::crm_notes::{fit_note, NoteAction, NoteLog};
use crate::plugin::bridge::Bridge;
use crate::plugin::views::applied;
use crate::wire::Entity;

/// How long the host has to say whether the CRM stored a note before its state is unknown: a
/// CRM's API may be slow, and a host older than the acknowledgement never answers.
pub const NOTE_ANSWER_TIMEOUT_MS: u32 = 15_000;

impl Reducible for NoteLog {
    type Action = NoteAction;

    fn reduce(self: Rc<Self>, action: NoteAction) -> Rc<Self> {
        applied(self, action, |log, action| {
            log.apply(action);
            true
        })
    }
}

/// Every note logged from this plugin instance, and the means to log more. Cheap to clone.
#[derive(Clone)]
pub struct SentNotes {
    log: UseReducerHandle<NoteLog>,
    /// The key of the next new note. Not the log's: a send posts its notes in one go, before
    /// the log takes in the first.
    next_key: Rc<Cell<u64>>,
    answer_timeout_ms: u32,
}

impl PartialEq for SentNotes {
    fn eq(&self, other: &Self) -> bool {
        self.log == other.log && self.answer_timeout_ms == other.answer_timeout_ms
    }
}

impl SentNotes {
    pub fn log(&self) -> &NoteLog {
        &self.log
    }

    /// Logs a note on a record through the host, with its subject fitted to the CRM's
    /// `subject_limit`, and follows it until the host answers or the time is up.
    pub fn post(
        &self,
        bridge: &Bridge,
        entity: Entity,
        crm_id: String,
        (subject, body): (String, String),
        subject_limit: u32,
    ) {
        let (subject, body) = fit_note(subject, body, subject_limit);
        let key = self.next_key.get();
        self.next_key.set(key + 1);
        self.send(bridge, key, entity, crm_id, subject, body);
    }

    /// Posts again a note the CRM did not store, as it was.
    pub fn retry(&self, bridge: &Bridge, key: u64) {
        let Some(note) = self.log.notes().iter().find(|n| n.key == key).cloned() else {
            return;
        };
        self.send(
            bridge,
            key,
            note.entity,
            note.crm_id,
            note.subject,
            note.body,
        );
    }

    pub fn dismiss(&self, key: u64) {
        self.log.dispatch(NoteAction::Dismissed { key });
    }

    fn send(
        &self,
        bridge: &Bridge,
        key: u64,
        entity: Entity,
        crm_id: String,
        subject: String,
        body: String,
    ) {
        let dispatcher = self.log.dispatcher();
        dispatcher.dispatch(NoteAction::Posted {
            key,
            entity,
            crm_id: crm_id.clone(),
            subject: subject.clone(),
            body: body.clone(),
        });
        let answer = bridge.log_activity(entity, crm_id, subject, body, self.answer_timeout_ms);
        spawn_local(async move {
            let state = answer.await;
            dispatcher.dispatch(NoteAction::Answered { key, state });
        });
    }
}

/// Holds the notes for as long as it is mounted: mount it where it lives as long as the plugin.
#[hook]
pub fn use_sent_notes_provider(answer_timeout_ms: u32) -> SentNotes {
    SentNotes {
        log: use_reducer(NoteLog::default),
        next_key: (*use_memo((), |()| Rc::new(Cell::new(0)))).clone(),
        answer_timeout_ms,
    }
}

/// The notes provided above the view, if any (the results alone, in a test, have none).
#[hook]
pub fn use_sent_notes() -> Option<SentNotes> {
    use_context::<SentNotes>()
}

/// The notes provided above the view (see [`use_sent_notes_provider`]), for the view that sends.
#[hook]
pub fn use_sent_notes_context() -> SentNotes {
    use_sent_notes().expect("the Send view is only mounted under the notes' ContextProvider")
}
