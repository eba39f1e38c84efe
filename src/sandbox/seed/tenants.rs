//! The two tenants the seed builds: their users, content and records, the named demo records
//! with their hand-written histories, and every regular record.

use fastrand::Rng;
use rusqlite::Connection;

use super::content::{campaign_id, campaigns, FormKind};
use super::funnels::{
    bounce_details, click_details, form_event, page_event, program_event, score_event, Ev, Gen,
    TenantCtx,
};
use super::people::{
    companies, named_person, random_person, Emails, B_LEAD_PERSON, CRM_ONLY_A, CRM_ONLY_B_PERSON,
    DEMO_PERSON, NO_EMAIL_PERSON, OPTED_OUT_PERSON, PERF_PERSON,
};
use super::programs::{insert_programs, PROGRAMS_A, PROGRAMS_B};
use super::records::{
    allocate, engagement_for, insert_crm_only, insert_plan, random_opt_in, random_status,
    random_weight, random_window, regular_events, Plan,
};
use super::templates::{insert_templates, TEMPLATES_A, TEMPLATES_B};
use super::{
    pick, stream, weighted, Clock, SeedSummary, B_LEAD, DAY, DEMO_LEAD, HOUR, MANAGER_A, MANAGER_B,
    MINUTE, NO_EMAIL_LEAD, OPTED_OUT_LEAD, PERF_ACTIVITIES, PERF_RECORD, REPS_A, REP_B, SECOND,
    STREAM_ACTIVITY_A, STREAM_ACTIVITY_B, STREAM_CAMPAIGNS_A, STREAM_CAMPAIGNS_B, STREAM_NAMED,
    STREAM_PEOPLE_A, STREAM_PEOPLE_B, TENANT_A, TENANT_B,
};
use crate::sandbox::db;
use crate::wire::{ActivityKind, Entity, OptInType, Role, SubscriptionStatus};

const SITE_A: &str = "https://www.northwind.example";
const SITE_B: &str = "https://www.contoso.example";

// ---------------------------------------------------------------------------------------------
// Tenant A

/// Regular record counts per entity (the lead numbers include the three named demo leads).
const LEADS_A: usize = 1_000;
const CONTACTS_A: usize = 700;
const ACCOUNTS_A: usize = 300;

