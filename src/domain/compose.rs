//! The Send view's composed message and its one send: what the user chose, the request it
//! becomes, the key that makes it idempotent, and what happens after the answer.
//!
//! The rule this module keeps: a composed message is sent at most once. `start_send` refuses
//! while a send is in flight, and the same message (same user, template, subject, recipients and
//! time) always maps to the same fingerprint, under which the plugin keeps one `Idempotency-Key`
//! ([`SendKeys`], in memory, copied to `sessionStorage` for the tab's life), so a double click, a
//! retry after a lost answer (with or without storage) or a reload of the same compose all reach
//! the server with one key. After a lost answer the message is locked (only that request can
//! go again) until the user chooses to change it; a retry of the failed recipients of an
//! answered send is a message of its own.

use std::rc::Rc;

use super::schedule::{SendTime, When};
use crate::protocol::CrmRecord;
use crate::wire::{
    PreflightResponse, SendOutcome, SendRecipient, SendRequest, SendResponse, SendResult,
};

pub use crate::wire::MAX_SEND_RECIPIENTS;

/// The recipients of a send, as the CRM hands them over.
pub fn recipients_of(records: &[CrmRecord]) -> Vec<SendRecipient> {
    records
        .iter()
        .map(|r| SendRecipient {
            entity: r.entity,
            crm_id: r.id.clone(),
            person: r.person.clone(),
        })
        .collect()
}

/// Why a selection cannot be emailed at all, before any request.
pub fn selection_problem(count: usize) -> Option<String> {
    match count {
        0 => Some("Select at least one record to email.".into()),
        n if n > MAX_SEND_RECIPIENTS => Some(format!(
            "{n} records are selected; one email can go to at most {MAX_SEND_RECIPIENTS}. \
             Select fewer records in the list and try again."
        )),
        _ => None,
    }
}

/// Where the send stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Phase {
    #[default]
    Composing,
    /// One request is in flight; nothing else may start. `retry_of`: the send whose failed
    /// recipients it retries (part of its key).
    Sending {
        request: Rc<SendRequest>,
        retry_of: Option<i64>,
    },
    /// The server's answer (first or replayed).
    Done {
        request: Rc<SendRequest>,
        response: Rc<SendResponse>,
        /// The server had already handled this exact message: nothing new was sent.
        replayed: bool,
        /// The retry of its failed recipients, while it goes or after marketing refused it; the
        /// results stay on screen meanwhile.
        retry: Option<Retry>,
    },
    /// No usable answer. With `unknown`, the server may have sent it (the answer was lost): the
    /// message is locked, and sending again sends this very request with its key, so nobody
    /// gets it twice. Otherwise the server refused it and it may be edited.
    Failed {
        request: Rc<SendRequest>,
        retry_of: Option<i64>,
        message: String,
        unknown: bool,
    },
}

/// The retry of an answered send's failed recipients.
#[derive(Clone, Debug, PartialEq)]
pub enum Retry {
    /// `request` is in flight, retrying send `retry_of` (part of its key).
    Sending {
        request: Rc<SendRequest>,
        retry_of: i64,
    },
    /// Marketing refused it, saying this; nothing was sent, and it may be retried again.
    Refused(String),
}

/// Why a send failed: what the user reads, and whether the server may have sent it anyway.
#[derive(Clone, Debug, PartialEq)]
pub struct SendFailure {
    pub message: String,
    pub outcome_unknown: bool,
}

/// Everything the user chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Compose {
    pub template_id: Option<i64>,
    /// The subject as edited; `None` keeps the template's.
    pub subject: Option<String>,
    pub when: When,
    /// "Log a 'Sent Email' note on the CRM record".
    pub log_note: bool,
    /// Index of the recipient the preview is rendered for; `None` until the user picks one
    /// (the first recipient the email goes to).
    pub preview: Option<usize>,
    pub phase: Phase,
}

impl Default for Compose {
    fn default() -> Self {
        Compose {
            template_id: None,
            subject: None,
            when: When::Now,
            log_note: true,
            preview: None,
            phase: Phase::Composing,
        }
    }
}

/// Every change to a [`Compose`], named for what the user did or what came back.
#[derive(Debug)]
pub enum ComposeAction {
    ChooseTemplate(i64),
    /// The subject as typed, and the template's own (typing it back keeps the template's).
    EditSubject {
        subject: String,
        template_subject: String,
    },
    SetWhen(When),
    SetLogNote(bool),
    /// The recipient the preview is rendered for, by index.
    PreviewFor(usize),
    /// A request went out, and the send whose failed recipients it retries.
    Sent {
        request: SendRequest,
        retry_of: Option<i64>,
    },
    /// The answer to `request` (and whether the server had answered it before), or why none came.
    Answered {
        request: SendRequest,
        answer: Result<(SendResponse, bool), SendFailure>,
    },
    /// Unlock a message whose send may have gone out, to change it.
    EditAnyway,
    /// Write another email.
    Reset,
}

