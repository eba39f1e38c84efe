//! The deterministic seed of the sandbox database: two tenants, their users, about two thousand
//! CRM records with 18 months of marketing activity, email templates and programs.
//!
//! Everything is derived from fixed random seeds and [`SeedOptions::now`], so the same options
//! always produce the same rows (ids, names, times). Record identities and profiles do not depend
//! on the activity target, only their activity does: a benchmark database and a test database
//! hold the same people.
//!
//! Activity follows real funnels: a campaign sends an email, some people open it minutes or hours
//! later, some of those click through to the landing page and browse on, sometimes submitting a
//! form (which moves the score and may enrol them in a program). Hard-bounced and opted-out
//! records end their email history with the bounce or the unsubscribe.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use fastrand::Rng;
use rusqlite::{params, Connection};

use crate::sandbox::db::{self, NewActivity, NewRecord};
use crate::wire::{
    ActivityDetails, ActivityKind, Entity, FormField, OptInType, Role, SubscriptionStatus,
};

/// Activities of tenant A's regular records in the database the sandbox creates by default.
pub const DEFAULT_ACTIVITIES: u64 = 150_000;
/// Activities of tenant A's regular records in the benchmark database.
pub const BENCH_ACTIVITIES: u64 = 1_000_000;
/// Activities of [`PERF_RECORD`], whatever the target.
pub const PERF_ACTIVITIES: u64 = 10_000;

pub const TENANT_A: &str = "Northwind Marketing";
pub const TENANT_B: &str = "Contoso Marketing";
/// Tenant A's manager; every rep of [`REPS_A`] reports to them.
pub const MANAGER_A: &str = "mgr-olivia";
pub const REPS_A: [&str; 4] = ["rep-ava", "rep-ben", "rep-chloe", "rep-dan"];
pub const MANAGER_B: &str = "b-mgr-zoe";
pub const REP_B: &str = "b-rep-yan";
/// Tenant A lead owned by `rep-ava` with exactly [`PERF_ACTIVITIES`] activities over 18 months.
pub const PERF_RECORD: &str = "LEAD-PERF";
/// Tenant A lead owned by `rep-ava`: subscribed, imported, with an email, a long history and a
/// rich recent funnel holding every activity kind, the latest in the last day.
pub const DEMO_LEAD: &str = "LEAD-0001";
/// Tenant A lead owned by `rep-ava` who unsubscribed (status `optedOut`).
pub const OPTED_OUT_LEAD: &str = "LEAD-0002";
/// Tenant A lead owned by `rep-ava` without an email address.
pub const NO_EMAIL_LEAD: &str = "LEAD-0003";
/// A tenant A lead (owner `rep-ava`) that only the demo CRM knows: not in `records`.
pub const CRM_ONLY_LEAD: &str = "LEAD-9001";
/// Tenant B lead with activities, for isolation tests.
pub const B_LEAD: &str = "LEAD-B-0001";

/// What to seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedOptions {
    /// Total activities of tenant A's regular records (all but [`PERF_RECORD`] and the three
    /// named demo leads); met exactly unless it is too small for the bounce and unsubscribe
    /// histories the records need.
    pub activities: u64,
    /// The seed's "today": activity spans the 18 months before it and never goes past it.
    pub now: DateTime<Utc>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        let seconds = Utc::now().timestamp();
        let minute = seconds - seconds.rem_euclid(60);
        SeedOptions {
            activities: DEFAULT_ACTIVITIES,
            now: DateTime::from_timestamp(minute, 0).expect("the current minute is a valid time"),
        }
    }
}

/// Rows written by [`seed`], over both tenants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub tenants: u64,
    pub users: u64,
    /// Rows of `records` (not counting the CRM-only records).
    pub records: u64,
    pub activities: u64,
}

/// Whether the database already holds data (any tenant).
pub fn is_seeded(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM tenants)", [], |row| {
        row.get(0)
    })
}

/// Fills an empty database in one transaction. Fails (and writes nothing) on a seeded one.
pub fn seed(conn: &mut Connection, options: &SeedOptions) -> rusqlite::Result<SeedSummary> {
    let tx = conn.transaction()?;
    let clock = Clock::new(options.now);
    let mut summary = SeedSummary::default();
    seed_tenant_a(&tx, &clock, options.activities, &mut summary)?;
    seed_tenant_b(&tx, &clock, &mut summary)?;
    super::connections::seed::seed(&tx)?;
    enrol_from_history(&tx, &clock)?;
    tx.commit()?;
    Ok(summary)
}

/// How long after enrolment a seeded record is still going through a program.
const ENROLMENT_RUNS_FOR: i64 = 90 * DAY;

/// Gives every `programEnrolled` activity its enrolment, so a record's Programs tab agrees with
/// its history: the first enrolment per program and record counts; older than
/// [`ENROLMENT_RUNS_FOR`] it is completed, otherwise still active.
fn enrol_from_history(conn: &Connection, clock: &Clock) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO enrolments (program_id, record_id, status, enrolled_at, updated_at)
         SELECT p.id, a.record_id,
                CASE WHEN MIN(a.occurred_at) < ?2 THEN 'completed' ELSE 'active' END,
                MIN(a.occurred_at),
                CASE WHEN MIN(a.occurred_at) < ?2 THEN MIN(a.occurred_at) + ?3
                     ELSE MIN(a.occurred_at) END
         FROM activities a
         JOIN records r ON r.id = a.record_id
         JOIN programs p ON p.tenant_id = r.tenant_id AND p.name = a.subject
         WHERE a.kind = ?1
         GROUP BY p.id, a.record_id",
        params![
            ActivityKind::ProgramEnrolled.as_str(),
            clock.now - ENROLMENT_RUNS_FOR,
            ENROLMENT_RUNS_FOR,
        ],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The seed's time frame in Unix milliseconds.
struct Clock {
    now: i64,
    /// 18 calendar months before `now`.
    start: i64,
}

impl Clock {
    fn new(now: DateTime<Utc>) -> Clock {
        let start = now
            .checked_sub_months(Months::new(18))
            .unwrap_or(now - chrono::Duration::days(548));
        Clock {
            now: db::to_millis(now),
            start: db::to_millis(start),
        }
    }

