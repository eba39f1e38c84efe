//! The Timeline tab's state: the period it shows, whether it shows emails only, and the bucket
//! the user selected to list its interactions.

use std::rc::Rc;

use crate::domain::timeline::TimelineRange;
use crate::wire::Engagement;

/// What the user chose on the Timeline tab. `A` is the answer a bucket is selected in.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineView<A = Engagement> {
    pub range: TimelineRange,
    pub emails_only: bool,
    /// The selected bucket, with the answer it was selected in: another answer (another
    /// period, a refresh, a retry) starts with none selected.
    selected: Option<(Rc<A>, usize)>,
}

/// Every change to a [`TimelineView`].
#[derive(Clone, Debug, PartialEq)]
pub enum TimelineAction<A = Engagement> {
    ShowRange(TimelineRange),
    ToggleEmailsOnly,
    /// Bucket `index` of the chart drawn from `answer` was selected.
    Select {
        answer: Rc<A>,
        index: usize,
    },
}

impl<A> TimelineView<A> {
    pub fn new(range: TimelineRange) -> TimelineView<A> {
        TimelineView {
            range,
            emails_only: false,
            selected: None,
        }
    }

    /// The bucket selected in `answer`, if one is.
    pub fn selected_in(&self, answer: &Rc<A>) -> Option<usize> {
        self.selected
            .as_ref()
            .filter(|(selected_in, _)| Rc::ptr_eq(selected_in, answer))
            .map(|(_, index)| *index)
    }

    /// Applies one action. Returns whether anything changed.
    pub fn apply(&mut self, action: TimelineAction<A>) -> bool {
        match action {
            TimelineAction::ShowRange(range) if range == self.range => return false,
            TimelineAction::ShowRange(range) => self.range = range,
            TimelineAction::ToggleEmailsOnly => self.emails_only = !self.emails_only,
            TimelineAction::Select { answer, index } => {
                if self.selected_in(&answer) == Some(index) {
                    return false;
                }
                self.selected = Some((answer, index));
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_belongs_to_the_answer_it_was_made_in() {
        let mut view = TimelineView::<&str>::new(TimelineRange::Days90);
        let first = Rc::new("90 days");
        assert!(view.apply(TimelineAction::Select {
            answer: first.clone(),
            index: 3
        }));
        assert_eq!(view.selected_in(&first), Some(3));
        assert!(!view.apply(TimelineAction::Select {
            answer: first.clone(),
            index: 3
        }));
        // The same figures again (a refresh) are another answer.
        assert_eq!(view.selected_in(&Rc::new("90 days")), None);
        assert!(view.apply(TimelineAction::ToggleEmailsOnly));
        assert_eq!(view.selected_in(&first), Some(3), "emails only keeps it");
    }

    #[test]
    fn the_range_changes_once_per_choice() {
        let mut view = TimelineView::<()>::new(TimelineRange::Days90);
        assert!(!view.apply(TimelineAction::ShowRange(TimelineRange::Days90)));
        assert!(view.apply(TimelineAction::ShowRange(TimelineRange::Year)));
        assert_eq!(view.range, TimelineRange::Year);
        assert!(view.apply(TimelineAction::ToggleEmailsOnly));
        assert!(view.emails_only);
    }
}
