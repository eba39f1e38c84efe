//! Activity as marketing funnels produce it: a campaign's email, the opens and clicks that
//! follow, browsing sessions, forms, score changes and enrolments, within a record's budget.

use fastrand::Rng;

use super::content::{Campaign, FormKind, PAGES, PRICING_PATH, WEB_FORMS};
use super::people::Person;
use super::programs::ProgramDef;
use super::{log_uniform, pick, weighted, Clock, DAY, HOUR, MINUTE, SECOND};
use crate::wire::{ActivityDetails, ActivityKind, FormField, SubscriptionStatus};

/// What activity generation needs to know about a tenant.
pub(super) struct TenantCtx {
    pub(super) site: &'static str,
    pub(super) campaigns: Vec<Campaign>,
    pub(super) programs: &'static [ProgramDef],
}

impl TenantCtx {
    fn program_after(&self, form: FormKind) -> Option<&'static str> {
        self.programs
            .iter()
            .find(|p| p.after_forms.contains(&form))
            .map(|p| p.name)
    }

    pub(super) fn utm(&self, url: &str, campaign_id: &str) -> String {
        format!(
            "{url}?utm_source=marketing&utm_medium=email&utm_campaign={}",
            campaign_id.to_ascii_lowercase()
        )
    }

    pub(super) fn unsubscribe_url(&self, campaign_id: &str) -> String {
        format!(
            "{}/preferences/unsubscribe?c={}",
            self.site,
            campaign_id.to_ascii_lowercase()
        )
    }

    /// The latest campaign sent at or before `at`.
    pub(super) fn campaign_before(&self, at: i64) -> Option<usize> {
        self.campaigns
            .iter()
            .rposition(|campaign| campaign.at <= at)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Ev {
    pub(super) at: i64,
    pub(super) kind: ActivityKind,
    pub(super) subject: Option<String>,
    pub(super) url: Option<String>,
    pub(super) campaign: Option<String>,
    pub(super) details: ActivityDetails,
}

impl Ev {
    pub(super) fn new(at: i64, kind: ActivityKind) -> Ev {
        Ev {
            at,
            kind,
            subject: None,
            url: None,
            campaign: None,
            details: ActivityDetails::default(),
        }
    }

    pub(super) fn subject(mut self, subject: &str) -> Ev {
        self.subject = Some(subject.to_owned());
        self
    }

    pub(super) fn url(mut self, url: String) -> Ev {
        self.url = Some(url);
        self
    }

    pub(super) fn campaign(mut self, id: &str) -> Ev {
        self.campaign = Some(id.to_owned());
        self
    }

    pub(super) fn details(mut self, details: ActivityDetails) -> Ev {
        self.details = details;
        self
    }
}

pub(super) fn score_event(at: i64, delta: i64, reason: &str) -> Ev {
    Ev::new(at, ActivityKind::ScoreChanged).details(ActivityDetails {
        score_delta: Some(delta),
        score_reason: Some(reason.to_owned()),
        ..Default::default()
    })
}

pub(super) fn program_event(at: i64, name: &str) -> Ev {
    Ev::new(at, ActivityKind::ProgramEnrolled)
        .subject(name)
        .details(ActivityDetails {
            program_name: Some(name.to_owned()),
            ..Default::default()
        })
}

pub(super) fn page_event(at: i64, url: String, title: &str, seconds: u32) -> Ev {
    Ev::new(at, ActivityKind::PageVisit)
        .subject(title)
        .url(url)
        .details(ActivityDetails {
            page_title: Some(title.to_owned()),
            seconds_on_page: Some(seconds),
            ..Default::default()
        })
}

pub(super) fn form_event(at: i64, url: String, kind: FormKind, fields: Vec<FormField>) -> Ev {
    Ev::new(at, ActivityKind::FormSubmitted)
        .subject(kind.name())
        .url(url)
        .details(ActivityDetails {
            form_name: Some(kind.name().to_owned()),
            form_fields: fields,
            ..Default::default()
        })
}

pub(super) fn bounce_details(kind: &str) -> ActivityDetails {
    ActivityDetails {
        bounce_type: Some(kind.to_owned()),
        ..Default::default()
    }
}

pub(super) fn click_details(url: &str) -> ActivityDetails {
    ActivityDetails {
        clicked_url: Some(url.to_owned()),
        ..Default::default()
    }
}

/// The record score the platform shows: points for engagement plus explicit score changes.
pub(super) fn score_of(events: &[Ev]) -> i64 {
    let total: i64 = events
        .iter()
        .map(|ev| match ev.kind {
            ActivityKind::EmailOpened => 1,
            ActivityKind::EmailClicked => 3,
            ActivityKind::PageVisit => 2,
            ActivityKind::FormSubmitted => 10,
            ActivityKind::ScoreChanged => ev.details.score_delta.unwrap_or(0),
            _ => 0,
        })
        .sum();
    total.max(0)
}

/// Produces one record's activity within a budget.
pub(super) struct Gen<'a> {
    pub(super) rng: Rng,
    pub(super) ctx: &'a TenantCtx,
    pub(super) person: &'a Person,
    pub(super) now: i64,
    /// The record's active window; sessions and sends start inside it.
    pub(super) start: i64,
    end: i64,
    /// How late after the campaign's send time this person's copy goes out.
    pub(super) jitter: i64,
    /// 0..1: how likely this person opens, clicks, browses and converts.
    pub(super) engagement: f64,
    /// Email activity happens strictly before this (bounce, unsubscribe, suppression).
    cutoff: i64,
    /// No email activity in this range (opted out, later re-subscribed).
    pub(super) blackout: Option<(i64, i64)>,
    pub(super) budget: usize,
    pub(super) events: Vec<Ev>,
}

