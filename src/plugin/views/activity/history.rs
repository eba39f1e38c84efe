//! The activity history's reducer: the state and its actions are [`crate::domain`]'s, so every
//! change is decided (and tested) without a browser; this only plugs them into Yew.

use std::rc::Rc;

use yew::Reducible;

use crate::domain::activity_history::{HistoryAction, HistoryState};
use crate::plugin::api::ApiError;

/// The history view's state, as `use_reducer` holds it.
pub type History = HistoryState<ApiError>;

/// Every change to [`History`].
pub type Action = HistoryAction<ApiError>;

impl Reducible for History {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The state's collections sit behind `Rc`s, so this clone is a handful of pointer copies.
        let mut next = (*self).clone();
        if next.apply(action) {
            Rc::new(next)
        } else {
            self
        }
    }
}
