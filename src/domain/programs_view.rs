//! The Programs view as one reducer: the ticks and the search, each program's enrolment run,
//! the help dialog, and when the lists are asked for again. Late answers always land on the
//! latest state, and what the Enrol button and its hint say is decided here.

use std::rc::Rc;

use super::programs::{Run, Runs, Selection, Start};
use crate::protocol::CrmRecord;
use crate::wire::{EnrolResponse, Program};

/// Everything the Programs view changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgramsView {
    pub selection: Selection,
    /// The search as typed.
    pub query: String,
    pub runs: Runs,
    pub help_open: bool,
    /// How many times a program turned out to have changed since it was listed (paused, no
    /// longer enabled, gone): the list is asked for again each time.
    pub programs_changed: u32,
    /// How many batches of enrolments are over: the record's enrolments are asked for again
    /// after each.
    pub batches_done: u32,
    /// The programs of the last Enrol or Retry, whose outcome the hint sums up once it is over.
    pub last_batch: Vec<i64>,
}

/// One program's request as it goes out: the program, its name, the request's
/// `Idempotency-Key` and the records it carries.
pub type Request = (i64, String, String, Vec<CrmRecord>);

/// Every change to [`ProgramsView`].
#[derive(Debug)]
pub enum ProgramsAction {
    Toggle(Program),
    Search(String),
    /// Programs were listed (again): a tick on one paused meanwhile goes.
    Listed(Rc<Vec<Program>>),
    /// Requests went out, by Enrol or by a Retry.
    Started(Vec<Request>, Start),
    /// A program's answer, or why there is none (and whether its outcome is unknown).
    Answered(i64, Result<EnrolResponse, (String, bool)>),
    /// The program changed since it was listed: the list is asked for again.
    ProgramChanged,
    /// The view left before the program's answer came.
    Abandoned(i64),
    /// The last request of a batch came back.
    BatchDone,
    ShowHelp(bool),
}

impl ProgramsView {
    pub fn apply(&mut self, action: ProgramsAction) {
        match action {
            ProgramsAction::Toggle(program) => self.selection.toggle(&program),
            ProgramsAction::Search(query) => self.query = query,
            ProgramsAction::Listed(programs) => self.selection.retain_available(&programs),
            ProgramsAction::Started(requests, kind) => {
                self.last_batch = requests.iter().map(|(id, ..)| *id).collect();
                for (id, name, key, sent) in &requests {
                    self.runs.start(*id, name, kind, (key, sent));
                }
                // The ticks were for this Enrol; a retry leaves the user's other ticks alone.
                if kind == Start::Enrol {
                    self.selection.clear();
                }
            }
            ProgramsAction::Answered(id, answer) => self.runs.finish(id, answer),
            ProgramsAction::ProgramChanged => {
                self.programs_changed = self.programs_changed.wrapping_add(1)
            }
            ProgramsAction::Abandoned(id) => self.runs.abandon(id),
            ProgramsAction::BatchDone => self.batches_done = self.batches_done.wrapping_add(1),
            ProgramsAction::ShowHelp(open) => self.help_open = open,
        }
    }

    /// The Enrol button's words for `chosen` ticked programs.
    pub fn enrol_label(&self, chosen: usize) -> String {
        if self.runs.busy() {
            return "Enrolling\u{2026}".to_owned();
        }
        match chosen {
            0 => "Enrol".to_owned(),
            1 => "Enrol in 1 program".to_owned(),
            n => format!("Enrol in {n} programs"),
        }
    }

    /// What the last Enrol did, program by program, once it is over; `None` before, and while
    /// it goes.
    pub fn last_outcome(&self, record_count: usize) -> Option<String> {
        if self.runs.busy() {
            return None;
        }
        let outcome = self
            .last_batch
            .iter()
            .filter_map(|id| self.runs.get(*id))
            .map(|run| format!("{}: {}", run.program_name, run.summary(record_count)))
            .collect::<Vec<_>>()
            .join("; ");
        (!outcome.is_empty()).then_some(outcome)
    }

    /// The line under the Enrol button: why nothing can be enrolled, the last Enrol's outcome
    /// until the next tick, or what is ticked. With `context_failed` the CRM could not say what
    /// the user looks at now.
    pub fn hint(&self, chosen: &[&Program], record_count: usize, context_failed: bool) -> String {
        if context_failed {
            return "The CRM couldn't update the sidebar: reopen it to enrol.".to_owned();
        }
        if !chosen.is_empty() {
            // Ticks stay while a search shows other programs: say which.
            let names: Vec<&str> = chosen.iter().map(|p| p.name.as_str()).collect();
            return format!("Selected: {}", names.join(", "));
        }
        self.last_outcome(record_count)
            .unwrap_or_else(|| "Select one or more active programs.".to_owned())
    }

