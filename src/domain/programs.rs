//! The Programs view's state: which programs are selected for enrolment, the search over the
//! list, and what each program's enrolment request did (issue: Program enrolment).
//!
//! Each program gets one request carrying every record; its answer (or failure) is kept per
//! program, and a retry sends only the records that failed, merging their new outcomes in.

use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::CrmRecord;
use crate::wire::{
    EnrolOutcome, EnrolRecord, EnrolRequest, EnrolResponse, EnrolResult, Enrolment,
    EnrolmentStatus, Program,
};

/// The programs the one record on screen is already in, with their status. Empty for a list
/// selection: there the server answers per record (`alreadyEnrolled`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CurrentPrograms(Vec<(i64, EnrolmentStatus)>);

impl CurrentPrograms {
    pub fn of(enrolments: &[Enrolment]) -> CurrentPrograms {
        CurrentPrograms(
            enrolments
                .iter()
                .map(|e| (e.program_id, e.status))
                .collect(),
        )
    }

    pub fn status(&self, program_id: i64) -> Option<EnrolmentStatus> {
        self.0
            .iter()
            .find(|(id, _)| *id == program_id)
            .map(|(_, status)| *status)
    }
}

/// Why `program` cannot be chosen for enrolment, in words for the user; `None` when it can. A
/// program can be chosen when it accepts enrolments and the record is not in it already.
pub fn unavailable_reason(program: &Program, current: &CurrentPrograms) -> Option<String> {
    if !program.can_enrol() {
        return Some(
            program
                .unavailable_reason
                .clone()
                .unwrap_or_else(|| "This program is not open for enrolment.".to_owned()),
        );
    }
    current
        .status(program.id)
        .or(program.enrolment_status)
        .map(|status| {
            format!(
                "Already in this program ({}).",
                status_label(status).to_ascii_lowercase()
            )
        })
}

/// The programs ticked for enrolment, in the order ticked; only programs that accept enrolments
/// can be in it. A tick stays while a search shows other programs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    programs: Vec<Program>,
}

impl Selection {
    /// Ticks or unticks `program`; a program that cannot be enrolled into is never ticked.
    pub fn toggle(&mut self, program: &Program) {
        if let Some(at) = self.programs.iter().position(|p| p.id == program.id) {
            self.programs.remove(at);
        } else if program.can_enrol() {
            self.programs.push(program.clone());
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        self.programs.iter().any(|p| p.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.programs.len()
    }

    /// Takes in programs listed again: a ticked one listed as no longer selectable (paused
    /// meanwhile) is unticked, one still selectable takes its new name. Ticked programs not in
    /// `listed` (another search's, a later page's) stay.
    pub fn retain_available(&mut self, listed: &[Program]) {
        self.programs
            .retain(|p| listed.iter().all(|l| l.id != p.id || l.can_enrol()));
        for program in &mut self.programs {
            if let Some(listed) = listed.iter().find(|l| l.id == program.id) {
                *program = listed.clone();
            }
        }
    }

    /// The ticked programs that can be enrolled into, in the order ticked: a program the record
    /// turned out to be in already (its enrolments may load after the box was ticked) is left
    /// out.
    pub fn chosen(&self, current: &CurrentPrograms) -> Vec<&Program> {
        self.programs
            .iter()
            .filter(|p| unavailable_reason(p, current).is_none())
            .collect()
    }

    pub fn clear(&mut self) {
        self.programs.clear();
    }
}

/// A record's name as the user reads it: first and last name, else email, else its CRM id.
pub fn record_name(record: &CrmRecord) -> String {
    record.person.display_name(&record.id)
}

/// The request enrolling `records`, with the CRM fields the platform needs to add an unknown one.
pub fn enrol_request<'a>(records: impl IntoIterator<Item = &'a CrmRecord>) -> EnrolRequest {
    EnrolRequest {
        records: records
            .into_iter()
            .map(|r| EnrolRecord {
                entity: r.entity,
                crm_id: r.id.clone(),
                person: r.person.clone(),
            })
            .collect(),
    }
}

/// What the user reads for an enrolment's status.
pub fn status_label(status: EnrolmentStatus) -> &'static str {
    match status {
        EnrolmentStatus::Active => "Active",
        EnrolmentStatus::Completed => "Completed",
        EnrolmentStatus::Exited => "Exited",
    }
}

