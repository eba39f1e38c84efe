//! The activity history's reducer: the state and its actions are [`crate::domain`]'s, so every
//! change is decided (and tested) without a browser; this only plugs them into Yew.

use std::rc::Rc;

use yew::Reducible;

use crate::domain::activity_history::{HistoryAction, HistoryState};
use crate::plugin::api::ApiError;
use crate::plugin::views::applied;

/// The history view's state, as `use_reducer` holds it.
pub type History = HistoryState<ApiError>;

/// Every change to [`History`].
pub type Action = HistoryAction<ApiError>;

impl Reducible for History {
    type Action = Action;

    // The state's collections sit behind `Rc`s, so the copy `applied` makes is a handful of
    // pointer copies.
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        applied(self, action, History::apply)
    }
}
