//! Tenants' marketing content the activity is about: the web site's pages and forms, and the
//! email campaigns sent every month.

use chrono::{Datelike, TimeZone, Utc};
use fastrand::Rng;

use super::people::Person;
use super::{pick, Clock, HOUR};
use crate::sandbox::db;
use crate::wire::FormField;

#[rustfmt::skip]
pub(super) const PAGES: &[((&str, &str), u32)] = &[
    (("/", "Home"), 12),
    (("/pricing", "Pricing"), 8),
    (("/product", "Product overview"), 8),
    (("/product/integrations", "Integrations"), 4),
    (("/product/whats-new", "What's new"), 3),
    (("/customers", "Customer stories"), 4),
    (("/blog", "Blog"), 6),
    (("/blog/subject-lines-that-get-opened", "Blog: 5 subject lines that get opened"), 5),
    (("/blog/lead-scoring-without-spreadsheets", "Blog: Lead scoring without the spreadsheets"), 4),
    (("/blog/monthly-brief", "The monthly marketing brief"), 3),
    (("/resources", "Resources"), 3),
    (("/webinars", "Webinars"), 2),
    (("/demo", "Request a demo"), 2),
    (("/contact", "Contact us"), 2),
    (("/about", "About us"), 2),
    (("/careers", "Careers"), 1),
    (("/docs/getting-started", "Docs: Getting started"), 2),
    (("/security", "Security and compliance"), 1),
];

pub(super) const PRICING_PATH: &str = "/pricing";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FormKind {
    Webinar,
    Event,
    Guide,
    Demo,
    Contact,
    Newsletter,
    Preferences,
}

/// Forms submitted while browsing, not from a campaign.
pub(super) const WEB_FORMS: &[(FormKind, u32)] = &[
    (FormKind::Newsletter, 3),
    (FormKind::Guide, 3),
    (FormKind::Demo, 2),
    (FormKind::Contact, 2),
    (FormKind::Webinar, 1),
];

#[rustfmt::skip]
const TEAM_SIZES: &[&str] = &["1-10", "11-50", "51-200", "201-1000", "1000+"];
const MESSAGES: &[&str] = &[
    "We'd like to see how scoring works with our CRM.",
    "Looking for pricing for a team of about 25.",
    "Can you walk us through campaign reporting?",
    "Interested in the CRM integration, especially the sidebar.",
    "We're replacing our current tool next quarter.",
    "Please send me a quote.",
];

impl FormKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            FormKind::Webinar => "Webinar registration",
            FormKind::Event => "Event registration",
            FormKind::Guide => "Guide download",
            FormKind::Demo => "Demo request",
            FormKind::Contact => "Contact us",
            FormKind::Newsletter => "Newsletter signup",
            FormKind::Preferences => "Email preferences",
        }
    }

    /// The page the form lives on when reached by browsing.
    pub(super) fn page(self) -> (&'static str, &'static str) {
        match self {
            FormKind::Webinar => (
                "/webinars/crm-data-to-pipeline",
                "Webinar: Turning CRM data into pipeline",
            ),
            FormKind::Event => ("/events/customer-summit", "Customer Summit"),
            FormKind::Guide => (
                "/resources/lead-scoring-guide",
                "Guide: Lead scoring in 2 minutes",
            ),
            FormKind::Demo => ("/demo", "Request a demo"),
            FormKind::Contact => ("/contact", "Contact us"),
            FormKind::Newsletter => ("/blog", "Blog"),
            FormKind::Preferences => ("/preferences", "Email preferences"),
        }
    }

    pub(super) fn score(self) -> Option<(i64, &'static str)> {
        match self {
            FormKind::Webinar => Some((10, "Registered for a webinar")),
            FormKind::Event => Some((10, "Registered for an event")),
            FormKind::Guide => Some((5, "Downloaded a guide")),
            FormKind::Demo => Some((15, "Requested a demo")),
            FormKind::Contact => Some((10, "Contacted sales")),
            FormKind::Newsletter => Some((3, "Subscribed to the newsletter")),
            FormKind::Preferences => None,
        }
    }

    pub(super) fn fields(self, rng: &mut Rng, person: &Person) -> Vec<FormField> {
        let field = |name: &str, value: &str| FormField {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        let email = person.email.as_deref().unwrap_or_default();
        let title = person.job_title.as_deref().unwrap_or_default();
        match self {
            FormKind::Webinar => vec![
                field("firstName", &person.first),
                field("lastName", &person.last),
                field("email", email),
                field("company", &person.company),
                field("jobTitle", title),
            ],
            FormKind::Event => vec![
                field("firstName", &person.first),
                field("lastName", &person.last),
                field("email", email),
                field("company", &person.company),
                field(
                    "attendance",
                    if rng.bool() { "In person" } else { "Online" },
                ),
            ],
            FormKind::Guide => vec![
                field("email", email),
                field("company", &person.company),
                field("jobTitle", title),
            ],
            FormKind::Demo => vec![
                field("firstName", &person.first),
                field("lastName", &person.last),
                field("email", email),
                field("company", &person.company),
                field("teamSize", pick::<&str>(rng, TEAM_SIZES)),
                field("message", pick::<&str>(rng, MESSAGES)),
            ],
            FormKind::Contact => vec![
                field("firstName", &person.first),
                field("email", email),
                field("message", pick::<&str>(rng, MESSAGES)),
            ],
            FormKind::Newsletter => vec![field("email", email)],
            FormKind::Preferences => vec![
                field("email", email),
                field("newsletter", "yes"),
                field("productUpdates", "yes"),
                field("events", "no"),
            ],
        }
    }
}