/// What the user reads of a record that was in a program already: that it went through it, or
/// left it; nothing while it is still going through it.
pub fn already_in_words(status: EnrolmentStatus) -> Option<&'static str> {
    match status {
        EnrolmentStatus::Active => None,
        EnrolmentStatus::Completed => Some("Already went through this program."),
        EnrolmentStatus::Exited => Some("Was in this program and left it."),
    }
}

/// What sent a program's request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Enrol: the chosen records, whatever an earlier run did.
    Enrol,
    /// Retry: the records the last run did not enrol.
    Retry,
}

/// One program's enrolment so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    pub program_name: String,
    /// The latest outcome of every record answered for, in answer order.
    pub results: Vec<EnrolResult>,
    /// Why the last request failed as a whole (network, 422, ...), for the user.
    pub error: Option<String>,
    pub in_flight: bool,
    /// The `Idempotency-Key` of the last request, and the records it carried.
    pub key: String,
    pub sent: Vec<CrmRecord>,
    /// The last request's answer was lost (network, timeout, server error): it may have
    /// enrolled anyone, and only a retry under its key can tell.
    pub outcome_unknown: bool,
}

/// How a run ended, for its colour and its retry button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    InFlight,
    /// Every record is now in the program, at least one by this request.
    Enrolled,
    /// Every record was in the program already.
    AlreadyEnrolled,
    /// The request or at least one record failed: retry can help.
    Failed,
}

impl Run {
    pub fn state(&self) -> RunState {
        if self.in_flight {
            RunState::InFlight
        } else if self.error.is_some() || self.count(EnrolOutcome::Failed) > 0 {
            RunState::Failed
        } else if self.count(EnrolOutcome::Enrolled) > 0 {
            RunState::Enrolled
        } else {
            RunState::AlreadyEnrolled
        }
    }