    /// Runs of programs that are not `listed` (enrolled from another search), whose outcome no
    /// row shows now.
    pub fn elsewhere<'a>(&'a self, listed: &'a [Program]) -> impl Iterator<Item = (i64, &'a Run)> {
        self.runs
            .iter()
            .filter(move |(id, _)| !listed.iter().any(|p| p.id == *id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Entity;

    fn program(id: i64, name: &str) -> Program {
        Program {
            id,
            name: name.into(),
            description: String::new(),
            active: true,
            enabled_for_crm: true,
            unavailable_reason: None,
            enrolment_status: None,
        }
    }

    fn record(id: &str) -> CrmRecord {
        CrmRecord {
            entity: Entity::Lead,
            id: id.into(),
            person: Default::default(),
        }
    }

    /// Built from the wire's JSON, which stays put whatever the Rust types become.
    fn enrolled(id: &str) -> EnrolResponse {
        serde_json::from_value(serde_json::json!({
            "programId": 1,
            "programName": "Welcome",
            "results": [{"entity": "lead", "crmId": id, "outcome": "enrolled"}],
        }))
        .unwrap()
    }

    fn started(programs: &[(i64, &str)], kind: Start) -> ProgramsAction {
        ProgramsAction::Started(
            programs
                .iter()
                .map(|(id, name)| {
                    (
                        *id,
                        (*name).to_owned(),
                        format!("k-{id}"),
                        vec![record("L1")],
                    )
                })
                .collect(),
            kind,
        )
    }

    #[test]
    fn enrol_takes_the_ticks_and_a_retry_leaves_them() {
        let mut view = ProgramsView::default();
        view.apply(ProgramsAction::Toggle(program(1, "Welcome")));
        view.apply(ProgramsAction::Toggle(program(2, "Nurture")));
        view.apply(started(&[(1, "Welcome")], Start::Retry));
        assert_eq!(view.selection.len(), 2, "a retry keeps the ticks");
        view.apply(started(&[(1, "Welcome"), (2, "Nurture")], Start::Enrol));
        assert!(view.selection.is_empty());
        assert_eq!(view.last_batch, vec![1, 2]);
        assert!(view.runs.busy());
    }

    #[test]
    fn the_button_and_hint_follow_the_batch() {
        let mut view = ProgramsView::default();
        let (welcome, nurture) = (program(1, "Welcome"), program(2, "Nurture"));
        assert_eq!(view.enrol_label(0), "Enrol");
        assert_eq!(view.enrol_label(1), "Enrol in 1 program");
        assert_eq!(view.enrol_label(2), "Enrol in 2 programs");
        assert_eq!(
            view.hint(&[], 1, false),
            "Select one or more active programs."
        );
        assert_eq!(
            view.hint(&[&welcome, &nurture], 1, false),
            "Selected: Welcome, Nurture"
        );

        view.apply(started(&[(1, "Welcome")], Start::Enrol));
        assert_eq!(view.enrol_label(0), "Enrolling\u{2026}");
        assert_eq!(view.last_outcome(1), None, "not while it goes");

        view.apply(ProgramsAction::Answered(1, Ok(enrolled("L1"))));
        view.apply(ProgramsAction::BatchDone);
        assert_eq!(view.batches_done, 1, "the enrolments are asked for again");
        assert_eq!(view.hint(&[], 1, false), "Welcome: Enrolled");
        // A new tick replaces the outcome; the CRM's failure to update says why nothing goes.
        assert_eq!(view.hint(&[&nurture], 1, false), "Selected: Nurture");
        assert_eq!(
            view.hint(&[&nurture], 1, true),
            "The CRM couldn't update the sidebar: reopen it to enrol."
        );
    }

    #[test]
    fn a_failed_program_says_why_and_a_changed_one_asks_for_the_list_again() {
        let mut view = ProgramsView::default();
        view.apply(started(&[(1, "Welcome")], Start::Enrol));
        view.apply(ProgramsAction::Answered(
            1,
            Err(("This program is paused.".into(), false)),
        ));
        view.apply(ProgramsAction::ProgramChanged);
        assert_eq!(view.programs_changed, 1);
        assert_eq!(
            view.last_outcome(1).as_deref(),
            Some("Welcome: Failed: This program is paused.")
        );
    }

    #[test]
    fn an_abandoned_request_is_not_busy() {
        let mut view = ProgramsView::default();
        view.apply(started(&[(1, "Welcome")], Start::Enrol));
        view.apply(ProgramsAction::Abandoned(1));
        assert!(!view.runs.busy());
    }

    #[test]
    fn runs_of_programs_not_listed_are_shown_apart() {
        let mut view = ProgramsView::default();
        view.apply(started(&[(1, "Welcome"), (2, "Nurture")], Start::Enrol));
        let listed = [program(2, "Nurture")];
        let apart: Vec<i64> = view.elsewhere(&listed).map(|(id, _)| id).collect();
        assert_eq!(apart, vec![1]);
    }

    #[test]
    fn search_help_and_listing_are_kept() {
        let mut view = ProgramsView::default();
        view.apply(ProgramsAction::Search("onb".into()));
        view.apply(ProgramsAction::ShowHelp(true));
        view.apply(ProgramsAction::Toggle(program(1, "Welcome")));
        let mut paused = program(1, "Welcome");
        paused.active = false;
        view.apply(ProgramsAction::Listed(Rc::new(vec![paused])));
        assert_eq!(
            (
                view.query.as_str(),
                view.help_open,
                view.selection.is_empty()
            ),
            ("onb", true, true)
        );
    }
}
