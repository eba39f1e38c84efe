//! The CRM notes a send logs (`logActivity`), each until the host says what became of it: the
//! subject fitted to what the CRM stores, and the log of every note's state, which keeps a note
//! the CRM did not store until it is stored or the user dismisses it.

use crate::wire::Entity;

/// `subject` cut to at most `limit` UTF-16 code units (as the CRMs and JavaScript count), on a
/// character boundary, with an ellipsis; `None` when it fits as it is.
pub fn fit_subject(subject: &str, limit: u32) -> Option<String> {
    let limit = limit as usize;
    if subject.encode_utf16().count() <= limit {
        return None;
    }
    // Room for the ellipsis, itself one unit.
    let room = limit.saturating_sub(1);
    let mut used = 0;
    let mut cut = String::new();
    for c in subject.chars() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        cut.push(c);
    }
    // A cut that ends in spaces would read "Offer …".
    let mut fitted = cut.trim_end().to_owned();
    if limit > 0 {
        fitted.push('\u{2026}');
    }
    Some(fitted)
}

/// A note's subject and body as the CRM can store them: a subject too long for it is cut, and
/// then the body starts with the subject in full, so nothing of it is lost.
pub fn fit_note(subject: String, body: String, limit: u32) -> (String, String) {
    match fit_subject(&subject, limit) {
        Some(fitted) if body.is_empty() => (fitted, subject),
        Some(fitted) => (fitted, format!("{subject}\n\n{body}")),
        None => (subject, body),
    }
}

/// What became of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteState {
    /// Posted; the host has not answered yet.
    Saving,
    /// The host said the CRM stored it (`activityLogged`).
    Saved,
    /// The host said the CRM did not store it (`activityError`), and why. It may be retried.
    NotSaved(String),
    /// The host did not answer in time: perhaps stored, perhaps not. A host that predates the
    /// acknowledgement never answers, so this is not a failure, and a retry could store it twice.
    Unknown,
}

/// A note logged on a CRM record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmNote {
    /// The log's own number for the note, the same across retries.
    pub key: u64,
    pub entity: Entity,
    pub crm_id: String,
    /// Empty once saved: only a note that may need another attempt keeps its text.
    pub subject: String,
    pub body: String,
    pub state: NoteState,
}

/// What happens to the log of notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteAction {
    /// A note is posted to the host (under a new key), or posted again (under its own).
    Posted {
        key: u64,
        entity: Entity,
        crm_id: String,
        subject: String,
        body: String,
    },
    /// The host answered for the note, or did not in time.
    Answered { key: u64, state: NoteState },
    /// The user does not want the note any more.
    Dismissed { key: u64 },
}

/// Every note logged from this plugin instance, newest last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteLog {
    notes: Vec<CrmNote>,
}

impl NoteLog {
    pub fn notes(&self) -> &[CrmNote] {
        &self.notes
    }

    pub fn apply(&mut self, action: NoteAction) {
        match action {
            NoteAction::Posted {
                key,
                entity,
                crm_id,
                subject,
                body,
            } => {
                let note = CrmNote {
                    key,
                    entity,
                    crm_id,
                    subject,
                    body,
                    state: NoteState::Saving,
                };
                match self.notes.iter_mut().find(|n| n.key == key) {
                    Some(old) => *old = note,
                    None => self.notes.push(note),
                }
            }
            NoteAction::Answered { key, state } => {
                if let Some(note) = self.notes.iter_mut().find(|n| n.key == key) {
                    if state == NoteState::Saved {
                        note.subject = String::new();
                        note.body = String::new();
                    }
                    note.state = state;
                }
            }
            NoteAction::Dismissed { key } => self
                .notes
                .retain(|n| n.key != key || n.state == NoteState::Saving),
        }
    }