    pub fn count(&self, outcome: EnrolOutcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The key a retry sends: the last request's when its answer was lost (the same request
    /// again reads what it did), else none (a new request).
    pub fn retry_key(&self) -> Option<&str> {
        self.outcome_unknown.then_some(self.key.as_str())
    }

    /// What a Retry sends, and under which key: after a lost answer, that very request again
    /// (the records as sent, whatever the CRM says of them now, or the key would not match);
    /// else a new request for the records not enrolled.
    pub fn retry(&self, records: &[CrmRecord]) -> (Vec<CrmRecord>, Option<String>) {
        match self.retry_key() {
            Some(key) => (self.sent.clone(), Some(key.to_owned())),
            None => (self.to_retry(records).into_iter().cloned().collect(), None),
        }
    }

    /// The records a retry sends: those that failed, or all of them when the request did.
    pub fn to_retry<'a>(&self, records: &'a [CrmRecord]) -> Vec<&'a CrmRecord> {
        records
            .iter()
            .filter(|record| {
                match self
                    .results
                    .iter()
                    .find(|r| r.entity == record.entity && r.crm_id == record.id)
                {
                    Some(result) => result.outcome == EnrolOutcome::Failed,
                    None => self.error.is_some(),
                }
            })
            .collect()
    }

    /// One line for the user: "Enrolled", "Already enrolled", "Failed: …" for one record; counts
    /// ("2 enrolled · 1 already enrolled") for several.
    pub fn summary(&self, record_count: usize) -> String {
        if self.in_flight {
            return "Enrolling…".into();
        }
        if let Some(error) = &self.error {
            return format!("Failed: {error}");
        }
        let failure = || {
            self.results
                .iter()
                .find(|r| r.outcome == EnrolOutcome::Failed)
                .and_then(|r| r.message.clone())
        };
        if record_count <= 1 {
            return match self.state() {
                RunState::Enrolled => "Enrolled".into(),
                RunState::AlreadyEnrolled => match self
                    .results
                    .iter()
                    .filter(|r| r.outcome == EnrolOutcome::AlreadyEnrolled)
                    .find_map(|r| r.enrolment_status.and_then(already_in_words))
                {
                    Some(how) => format!("Already enrolled \u{2014} {how}"),
                    None => "Already enrolled".into(),
                },
                _ => match failure() {
                    Some(message) => format!("Failed: {message}"),
                    None => "Failed".into(),
                },
            };
        }
        let parts = [
            (EnrolOutcome::Enrolled, "enrolled"),
            (EnrolOutcome::AlreadyEnrolled, "already enrolled"),
            (EnrolOutcome::Failed, "failed"),
        ]
        .into_iter()
        .filter_map(|(outcome, words)| {
            let n = self.count(outcome);
            (n > 0).then(|| format!("{n} {words}{}", self.how_already(outcome)))
        })
        .collect::<Vec<_>>();
        let mut line = parts.join(" · ");
        if let Some(message) = failure() {
            line.push_str(&format!(" ({message})"));
        }
        line
    }

    /// For the already-enrolled count: how many of them finished or left the program, as
    /// " (1 finished it, 2 left it)"; empty otherwise.
    fn how_already(&self, outcome: EnrolOutcome) -> String {
        if outcome != EnrolOutcome::AlreadyEnrolled {
            return String::new();
        }
        let with = |status: EnrolmentStatus| {
            self.results
                .iter()
                .filter(|r| {
                    r.outcome == EnrolOutcome::AlreadyEnrolled && r.enrolment_status == Some(status)
                })
                .count()
        };
        let parts: Vec<String> = [
            (with(EnrolmentStatus::Completed), "finished it"),
            (with(EnrolmentStatus::Exited), "left it"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, words)| format!("{n} {words}"))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }

    /// Takes in an answer: each record's new outcome replaces its previous one.
    fn merge(&mut self, response: EnrolResponse) {
        for result in response.results {
            match self
                .results
                .iter_mut()
                .find(|r| r.entity == result.entity && r.crm_id == result.crm_id)
            {
                Some(previous) => {
                    let added = previous.added_to_all_contacts || result.added_to_all_contacts;
                    *previous = result;
                    previous.added_to_all_contacts = added;
                }
                None => self.results.push(result),
            }
        }
    }
}

/// Every program's run, by program id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Runs {
    runs: BTreeMap<i64, Run>,
}

impl Runs {
    /// Whether nothing was asked yet.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// A request for `program_id` carrying `sent` under `key` is on its way: a new enrolment
    /// (Enrol), which starts the program's outcomes afresh, or a retry, which keeps them and
    /// merges its answer in.
    pub fn start(
        &mut self,
        program_id: i64,
        program_name: &str,
        kind: Start,
        (key, sent): (&str, &[CrmRecord]),
    ) {
        let run = self.runs.entry(program_id).or_default();
        run.program_name = program_name.to_owned();
        run.in_flight = true;
        run.error = None;
        run.outcome_unknown = false;
        key.clone_into(&mut run.key);
        sent.clone_into(&mut run.sent);
        if kind == Start::Enrol {
            run.results.clear();
        }
    }

    /// The request for `program_id` came back with `answer`: an error is in words, with
    /// whether its outcome is unknown.
    pub fn finish(&mut self, program_id: i64, answer: Result<EnrolResponse, (String, bool)>) {
        let run = self.runs.entry(program_id).or_default();
        run.in_flight = false;
        match answer {
            Ok(response) => {
                run.error = None;
                run.merge(response);
            }
            Err((message, unknown)) => {
                run.error = Some(message);
                run.outcome_unknown = unknown;
            }
        }
    }

    /// The request was abandoned (the view left): no outcome to show.
    pub fn abandon(&mut self, program_id: i64) {
        if let Some(run) = self.runs.get_mut(&program_id) {
            run.in_flight = false;
        }
    }

    pub fn get(&self, program_id: i64) -> Option<&Run> {
        self.runs.get(&program_id)
    }