impl Compose {
    /// Takes in one change.
    pub fn apply(&mut self, action: ComposeAction) {
        match action {
            ComposeAction::ChooseTemplate(id) => self.choose_template(id),
            ComposeAction::EditSubject {
                subject,
                template_subject,
            } => self.edit_subject(subject, &template_subject),
            ComposeAction::SetWhen(when) => self.set_when(when),
            ComposeAction::SetLogNote(on) => self.set_log_note(on),
            ComposeAction::PreviewFor(index) => self.preview = Some(index),
            ComposeAction::Sent { request, retry_of } => {
                self.start_send(request, retry_of);
            }
            ComposeAction::Answered { request, answer } => self.finish(&request, answer),
            ComposeAction::EditAnyway => self.edit_anyway(),
            ComposeAction::Reset => self.reset(),
        }
    }

    pub fn choose_template(&mut self, id: i64) {
        if self.template_id != Some(id) && !self.is_locked() {
            self.template_id = Some(id);
            self.subject = None;
            self.phase = Phase::Composing;
        }
    }

    pub fn edit_subject(&mut self, subject: String, template_subject: &str) {
        if !self.is_locked() {
            self.subject = (subject != template_subject).then_some(subject);
        }
    }

    pub fn set_when(&mut self, when: When) {
        if !self.is_locked() {
            self.when = when;
        }
    }

    pub fn set_log_note(&mut self, on: bool) {
        if !self.is_locked() {
            self.log_note = on;
        }
    }

    pub fn is_sending(&self) -> bool {
        self.in_flight().is_some()
    }

    /// The request in flight and the send it retries, if one is.
    fn in_flight(&self) -> Option<(&Rc<SendRequest>, Option<i64>)> {
        match &self.phase {
            Phase::Sending { request, retry_of } => Some((request, *retry_of)),
            Phase::Done {
                retry: Some(Retry::Sending { request, retry_of }),
                ..
            } => Some((request, Some(*retry_of))),
            _ => None,
        }
    }

    /// Whether the message may not change: while it is sent, and after a send whose answer was
    /// lost (a changed message would be a new one, and reach anyone the first one reached).
    pub fn is_locked(&self) -> bool {
        self.is_sending() || matches!(self.phase, Phase::Failed { unknown: true, .. })
    }

    /// The request a locked message sends again, the one whose answer was lost, with what it
    /// retried (so it goes again under the same key).
    pub fn unanswered(&self) -> Option<(&Rc<SendRequest>, Option<i64>)> {
        match &self.phase {
            Phase::Failed {
                request,
                retry_of,
                unknown: true,
                ..
            } => Some((request, *retry_of)),
            _ => None,
        }
    }

    /// The user chose to change a message whose first send may have gone out.
    pub fn edit_anyway(&mut self) {
        if self.unanswered().is_some() {
            self.phase = Phase::Composing;
        }
    }

    /// Starts sending `request`; false (and nothing changes) while another send is in flight or
    /// after this very message was answered, unless it retries what failed in send `retry_of`.
    pub fn start_send(&mut self, request: SendRequest, retry_of: Option<i64>) -> bool {
        if self.is_sending() {
            return false;
        }
        let request = Rc::new(request);
        match (&mut self.phase, retry_of) {
            (Phase::Done { request: done, .. }, None) if *done == request => return false,
            (Phase::Done { retry, .. }, Some(retry_of)) => {
                *retry = Some(Retry::Sending { request, retry_of });
            }
            (phase, retry_of) => *phase = Phase::Sending { request, retry_of },
        }
        true
    }

    /// The answer to the request in flight; an answer to another request is ignored.
    pub fn finish(
        &mut self,
        request: &SendRequest,
        answer: Result<(SendResponse, bool), SendFailure>,
    ) {
        let Some((sending, retry_of)) = self.in_flight() else {
            return;
        };
        if **sending != *request {
            return;
        }
        let sending = sending.clone();
        let retried = retry_of.is_some();
        match (answer, &mut self.phase) {
            (Ok((response, replayed)), phase) => {
                // A retry answers for the recipients it retried only: the others keep the
                // outcome on screen (those it went to stay "sent").
                let response = match phase {
                    Phase::Done {
                        response: shown, ..
                    } if retried => with_retry(shown, response),
                    _ => response,
                };
                *phase = Phase::Done {
                    request: sending,
                    response: Rc::new(response),
                    replayed,
                    retry: None,
                }
            }
            // A retry refused: nothing was sent; the results stay, and their failed recipients
            // may be retried again.
            (Err(failure), Phase::Done { retry, .. }) if !failure.outcome_unknown => {
                *retry = Some(Retry::Refused(failure.message));
            }
            // It may have gone out: the message is locked to this very request.
            (Err(failure), phase) => {
                *phase = Phase::Failed {
                    request: sending,
                    retry_of,
                    message: failure.message,
                    unknown: failure.outcome_unknown,
                }
            }
        }
    }