pub(super) fn seed_tenant_a(
    conn: &Connection,
    clock: &Clock,
    target: u64,
    summary: &mut SeedSummary,
) -> rusqlite::Result<()> {
    let tenant = db::insert_tenant(conn, TENANT_A)?;
    summary.tenants += 1;
    let manager = db::insert_user(
        conn,
        tenant,
        MANAGER_A,
        "Olivia Bennett",
        Role::Manager,
        None,
    )?;
    let rep_names = ["Ava Thompson", "Ben Carter", "Chloe Martin", "Dan Okafor"];
    let mut reps = [0i64; 4];
    for (slot, (crm_user, name)) in reps.iter_mut().zip(REPS_A.iter().zip(rep_names)) {
        *slot = db::insert_user(conn, tenant, crm_user, name, Role::Rep, Some(manager))?;
    }
    summary.users += 5;
    let ava = reps[0];

    insert_templates(conn, tenant, TEMPLATES_A)?;
    insert_programs(conn, tenant, PROGRAMS_A)?;

    let ctx = TenantCtx {
        site: SITE_A,
        campaigns: campaigns(&mut stream(STREAM_CAMPAIGNS_A, 0), clock, SITE_A),
        programs: PROGRAMS_A,
    };

    let mut rng = stream(STREAM_PEOPLE_A, 0);
    let companies = companies(&mut rng);
    let mut emails = Emails::default();

    // The named people first, so their addresses are theirs.
    let demo = named_person(&mut emails, DEMO_PERSON);
    let opted_out = named_person(&mut emails, OPTED_OUT_PERSON);
    let mut no_email = named_person(&mut emails, NO_EMAIL_PERSON);
    no_email.email = None;
    let perf = named_person(&mut emails, PERF_PERSON);
    for &(entity, crm_id, rep, who) in CRM_ONLY_A {
        let person = named_person(&mut emails, who);
        insert_crm_only(conn, tenant, entity, crm_id, &person, reps[rep])?;
    }

    // Regular records: profiles from one stream, independent of the activity target.
    let mut plans = Vec::with_capacity(LEADS_A + CONTACTS_A + ACCOUNTS_A);
    let owner_weights = [(0usize, 30u32), (1, 25), (2, 25), (3, 20)];
    for (entity, prefix, count) in [
        (Entity::Lead, "LEAD", LEADS_A),
        (Entity::Contact, "CONT", CONTACTS_A),
        (Entity::Account, "ACCT", ACCOUNTS_A),
    ] {
        for n in 1..=count {
            if entity == Entity::Lead && n <= 3 {
                continue;
            }
            let company = match entity {
                Entity::Account => &companies[(n - 1) % companies.len()],
                Entity::Contact => &companies[rng.usize(0..ACCOUNTS_A.min(companies.len()))],
                Entity::Lead => pick(&mut rng, &companies),
            };
            let has_email = entity != Entity::Lead || rng.f64() >= 0.01;
            let person = random_person(&mut rng, &mut emails, company, has_email);
            let imported = rng.f64() < if entity == Entity::Account { 0.95 } else { 0.9 };
            let mut opt_in = random_opt_in(&mut rng, imported);
            let mut status = random_status(&mut rng);
            if !has_email {
                opt_in = OptInType::Unknown;
                status = SubscriptionStatus::Subscribed;
            }
            let mut weight = random_weight(&mut rng);
            if !imported {
                weight *= 0.3;
            }
            let engagement = engagement_for(&mut rng, weight);
            let window = random_window(&mut rng, clock);
            let owner_id = reps[*weighted(&mut rng, &owner_weights)];
            let last_synced_at = clock.now - rng.i64(MINUTE..DAY);
            plans.push(Plan {
                entity,
                crm_id: format!("{prefix}-{n:04}"),
                person,
                owner_id,
                imported,
                opt_in,
                status,
                weight,
                engagement,
                window,
                last_synced_at,
            });
        }
    }

    // The named demo leads, then the regular records, then the performance record.
    let mut named = stream(STREAM_NAMED, 0);
    let synced = |rng: &mut Rng| clock.now - rng.i64(MINUTE..6 * HOUR);

    let plan = Plan {
        entity: Entity::Lead,
        crm_id: DEMO_LEAD.to_owned(),
        person: demo,
        owner_id: ava,
        imported: true,
        opt_in: OptInType::Double,
        status: SubscriptionStatus::Subscribed,
        weight: 0.0,
        engagement: 0.75,
        window: (clock.start + 2 * DAY, clock.now - 8 * DAY),
        last_synced_at: synced(&mut named),
    };
    let events = demo_events(stream(STREAM_NAMED, 1), &ctx, clock, &plan);
    insert_plan(conn, tenant, &plan, &events, summary)?;

    let plan = Plan {
        entity: Entity::Lead,
        crm_id: OPTED_OUT_LEAD.to_owned(),
        person: opted_out,
        owner_id: ava,
        imported: true,
        opt_in: OptInType::Single,
        status: SubscriptionStatus::OptedOut,
        weight: 0.0,
        engagement: 0.4,
        window: (clock.start + 30 * DAY, clock.now),
        last_synced_at: synced(&mut named),
    };
    let mut generator = Gen::new(
        stream(STREAM_NAMED, 2),
        &ctx,
        &plan.person,
        clock,
        plan.window,
        plan.engagement,
    );
    generator.budget = 45;
    generator.terminal(
        SubscriptionStatus::OptedOut,
        ctx.campaign_before(clock.now - 40 * DAY),
    );
    generator.fill();
    let events = generator.finish();
    insert_plan(conn, tenant, &plan, &events, summary)?;

    let plan = Plan {
        entity: Entity::Lead,
        crm_id: NO_EMAIL_LEAD.to_owned(),
        person: no_email,
        owner_id: ava,
        imported: true,
        opt_in: OptInType::Unknown,
        status: SubscriptionStatus::Subscribed,
        weight: 0.0,
        engagement: 0.3,
        window: (clock.now - 120 * DAY, clock.now - DAY),
        last_synced_at: synced(&mut named),
    };
    let mut generator = Gen::new(
        stream(STREAM_NAMED, 3),
        &ctx,
        &plan.person,
        clock,
        plan.window,
        plan.engagement,
    );
    generator.budget = 9;
    generator.fill();
    let events = generator.finish();
    insert_plan(conn, tenant, &plan, &events, summary)?;

    let quotas = allocate(target, &plans);
    for (index, (plan, quota)) in plans.iter().zip(quotas).enumerate() {
        let events = regular_events(
            stream(STREAM_ACTIVITY_A, index as u64),
            &ctx,
            clock,
            plan,
            quota,
        );
        insert_plan(conn, tenant, plan, &events, summary)?;
    }

    let plan = Plan {
        entity: Entity::Lead,
        crm_id: PERF_RECORD.to_owned(),
        person: perf,
        owner_id: ava,
        imported: true,
        opt_in: OptInType::VerifiedDouble,
        status: SubscriptionStatus::Subscribed,
        weight: 0.0,
        engagement: 0.9,
        window: (clock.start, clock.now),
        last_synced_at: synced(&mut named),
    };
    let events = perf_events(stream(STREAM_NAMED, 4), &ctx, clock, &plan);
    insert_plan(conn, tenant, &plan, &events, summary)?;
    Ok(())
}

