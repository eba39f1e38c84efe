//! The programs each tenant runs, and the forms that enrol people into them.

use rusqlite::Connection;

use super::content::FormKind;
use crate::sandbox::db;

pub(super) struct ProgramDef {
    pub(super) name: &'static str,
    description: &'static str,
    active: bool,
    enabled_for_crm: bool,
    /// Submitting one of these forms may enrol the person.
    pub(super) after_forms: &'static [FormKind],
}

pub(super) const PROGRAMS_A: &[ProgramDef] = &[
    ProgramDef {
        name: "Welcome Nurture",
        description: "Five-email welcome series for new subscribers and guide downloads.",
        active: true,
        enabled_for_crm: true,
        after_forms: &[FormKind::Newsletter, FormKind::Guide],
    },
    ProgramDef {
        name: "Webinar Follow-up",
        description: "Sends the recording and slides to webinar registrants, then two follow-ups.",
        active: true,
        enabled_for_crm: true,
        after_forms: &[FormKind::Webinar],
    },
    ProgramDef {
        name: "Trial Onboarding",
        description: "Guides new trial users through setup during their first 14 days.",
        active: true,
        enabled_for_crm: true,
        after_forms: &[FormKind::Demo, FormKind::Contact],
    },
    ProgramDef {
        name: "Re-engagement",
        description: "Wins back contacts with no activity in the last 90 days.",
        active: true,
        enabled_for_crm: true,
        after_forms: &[],
    },
    ProgramDef {
        name: "Customer Advocacy",
        description: "Invites happy customers to reviews, references and case studies.",
        active: true,
        enabled_for_crm: true,
        after_forms: &[],
    },
    ProgramDef {
        name: "Customer Summit Invitations",
        description: "Managed by the events team; not available for enrolment from the CRM.",
        active: true,
        enabled_for_crm: false,
        after_forms: &[FormKind::Event],
    },
    ProgramDef {
        name: "Spring Promotion",
        description: "Last spring's discount campaign; ended.",
        active: false,
        enabled_for_crm: true,
        after_forms: &[],
    },
    ProgramDef {
        name: "Legacy Newsletter Drip",
        description: "Replaced by Welcome Nurture; kept for its history.",
        active: false,
        enabled_for_crm: false,
        after_forms: &[],
    },
];

pub(super) const PROGRAMS_B: &[ProgramDef] = &[
    ProgramDef {
        name: "Contoso Onboarding",
        description: "Welcome emails for new subscribers.",
        active: true,
        enabled_for_crm: false,
        after_forms: &[FormKind::Newsletter, FormKind::Guide, FormKind::Demo],
    },
    ProgramDef {
        name: "Contoso Events",
        description: "Invitations and reminders for Contoso events and webinars.",
        active: true,
        enabled_for_crm: false,
        after_forms: &[FormKind::Webinar, FormKind::Event],
    },
    ProgramDef {
        name: "Contoso Win-back",
        description: "Paused re-engagement series.",
        active: false,
        enabled_for_crm: false,
        after_forms: &[],
    },
];

pub(super) fn insert_programs(
    conn: &Connection,
    tenant_id: i64,
    programs: &[ProgramDef],
) -> rusqlite::Result<()> {
    for program in programs {
        db::insert_program(
            conn,
            tenant_id,
            program.name,
            program.description,
            program.active,
            program.enabled_for_crm,
        )?;
    }
    Ok(())
}