    /// A new message: everything but the template choice is cleared.
    pub fn reset(&mut self) {
        if !self.is_locked() {
            *self = Compose {
                template_id: self.template_id,
                ..Compose::default()
            };
        }
    }
}

/// What the Send button says, and the request (with the send it retries) it sends now; `None`
/// keeps it disabled.
#[derive(Clone, Debug, PartialEq)]
pub struct SendOffer {
    pub label: String,
    pub request: Option<(SendRequest, Option<i64>)>,
}

impl Compose {
    /// The Send button for `draft` (the message as composed, without its time), which the
    /// pre-flight says goes to `sendable` recipients, at `at`. With `context_failed` the CRM
    /// could not say what the user looks at now: nothing is sent.
    pub fn send_offer(
        &self,
        draft: Option<&SendRequest>,
        sendable: u32,
        at: &SendTime,
        context_failed: bool,
    ) -> SendOffer {
        let sending = self.is_sending();
        let unanswered = self.unanswered();
        let label = match (sending, unanswered, at) {
            (true, _, _) => format!("Sending to {}\u{2026}", recipient_count(sendable)),
            // After a lost answer the message is locked: Send sends that very request again.
            (false, Some(_), _) => "Send again".to_owned(),
            (false, None, Ok(Some(_))) => format!("Schedule for {}", recipient_count(sendable)),
            (false, None, _) => format!("Send to {}", recipient_count(sendable)),
        };
        let request = match (unanswered, draft, at) {
            _ if context_failed => None,
            (Some((request, retry_of)), _, _) => Some(((**request).clone(), retry_of)),
            (None, Some(draft), Ok(at)) if !sending && sendable > 0 => Some((
                SendRequest {
                    scheduled_at: *at,
                    ..draft.clone()
                },
                None,
            )),
            _ => None,
        };
        SendOffer { label, request }
    }
}

/// "1 recipient", "3 recipients".
pub fn recipient_count(n: u32) -> String {
    if n == 1 {
        "1 recipient".to_owned()
    } else {
        format!("{n} recipients")
    }
}

/// The pre-flight in one sentence, for a screen reader to say once per answer.
pub fn preflight_said(preflight: &PreflightResponse) -> String {
    let excluded = preflight.excluded().count();
    let mut said = format!("{} will receive it", recipient_count(preflight.sendable));
    if excluded > 0 {
        said.push_str(&format!(", {excluded} excluded"));
    }
    said
}

/// Why a send whose answer was lost may be sent again, and what changing it would mean.
pub fn lost_answer_note(message: &str, recipients: usize) -> String {
    format!(
        "The send did not complete: {message} It may have gone out. \u{201c}Send again\u{201d} sends exactly this message to the same {}, and nobody gets it twice.",
        recipient_count(recipients as u32),
    )
}

/// The request retrying a send's failed recipients, if any failed, each as the CRM has it now
/// (`current`: an address corrected since is used).
pub fn retry_failed(
    request: &SendRequest,
    response: &SendResponse,
    current: &[SendRecipient],
) -> Option<SendRequest> {
    let failed: Vec<SendRecipient> = response
        .results
        .iter()
        .filter(|r| r.outcome == SendOutcome::Failed)
        .filter_map(|r| {
            let same = |x: &&SendRecipient| x.entity == r.entity && x.crm_id == r.crm_id;
            current
                .iter()
                .find(same)
                .or_else(|| request.recipients.iter().find(same))
                .cloned()
        })
        .collect();
    (!failed.is_empty()).then(|| SendRequest {
        recipients: failed,
        ..request.clone()
    })
}

/// A stable fingerprint of one composed message of one user: equal messages, equal fingerprints.
/// A retry of the failed recipients of send `retry_of` (its id) is another message than the
/// send itself, and than the retry of another send.
pub fn fingerprint(user_id: &str, request: &SendRequest, retry_of: Option<i64>) -> String {
    let mut text = String::new();
    text.push_str(user_id);
    text.push('\u{1f}');
    if let Some(send_id) = retry_of {
        text.push_str(&format!("retry-of-{send_id}\u{1f}"));
    }
    text.push_str(&serde_json::to_string(request).unwrap_or_default());
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

/// An `Idempotency-Key` and whether the send made with it was answered (its notes logged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendKey {
    pub key: String,
    pub answered: bool,
}

/// The `Idempotency-Key` of every message this plugin instance sent or tried to send, by
/// fingerprint. Held in memory for the instance's life, so the same message always reaches the
/// server with the same key, even where the browser refuses storage; the view also copies it to
/// `sessionStorage` so a reload of the same compose finds it again.
#[derive(Debug, Default, PartialEq)]
pub struct SendKeys {
    keys: Vec<(String, SendKey)>,
}