    /// The newest note on a record, which for a send's results is that send's.
    pub fn latest(&self, entity: Entity, crm_id: &str) -> Option<&CrmNote> {
        self.notes
            .iter()
            .rev()
            .find(|n| n.entity == entity && n.crm_id == crm_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_that_fits_is_left_alone() {
        assert_eq!(fit_subject("Sent Email: Offer", 255), None);
        assert_eq!(fit_subject(&"a".repeat(255), 255), None);
    }

    #[test]
    fn a_long_subject_is_cut_on_a_character_boundary_with_an_ellipsis() {
        let fitted = fit_subject(&"a".repeat(600), 255).unwrap();
        assert_eq!(fitted.encode_utf16().count(), 255);
        assert!(fitted.ends_with("a\u{2026}"));
        // 🙂 is two UTF-16 units: never cut in half, and the limit holds in JavaScript's count.
        let fitted = fit_subject(&"\u{1F642}".repeat(10), 6).unwrap();
        assert_eq!(fitted, "\u{1F642}\u{1F642}\u{2026}");
        let fitted = fit_subject(&"\u{1F642}".repeat(10), 7).unwrap();
        assert_eq!(fitted, "\u{1F642}\u{1F642}\u{1F642}\u{2026}");
        assert_eq!(
            fit_subject("Spring offer now", 8).unwrap(),
            "Spring\u{2026}"
        );
        assert_eq!(fit_subject("éé", 0).unwrap(), "");
    }

    #[test]
    fn a_cut_subject_is_kept_in_full_in_the_body() {
        let subject = format!("Sent Email: {}", "C".repeat(600));
        let (fitted, body) = fit_note(subject.clone(), "Sent to a@b.c.".into(), 255);
        assert_eq!(fitted.encode_utf16().count(), 255);
        assert_eq!(body, format!("{subject}\n\nSent to a@b.c."));
        let (_, body) = fit_note(subject.clone(), String::new(), 255);
        assert_eq!(body, subject);
        assert_eq!(
            fit_note("Short".into(), "Body".into(), 255),
            ("Short".into(), "Body".into())
        );
    }

    fn posted(key: u64, crm_id: &str) -> NoteAction {
        NoteAction::Posted {
            key,
            entity: Entity::Lead,
            crm_id: crm_id.into(),
            subject: "Sent Email: Offer".into(),
            body: "Body".into(),
        }
    }

    #[test]
    fn a_note_the_crm_did_not_store_is_kept_until_saved_or_dismissed() {
        let mut log = NoteLog::default();
        log.apply(posted(0, "L-1"));
        log.apply(posted(1, "L-2"));
        assert_eq!(log.notes().len(), 2);
        assert_eq!(
            log.latest(Entity::Lead, "L-1").unwrap().state,
            NoteState::Saving
        );
        log.apply(NoteAction::Answered {
            key: 0,
            state: NoteState::Saved,
        });
        let saved = log.latest(Entity::Lead, "L-1").unwrap();
        assert_eq!(
            (saved.state.clone(), saved.body.as_str()),
            (NoteState::Saved, "")
        );
        log.apply(NoteAction::Answered {
            key: 1,
            state: NoteState::NotSaved("Subject too long".into()),
        });
        // A retry posts the same note again, with its text, under its key.
        let failed = log.latest(Entity::Lead, "L-2").unwrap().clone();
        assert_eq!(failed.body, "Body");
        log.apply(posted(1, "L-2"));
        assert_eq!(
            log.latest(Entity::Lead, "L-2").unwrap().state,
            NoteState::Saving
        );
        // A note on its way is not dismissed; one not saved is.
        log.apply(NoteAction::Dismissed { key: 1 });
        assert!(log.latest(Entity::Lead, "L-2").is_some());
        log.apply(NoteAction::Answered {
            key: 1,
            state: NoteState::Unknown,
        });
        log.apply(NoteAction::Dismissed { key: 1 });
        assert!(log.latest(Entity::Lead, "L-2").is_none());
        assert_eq!(log.latest(Entity::Contact, "L-1"), None);
        // A later note on the same record is the one shown.
        log.apply(posted(2, "L-1"));
        assert_eq!(log.latest(Entity::Lead, "L-1").unwrap().key, 2);
    }
}