/// Opted out from one email, re-subscribed through the preference center four days later: the
/// forced events of that story; returns the blackout range to give the generator.
fn unsubscribe_and_return(
    generator: &mut Gen<'_>,
    id: &str,
    sent: i64,
    subject: &str,
) -> (i64, i64) {
    let ctx = generator.ctx;
    let opened = sent + 35 * MINUTE;
    let left = opened + 2 * MINUTE;
    let back = sent + 4 * DAY + 3 * HOUR;
    let (path, title) = FormKind::Preferences.page();
    let url = format!("{}{path}", ctx.site);
    let fields = FormKind::Preferences.fields(&mut generator.rng, generator.person);
    generator.force(
        Ev::new(sent, ActivityKind::EmailSent)
            .subject(subject)
            .campaign(id),
    );
    generator.force(
        Ev::new(opened, ActivityKind::EmailOpened)
            .subject(subject)
            .campaign(id),
    );
    generator.force(
        Ev::new(left, ActivityKind::Unsubscribed)
            .subject(subject)
            .campaign(id)
            .url(ctx.unsubscribe_url(id)),
    );
    generator.force(page_event(back, url.clone(), title, 70));
    generator.force(form_event(
        back + 75 * SECOND,
        url,
        FormKind::Preferences,
        fields,
    ));
    (sent, back + 76 * SECOND)
}

