//! The two lists the Programs view shows, each a page at a time.

use yew::prelude::*;

use crate::domain::programs_view::ProgramsView;
use crate::plugin::api;
use crate::plugin::hooks::{typing_pause, use_pages, UsePages};
use crate::protocol::CrmRecord;
use crate::wire::{Enrolment, Program};

pub struct Lists {
    /// The programs for the search, each with the one record's status in it.
    pub programs: UsePages<Program>,
    /// The one record's enrolments; none for a selection.
    pub enrolments: UsePages<Enrolment>,
}

/// The programs for `query` (after a pause in typing), again when one turned out to have
/// changed; the enrolments of `single`, again after each batch of enrolments.
#[hook]
pub fn use_lists(single: Option<CrmRecord>, query: String, view: &ProgramsView) -> Lists {
    let record = single.map(|r| (r.entity, r.id, r.person.email));
    let record_key = record
        .as_ref()
        .map(|(entity, id, email)| format!("{entity}/{id}/{}", email.as_deref().unwrap_or("")));
    let programs = {
        let record = record.clone();
        use_pages(
            format!("{}\n{query}", record_key.as_deref().unwrap_or("")),
            view.programs_changed,
            typing_pause(&query),
            move |cursor| {
                let record = record
                    .as_ref()
                    .map(|(entity, id, email)| (*entity, id.as_str(), email.as_deref()));
                Some(api::programs(&query, record, cursor))
            },
        )
    };
    let enrolments = use_pages(
        record_key.unwrap_or_default(),
        view.batches_done,
        0,
        move |cursor| {
            let (entity, id, email) = record.as_ref()?;
            Some(api::enrolments((*entity, id, email.as_deref()), cursor))
        },
    );
    Lists {
        programs,
        enrolments,
    }
}