struct Theme {
    /// `{month}` and `{year}` are replaced by the send date's.
    pub(super) subject: &'static str,
    pub(super) path: &'static str,
    pub(super) title: &'static str,
    pub(super) form: Option<FormKind>,
}

/// Campaign A of every month is the newsletter; the others draw from the rest.
#[rustfmt::skip]
const THEMES: &[Theme] = &[
    Theme { subject: "The {month} marketing brief", path: "/blog/monthly-brief", title: "The monthly marketing brief", form: None },
    Theme { subject: "Webinar: Turning CRM data into pipeline", path: "/webinars/crm-data-to-pipeline", title: "Webinar: Turning CRM data into pipeline", form: Some(FormKind::Webinar) },
    Theme { subject: "You're invited: Customer Summit {year}", path: "/events/customer-summit", title: "Customer Summit", form: Some(FormKind::Event) },
    Theme { subject: "New in {month}: a faster segment builder", path: "/product/whats-new", title: "What's new", form: None },
    Theme { subject: "Case study: how a logistics team doubled reply rates", path: "/customers/logistics-case-study", title: "Customer story: doubling reply rates", form: None },
    Theme { subject: "The 2-minute guide to lead scoring", path: "/resources/lead-scoring-guide", title: "Guide: Lead scoring in 2 minutes", form: Some(FormKind::Guide) },
    Theme { subject: "Still comparing tools? Book a 20-minute demo", path: "/demo", title: "Request a demo", form: Some(FormKind::Demo) },
    Theme { subject: "More contacts on every plan, same price", path: "/pricing", title: "Pricing", form: None },
    Theme { subject: "Checklist: 7 steps to cleaner CRM data", path: "/resources/crm-data-checklist", title: "Checklist: Cleaner CRM data", form: Some(FormKind::Guide) },
    Theme { subject: "Join our {month} roundtable for marketing leaders", path: "/events/leaders-roundtable", title: "Marketing leaders roundtable", form: Some(FormKind::Event) },
    Theme { subject: "5 subject lines that get opened", path: "/blog/subject-lines-that-get-opened", title: "Blog: 5 subject lines that get opened", form: None },
];

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

const CAMPAIGN_LETTERS: &[char] = &['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

pub(super) struct Campaign {
    pub(super) id: String,
    pub(super) at: i64,
    pub(super) subject: String,
    pub(super) landing_url: String,
    pub(super) landing_title: &'static str,
    pub(super) form: Option<FormKind>,
}

pub(super) fn campaign_id(at: i64, letter: char) -> String {
    let date = db::from_millis(at);
    format!("CMP-{:04}-{:02}-{letter}", date.year(), date.month())
}

/// Eight campaigns a month over the 18 months, sorted by send time.
pub(super) fn campaigns(rng: &mut Rng, clock: &Clock, site: &str) -> Vec<Campaign> {
    let first = db::from_millis(clock.start);
    let last = db::from_millis(clock.now);
    let (mut year, mut month) = (first.year(), first.month());
    let mut out = Vec::new();
    while (year, month) <= (last.year(), last.month()) {
        for (index, &letter) in CAMPAIGN_LETTERS.iter().enumerate() {
            let day = 1 + 3 * index as u32 + rng.u32(0..3);
            let hour = rng.u32(8..17);
            let minute = 15 * rng.u32(0..4);
            let theme = if index == 0 {
                &THEMES[0]
            } else {
                pick(rng, &THEMES[1..])
            };
            let Some(time) = Utc
                .with_ymd_and_hms(year, month, day, hour, minute, 0)
                .single()
            else {
                continue;
            };
            let at = db::to_millis(time);
            if at < clock.start || at > clock.now - 2 * HOUR {
                continue;
            }
            let subject = theme
                .subject
                .replace("{month}", MONTHS[month as usize - 1])
                .replace("{year}", &year.to_string());
            out.push(Campaign {
                id: format!("CMP-{year:04}-{month:02}-{letter}"),
                at,
                subject,
                landing_url: format!("{site}{}", theme.path),
                landing_title: theme.title,
                form: theme.form,
            });
        }
        month += 1;
        if month == 13 {
            month = 1;
            year += 1;
        }
    }
    out.sort_by_key(|campaign| campaign.at);
    out
}