impl SendKeys {
    /// The key for `fingerprint`: the one remembered, else `stored` (what storage kept from
    /// before a reload), else `fresh()`. The answer is remembered either way.
    pub fn key_for(
        &mut self,
        fingerprint: &str,
        stored: impl FnOnce() -> Option<SendKey>,
        fresh: impl FnOnce() -> String,
    ) -> SendKey {
        if let Some((_, known)) = self.keys.iter().find(|(f, _)| f == fingerprint) {
            return known.clone();
        }
        let key = stored().unwrap_or_else(|| SendKey {
            key: fresh(),
            answered: false,
        });
        self.keys.push((fingerprint.to_owned(), key.clone()));
        key
    }

    /// Remembers that the send with `key` was answered. Returns whether this is its first
    /// answer: two sends of one message in flight at once (the view was left and opened again
    /// meanwhile) get one answer each, and only the first one logs the notes.
    pub fn mark_answered(&mut self, key: &str) -> bool {
        let mut first = false;
        for (_, known) in &mut self.keys {
            if known.key == key {
                first |= !known.answered;
                known.answered = true;
            }
        }
        first
    }
}

/// FNV-1a, 64 bits: small and stable across builds; collisions only cost a fresh key.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The CRM note logged for a recipient the email went, or will go, to (`logActivity`): "Sent
/// Email", or "Scheduled Email" with `scheduled_for`, the time as the user reads it.
pub fn sent_note(
    result: &SendResult,
    template_name: &str,
    campaign_id: &str,
    scheduled_for: &str,
) -> (String, String) {
    let subject = result.subject.clone().unwrap_or_default();
    let to = result.email.as_deref().unwrap_or("");
    match result.outcome {
        SendOutcome::Scheduled => (
            format!("Scheduled Email: {subject}"),
            format!(
                "Marketing email \u{201c}{template_name}\u{201d} scheduled for {scheduled_for} to {to}. Subject: {subject}. Campaign {campaign_id}."
            ),
        ),
        _ => (
            format!("Sent Email: {subject}"),
            format!(
                "Marketing email \u{201c}{template_name}\u{201d} sent to {to}. Subject: {subject}. Campaign {campaign_id}."
            ),
        ),
    }
}

/// The results on screen with a retry's answer taken in: each retried recipient's new outcome
/// replaces its old one. The send's id, counts and limits are the retry's.
fn with_retry(shown: &SendResponse, retry: SendResponse) -> SendResponse {
    let mut results = shown.results.clone();
    for result in &retry.results {
        match results
            .iter_mut()
            .find(|r| r.entity == result.entity && r.crm_id == result.crm_id)
        {
            Some(old) => *old = result.clone(),
            None => results.push(result.clone()),
        }
    }
    SendResponse { results, ..retry }
}

/// Results the CRM should get a note for: those the email went, or will go, to.
pub fn noted(response: &SendResponse) -> impl Iterator<Item = &SendResult> {
    response
        .results
        .iter()
        .filter(|r| matches!(r.outcome, SendOutcome::Sent | SendOutcome::Scheduled))
}

