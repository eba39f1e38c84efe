//! Records as the seed plans them (profile, consent, how active), the share of the activity
//! target each gets, and writing them with their activity.

use fastrand::Rng;
use rusqlite::{params, Connection};

use super::funnels::{score_of, Ev, Gen, TenantCtx};
use super::people::Person;
use super::{weighted, Clock, SeedSummary};
use crate::sandbox::db::{self, NewActivity, NewRecord};
use crate::wire::{Entity, OptInType, SubscriptionStatus};

/// Everything about a record except its activity.
pub(super) struct Plan {
    pub(super) entity: Entity,
    pub(super) crm_id: String,
    pub(super) person: Person,
    pub(super) owner_id: i64,
    pub(super) imported: bool,
    pub(super) opt_in: OptInType,
    pub(super) status: SubscriptionStatus,
    /// Share of the activity target, relative.
    pub(super) weight: f64,
    pub(super) engagement: f64,
    pub(super) window: (i64, i64),
    pub(super) last_synced_at: i64,
}

impl Plan {
    /// Activities the record's status history needs at least.
    pub(super) fn minimum(&self) -> u64 {
        match (self.status, self.person.email.is_some()) {
            (SubscriptionStatus::OptedOut, true) => 3,
            (SubscriptionStatus::HardBounced, true) => 2,
            _ => 0,
        }
    }
}

pub(super) fn random_opt_in(rng: &mut Rng, imported: bool) -> OptInType {
    if !imported && rng.f64() < 0.6 {
        return OptInType::Unknown;
    }
    *weighted(
        rng,
        &[
            (OptInType::Unknown, 10),
            (OptInType::Single, 35),
            (OptInType::Double, 40),
            (OptInType::VerifiedDouble, 15),
        ],
    )
}

pub(super) fn random_status(rng: &mut Rng) -> SubscriptionStatus {
    *weighted(
        rng,
        &[
            (SubscriptionStatus::Subscribed, 86),
            (SubscriptionStatus::OptedOut, 6),
            (SubscriptionStatus::HardBounced, 4),
            (SubscriptionStatus::Suppressed, 4),
        ],
    )
}

/// A record's active window within the 18 months: most started long ago, some went quiet.
pub(super) fn random_window(rng: &mut Rng, clock: &Clock) -> (i64, i64) {
    let span = clock.span() as f64;
    let start = clock.start + (span * 0.85 * rng.f64().powf(1.6)) as i64;
    let end = if rng.f64() < 0.2 {
        start + ((clock.now - start) as f64 * (0.5 + 0.45 * rng.f64())) as i64
    } else {
        clock.now
    };
    (start, end)
}

/// Some very active records, most light: a capped Pareto weight.
pub(super) fn random_weight(rng: &mut Rng) -> f64 {
    (1.0 - rng.f64()).powf(-0.9).min(300.0)
}

pub(super) fn engagement_for(rng: &mut Rng, weight: f64) -> f64 {
    (0.08 + 0.45 * rng.f64() + 0.12 * weight.ln()).clamp(0.05, 0.95)
}

/// Splits `target` over the plans in proportion to their weights, on top of their minimums;
/// the parts add up to exactly `target` when it covers the minimums.
pub(super) fn allocate(target: u64, plans: &[Plan]) -> Vec<u64> {
    let minimums: Vec<u64> = plans.iter().map(Plan::minimum).collect();
    let pool = u128::from(target.saturating_sub(minimums.iter().sum()));
    let weights: Vec<u128> = plans
        .iter()
        .map(|plan| (plan.weight * 1_000_000.0) as u128 + 1)
        .collect();
    let total: u128 = weights.iter().sum();
    let mut cumulative = 0u128;
    let mut given = 0u128;
    weights
        .iter()
        .zip(minimums)
        .map(|(weight, minimum)| {
            cumulative += weight;
            let upto = pool * cumulative / total;
            let share = upto - given;
            given = upto;
            minimum + share as u64
        })
        .collect()
}

fn insert_events(conn: &Connection, record_id: i64, events: &[Ev]) -> rusqlite::Result<u64> {
    for ev in events {
        db::insert_activity(
            conn,
            &NewActivity {
                record_id,
                occurred_at: db::from_millis(ev.at),
                kind: ev.kind,
                subject: ev.subject.as_deref(),
                url: ev.url.as_deref(),
                campaign_id: ev.campaign.as_deref(),
                details: &ev.details,
            },
        )?;
    }
    Ok(events.len() as u64)
}

/// Writes a record with its activity; returns its id.
pub(super) fn insert_plan(
    conn: &Connection,
    tenant_id: i64,
    plan: &Plan,
    events: &[Ev],
    summary: &mut SeedSummary,
) -> rusqlite::Result<i64> {
    let person = &plan.person;
    let id = db::insert_record(
        conn,
        &NewRecord {
            tenant_id,
            entity: plan.entity,
            crm_id: &plan.crm_id,
            email: person.email.as_deref(),
            first_name: Some(person.first.as_str()),
            last_name: Some(person.last.as_str()),
            company: Some(person.company.as_str()),
            job_title: person.job_title.as_deref(),
            owner_id: Some(plan.owner_id),
            imported: plan.imported,
            score: score_of(events),
            opt_in_type: plan.opt_in,
            subscription_status: plan.status,
            last_synced_at: db::from_millis(plan.last_synced_at),
        },
    )?;
    summary.records += 1;
    summary.activities += insert_events(conn, id, events)?;
    Ok(id)
}

/// Generates a regular record's activity: its status history, then the rest of its quota.
pub(super) fn regular_events(
    rng: Rng,
    ctx: &TenantCtx,
    clock: &Clock,
    plan: &Plan,
    quota: u64,
) -> Vec<Ev> {
    let mut generator = Gen::new(rng, ctx, &plan.person, clock, plan.window, plan.engagement);
    generator.budget = quota as usize;
    generator.terminal(plan.status, None);
    generator.fill();
    generator.finish()
}

pub(super) fn insert_crm_only(
    conn: &Connection,
    tenant_id: i64,
    entity: Entity,
    crm_id: &str,
    person: &Person,
    owner_id: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO crm_only_records (tenant_id, entity, crm_id, email, first_name, last_name,
             company, job_title, owner_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        tenant_id,
        entity.as_str(),
        crm_id,
        person.email,
        person.first,
        person.last,
        person.company,
        person.job_title,
        owner_id,
    ])?;
    Ok(conn.last_insert_rowid())
}