/// DEMO_LEAD: a year and a half of history, an unsubscribe and return about a month ago, and a
/// rich funnel in the last week (webinar, recording, pricing, a soft bounce, a demo request).
fn demo_events(rng: Rng, ctx: &TenantCtx, clock: &Clock, plan: &Plan) -> Vec<Ev> {
    let mut g = Gen::new(rng, ctx, &plan.person, clock, plan.window, plan.engagement);
    let now = clock.now;
    let t = now - 25 * DAY - 3 * HOUR + 12 * MINUTE + 41 * SECOND;
    let id = campaign_id(t, 'M');
    g.blackout = Some(unsubscribe_and_return(
        &mut g,
        &id,
        t,
        "Events and webinars this month",
    ));
    g.budget = 70;
    g.fill();

    let person = g.person;
    let site = ctx.site;
    let mail = |at: i64, kind: ActivityKind, subject: &str, id: &str| {
        Ev::new(at, kind).subject(subject).campaign(id)
    };

    // Webinar invitation six days ago: opened, clicked, registered, enrolled.
    let t = now - 6 * DAY - 2 * HOUR + 4 * MINUTE + 9 * SECOND;
    let id = campaign_id(t, 'J');
    let subject = "Sarah, you're invited: Turning CRM data into pipeline";
    let (path, title) = FormKind::Webinar.page();
    let landing = format!("{site}{path}");
    let clicked = ctx.utm(&landing, &id);
    g.force(mail(t, ActivityKind::EmailSent, subject, &id));
    g.force(mail(
        t + 47 * MINUTE,
        ActivityKind::EmailOpened,
        subject,
        &id,
    ));
    g.force(
        mail(t + 49 * MINUTE, ActivityKind::EmailClicked, subject, &id)
            .url(clicked.clone())
            .details(click_details(&clicked)),
    );
    g.force(page_event(t + 49 * MINUTE + 4 * SECOND, clicked, title, 95));
    let fields = FormKind::Webinar.fields(&mut g.rng, person);
    g.force(form_event(
        t + 51 * MINUTE,
        landing,
        FormKind::Webinar,
        fields,
    ));
    g.force(score_event(
        t + 51 * MINUTE + 5 * SECOND,
        10,
        "Registered for a webinar",
    ));
    g.force(program_event(t + HOUR + 10 * MINUTE, "Webinar Follow-up"));

    // The recording four days ago: opened, clicked, then pricing.
    let t = now - 4 * DAY - 5 * HOUR + 31 * MINUTE + 52 * SECOND;
    let recording_id = campaign_id(t, 'K');
    let recording = "Your webinar recording and slides";
    let landing = format!("{site}/resources/webinar-recording");
    let clicked = ctx.utm(&landing, &recording_id);
    g.force(mail(t, ActivityKind::EmailSent, recording, &recording_id));
    g.force(mail(
        t + 2 * HOUR,
        ActivityKind::EmailOpened,
        recording,
        &recording_id,
    ));
    g.force(
        mail(
            t + 2 * HOUR + 3 * MINUTE,
            ActivityKind::EmailClicked,
            recording,
            &recording_id,
        )
        .url(clicked.clone())
        .details(click_details(&clicked)),
    );
    g.force(page_event(
        t + 2 * HOUR + 3 * MINUTE + 3 * SECOND,
        clicked,
        "Webinar recording: Turning CRM data into pipeline",
        640,
    ));
    g.force(page_event(
        t + 2 * HOUR + 14 * MINUTE,
        format!("{site}/pricing"),
        "Pricing",
        120,
    ));
    g.force(score_event(
        t + 2 * HOUR + 16 * MINUTE,
        5,
        "Visited the pricing page",
    ));

    // A product update three days ago bounced softly (mailbox full).
    let t = now - 3 * DAY - HOUR + 8 * MINUTE + 17 * SECOND;
    let id = campaign_id(t, 'L');
    let subject = "New this month: a faster segment builder";
    g.force(mail(t, ActivityKind::EmailSent, subject, &id));
    g.force(
        mail(t + 40 * SECOND, ActivityKind::EmailBounced, subject, &id)
            .details(bounce_details("soft")),
    );

    // Two days ago: customer stories, then a demo request.
    let t = now - 2 * DAY - 3 * HOUR + 26 * MINUTE + 5 * SECOND;
    g.force(page_event(
        t,
        format!("{site}/customers"),
        "Customer stories",
        180,
    ));
    let (path, title) = FormKind::Demo.page();
    let demo_url = format!("{site}{path}");
    g.force(page_event(
        t + 3 * MINUTE + 10 * SECOND,
        demo_url.clone(),
        title,
        60,
    ));
    let fields = FormKind::Demo.fields(&mut g.rng, person);
    g.force(form_event(
        t + 4 * MINUTE + 15 * SECOND,
        demo_url,
        FormKind::Demo,
        fields,
    ));
    g.force(score_event(
        t + 4 * MINUTE + 20 * SECOND,
        15,
        "Requested a demo",
    ));
    g.force(program_event(t + 35 * MINUTE, "Trial Onboarding"));

    // Yesterday and today.
    g.force(page_event(
        now - 20 * HOUR + 13 * MINUTE + 38 * SECOND,
        format!("{site}/pricing"),
        "Pricing",
        240,
    ));
    g.force(mail(
        now - 3 * HOUR + 47 * MINUTE + 11 * SECOND,
        ActivityKind::EmailOpened,
        recording,
        &recording_id,
    ));
    g.finish()
}