    fn span(&self) -> i64 {
        self.now - self.start
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness

const SEED: u64 = 0x5eed_c0de_2025_0001;

/// Independent streams for independent things, so adding a record or changing the activity
/// target does not reshuffle everything else.
fn stream(tag: u64, index: u64) -> Rng {
    Rng::with_seed(splitmix(
        SEED ^ splitmix(tag).wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    ))
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const STREAM_PEOPLE_A: u64 = 1;
const STREAM_ACTIVITY_A: u64 = 2;
const STREAM_CAMPAIGNS_A: u64 = 3;
const STREAM_PEOPLE_B: u64 = 4;
const STREAM_ACTIVITY_B: u64 = 5;
const STREAM_CAMPAIGNS_B: u64 = 6;
const STREAM_NAMED: u64 = 7;

/// A duration between `low` and `high` ms, uniform on a log scale: mostly short, sometimes long.
fn log_uniform(rng: &mut Rng, low: i64, high: i64) -> i64 {
    let (low, high) = (low.max(1) as f64, high.max(2) as f64);
    (low * (high / low).powf(rng.f64())) as i64
}

fn weighted<'t, T>(rng: &mut Rng, items: &'t [(T, u32)]) -> &'t T {
    let total: u32 = items.iter().map(|(_, weight)| weight).sum();
    let mut pick = rng.u32(0..total.max(1));
    for (item, weight) in items {
        if pick < *weight {
            return item;
        }
        pick -= weight;
    }
    &items[items.len() - 1].0
}

fn pick<'t, T>(rng: &mut Rng, items: &'t [T]) -> &'t T {
    &items[rng.usize(0..items.len())]
}

// ---------------------------------------------------------------------------------------------
// People and companies

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Emma", "Liam", "Noah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Ethan", "Amelia",
    "Mason", "Harper", "Logan", "Evelyn", "Alexander", "Abigail", "Daniel", "Emily", "Michael",
    "Elizabeth", "Benjamin", "Sofia", "Jacob", "Avery", "William", "Ella", "Henry", "Scarlett",
    "Sebastian", "Grace", "Jack", "Owen", "Victoria", "Samuel", "Riley", "Matthew", "Aria",
    "Joseph", "Lily", "David", "Zoë", "José", "Renée", "Björn", "François", "Søren", "Anaïs",
    "Łukasz", "Aisha", "Wei", "Hiroshi", "Priya", "Arjun", "Fatima", "Mohammed", "Ana", "Mateo",
    "Camila", "Kwame", "Amara", "Ngozi", "Raj", "Mei", "Yuki", "Olga", "Ivan", "Lars", "Ingrid",
    "Tomás", "Sven", "Nadia", "Omar", "Leila", "Diego", "Valentina", "Kofi", "Thabo", "Anh",
    "Minh", "Sanjay", "Deepa", "Jin", "Hana", "Sara", "Marco", "Giulia", "Pierre", "Claire",
    "Hugo", "Elena", "Pablo", "Lucía", "Rachel", "Nathan", "Megan", "Kevin", "Laura", "Brian",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "Müller", "García",
    "Schmidt", "Kowalski", "Novak", "Rossi", "Bianchi", "Dubois", "Lefèvre", "Jensen", "Nielsen",
    "Andersson", "Johansson", "Tanaka", "Sato", "Suzuki", "Kim", "Park", "Choi", "Wang", "Li",
    "Zhang", "Chen", "Liu", "Patel", "Shah", "Singh", "Kumar", "Okafor", "Mensah", "Adeyemi",
    "Haddad", "Khalil", "Cohen", "Levi", "Silva", "Santos", "Oliveira", "Costa", "Ivanova",
    "Petrov", "van der Berg", "McAllister", "Fitzgerald", "Nakamura", "Hoffmann", "Smith-Jones",
    "Núñez", "Østergaard",
];

#[rustfmt::skip]
const JOB_TITLES: &[&str] = &[
    "Marketing Manager", "VP of Marketing", "Head of Demand Generation", "Chief Marketing Officer",
    "Sales Director", "Operations Manager", "CTO", "IT Director", "Procurement Lead",
    "Product Manager", "Customer Success Manager", "CFO", "Founder & CEO",
    "Marketing Operations Specialist", "Content Strategist", "Growth Lead",
    "Director of Partnerships", "HR Director", "Data Analyst", "Head of E-commerce",
    "Brand Manager", "Digital Marketing Specialist", "Revenue Operations Manager",
    "Account Executive", "Event Manager", "Communications Director", "Business Analyst",
    "General Manager", "Office Manager", "Managing Director",
];

#[rustfmt::skip]
const BRAND_HEADS: &[&str] = &[
    "Bright", "North", "Silver", "Blue", "Red", "Iron", "Cedar", "Harbor", "Summit", "Pine",
    "Clear", "Stone", "Golden", "Oak", "River", "Maple", "Falcon", "Granite", "Copper", "Coral",
    "Aspen", "Willow", "Crescent", "Lumen", "Apex", "Nova", "Vertex", "Beacon", "Horizon",
    "Sterling",
];

#[rustfmt::skip]
const BRAND_TAILS: &[&str] = &[
    "field", "point", "wave", "bridge", "line", "gate", "wood", "view", "path", "stone", "water",
    "ridge", "crest", "leaf", "works",
];

#[rustfmt::skip]
const INDUSTRIES: &[&str] = &[
    "Logistics", "Analytics", "Health", "Foods", "Software", "Manufacturing", "Energy",
    "Insurance", "Retail", "Labs", "Consulting", "Media", "Financial", "Robotics", "Systems",
    "Partners", "Biotech", "Hospitality", "Construction", "Telecom",
];

#[derive(Clone, Debug)]
struct Company {
    name: String,
    domain: String,
}

impl Company {
    fn new(brand: &str, industry: &str) -> Company {
        let tld = match industry {
            "Software" | "Analytics" | "Labs" | "Robotics" => "io",
            _ => "com",
        };
        Company {
            name: format!("{brand} {industry}"),
            domain: format!("{}{}.{tld}", ascii_slug(brand), ascii_slug(industry)),
        }
    }
}

/// Unique fictional companies, in a shuffled order.
fn companies(rng: &mut Rng) -> Vec<Company> {
    let mut brands = Vec::new();
    for head in BRAND_HEADS {
        for tail in BRAND_TAILS {
            if !head.eq_ignore_ascii_case(tail) {
                brands.push(format!("{head}{tail}"));
            }
        }
    }
    rng.shuffle(&mut brands);
    brands
        .iter()
        .map(|brand| Company::new(brand, pick::<&str>(rng, INDUSTRIES)))
        .collect()
}

/// Lowercase ASCII for email addresses: accents dropped, letters, digits and `-` kept.
fn ascii_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        let mapped = match ch {
            'a'..='z' | '0'..='9' | '-' => {
                out.push(ch);
                continue;
            }
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ñ' | 'ń' => "n",
            'ç' | 'ć' => "c",
            'ß' => "ss",
            'ł' => "l",
            'æ' => "ae",
            'œ' => "oe",
            'ý' | 'ÿ' => "y",
            'ś' => "s",
            'ź' | 'ż' => "z",
            _ => "",
        };
        out.push_str(mapped);
    }
    out
}