    /// Every program's run, by program id.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Run)> {
        self.runs.iter().map(|(id, run)| (*id, run))
    }

    /// Some request is in flight: the Enrol button waits.
    pub fn busy(&self) -> bool {
        self.runs.values().any(|run| run.in_flight)
    }

    /// The records (entity, CRM id) the platform added to "All contacts" before enrolling them.
    pub fn added_to_all_contacts(&self) -> BTreeSet<(crate::wire::Entity, String)> {
        self.runs
            .values()
            .flat_map(|run| &run.results)
            .filter(|r| r.added_to_all_contacts)
            .map(|r| (r.entity, r.crm_id.clone()))
            .collect()
    }

    /// "<name> was added to the All contacts list first", once per such record.
    pub fn added_notices(&self, records: &[CrmRecord]) -> Vec<String> {
        let added = self.added_to_all_contacts();
        added
            .iter()
            .map(|(entity, crm_id)| {
                let name = records
                    .iter()
                    .find(|r| r.entity == *entity && &r.id == crm_id)
                    .map(record_name)
                    .unwrap_or_else(|| crm_id.clone());
                format!("{name} was added to the All contacts list first")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Entity, PersonFields};

    fn program(id: i64, name: &str, active: bool) -> Program {
        Program {
            id,
            name: name.into(),
            description: String::new(),
            active,
            enabled_for_crm: true,
            unavailable_reason: (!active).then(|| "This program is paused.".into()),
            enrolment_status: None,
        }
    }

    fn record(id: &str, first: Option<&str>, email: Option<&str>) -> CrmRecord {
        CrmRecord {
            entity: Entity::Lead,
            id: id.into(),
            person: PersonFields {
                email: email.map(Into::into),
                first_name: first.map(Into::into),
                ..PersonFields::default()
            },
        }
    }

    fn result(id: &str, outcome: EnrolOutcome, added: bool) -> EnrolResult {
        EnrolResult {
            entity: Entity::Lead,
            crm_id: id.into(),
            outcome,
            enrolment_status: None,
            message: (outcome == EnrolOutcome::Failed).then(|| "No email.".into()),
            added_to_all_contacts: added,
        }
    }

    fn response(results: Vec<EnrolResult>) -> EnrolResponse {
        EnrolResponse {
            program_id: 1,
            program_name: "Welcome".into(),
            results,
        }
    }

    #[test]
    fn toggling_selects_and_unselects_only_active_programs() {
        let (active, paused) = (program(1, "Welcome", true), program(2, "Spring", false));
        let mut selection = Selection::default();
        selection.toggle(&active);
        selection.toggle(&paused);
        assert!(selection.contains(1));
        assert!(!selection.contains(2));
        assert_eq!(selection.len(), 1);
        selection.toggle(&active);
        assert!(selection.is_empty());
        let disabled = Program {
            enabled_for_crm: false,
            ..program(3, "Summit", true)
        };
        selection.toggle(&disabled);
        assert!(selection.is_empty());
    }

    #[test]
    fn a_reloaded_list_unticks_programs_paused_meanwhile_and_keeps_other_searches_ticks() {
        let mut selection = Selection::default();
        selection.toggle(&program(1, "A", true));
        selection.toggle(&program(2, "B", true));
        selection.toggle(&program(3, "C", true));
        let now = [program(2, "B", false), program(3, "C renamed", true)];
        selection.retain_available(&now);
        let chosen = selection.chosen(&CurrentPrograms::default());
        assert_eq!(chosen.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(chosen[1].name, "C renamed");
    }

    #[test]
    fn a_program_the_record_is_in_already_cannot_be_chosen_and_says_why() {
        let programs = [
            program(1, "Welcome", true),
            program(2, "Re-engagement", true),
            program(3, "Spring", false),
        ];
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc();
        let enrolment = |program_id, status| Enrolment {
            program_id,
            program_name: String::new(),
            status,
            enrolled_at: at,
            updated_at: at,
        };
        let current = CurrentPrograms::of(&[enrolment(2, EnrolmentStatus::Completed)]);
        let mut selection = Selection::default();
        selection.toggle(&programs[0]);
        selection.toggle(&programs[1]);
        assert_eq!(
            selection
                .chosen(&current)
                .iter()
                .map(|p| p.id)
                .collect::<Vec<_>>(),
            [1],
            "ticked before the enrolments loaded, still not sent"
        );
        assert_eq!(selection.chosen(&CurrentPrograms::default()).len(), 2);
        assert_eq!(unavailable_reason(&programs[0], &current), None);
        assert_eq!(
            unavailable_reason(&programs[1], &current).as_deref(),
            Some("Already in this program (completed).")
        );
        assert_eq!(
            unavailable_reason(&programs[2], &current).as_deref(),
            Some("This program is paused.")
        );
        // The programs list itself may say the record is in a program its loaded enrolments
        // do not reach.
        let listed_in = Program {
            enrolment_status: Some(EnrolmentStatus::Exited),
            ..programs[0].clone()
        };
        assert_eq!(
            unavailable_reason(&listed_in, &CurrentPrograms::default()).as_deref(),
            Some("Already in this program (exited).")
        );
    }

    #[test]
    fn names_fall_back_to_email_then_id() {
        assert_eq!(record_name(&record("L1", Some("Ava"), None)), "Ava");
        let mut full = record("L1", Some("Ava"), None);
        full.person.last_name = Some("Stone".into());
        assert_eq!(record_name(&full), "Ava Stone");
        assert_eq!(
            record_name(&record("L1", Some(" "), Some("a@x.io"))),
            "a@x.io"
        );
        assert_eq!(record_name(&record("L1", None, None)), "L1");
    }

    #[test]
    fn the_request_carries_every_record_with_its_crm_fields() {
        let records = [
            record("L1", Some("Ava"), Some("a@x.io")),
            record("L2", None, None),
        ];
        let request = enrol_request(&records);
        assert_eq!(request.records.len(), 2);
        assert_eq!(request.records[0].crm_id, "L1");
        assert_eq!(request.records[0].person.email.as_deref(), Some("a@x.io"));
        assert_eq!(request.records[0].person.first_name.as_deref(), Some("Ava"));
        assert_eq!(request.records[1].person.email, None);
    }

    #[test]
    fn one_record_summaries_say_what_happened() {
        let mut runs = Runs::default();
        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        assert!(runs.busy());
        assert_eq!(runs.get(1).unwrap().state(), RunState::InFlight);
        runs.finish(
            1,
            Ok(response(vec![result("L1", EnrolOutcome::Enrolled, false)])),
        );
        assert!(!runs.busy());
        let run = runs.get(1).unwrap();
        assert_eq!(run.state(), RunState::Enrolled);
        assert_eq!(run.summary(1), "Enrolled");

        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![result(
                "L1",
                EnrolOutcome::AlreadyEnrolled,
                false,
            )])),
        );
        assert_eq!(runs.get(1).unwrap().summary(1), "Already enrolled");

        runs.start(2, "Webinar", Start::Enrol, ("k", &[]));
        runs.finish(2, Err(("Can't reach marketing.".into(), false)));
        let run = runs.get(2).unwrap();
        assert_eq!(run.state(), RunState::Failed);
        assert_eq!(run.summary(1), "Failed: Can't reach marketing.");
    }

    #[test]
    fn several_records_are_counted_and_a_retry_sends_only_the_failed_ones() {
        let records = [
            record("L1", Some("Ava"), None),
            record("L2", Some("Ben"), None),
            record("L3", Some("Cy"), None),
        ];
        let mut runs = Runs::default();
        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![
                result("L1", EnrolOutcome::Enrolled, true),
                result("L2", EnrolOutcome::AlreadyEnrolled, false),
                result("L3", EnrolOutcome::Failed, false),
            ])),
        );
        let run = runs.get(1).unwrap();
        assert_eq!(run.state(), RunState::Failed);
        assert_eq!(
            run.summary(3),
            "1 enrolled · 1 already enrolled · 1 failed (No email.)"
        );
        let retry = run.to_retry(&records);
        assert_eq!(
            retry.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["L3"]
        );

        runs.start(1, "Welcome", Start::Retry, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![result("L3", EnrolOutcome::Enrolled, false)])),
        );
        let run = runs.get(1).unwrap();
        assert_eq!(run.state(), RunState::Enrolled);
        assert_eq!(run.summary(3), "2 enrolled · 1 already enrolled");
        assert!(run.to_retry(&records).is_empty());
        assert_eq!(
            runs.added_notices(&records),
            ["Ava was added to the All contacts list first"]
        );
    }

    #[test]
    fn already_enrolled_says_who_finished_or_left_the_program() {
        let already = |id: &str, status: EnrolmentStatus| EnrolResult {
            enrolment_status: Some(status),
            ..result(id, EnrolOutcome::AlreadyEnrolled, false)
        };
        let mut runs = Runs::default();
        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![already("L1", EnrolmentStatus::Exited)])),
        );
        assert_eq!(
            runs.get(1).unwrap().summary(1),
            "Already enrolled \u{2014} Was in this program and left it."
        );

        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![
                result("L1", EnrolOutcome::Enrolled, false),
                already("L2", EnrolmentStatus::Completed),
                already("L3", EnrolmentStatus::Exited),
                already("L4", EnrolmentStatus::Exited),
                already("L5", EnrolmentStatus::Active),
            ])),
        );
        assert_eq!(
            runs.get(1).unwrap().summary(5),
            "1 enrolled \u{b7} 4 already enrolled (1 finished it, 2 left it)"
        );
    }

    #[test]
    fn enrolling_again_starts_afresh_so_a_failed_request_retries_every_record() {
        let records = [record("L1", None, None), record("L2", None, None)];
        let mut runs = Runs::default();
        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(
            1,
            Ok(response(vec![
                result("L1", EnrolOutcome::Enrolled, false),
                result("L2", EnrolOutcome::Enrolled, false),
            ])),
        );
        // Ticked and enrolled again; that request fails as a whole.
        runs.start(1, "Welcome", Start::Enrol, ("k", &[]));
        runs.finish(1, Err(("Can't reach marketing.".into(), false)));
        let run = runs.get(1).unwrap();
        assert_eq!(run.summary(2), "Failed: Can't reach marketing.");
        assert_eq!(run.to_retry(&records).len(), 2, "never an empty retry");
    }

    #[test]
    fn a_failed_request_retries_every_record_and_an_abandoned_one_is_not_busy() {
        let records = [record("L1", None, None), record("L2", None, None)];
        let mut runs = Runs::default();
        runs.start(7, "Trial", Start::Enrol, ("k", &[]));
        runs.finish(7, Err(("Try again.".into(), false)));
        assert_eq!(runs.get(7).unwrap().to_retry(&records).len(), 2);
        runs.start(7, "Trial", Start::Retry, ("k", &[]));
        assert_eq!(runs.get(7).unwrap().error, None);
        runs.abandon(7);
        assert!(!runs.busy());
        assert!(runs.added_notices(&records).is_empty());
    }

    #[test]
    fn only_a_request_whose_answer_was_lost_is_retried_under_its_key() {
        let mut runs = Runs::default();
        let sent = [record("L1", Some("Ann"), None)];
        runs.start(7, "Trial", Start::Enrol, ("k-1", &sent));
        runs.finish(7, Err(("Can't reach marketing.".into(), true)));
        assert_eq!(runs.get(7).unwrap().retry_key(), Some("k-1"));
        // The CRM changed the record meanwhile: the retry still sends it as it was sent.
        let now = [record("L1", Some("Anna"), Some("anna@example.com"))];
        assert_eq!(
            runs.get(7).unwrap().retry(&now),
            (sent.to_vec(), Some("k-1".to_owned()))
        );
        // The retry went out under it and was answered: a later retry is a new request.
        runs.start(7, "Trial", Start::Retry, ("k-1", &[]));
        assert_eq!(runs.get(7).unwrap().retry_key(), None, "in flight");
        runs.finish(7, Err(("The program is paused.".into(), false)));
        assert_eq!(runs.get(7).unwrap().retry_key(), None);
        assert_eq!(runs.get(7).unwrap().retry(&now), (now.to_vec(), None));
    }

    #[test]
    fn statuses_have_words() {
        assert_eq!(status_label(EnrolmentStatus::Active), "Active");
        assert_eq!(status_label(EnrolmentStatus::Completed), "Completed");
        assert_eq!(status_label(EnrolmentStatus::Exited), "Exited");
    }
}