/// PERF_RECORD: exactly PERF_ACTIVITIES over the whole 18 months, every kind included.
fn perf_events(rng: Rng, ctx: &TenantCtx, clock: &Clock, plan: &Plan) -> Vec<Ev> {
    let mut g = Gen::new(rng, ctx, &plan.person, clock, plan.window, plan.engagement);
    if let Some(index) = ctx.campaign_before(clock.now - 270 * DAY) {
        let campaign = &ctx.campaigns[index];
        let sent = campaign.at + g.jitter;
        g.blackout = Some(unsubscribe_and_return(
            &mut g,
            &campaign.id,
            sent,
            &campaign.subject,
        ));
    }
    if let Some(index) = ctx.campaign_before(clock.now - 120 * DAY) {
        let campaign = &ctx.campaigns[index];
        let sent = campaign.at + g.jitter;
        g.force(
            Ev::new(sent, ActivityKind::EmailSent)
                .subject(&campaign.subject)
                .campaign(&campaign.id),
        );
        g.force(
            Ev::new(sent + 50 * SECOND, ActivityKind::EmailBounced)
                .subject(&campaign.subject)
                .campaign(&campaign.id)
                .details(bounce_details("soft")),
        );
    }
    g.budget = (PERF_ACTIVITIES as usize).saturating_sub(g.events.len());
    g.fill();
    g.finish()
}

// ---------------------------------------------------------------------------------------------
// Tenant B

const LEADS_B: usize = 12;
const CONTACTS_B: usize = 6;
const ACCOUNTS_B: usize = 2;

pub(super) fn seed_tenant_b(
    conn: &Connection,
    clock: &Clock,
    summary: &mut SeedSummary,
) -> rusqlite::Result<()> {
    let tenant = db::insert_tenant(conn, TENANT_B)?;
    summary.tenants += 1;
    let manager = db::insert_user(conn, tenant, MANAGER_B, "Zoe Fischer", Role::Manager, None)?;
    let rep = db::insert_user(conn, tenant, REP_B, "Yan Li", Role::Rep, Some(manager))?;
    summary.users += 2;
    insert_templates(conn, tenant, TEMPLATES_B)?;
    insert_programs(conn, tenant, PROGRAMS_B)?;

    let ctx = TenantCtx {
        site: SITE_B,
        campaigns: campaigns(&mut stream(STREAM_CAMPAIGNS_B, 0), clock, SITE_B),
        programs: PROGRAMS_B,
    };
    let mut rng = stream(STREAM_PEOPLE_B, 0);
    let mut emails = Emails::default();
    let companies = companies(&mut rng);

    let crm_only = named_person(&mut emails, CRM_ONLY_B_PERSON);
    insert_crm_only(conn, tenant, Entity::Lead, "LEAD-B-9001", &crm_only, rep)?;

    let mut index = 0u64;
    for (entity, prefix, count) in [
        (Entity::Lead, "LEAD-B", LEADS_B),
        (Entity::Contact, "CONT-B", CONTACTS_B),
        (Entity::Account, "ACCT-B", ACCOUNTS_B),
    ] {
        for n in 1..=count {
            let crm_id = format!("{prefix}-{n:04}");
            let is_b_lead = crm_id == B_LEAD;
            let person = if is_b_lead {
                named_person(&mut emails, B_LEAD_PERSON)
            } else {
                let company = pick(&mut rng, &companies[..40.min(companies.len())]);
                random_person(&mut rng, &mut emails, company, true)
            };
            let imported = is_b_lead || rng.f64() < 0.9;
            let status = if is_b_lead {
                SubscriptionStatus::Subscribed
            } else {
                random_status(&mut rng)
            };
            let plan = Plan {
                entity,
                crm_id,
                person,
                owner_id: if n % 5 == 0 { manager } else { rep },
                imported,
                opt_in: if is_b_lead {
                    OptInType::Double
                } else {
                    random_opt_in(&mut rng, imported)
                },
                status,
                weight: 0.0,
                engagement: if is_b_lead {
                    0.7
                } else {
                    0.1 + 0.5 * rng.f64()
                },
                window: if is_b_lead {
                    (clock.start, clock.now)
                } else {
                    random_window(&mut rng, clock)
                },
                last_synced_at: clock.now - rng.i64(MINUTE..DAY),
            };
            let quota = if is_b_lead {
                40
            } else {
                plan.minimum() + rng.u64(0..16)
            };
            let events =
                regular_events(stream(STREAM_ACTIVITY_B, index), &ctx, clock, &plan, quota);
            insert_plan(conn, tenant, &plan, &events, summary)?;
            index += 1;
        }
    }
    Ok(())
}