#[derive(Clone, Debug)]
struct Person {
    first: String,
    last: String,
    company: String,
    job_title: Option<String>,
    email: Option<String>,
}

/// Hands out `first.last@domain`, numbered when taken.
#[derive(Default)]
struct Emails(HashSet<String>);

impl Emails {
    fn claim(&mut self, first: &str, last: &str, domain: &str) -> String {
        let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
        let mut candidate = format!("{local}@{domain}");
        let mut n = 2;
        while !self.0.insert(candidate.clone()) {
            candidate = format!("{local}{n}@{domain}");
            n += 1;
        }
        candidate
    }
}

fn fixed_person(
    emails: &mut Emails,
    first: &str,
    last: &str,
    company: &Company,
    title: &str,
) -> Person {
    Person {
        first: first.to_owned(),
        last: last.to_owned(),
        company: company.name.clone(),
        job_title: Some(title.to_owned()),
        email: Some(emails.claim(first, last, &company.domain)),
    }
}

fn random_person(rng: &mut Rng, emails: &mut Emails, company: &Company, has_email: bool) -> Person {
    let first = *pick(rng, FIRST_NAMES);
    let last = *pick(rng, LAST_NAMES);
    let job_title = if rng.f64() < 0.06 {
        None
    } else {
        Some(pick(rng, JOB_TITLES).to_string())
    };
    Person {
        first: first.to_owned(),
        last: last.to_owned(),
        company: company.name.clone(),
        job_title,
        email: has_email.then(|| emails.claim(first, last, &company.domain)),
    }
}

// ---------------------------------------------------------------------------------------------
// Marketing content: site pages, forms, programs, campaigns

