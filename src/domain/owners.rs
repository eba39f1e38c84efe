//! Whose records a view that a manager can widen shows (Hot prospects, the dashboard).

use std::rc::Rc;

use crate::wire::{Me, OwnerSelection, Role};

/// Whether the user is a manager, as far as is known: `me` is who the user is, `None` while
/// that is being asked.
pub fn is_manager<E>(me: &Option<Result<Rc<Me>, E>>) -> bool {
    matches!(me, Some(Ok(me)) if me.user.role == Role::Manager)
}

/// Whose records to show: the user's pick, else the whole team for a manager and their own for
/// anyone else (also when who the user is could not be had). `None` while that is still being
/// asked.
pub fn shown_owner<E>(
    chosen: Option<OwnerSelection>,
    me: &Option<Result<Rc<Me>, E>>,
) -> Option<OwnerSelection> {
    match (chosen, me) {
        (Some(chosen), _) => Some(chosen),
        (None, None) => None,
        (None, Some(_)) if is_manager(me) => Some(OwnerSelection::Team),
        (None, Some(_)) => Some(OwnerSelection::Me),
    }
}