/// One line summing up a send's results.
pub fn summary(response: &SendResponse) -> String {
    let mut parts = Vec::new();
    for (outcome, word) in [
        (SendOutcome::Sent, "sent"),
        (SendOutcome::Scheduled, "scheduled"),
        (SendOutcome::Excluded, "excluded"),
        (SendOutcome::Failed, "failed"),
    ] {
        let n = response.count(outcome);
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if parts.is_empty() {
        "Nothing to send".into()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_keeps_its_key_without_storage_and_after_its_answer() {
        let mut keys = SendKeys::default();
        let mut minted = 0;
        let mut fresh = || {
            minted += 1;
            format!("k-{minted}")
        };
        let first = keys.key_for("f-1", || None, &mut fresh);
        assert_eq!(
            first,
            SendKey {
                key: "k-1".into(),
                answered: false
            }
        );
        // A timeout, a retry: storage is unavailable, the same key goes out again.
        assert_eq!(keys.key_for("f-1", || None, &mut fresh), first);
        assert_eq!(keys.key_for("f-2", || None, &mut fresh).key, "k-2");
        keys.mark_answered("k-1");
        assert_eq!(
            keys.key_for("f-1", || None, &mut fresh),
            SendKey {
                key: "k-1".into(),
                answered: true
            }
        );
        assert_eq!(minted, 2);
    }

    #[test]
    fn a_reload_finds_the_stored_key_and_memory_wins_over_storage() {
        let mut keys = SendKeys::default();
        let stored = SendKey {
            key: "stored".into(),
            answered: true,
        };
        assert_eq!(
            keys.key_for("f-1", || Some(stored.clone()), || unreachable!()),
            stored
        );
        let other = SendKey {
            key: "other".into(),
            answered: false,
        };
        assert_eq!(
            keys.key_for("f-1", || Some(other), || unreachable!()),
            stored
        );
    }
    use crate::wire::{Entity, ExclusionReason, PersonFields};
    use chrono::{TimeZone, Utc};

    fn record(id: &str, email: Option<&str>) -> CrmRecord {
        CrmRecord {
            entity: Entity::Lead,
            id: id.into(),
            person: PersonFields {
                email: email.map(Into::into),
                first_name: Some("Ada".into()),
                ..PersonFields::default()
            },
        }
    }

    fn request(ids: &[&str]) -> SendRequest {
        let records: Vec<CrmRecord> = ids.iter().map(|id| record(id, Some("a@x.io"))).collect();
        SendRequest {
            template_id: 7,
            subject: None,
            recipients: recipients_of(&records),
            scheduled_at: None,
        }
    }

    fn result(id: &str, outcome: SendOutcome) -> SendResult {
        SendResult {
            entity: Entity::Lead,
            crm_id: id.into(),
            name: id.into(),
            email: Some(format!("{id}@x.io")),
            outcome,
            reason: (outcome == SendOutcome::Excluded).then_some(ExclusionReason::OptedOut),
            subject: matches!(outcome, SendOutcome::Sent | SendOutcome::Scheduled)
                .then(|| "Hello Ada".to_owned()),
            message: None,
        }
    }

    fn response(results: Vec<SendResult>) -> SendResponse {
        SendResponse {
            id: 1,
            campaign_id: "SEND-1".into(),
            template_id: 7,
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
            scheduled_at: None,
            results,
            remaining_today: 990,
            limit_resets_at: Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap(),
        }
    }

    /// A send whose answer was lost.
    fn lost(message: &str) -> SendFailure {
        SendFailure {
            message: message.into(),
            outcome_unknown: true,
        }
    }

    #[test]
    fn a_message_whose_answer_was_lost_is_locked_until_the_user_changes_it_anyway() {
        let mut compose = Compose::default();
        compose.choose_template(7);
        let sent = request(&["L1"]);
        compose.start_send(sent.clone(), None);
        compose.finish(&sent, Err(lost("Marketing took too long to answer.")));
        assert_eq!(
            compose.unanswered().map(|(r, of)| (&**r, of)),
            Some((&sent, None))
        );
        assert!(compose.is_locked());

        // Nothing about the message changes: a changed message would be a new one.
        compose.edit_subject("Typo fixed".into(), "Hello");
        compose.set_when(When::Later("2026-03-02T09:00".into()));
        compose.set_log_note(false);
        compose.choose_template(8);
        compose.reset();
        assert_eq!(
            (
                &compose.subject,
                &compose.when,
                compose.log_note,
                compose.template_id
            ),
            (&None, &When::Now, true, Some(7))
        );

        // Only on purpose: then it is an ordinary draft again.
        compose.edit_anyway();
        assert!(!compose.is_locked());
        assert_eq!(compose.unanswered(), None);
        compose.edit_subject("Typo fixed".into(), "Hello");
        assert_eq!(compose.subject.as_deref(), Some("Typo fixed"));
    }

    #[test]
    fn a_refused_send_leaves_the_message_editable() {
        let mut compose = Compose::default();
        let sent = request(&["L1"]);
        compose.start_send(sent.clone(), None);
        compose.finish(
            &sent,
            Err(SendFailure {
                message: "Too many requests.".into(),
                outcome_unknown: false,
            }),
        );
        assert!(matches!(
            compose.phase,
            Phase::Failed { unknown: false, .. }
        ));
        assert!(!compose.is_locked());
        assert_eq!(compose.unanswered(), None);
    }

    #[test]
    fn retrying_what_failed_is_a_new_message_each_time_with_the_crms_current_data() {
        // Everyone failed: the retry has the same recipients as the send.
        let sent = request(&["L1"]);
        let answer = response(vec![result("L1", SendOutcome::Failed)]);
        let mut corrected = sent.recipients.clone();
        corrected[0].person.email = Some("ada@fixed.io".into());
        let retry = retry_failed(&sent, &answer, &corrected).unwrap();
        assert_eq!(
            retry.recipients[0].person.email.as_deref(),
            Some("ada@fixed.io")
        );
        let same = retry_failed(&sent, &answer, &[]).unwrap();
        assert_eq!(same, sent);

        // Its key is not the send's (whose answer the server would replay), nor another
        // retry's; the same retry clicked twice keeps its key.
        let send_key = fingerprint("rep-1", &sent, None);
        let retry_key = fingerprint("rep-1", &same, Some(answer.id));
        assert_ne!(send_key, retry_key);
        assert_eq!(retry_key, fingerprint("rep-1", &same, Some(answer.id)));
        assert_ne!(retry_key, fingerprint("rep-1", &same, Some(answer.id + 1)));

        let mut compose = Compose::default();
        compose.start_send(sent.clone(), None);
        let answer_id = answer.id;
        compose.finish(&sent, Ok((answer, false)));
        assert!(
            !compose.start_send(same.clone(), None),
            "the answered message"
        );
        assert!(
            compose.start_send(same.clone(), Some(answer_id)),
            "a retry of its failures"
        );

        // The retry's answer is lost: "Send again" sends it as the retry it was, under its key.
        compose.finish(&same, Err(lost("Marketing took too long to answer.")));
        assert_eq!(
            compose.unanswered().map(|(r, of)| (&**r, of)),
            Some((&same, Some(answer_id)))
        );
    }

    #[test]
    fn a_retry_keeps_the_outcomes_of_those_it_did_not_retry() {
        let sent = request(&["L1", "L2", "L3"]);
        let answer = response(vec![
            result("L1", SendOutcome::Sent),
            result("L2", SendOutcome::Failed),
            result("L3", SendOutcome::Excluded),
        ]);
        let mut compose = Compose::default();
        compose.start_send(sent.clone(), None);
        compose.finish(&sent, Ok((answer.clone(), false)));
        let retry = retry_failed(&sent, &answer, &[]).unwrap();
        assert!(compose.start_send(retry.clone(), Some(answer.id)));
        let mut second = response(vec![result("L2", SendOutcome::Sent)]);
        second.id = 2;
        compose.finish(&retry, Ok((second, false)));
        let Phase::Done { response, .. } = &compose.phase else {
            panic!("answered");
        };
        let outcomes: Vec<_> = response
            .results
            .iter()
            .map(|r| (r.crm_id.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("L1", SendOutcome::Sent),
                ("L2", SendOutcome::Sent),
                ("L3", SendOutcome::Excluded)
            ]
        );
        assert_eq!(response.id, 2, "a further retry retries this send");
        assert_eq!(summary(response), "2 sent · 1 excluded");
    }

    #[test]
    fn only_the_first_answer_under_a_key_logs_notes() {
        let mut keys = SendKeys::default();
        let key = keys.key_for("f-1", || None, || "k-1".into()).key;
        // The same message in flight twice (the view was left and opened again): both get
        // an answer, one logs.
        assert!(keys.mark_answered(&key));
        assert!(!keys.mark_answered(&key));
    }

    #[test]
    fn a_selection_over_200_is_refused_before_any_request() {
        assert!(selection_problem(0).is_some());
        assert_eq!(selection_problem(1), None);
        assert_eq!(selection_problem(200), None);
        let message = selection_problem(201).unwrap();
        assert!(
            message.contains("201") && message.contains("200"),
            "{message}"
        );
    }

    #[test]
    fn recipients_carry_the_crm_fields() {
        let r = recipients_of(&[record("L1", Some("ada@x.io"))]);
        assert_eq!(r[0].crm_id, "L1");
        assert_eq!(r[0].person.email.as_deref(), Some("ada@x.io"));
        assert_eq!(r[0].person.first_name.as_deref(), Some("Ada"));
    }

    #[test]
    fn a_second_send_while_one_is_in_flight_does_nothing() {
        let mut compose = Compose::default();
        compose.choose_template(7);
        assert!(compose.start_send(request(&["L1"]), None));
        assert!(!compose.start_send(request(&["L1"]), None), "double click");
        assert!(
            !compose.start_send(request(&["L2"]), None),
            "another message"
        );
        compose.choose_template(8);
        assert_eq!(compose.template_id, Some(7), "no change while sending");
    }

    #[test]
    fn an_answered_message_is_not_sent_again_but_a_failed_one_may_be() {
        let mut compose = Compose::default();
        let sent = request(&["L1"]);
        compose.start_send(sent.clone(), None);
        compose.finish(
            &sent,
            Ok((response(vec![result("L1", SendOutcome::Sent)]), false)),
        );
        assert!(matches!(compose.phase, Phase::Done { .. }));
        assert!(!compose.start_send(sent.clone(), None));

        let mut compose = Compose::default();
        compose.start_send(sent.clone(), None);
        compose.finish(&sent, Err(lost("Can't reach marketing.")));
        assert!(matches!(compose.phase, Phase::Failed { .. }));
        assert!(compose.start_send(sent, None), "retry after a lost answer");
    }

    #[test]
    fn a_late_answer_to_another_request_is_ignored() {
        let mut compose = Compose::default();
        compose.start_send(request(&["L1"]), None);
        compose.finish(&request(&["L2"]), Err(lost("late")));
        assert!(compose.is_sending());
    }

    #[test]
    fn editing_the_subject_back_to_the_template_keeps_the_template_subject() {
        let mut compose = Compose::default();
        compose.choose_template(7);
        compose.edit_subject("Hi {{firstName}}".into(), "Hello {{firstName}}");
        assert_eq!(compose.subject.as_deref(), Some("Hi {{firstName}}"));
        compose.edit_subject("Hello {{firstName}}".into(), "Hello {{firstName}}");
        assert_eq!(compose.subject, None);
    }

    #[test]
    fn the_same_message_has_the_same_fingerprint_and_any_change_another() {
        let a = fingerprint("rep-1", &request(&["L1", "L2"]), None);
        assert_eq!(a, fingerprint("rep-1", &request(&["L1", "L2"]), None));
        assert_ne!(a, fingerprint("rep-2", &request(&["L1", "L2"]), None));
        assert_ne!(a, fingerprint("rep-1", &request(&["L1"]), None));
        let mut edited = request(&["L1", "L2"]);
        edited.subject = Some("Other".into());
        assert_ne!(a, fingerprint("rep-1", &edited, None));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn retry_sends_only_the_failed_recipients() {
        let sent = request(&["L1", "L2", "L3"]);
        let answer = response(vec![
            result("L1", SendOutcome::Sent),
            result("L2", SendOutcome::Failed),
            result("L3", SendOutcome::Excluded),
        ]);
        let retry = retry_failed(&sent, &answer, &[]).unwrap();
        let ids: Vec<&str> = retry.recipients.iter().map(|r| r.crm_id.as_str()).collect();
        assert_eq!(ids, ["L2"]);
        assert_eq!(retry.template_id, 7);
        let all_sent = response(vec![result("L1", SendOutcome::Sent)]);
        assert_eq!(retry_failed(&request(&["L1"]), &all_sent, &[]), None);
    }

    #[test]
    fn a_refused_retry_keeps_the_results_and_a_lost_one_locks_the_retry() {
        let mut compose = Compose::default();
        compose.choose_template(7);
        let sent = request(&["L1", "L2"]);
        let answer = response(vec![
            result("L1", SendOutcome::Sent),
            result("L2", SendOutcome::Failed),
        ]);
        assert!(compose.start_send(sent.clone(), None));
        compose.finish(&sent, Ok((answer.clone(), false)));
        let retry = retry_failed(&sent, &answer, &[]).unwrap();

        assert!(compose.start_send(retry.clone(), Some(1)));
        assert!(matches!(
            &compose.phase,
            Phase::Done { response, retry: Some(Retry::Sending { retry_of: 1, .. }), .. }
                if **response == answer
        ));
        assert!(compose.is_sending() && compose.is_locked());
        assert!(!compose.start_send(retry.clone(), Some(1)), "double click");

        let refused = SendFailure {
            message: "Too many requests.".into(),
            outcome_unknown: false,
        };
        compose.finish(&retry, Err(refused));
        let Phase::Done {
            request: shown,
            response,
            retry: state,
            ..
        } = &compose.phase
        else {
            panic!("back to the results: {:?}", compose.phase)
        };
        assert_eq!((&**shown, &**response), (&sent, &answer));
        assert_eq!(state, &Some(Retry::Refused("Too many requests.".into())));

        assert!(compose.start_send(retry.clone(), Some(1)), "retried again");
        let lost = SendFailure {
            message: "No answer.".into(),
            outcome_unknown: true,
        };
        compose.finish(&retry, Err(lost));
        assert_eq!(
            compose.unanswered().map(|(r, id)| (&**r, id)),
            Some((&retry, Some(1)))
        );
        assert!(compose.is_locked());
    }

    #[test]
    fn notes_go_to_sent_and_scheduled_recipients_only() {
        let answer = response(vec![
            result("L1", SendOutcome::Sent),
            result("L2", SendOutcome::Failed),
            result("L3", SendOutcome::Excluded),
            result("L4", SendOutcome::Scheduled),
        ]);
        let ids: Vec<&str> = noted(&answer).map(|r| r.crm_id.as_str()).collect();
        assert_eq!(ids, ["L1", "L4"]);
        let (subject, body) = sent_note(&answer.results[0], "Welcome", "SEND-1", "");
        assert_eq!(subject, "Sent Email: Hello Ada");
        assert!(body.contains("Welcome") && body.contains("L1@x.io") && body.contains("SEND-1"));
        let when = "6 Dec 2026, 09:00 (America/Los_Angeles)";
        let (subject, body) = sent_note(&answer.results[3], "Welcome", "SEND-1", when);
        assert_eq!(subject, "Scheduled Email: Hello Ada");
        assert!(
            body.contains("scheduled for 6 Dec 2026, 09:00 (America/Los_Angeles) to L4@x.io"),
            "{body}"
        );
        assert_eq!(
            summary(&answer),
            "1 sent · 1 scheduled · 1 excluded · 1 failed"
        );
    }

    fn preflight(sendable: u32, excluded: usize) -> PreflightResponse {
        let recipient = |status| crate::wire::PreflightRecipient {
            entity: Entity::Lead,
            crm_id: "L1".into(),
            name: "Ada".into(),
            email: None,
            imported: false,
            status,
            reason: None,
            merge_values: Default::default(),
        };
        PreflightResponse {
            sendable,
            recipients: (0..sendable)
                .map(|_| recipient(crate::wire::RecipientStatus::Sendable))
                .chain((0..excluded).map(|_| recipient(crate::wire::RecipientStatus::Excluded)))
                .collect(),
            missing_fields: Vec::new(),
            remaining_today: 990,
            limit_resets_at: Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn send_offers_the_draft_at_its_time_to_those_it_reaches() {
        let compose = Compose::default();
        let draft = request(&["L1", "L2"]);
        let offer = compose.send_offer(Some(&draft), 2, &Ok(None), false);
        assert_eq!(offer.label, "Send to 2 recipients");
        assert_eq!(offer.request, Some((draft.clone(), None)));

        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let offer = compose.send_offer(Some(&draft), 1, &Ok(Some(at)), false);
        assert_eq!(offer.label, "Schedule for 1 recipient");
        let (scheduled, _) = offer.request.unwrap();
        assert_eq!(scheduled.scheduled_at, Some(at));
    }

    #[test]
    fn send_waits_for_recipients_a_valid_time_and_the_crm() {
        let compose = Compose::default();
        let draft = request(&["L1"]);
        let nobody = compose.send_offer(Some(&draft), 0, &Ok(None), false);
        assert_eq!(nobody.label, "Send to 0 recipients");
        assert_eq!(nobody.request, None);
        let no_time = Err(crate::domain::schedule::ScheduleProblem::NoTime);
        assert_eq!(
            compose.send_offer(Some(&draft), 1, &no_time, false).request,
            None
        );
        assert_eq!(
            compose.send_offer(Some(&draft), 1, &Ok(None), true).request,
            None
        );
        assert_eq!(compose.send_offer(None, 1, &Ok(None), false).request, None);
    }

    #[test]
    fn while_sending_nothing_more_goes_and_after_a_lost_answer_the_same_request_does() {
        let mut compose = Compose::default();
        let sent = request(&["L1"]);
        compose.apply(ComposeAction::Sent {
            request: sent.clone(),
            retry_of: None,
        });
        let offer = compose.send_offer(Some(&sent), 1, &Ok(None), false);
        assert_eq!(
            (offer.label.as_str(), offer.request),
            ("Sending to 1 recipient\u{2026}", None)
        );

        compose.apply(ComposeAction::Answered {
            request: sent.clone(),
            answer: Err(lost("Marketing took too long to answer.")),
        });
        // The draft has changed meanwhile (another time, say): the lost request goes again.
        let other = request(&["L1", "L2"]);
        let offer = compose.send_offer(Some(&other), 2, &Ok(None), false);
        assert_eq!(offer.label, "Send again");
        assert_eq!(offer.request, Some((sent, None)));
        assert_eq!(
            compose.send_offer(Some(&other), 2, &Ok(None), true).request,
            None
        );
    }

    #[test]
    fn actions_change_the_message_as_the_methods_do() {
        let mut compose = Compose::default();
        compose.apply(ComposeAction::ChooseTemplate(7));
        compose.apply(ComposeAction::EditSubject {
            subject: "Hi".into(),
            template_subject: "Hello".into(),
        });
        compose.apply(ComposeAction::SetWhen(When::Later(
            "2026-03-02T09:00".into(),
        )));
        compose.apply(ComposeAction::SetLogNote(false));
        compose.apply(ComposeAction::PreviewFor(2));
        assert_eq!(
            (
                compose.template_id,
                compose.subject.as_deref(),
                &compose.when,
                compose.log_note,
                compose.preview
            ),
            (
                Some(7),
                Some("Hi"),
                &When::Later("2026-03-02T09:00".into()),
                false,
                Some(2)
            )
        );
        compose.apply(ComposeAction::Reset);
        assert_eq!(
            compose,
            Compose {
                template_id: Some(7),
                ..Compose::default()
            }
        );
    }

    #[test]
    fn the_preflight_is_said_in_one_sentence() {
        assert_eq!(
            preflight_said(&preflight(1, 0)),
            "1 recipient will receive it"
        );
        assert_eq!(
            preflight_said(&preflight(3, 2)),
            "3 recipients will receive it, 2 excluded"
        );
    }

    #[test]
    fn a_lost_answer_says_send_again_reaches_nobody_twice() {
        let note = lost_answer_note("Can't reach marketing.", 2);
        assert!(
            note.starts_with(
                "The send did not complete: Can't reach marketing. It may have gone out."
            ),
            "{note}"
        );
        assert!(
            note.contains("to the same 2 recipients, and nobody gets it twice"),
            "{note}"
        );
    }
}