#[rustfmt::skip]
const PAGES: &[((&str, &str), u32)] = &[
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

const PRICING_PATH: &str = "/pricing";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormKind {
    Webinar,
    Event,
    Guide,
    Demo,
    Contact,
    Newsletter,
    Preferences,
}

/// Forms submitted while browsing, not from a campaign.
const WEB_FORMS: &[(FormKind, u32)] = &[
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
    fn name(self) -> &'static str {
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
    fn page(self) -> (&'static str, &'static str) {
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

    fn score(self) -> Option<(i64, &'static str)> {
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

    fn fields(self, rng: &mut Rng, person: &Person) -> Vec<FormField> {
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

struct ProgramDef {
    name: &'static str,
    description: &'static str,
    active: bool,
    enabled_for_crm: bool,
    /// Submitting one of these forms may enrol the person.
    after_forms: &'static [FormKind],
}

const PROGRAMS_A: &[ProgramDef] = &[
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

const PROGRAMS_B: &[ProgramDef] = &[
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

struct Theme {
    /// `{month}` and `{year}` are replaced by the send date's.
    subject: &'static str,
    path: &'static str,
    title: &'static str,
    form: Option<FormKind>,
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

struct Campaign {
    id: String,
    at: i64,
    subject: String,
    landing_url: String,
    landing_title: &'static str,
    form: Option<FormKind>,
}

fn campaign_id(at: i64, letter: char) -> String {
    let date = db::from_millis(at);
    format!("CMP-{:04}-{:02}-{letter}", date.year(), date.month())
}

/// Eight campaigns a month over the 18 months, sorted by send time.
fn campaigns(rng: &mut Rng, clock: &Clock, site: &str) -> Vec<Campaign> {
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

/// What activity generation needs to know about a tenant.
struct TenantCtx {
    site: &'static str,
    campaigns: Vec<Campaign>,
    programs: &'static [ProgramDef],
}

impl TenantCtx {
    fn program_after(&self, form: FormKind) -> Option<&'static str> {
        self.programs
            .iter()
            .find(|p| p.after_forms.contains(&form))
            .map(|p| p.name)
    }

    fn utm(&self, url: &str, campaign_id: &str) -> String {
        format!(
            "{url}?utm_source=marketing&utm_medium=email&utm_campaign={}",
            campaign_id.to_ascii_lowercase()
        )
    }

    fn unsubscribe_url(&self, campaign_id: &str) -> String {
        format!(
            "{}/preferences/unsubscribe?c={}",
            self.site,
            campaign_id.to_ascii_lowercase()
        )
    }

    /// The latest campaign sent at or before `at`.
    fn campaign_before(&self, at: i64) -> Option<usize> {
        self.campaigns
            .iter()
            .rposition(|campaign| campaign.at <= at)
    }
}

// ---------------------------------------------------------------------------------------------
// Activity generation

#[derive(Clone, Debug)]
struct Ev {
    at: i64,
    kind: ActivityKind,
    subject: Option<String>,
    url: Option<String>,
    campaign: Option<String>,
    details: ActivityDetails,
}

impl Ev {
    fn new(at: i64, kind: ActivityKind) -> Ev {
        Ev {
            at,
            kind,
            subject: None,
            url: None,
            campaign: None,
            details: ActivityDetails::default(),
        }
    }

    fn subject(mut self, subject: &str) -> Ev {
        self.subject = Some(subject.to_owned());
        self
    }

    fn url(mut self, url: String) -> Ev {
        self.url = Some(url);
        self
    }

    fn campaign(mut self, id: &str) -> Ev {
        self.campaign = Some(id.to_owned());
        self
    }

    fn details(mut self, details: ActivityDetails) -> Ev {
        self.details = details;
        self
    }
}

fn score_event(at: i64, delta: i64, reason: &str) -> Ev {
    Ev::new(at, ActivityKind::ScoreChanged).details(ActivityDetails {
        score_delta: Some(delta),
        score_reason: Some(reason.to_owned()),
        ..Default::default()
    })
}

fn program_event(at: i64, name: &str) -> Ev {
    Ev::new(at, ActivityKind::ProgramEnrolled)
        .subject(name)
        .details(ActivityDetails {
            program_name: Some(name.to_owned()),
            ..Default::default()
        })
}

fn page_event(at: i64, url: String, title: &str, seconds: u32) -> Ev {
    Ev::new(at, ActivityKind::PageVisit)
        .subject(title)
        .url(url)
        .details(ActivityDetails {
            page_title: Some(title.to_owned()),
            seconds_on_page: Some(seconds),
            ..Default::default()
        })
}

fn form_event(at: i64, url: String, kind: FormKind, fields: Vec<FormField>) -> Ev {
    Ev::new(at, ActivityKind::FormSubmitted)
        .subject(kind.name())
        .url(url)
        .details(ActivityDetails {
            form_name: Some(kind.name().to_owned()),
            form_fields: fields,
            ..Default::default()
        })
}

fn bounce_details(kind: &str) -> ActivityDetails {
    ActivityDetails {
        bounce_type: Some(kind.to_owned()),
        ..Default::default()
    }
}

fn click_details(url: &str) -> ActivityDetails {
    ActivityDetails {
        clicked_url: Some(url.to_owned()),
        ..Default::default()
    }
}

/// The record score the platform shows: points for engagement plus explicit score changes.
fn score_of(events: &[Ev]) -> i64 {
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
struct Gen<'a> {
    rng: Rng,
    ctx: &'a TenantCtx,
    person: &'a Person,
    now: i64,
    /// The record's active window; sessions and sends start inside it.
    start: i64,
    end: i64,
    /// How late after the campaign's send time this person's copy goes out.
    jitter: i64,
    /// 0..1: how likely this person opens, clicks, browses and converts.
    engagement: f64,
    /// Email activity happens strictly before this (bounce, unsubscribe, suppression).
    cutoff: i64,
    /// No email activity in this range (opted out, later re-subscribed).
    blackout: Option<(i64, i64)>,
    budget: usize,
    events: Vec<Ev>,
}

impl<'a> Gen<'a> {
    fn new(
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
    fn push(&mut self, ev: Ev) -> bool {
        if self.budget == 0 || ev.at > self.now {
            return false;
        }
        self.budget -= 1;
        self.events.push(ev);
        true
    }

    /// Adds a hand-made event regardless of the budget.
    fn force(&mut self, ev: Ev) {
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
    fn terminal(&mut self, status: SubscriptionStatus, chosen: Option<usize>) {
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
    fn fill(&mut self) {
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

    fn finish(mut self) -> Vec<Ev> {
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

// ---------------------------------------------------------------------------------------------
// Records

/// Everything about a record except its activity.
struct Plan {
    entity: Entity,
    crm_id: String,
    person: Person,
    owner_id: i64,
    imported: bool,
    opt_in: OptInType,
    status: SubscriptionStatus,
    /// Share of the activity target, relative.
    weight: f64,
    engagement: f64,
    window: (i64, i64),
    last_synced_at: i64,
}

impl Plan {
    /// Activities the record's status history needs at least.
    fn minimum(&self) -> u64 {
        match (self.status, self.person.email.is_some()) {
            (SubscriptionStatus::OptedOut, true) => 3,
            (SubscriptionStatus::HardBounced, true) => 2,
            _ => 0,
        }
    }
}

fn random_opt_in(rng: &mut Rng, imported: bool) -> OptInType {
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

fn random_status(rng: &mut Rng) -> SubscriptionStatus {
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
fn random_window(rng: &mut Rng, clock: &Clock) -> (i64, i64) {
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
fn random_weight(rng: &mut Rng) -> f64 {
    (1.0 - rng.f64()).powf(-0.9).min(300.0)
}

fn engagement_for(rng: &mut Rng, weight: f64) -> f64 {
    (0.08 + 0.45 * rng.f64() + 0.12 * weight.ln()).clamp(0.05, 0.95)
}

/// Splits `target` over the plans in proportion to their weights, on top of their minimums;
/// the parts add up to exactly `target` when it covers the minimums.
fn allocate(target: u64, plans: &[Plan]) -> Vec<u64> {
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
fn insert_plan(
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
fn regular_events(rng: Rng, ctx: &TenantCtx, clock: &Clock, plan: &Plan, quota: u64) -> Vec<Ev> {
    let mut generator = Gen::new(rng, ctx, &plan.person, clock, plan.window, plan.engagement);
    generator.budget = quota as usize;
    generator.terminal(plan.status, None);
    generator.fill();
    generator.finish()
}

fn insert_crm_only(
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

fn insert_programs(
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

// ---------------------------------------------------------------------------------------------
// Templates

const TEMPLATES_A: &[(&str, &str, &str, &str)] = &[
    (
        "Nurture",
        "Welcome to Northwind",
        "Welcome aboard, {{firstName|there}}",
        "<p>Hi {{firstName|there}},</p>\
         <p>Thanks for connecting with Northwind. Over the next few weeks we'll share practical \
         ideas that help {{company|your team}} turn more conversations into pipeline.</p>\
         <p>Start with our <a href=\"https://www.northwind.example/resources\">resource library</a>.</p>\
         <p>Best,<br>The Northwind team</p>",
    ),
    (
        "Nurture",
        "Lead scoring guide",
        "{{firstName}}, a 2-minute guide to lead scoring",
        "<p>Hi {{firstName}},</p>\
         <p>As {{jobTitle|someone who works with leads}}, you know not every lead is ready to talk. \
         Our short guide shows how teams like {{company|yours}} score leads without spreadsheets.</p>\
         <p><a href=\"https://www.northwind.example/resources/lead-scoring-guide\">Read the guide</a></p>",
    ),
    (
        "Nurture",
        "Customer story",
        "How teams like {{company|yours}} doubled reply rates",
        "<p>Hi {{firstName|there}},</p>\
         <p>A logistics team of 40 doubled their reply rates in one quarter. Here is what they \
         changed, step by step.</p>\
         <p><a href=\"https://www.northwind.example/customers/logistics-case-study\">Read the story</a></p>",
    ),
    (
        "Events",
        "Webinar invitation",
        "{{firstName}}, join our live webinar on CRM data",
        "<p>Hi {{firstName}},</p>\
         <p>Join us for <strong>Turning CRM data into pipeline</strong>, a 45-minute live session \
         with time for your questions.</p>\
         <p><a href=\"https://www.northwind.example/webinars/crm-data-to-pipeline\">Save your seat</a></p>\
         <p>We'll send the details to {{email}}.</p>",
    ),
    (
        "Events",
        "Event follow-up",
        "Great to meet you, {{firstName}}",
        "<p>Hi {{firstName}} {{lastName}},</p>\
         <p>Thanks for stopping by our booth. As promised, here are the slides and a few notes \
         for {{company|your team}}.</p>\
         <p>Would a 20-minute call next week help?</p>",
    ),
    (
        "Events",
        "Summit invitation",
        "An invitation for {{company|your team}}: Customer Summit",
        "<p>Dear {{firstName|guest}},</p>\
         <p>We'd love to welcome you and colleagues from {{company|your team}} to our Customer \
         Summit: two days of talks, workshops and roadmap sessions.</p>\
         <ul><li>Hands-on workshops</li><li>Customer panels</li><li>Roadmap preview</li></ul>\
         <p><a href=\"https://www.northwind.example/events/customer-summit\">Register</a></p>",
    ),
    (
        "Product",
        "Product update",
        "What's new for {{jobTitle|marketing teams}} this month",
        "<p>Hi {{firstName|there}},</p>\
         <p>This month: a faster segment builder, scheduled reports and a refreshed CRM sidebar.</p>\
         <p><a href=\"https://www.northwind.example/product/whats-new\">See what's new</a></p>",
    ),
    (
        "Product",
        "Feature announcement",
        "New for {{company|your team}}: a faster segment builder",
        "<p>Hi {{firstName}},</p>\
         <p>Segments now build in seconds, even on large databases. Here is a two-minute tour.</p>\
         <p><a href=\"https://www.northwind.example/product\">Take the tour</a></p>",
    ),
    (
        "Follow-up",
        "Follow-up after demo",
        "Next steps for {{company|your team}}",
        "<p>Hi {{firstName}},</p>\
         <p>Thanks for your time today. Here is a recap of what we covered for \
         {{company|your team}}, and the next steps we agreed on.</p>\
         <p>I've sent the proposal to {{email}}; reply here if {{jobTitle|your role}} needs \
         anything else.</p>",
    ),
    (
        "Follow-up",
        "Checking in",
        "Quick question, {{firstName|there}}",
        "<p>Hi {{firstName|there}},</p>\
         <p>Is improving lead follow-up still a priority at {{company|your company}} this \
         quarter? If so, I'd be glad to share what similar teams are doing.</p>",
    ),
    (
        "Follow-up",
        "Pricing follow-up",
        "Your pricing overview, {{firstName}} {{lastName}}",
        "<p>Hi {{firstName}},</p>\
         <p>Here is the pricing overview for {{company|your team}}. Every plan now includes more \
         contacts at the same price.</p>\
         <p><a href=\"https://www.northwind.example/pricing\">Compare plans</a></p>",
    ),
];

const TEMPLATES_B: &[(&str, &str, &str, &str)] = &[
    (
        "General",
        "Welcome",
        "Welcome to Contoso, {{firstName|there}}",
        "<p>Hi {{firstName|there}},</p><p>Thanks for your interest in Contoso. We'll keep \
         {{company|your team}} posted.</p>",
    ),
    (
        "Follow-up",
        "Meeting follow-up",
        "Following up, {{firstName}}",
        "<p>Hi {{firstName}} {{lastName}},</p><p>Thanks for the meeting. The notes are on their \
         way to {{email}}.</p>",
    ),
];

fn insert_templates(
    conn: &Connection,
    tenant_id: i64,
    templates: &[(&str, &str, &str, &str)],
) -> rusqlite::Result<()> {
    for (folder, name, subject, html) in templates {
        db::insert_template(conn, tenant_id, folder, name, subject, html)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tenant A

const SITE_A: &str = "https://www.northwind.example";
const SITE_B: &str = "https://www.contoso.example";

/// A named person: first name, last name, company brand and industry, job title.
type Who = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const DEMO_PERSON: Who = (
    "Sarah",
    "Chen",
    "Brightwater",
    "Logistics",
    "VP of Operations",
);
const OPTED_OUT_PERSON: Who = (
    "Marcus",
    "Reed",
    "Harborview",
    "Insurance",
    "Procurement Manager",
);
const NO_EMAIL_PERSON: Who = (
    "Priya",
    "Raman",
    "Cedarpoint",
    "Health",
    "Director of Patient Experience",
);
const PERF_PERSON: Who = (
    "Jordan",
    "Blake",
    "Ironbridge",
    "Analytics",
    "Head of Growth",
);
const B_LEAD_PERSON: Who = (
    "Hana",
    "Kobayashi",
    "Tidewater",
    "Hospitality",
    "Marketing Manager",
);
const CRM_ONLY_B_PERSON: Who = ("Kenji", "Mori", "Bluecrest", "Telecom", "IT Director");

/// Tenant A's CRM-only records: entity, CRM id, owner (index into `REPS_A`), person.
#[rustfmt::skip]
const CRM_ONLY_A: &[(Entity, &str, usize, Who)] = &[
    (Entity::Lead, CRM_ONLY_LEAD, 0, ("Elena", "Rossi", "Stonegate", "Consulting", "Marketing Director")),
    (Entity::Lead, "LEAD-9002", 1, ("Tom", "Becker", "Riverpoint", "Foods", "Purchasing Manager")),
    (Entity::Contact, "CONT-9001", 0, ("Aisha", "Bello", "Lumenfield", "Media", "Content Strategist")),
    (Entity::Contact, "CONT-9002", 2, ("Lucas", "Moreau", "Coralbridge", "Retail", "Head of E-commerce")),
    (Entity::Account, "ACCT-9001", 3, ("Nina", "Johansson", "Aspenline", "Energy", "Operations Manager")),
];

fn named_person(emails: &mut Emails, (first, last, brand, industry, title): Who) -> Person {
    fixed_person(emails, first, last, &Company::new(brand, industry), title)
}

/// Regular record counts per entity (the lead numbers include the three named demo leads).
const LEADS_A: usize = 1_000;
const CONTACTS_A: usize = 700;
const ACCOUNTS_A: usize = 300;

fn seed_tenant_a(
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

fn seed_tenant_b(
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

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::sandbox::db::open_in_memory;

    const TEST_ACTIVITIES: u64 = 5_000;

    fn test_now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0)
            .single()
            .unwrap()
    }

    fn seeded(activities: u64) -> (Connection, SeedSummary) {
        let mut conn = open_in_memory().unwrap();
        let summary = seed(
            &mut conn,
            &SeedOptions {
                activities,
                now: test_now(),
            },
        )
        .unwrap();
        (conn, summary)
    }

    fn count(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> i64 {
        conn.query_row(sql, params, |row| row.get(0)).unwrap()
    }

    fn tenant_id(conn: &Connection, name: &str) -> i64 {
        db::tenant_id(conn, name).unwrap()
    }

    /// (record id, owner crm user, email, imported, status, opt-in) of a tenant's record.
    fn record(
        conn: &Connection,
        tenant: &str,
        crm_id: &str,
    ) -> (i64, String, Option<String>, bool, String, String) {
        conn.query_row(
            "SELECT r.id, u.crm_user, r.email, r.imported, r.subscription_status, r.opt_in_type
             FROM records r JOIN tenants t ON t.id = r.tenant_id LEFT JOIN users u ON u.id = r.owner_id
             WHERE t.name = ?1 AND r.crm_id = ?2",
            params![tenant, crm_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)),
        )
        .unwrap()
    }

    fn kinds_of(conn: &Connection, record_id: i64) -> BTreeSet<String> {
        let mut stmt = conn
            .prepare("SELECT DISTINCT kind FROM activities WHERE record_id = ?1")
            .unwrap();
        stmt.query_map([record_id], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn all_kinds() -> BTreeSet<String> {
        ActivityKind::ALL
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect()
    }

    fn checksum(conn: &Connection) -> u64 {
        let mut stmt = conn
            .prepare(
                "SELECT r.crm_id, a.kind, a.occurred_at, a.id FROM activities a
                 JOIN records r ON r.id = a.record_id ORDER BY a.id",
            )
            .unwrap();
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let crm_id: String = row.get(0).unwrap();
            let kind: String = row.get(1).unwrap();
            let at: i64 = row.get(2).unwrap();
            let id: i64 = row.get(3).unwrap();
            for byte in crm_id
                .bytes()
                .chain(kind.bytes())
                .chain(at.to_le_bytes())
                .chain(id.to_le_bytes())
            {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
            }
        }
        hash
    }

    #[test]
    fn named_records_have_their_properties() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let now = db::to_millis(test_now());

        let manager = count(
            &conn,
            "SELECT id FROM users WHERE crm_user = ?1 AND role = 'manager'",
            [MANAGER_A],
        );
        for rep in REPS_A {
            let reports_to = count(
                &conn,
                "SELECT manager_id FROM users WHERE crm_user = ?1 AND role = 'rep'",
                [rep],
            );
            assert_eq!(reports_to, manager, "{rep} reports to {MANAGER_A}");
        }
        let b_manager = count(
            &conn,
            "SELECT id FROM users WHERE crm_user = ?1 AND role = 'manager'",
            [MANAGER_B],
        );
        assert_eq!(
            count(
                &conn,
                "SELECT manager_id FROM users WHERE crm_user = ?1",
                [REP_B]
            ),
            b_manager
        );

        let (demo, owner, email, imported, status, _) = record(&conn, TENANT_A, DEMO_LEAD);
        assert_eq!(owner, "rep-ava");
        assert!(email.is_some() && imported);
        assert_eq!(status, "subscribed");
        assert_eq!(
            kinds_of(&conn, demo),
            all_kinds(),
            "the demo lead has every kind"
        );
        let recent = count(
            &conn,
            "SELECT count(*) FROM activities WHERE record_id = ?1 AND occurred_at >= ?2",
            params![demo, now - 7 * DAY],
        );
        assert!(recent >= 15, "rich recent funnel, got {recent}");
        let recent_kinds = count(
            &conn,
            "SELECT count(DISTINCT kind) FROM activities WHERE record_id = ?1 AND occurred_at >= ?2",
            params![demo, now - 30 * DAY],
        );
        assert_eq!(
            recent_kinds as usize,
            ActivityKind::ALL.len(),
            "every kind in the last 30 days"
        );
        let oldest = count(
            &conn,
            "SELECT min(occurred_at) FROM activities WHERE record_id = ?1",
            [demo],
        );
        assert!(oldest < now - 300 * DAY, "the demo lead has a long history");

        let (opted_out, owner, _, _, status, _) = record(&conn, TENANT_A, OPTED_OUT_LEAD);
        assert_eq!((owner.as_str(), status.as_str()), ("rep-ava", "optedOut"));
        assert!(kinds_of(&conn, opted_out).contains("unsubscribed"));

        let (_, owner, email, _, _, _) = record(&conn, TENANT_A, NO_EMAIL_LEAD);
        assert_eq!((owner.as_str(), email), ("rep-ava", None));

        let (perf, owner, _, _, _, _) = record(&conn, TENANT_A, PERF_RECORD);
        assert_eq!(owner, "rep-ava");
        assert!(perf > 0);

        let a = tenant_id(&conn, TENANT_A);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM records WHERE crm_id = ?1",
                [CRM_ONLY_LEAD]
            ),
            0
        );
        let crm_only_owner: String = conn
            .query_row(
                "SELECT u.crm_user FROM crm_only_records c JOIN users u ON u.id = c.owner_id
                 WHERE c.tenant_id = ?1 AND c.entity = 'lead' AND c.crm_id = ?2 AND c.email IS NOT NULL",
                params![a, CRM_ONLY_LEAD],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(crm_only_owner, "rep-ava");
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM crm_only_records WHERE tenant_id = ?1",
                [a]
            ),
            5
        );
        let b = tenant_id(&conn, TENANT_B);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM crm_only_records WHERE tenant_id = ?1",
                [b]
            ),
            1
        );

        let (b_lead, owner, _, _, _, _) = record(&conn, TENANT_B, B_LEAD);
        assert_eq!(owner, REP_B);
        assert!(
            count(
                &conn,
                "SELECT count(*) FROM activities WHERE record_id = ?1",
                [b_lead]
            ) >= 20
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM records WHERE tenant_id = ?1",
                [b]
            ),
            20
        );
    }

    #[test]
    fn perf_record_has_exactly_ten_thousand_activities_over_eighteen_months() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let (perf, ..) = record(&conn, TENANT_A, PERF_RECORD);
        let total = count(
            &conn,
            "SELECT count(*) FROM activities WHERE record_id = ?1",
            [perf],
        );
        assert_eq!(total as u64, PERF_ACTIVITIES);
        assert_eq!(kinds_of(&conn, perf), all_kinds());
        let now = db::to_millis(test_now());
        let (first, last): (i64, i64) = conn
            .query_row(
                "SELECT min(occurred_at), max(occurred_at) FROM activities WHERE record_id = ?1",
                [perf],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert!(
            first < now - 500 * DAY && last > now - 7 * DAY,
            "spread over the 18 months"
        );
        // No month is empty.
        let months = count(
            &conn,
            "SELECT count(DISTINCT (occurred_at - ?2) / (30 * 86400000)) FROM activities WHERE record_id = ?1",
            params![perf, now - 540 * DAY],
        );
        assert!(months >= 18, "{months}");
    }

    #[test]
    fn the_activity_target_is_met_exactly() {
        for target in [TEST_ACTIVITIES, 12_345] {
            let (conn, summary) = seeded(target);
            let a = tenant_id(&conn, TENANT_A);
            let regular = count(
                &conn,
                "SELECT count(*) FROM activities a JOIN records r ON r.id = a.record_id
                 WHERE r.tenant_id = ?1 AND r.crm_id NOT IN (?2, ?3, ?4, ?5)",
                params![a, PERF_RECORD, DEMO_LEAD, OPTED_OUT_LEAD, NO_EMAIL_LEAD],
            );
            assert_eq!(regular as u64, target);
            assert_eq!(
                summary.activities as i64,
                count(&conn, "SELECT count(*) FROM activities", [])
            );
            assert_eq!(
                summary.records as i64,
                count(&conn, "SELECT count(*) FROM records", [])
            );
            assert_eq!(summary.users, 7);
            assert_eq!(summary.tenants, 2);
            assert_eq!(
                count(
                    &conn,
                    "SELECT count(*) FROM records WHERE tenant_id = ?1",
                    [a]
                ),
                2_001
            );
        }
    }

    #[test]
    fn same_options_give_the_same_database() {
        let (first, first_summary) = seeded(TEST_ACTIVITIES);
        let (second, second_summary) = seeded(TEST_ACTIVITIES);
        assert_eq!(first_summary, second_summary);
        for table in [
            "tenants",
            "users",
            "records",
            "activities",
            "templates",
            "programs",
            "crm_only_records",
        ] {
            let sql = format!("SELECT count(*) FROM {table}");
            assert_eq!(count(&first, &sql, []), count(&second, &sql, []), "{table}");
        }
        assert_eq!(checksum(&first), checksum(&second));
        let profile = "SELECT group_concat(crm_id || email || score || subscription_status || last_synced_at, ',') FROM records";
        let a: String = first.query_row(profile, [], |row| row.get(0)).unwrap();
        let b: String = second.query_row(profile, [], |row| row.get(0)).unwrap();
        assert_eq!(a, b);

        // The people do not depend on the activity target.
        let (other, _) = seeded(TEST_ACTIVITIES * 2);
        let people =
            "SELECT group_concat(crm_id || coalesce(email, '-') || owner_id, ',') FROM records";
        let a: String = first.query_row(people, [], |row| row.get(0)).unwrap();
        let c: String = other.query_row(people, [], |row| row.get(0)).unwrap();
        assert_eq!(a, c);
        assert_ne!(checksum(&first), checksum(&other));
    }

    #[test]
    fn tenant_b_has_no_crm_programs_and_tenant_a_has_every_case() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let b = tenant_id(&conn, TENANT_B);
        assert!(
            count(
                &conn,
                "SELECT count(*) FROM programs WHERE tenant_id = ?1",
                [b]
            ) > 0
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM programs WHERE tenant_id = ?1 AND enabled_for_crm = 1",
                [b]
            ),
            0
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM templates WHERE tenant_id = ?1",
                [b]
            ),
            2
        );

        let a = tenant_id(&conn, TENANT_A);
        let programs = |sql: &str| {
            count(
                &conn,
                &format!("SELECT count(*) FROM programs WHERE tenant_id = ?1 AND {sql}"),
                [a],
            )
        };
        assert!(programs("active = 1 AND enabled_for_crm = 1") >= 3);
        assert_eq!(programs("active = 1 AND enabled_for_crm = 0"), 1);
        assert!(programs("active = 0") >= 2);
        assert_eq!(programs("1"), 8);

        let templates = count(
            &conn,
            "SELECT count(*) FROM templates WHERE tenant_id = ?1",
            [a],
        );
        assert!((10..=12).contains(&templates));
        assert_eq!(
            count(
                &conn,
                "SELECT count(DISTINCT folder) FROM templates WHERE tenant_id = ?1",
                [a]
            ),
            4
        );
        for field in [
            "{{firstName}}",
            "{{company|your team}}",
            "{{lastName}}",
            "{{jobTitle",
            "{{email}}",
        ] {
            let pattern = format!("%{field}%");
            let uses = count(&conn, "SELECT count(*) FROM templates WHERE tenant_id = ?1 AND (subject LIKE ?2 OR html LIKE ?2)", params![a, pattern]);
            assert!(uses > 0, "{field}");
        }
    }

    #[test]
    fn every_enum_value_appears_in_tenant_a() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let a = tenant_id(&conn, TENANT_A);
        let values = |sql: &str| -> BTreeSet<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            stmt.query_map([a], |row| row.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let kinds = values("SELECT DISTINCT a.kind FROM activities a JOIN records r ON r.id = a.record_id WHERE r.tenant_id = ?1");
        assert_eq!(kinds, all_kinds());
        let opt_ins = values("SELECT DISTINCT opt_in_type FROM records WHERE tenant_id = ?1");
        assert_eq!(
            opt_ins,
            OptInType::ALL
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect()
        );
        let statuses =
            values("SELECT DISTINCT subscription_status FROM records WHERE tenant_id = ?1");
        assert_eq!(
            statuses,
            SubscriptionStatus::ALL
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect()
        );
        let entities = values("SELECT DISTINCT entity FROM records WHERE tenant_id = ?1");
        assert_eq!(entities.len(), 3);
        let owners = values("SELECT DISTINCT u.crm_user FROM records r JOIN users u ON u.id = r.owner_id WHERE r.tenant_id = ?1");
        assert_eq!(owners, REPS_A.iter().map(|r| r.to_string()).collect());
        assert!(
            count(
                &conn,
                "SELECT count(*) FROM records WHERE tenant_id = ?1 AND imported = 0",
                [a]
            ) > 50
        );
    }

    #[test]
    fn the_data_is_consistent() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let clock = Clock::new(test_now());
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM activities WHERE occurred_at > ?1 OR occurred_at < ?2",
                params![clock.now, clock.start]
            ),
            0,
            "all activity within the 18 months before now"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM records WHERE last_synced_at > ?1 OR last_synced_at < ?2",
                params![clock.now, clock.now - DAY]
            ),
            0
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM records WHERE score < 0", []),
            0
        );

        let mut stmt = conn.prepare("SELECT tenant_id, email FROM records WHERE email IS NOT NULL UNION ALL SELECT tenant_id, email FROM crm_only_records").unwrap();
        let mut seen = HashSet::new();
        for row in stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .unwrap()
        {
            let (tenant, email) = row.unwrap();
            assert!(email.is_ascii() && email == email.to_lowercase(), "{email}");
            let (local, domain) = email.split_once('@').unwrap();
            assert!(local.contains('.') && domain.contains('.'), "{email}");
            assert!(seen.insert((tenant, email.clone())), "duplicate {email}");
        }

        // Hard bounces and unsubscribes end the email history of their records.
        let bad = count(
            &conn,
            "SELECT count(*) FROM records r WHERE r.subscription_status = 'hardBounced' AND NOT EXISTS (
                 SELECT 1 FROM activities a WHERE a.record_id = r.id AND a.kind = 'emailBounced'
                 AND json_extract(a.details, '$.bounceType') = 'hard')",
            [],
        );
        assert_eq!(bad, 0);
        let bad = count(
            &conn,
            "SELECT count(*) FROM records r WHERE r.subscription_status = 'optedOut' AND NOT EXISTS (
                 SELECT 1 FROM activities a WHERE a.record_id = r.id AND a.kind = 'unsubscribed')",
            [],
        );
        assert_eq!(bad, 0);
        let late_sends = count(
            &conn,
            "SELECT count(*) FROM records r JOIN activities s ON s.record_id = r.id AND s.kind = 'emailSent'
             WHERE r.subscription_status IN ('hardBounced', 'optedOut') AND s.occurred_at > (
                 SELECT max(a.occurred_at) FROM activities a WHERE a.record_id = r.id
                 AND a.kind IN ('emailBounced', 'unsubscribed'))",
            [],
        );
        assert_eq!(
            late_sends, 0,
            "nothing is sent after a hard bounce or an unsubscribe"
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM records r JOIN activities a ON a.record_id = r.id WHERE r.email IS NULL AND a.kind IN ('emailSent', 'formSubmitted')", []), 0);

        // Opens follow sends of the same campaign.
        let orphan_opens = count(
            &conn,
            "SELECT count(*) FROM activities o WHERE o.kind = 'emailOpened' AND NOT EXISTS (
                 SELECT 1 FROM activities s WHERE s.record_id = o.record_id AND s.kind = 'emailSent'
                 AND s.campaign_id = o.campaign_id AND s.occurred_at <= o.occurred_at)",
            [],
        );
        assert_eq!(orphan_opens, 0);

        // Details carry what their kind promises.
        for (kind, path) in [
            ("emailClicked", "$.clickedUrl"),
            ("pageVisit", "$.pageTitle"),
            ("pageVisit", "$.secondsOnPage"),
            ("formSubmitted", "$.formName"),
            ("formSubmitted", "$.formFields[0].value"),
            ("programEnrolled", "$.programName"),
            ("scoreChanged", "$.scoreDelta"),
            ("scoreChanged", "$.scoreReason"),
        ] {
            let missing = count(&conn, "SELECT count(*) FROM activities WHERE kind = ?1 AND json_extract(details, ?2) IS NULL", params![kind, path]);
            assert_eq!(missing, 0, "{kind} {path}");
        }
        let campaign_format = count(&conn, "SELECT count(*) FROM activities WHERE kind = 'emailSent' AND campaign_id NOT GLOB 'CMP-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[A-Z]'", []);
        assert_eq!(campaign_format, 0);

        // A skewed distribution: a few very active records, most light.
        let mut stmt = conn
            .prepare("SELECT count(*) FROM activities GROUP BY record_id ORDER BY 1")
            .unwrap();
        let counts: Vec<i64> = stmt
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let median = counts[counts.len() / 2];
        let top = counts[counts.len() - 2];
        assert!(top > 20 * median.max(1), "median {median}, top {top}");
    }

    #[test]
    fn is_seeded_tells_an_empty_database() {
        let mut conn = open_in_memory().unwrap();
        assert!(!is_seeded(&conn).unwrap());
        seed(
            &mut conn,
            &SeedOptions {
                activities: 1_000,
                now: test_now(),
            },
        )
        .unwrap();
        assert!(is_seeded(&conn).unwrap());
        assert!(
            seed(
                &mut conn,
                &SeedOptions {
                    activities: 1_000,
                    now: test_now()
                }
            )
            .is_err(),
            "a second seed fails"
        );
        let kinds: BTreeMap<String, i64> = {
            let mut stmt = conn
                .prepare("SELECT kind, count(*) FROM activities GROUP BY kind")
                .unwrap();
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert!(
            kinds["emailSent"] > kinds["emailOpened"]
                && kinds["emailOpened"] > kinds["emailClicked"]
        );
    }

    #[test]
    fn every_seeded_program_enrolment_has_its_enrolment() {
        let (conn, _) = seeded(TEST_ACTIVITIES);
        let now = db::to_millis(test_now());
        // (program, record) pairs of the history, with the first enrolment's time.
        let mut stmt = conn
            .prepare(
                "SELECT p.id, a.record_id, MIN(a.occurred_at) FROM activities a
                 JOIN records r ON r.id = a.record_id
                 JOIN programs p ON p.tenant_id = r.tenant_id AND p.name = a.subject
                 WHERE a.kind = 'programEnrolled' GROUP BY p.id, a.record_id ORDER BY 1, 2",
            )
            .unwrap();
        let history: Vec<(i64, i64, i64)> = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut stmt = conn
            .prepare(
                "SELECT program_id, record_id, enrolled_at, status FROM enrolments ORDER BY 1, 2",
            )
            .unwrap();
        let enrolments: Vec<(i64, i64, i64, String)> = stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(history.len() > 10, "the seed enrols records: {history:?}");
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM activities WHERE kind = 'programEnrolled'
                 AND subject NOT IN (SELECT name FROM programs)",
                [],
            ),
            0,
            "every enrolment activity names a seeded program"
        );
        assert_eq!(enrolments.len(), history.len());
        for ((program, record, first), (e_program, e_record, enrolled_at, status)) in
            history.iter().zip(&enrolments)
        {
            assert_eq!((program, record, first), (e_program, e_record, enrolled_at));
            let expected = if now - first > ENROLMENT_RUNS_FOR {
                "completed"
            } else {
                "active"
            };
            assert_eq!(status, expected, "enrolled at {first}, now {now}");
        }
        for status in ["active", "completed"] {
            assert!(
                enrolments.iter().any(|e| e.3 == status),
                "some seeded enrolments are {status}"
            );
        }
    }

    #[test]
    fn default_options_use_the_current_minute() {
        let options = SeedOptions::default();
        assert_eq!(options.activities, DEFAULT_ACTIVITIES);
        assert_eq!(options.now.timestamp() % 60, 0);
        assert_eq!(options.now.timestamp_subsec_nanos(), 0);
        assert!((Utc::now() - options.now).num_seconds() < 120);
    }

    /// `cargo test --features sandbox --lib sandbox::seed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run explicitly"]
    fn timing_of_the_default_seed() {
        time_seed(DEFAULT_ACTIVITIES);
    }

    /// `cargo test --release --features sandbox --lib sandbox::seed::tests::timing_of_the_bench -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run explicitly, in release"]
    fn timing_of_the_bench_seed() {
        time_seed(BENCH_ACTIVITIES);
    }

    fn time_seed(activities: u64) {
        let dir =
            std::env::temp_dir().join(format!("seed-timing-{}-{activities}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sandbox.db");
        let mut conn = db::open(&path).unwrap();
        let started = std::time::Instant::now();
        let summary = seed(
            &mut conn,
            &SeedOptions {
                activities,
                now: test_now(),
            },
        )
        .unwrap();
        let elapsed = started.elapsed();
        drop(conn);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "seeded {summary:?} in {:.2} s ({} MB file)",
            elapsed.as_secs_f64(),
            size / 1_000_000
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