impl<'a> Gen<'a> {
    pub(super) fn new(
        rng: Rng,
        ctx: &'a TenantCtx,
        person: &'a Person,
        clock: &Clock,
        window: (i64, i64),
        engagement: f64,
    ) -> Gen<'a> {
        let mut rng = rng;
        let jitter = rng.i64(0..20 * MINUTE);
        let (start, end) = (window.0.max(clock.start), window.1.min(clock.now));
        Gen {
            rng,
            ctx,
            person,
            now: clock.now,
            start,
            end: end.max(start + HOUR),
            jitter,
            engagement,
            cutoff: i64::MAX,
            blackout: None,
            budget: 0,
            events: Vec::new(),
        }
    }

    /// Adds an event within the budget, unless it would be in the future.
    pub(super) fn push(&mut self, ev: Ev) -> bool {
        if self.budget == 0 || ev.at > self.now {
            return false;
        }
        self.budget -= 1;
        self.events.push(ev);
        true
    }

    /// Adds a hand-made event regardless of the budget.
    pub(super) fn force(&mut self, ev: Ev) {
        debug_assert!(ev.at <= self.now, "seeded activity in the future");
        self.events.push(ev);
    }

    fn email_allowed(&self, at: i64) -> bool {
        at < self.cutoff
            && !self
                .blackout
                .is_some_and(|(from, to)| at >= from && at < to)
    }

    fn push_email(&mut self, ev: Ev) -> bool {
        self.email_allowed(ev.at) && self.push(ev)
    }

    fn random_time(&mut self) -> i64 {
        self.rng.i64(self.start..self.end)
    }

    /// Ends the email history with a hard bounce or an unsubscribe at one campaign, or with a
    /// silent suppression; earlier campaigns remain.
    pub(super) fn terminal(&mut self, status: SubscriptionStatus, chosen: Option<usize>) {
        if status == SubscriptionStatus::Suppressed {
            let span = (self.end - self.start) as f64;
            self.cutoff = self.start + (span * (0.3 + 0.6 * self.rng.f64())) as i64;
            return;
        }
        if self.person.email.is_none()
            || !matches!(
                status,
                SubscriptionStatus::HardBounced | SubscriptionStatus::OptedOut
            )
        {
            return;
        }
        let ctx = self.ctx;
        let latest = self.now - 3 * HOUR;
        let index = chosen.or_else(|| {
            let from = self.start + (self.end - self.start) / 4;
            let candidates: Vec<usize> = (0..ctx.campaigns.len())
                .filter(|&i| {
                    (from..self.end).contains(&ctx.campaigns[i].at)
                        && ctx.campaigns[i].at + self.jitter <= latest
                })
                .collect();
            if candidates.is_empty() {
                ctx.campaign_before(self.end.min(latest))
            } else {
                Some(*pick(&mut self.rng, &candidates))
            }
        });
        let Some(index) = index else { return };
        let campaign = &ctx.campaigns[index];
        let sent = (campaign.at + self.jitter).min(latest);
        self.force(
            Ev::new(sent, ActivityKind::EmailSent)
                .subject(&campaign.subject)
                .campaign(&campaign.id),
        );
        if status == SubscriptionStatus::HardBounced {
            let at = sent + self.rng.i64(20 * SECOND..3 * MINUTE);
            self.force(
                Ev::new(at, ActivityKind::EmailBounced)
                    .subject(&campaign.subject)
                    .campaign(&campaign.id)
                    .details(bounce_details("hard")),
            );
            self.budget = self.budget.saturating_sub(2);
        } else {
            let opened = sent + log_uniform(&mut self.rng, 2 * MINUTE, 90 * MINUTE);
            let left = opened + self.rng.i64(30 * SECOND..4 * MINUTE);
            self.force(
                Ev::new(opened, ActivityKind::EmailOpened)
                    .subject(&campaign.subject)
                    .campaign(&campaign.id),
            );
            self.force(
                Ev::new(left, ActivityKind::Unsubscribed)
                    .subject(&campaign.subject)
                    .campaign(&campaign.id)
                    .url(ctx.unsubscribe_url(&campaign.id)),
            );
            self.budget = self.budget.saturating_sub(3);
        }
        self.cutoff = sent;
    }

    /// Campaigns this person can receive, shuffled; `reminder` ones go out three days later.
    fn campaign_pool(&mut self, reminder: bool) -> Vec<(usize, bool)> {
        let delay = if reminder { 3 * DAY } else { 0 };
        let mut pool: Vec<(usize, bool)> = (0..self.ctx.campaigns.len())
            .filter(|&i| {
                let sent = self.ctx.campaigns[i].at + self.jitter + delay;
                (self.start..self.end).contains(&sent)
                    && sent <= self.now
                    && self.email_allowed(sent)
            })
            .map(|i| (i, reminder))
            .collect();
        self.rng.shuffle(&mut pool);
        pool
    }

    /// Spends the rest of the budget on email funnels, web sessions and the occasional program
    /// enrolment or score change, in random order so a cut-off budget is not biased in time.
    pub(super) fn fill(&mut self) {
        let mut pool = self.campaign_pool(false);
        let mut refilled = false;
        let p_email = 0.72 - 0.2 * self.engagement;
        let limit = self.budget * 20 + 100;
        let mut rounds = 0;
        while self.budget > 0 {
            rounds += 1;
            if rounds > limit {
                self.fill_with_visits();
                break;
            }
            let roll = self.rng.f64();
            if roll < 0.035 {
                self.other_episode();
                continue;
            }
            if self.person.email.is_some() && roll < p_email {
                if pool.is_empty() && !refilled {
                    pool = self.campaign_pool(true);
                    refilled = true;
                }
                if let Some((index, reminder)) = pool.pop() {
                    self.email_episode(index, reminder);
                    continue;
                }
            }
            self.web_session();
        }
    }

    /// Guarantees the budget is met even in a degenerate window.
    fn fill_with_visits(&mut self) {
        let site = self.ctx.site;
        while self.budget > 0 {
            let at = self.random_time().min(self.now);
            let seconds = self.rng.u32(5..120);
            self.push(page_event(at, format!("{site}/"), "Home", seconds));
        }
    }

    fn email_episode(&mut self, index: usize, reminder: bool) {
        let campaign = &self.ctx.campaigns[index];
        let sent = campaign.at + self.jitter + if reminder { 3 * DAY } else { 0 };
        if reminder {
            let subject = format!("Reminder: {}", campaign.subject);
            self.funnel(campaign, sent, &subject);
        } else {
            self.funnel(campaign, sent, &campaign.subject);
        }
    }

    /// Sent, maybe opened, maybe clicked, then the landing page and on.
    fn funnel(&mut self, campaign: &Campaign, sent: i64, subject: &str) {
        let mail =
            |at: i64, kind: ActivityKind| Ev::new(at, kind).subject(subject).campaign(&campaign.id);
        if !self.push_email(mail(sent, ActivityKind::EmailSent)) {
            return;
        }
        if self.rng.f64() < 0.012 {
            let at = sent + self.rng.i64(20 * SECOND..10 * MINUTE);
            self.push_email(mail(at, ActivityKind::EmailBounced).details(bounce_details("soft")));
            return;
        }
        let e = self.engagement;
        if self.rng.f64() >= 0.12 + 0.6 * e {
            return;
        }
        let opened = sent + log_uniform(&mut self.rng, 2 * MINUTE, 36 * HOUR);
        if !self.push_email(mail(opened, ActivityKind::EmailOpened)) {
            return;
        }
        if self.rng.f64() < 0.15 {
            let again = opened + log_uniform(&mut self.rng, 10 * MINUTE, 3 * DAY);
            self.push_email(mail(again, ActivityKind::EmailOpened));
        }
        if self.rng.f64() >= 0.1 + 0.45 * e {
            return;
        }
        let clicked = opened + log_uniform(&mut self.rng, 5 * SECOND, 8 * MINUTE);
        let url = self.ctx.utm(&campaign.landing_url, &campaign.id);
        if !self.push_email(
            mail(clicked, ActivityKind::EmailClicked)
                .url(url.clone())
                .details(click_details(&url)),
        ) {
            return;
        }
        let arrived = clicked + self.rng.i64(SECOND..5 * SECOND);
        let Some(mut at) = self.visit(arrived, url, campaign.landing_title) else {
            return;
        };
        if let Some(form) = campaign.form {
            if self.rng.f64() < 0.15 + 0.35 * e {
                self.submit(at, form, campaign.landing_url.clone());
                return;
            }
        }
        let more = self.page_count() - 1;
        for _ in 0..more {
            let ((path, title), _) = *weighted_entry(&mut self.rng);
            let Some(next) = self.visit(at, format!("{}{path}", self.ctx.site), title) else {
                return;
            };
            at = next;
        }
    }

    /// A browsing session that did not come from an email.
    fn web_session(&mut self) {
        let mut at = self.random_time();
        let pages = self.page_count();
        for _ in 0..pages {
            let ((path, title), _) = *weighted_entry(&mut self.rng);
            let Some(next) = self.visit(at, format!("{}{path}", self.ctx.site), title) else {
                return;
            };
            at = next;
        }
        if self.person.email.is_some() && self.rng.f64() < 0.03 + 0.1 * self.engagement {
            let form = *weighted(&mut self.rng, WEB_FORMS);
            let (path, title) = form.page();
            let url = format!("{}{path}", self.ctx.site);
            let Some(next) = self.visit(at, url.clone(), title) else {
                return;
            };
            self.submit(next, form, url);
        }
    }

    /// 1 to 7 pages, mostly few.
    fn page_count(&mut self) -> usize {
        let mut pages = 1;
        while pages < 7 && self.rng.f64() < 0.25 + 0.3 * self.engagement {
            pages += 1;
        }
        pages
    }

    /// One page view; returns when the next page could start.
    fn visit(&mut self, at: i64, url: String, title: &str) -> Option<i64> {
        let seconds = log_uniform(&mut self.rng, 4, 480) as u32;
        let pricing = url.contains(PRICING_PATH);
        if !self.push(page_event(at, url, title, seconds)) {
            return None;
        }
        let left = at + i64::from(seconds) * SECOND;
        if pricing && self.rng.f64() < 0.2 {
            self.push(score_event(left, 5, "Visited the pricing page"));
        }
        Some(left + self.rng.i64(2 * SECOND..25 * SECOND))
    }

    fn submit(&mut self, at: i64, form: FormKind, url: String) {
        if self.person.email.is_none() {
            return;
        }
        let fields = form.fields(&mut self.rng, self.person);
        if !self.push(form_event(at, url, form, fields)) {
            return;
        }
        if let Some((delta, reason)) = form.score() {
            if self.rng.f64() < 0.6 {
                let later = at + self.rng.i64(SECOND..30 * SECOND);
                self.push(score_event(later, delta, reason));
            }
        }
        if let Some(program) = self.ctx.program_after(form) {
            if self.rng.f64() < 0.35 {
                let later = at + log_uniform(&mut self.rng, HOUR, 2 * DAY);
                self.push(program_event(later, program));
            }
        }
    }

    fn other_episode(&mut self) {
        let at = self.random_time();
        match self.rng.u32(0..10) {
            0..=3 => {
                let program = pick(&mut self.rng, self.ctx.programs).name;
                self.push(program_event(at, program));
            }
            4..=6 => {
                let (delta, reason) = if self.rng.bool() {
                    (-5, "No activity in 30 days")
                } else {
                    (-10, "No activity in 60 days")
                };
                self.push(score_event(at, delta, reason));
            }
            7 | 8 => {
                self.push(score_event(at, 8, "Job title matches the target persona"));
            }
            _ => {
                self.push(score_event(
                    at,
                    5,
                    "Company size matches the ideal customer profile",
                ));
            }
        }
    }

    pub(super) fn finish(mut self) -> Vec<Ev> {
        self.events.sort_by_key(|ev| ev.at);
        self.events
    }
}

fn weighted_entry(rng: &mut Rng) -> &'static ((&'static str, &'static str), u32) {
    let total: u32 = PAGES.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.u32(0..total);
    for entry in PAGES {
        if roll < entry.1 {
            return entry;
        }
        roll -= entry.1;
    }
    &PAGES[0]
}
