//! The people of the seed: the names, job titles and companies records are made of, and the
//! named people the tests and the demo rely on.

use std::collections::HashSet;

use fastrand::Rng;

use super::{pick, CRM_ONLY_LEAD};
use crate::wire::Entity;

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
pub(super) struct Company {
    pub(super) name: String,
    domain: String,
}

impl Company {
    pub(super) fn new(brand: &str, industry: &str) -> Company {
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
pub(super) fn companies(rng: &mut Rng) -> Vec<Company> {
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
pub(super) struct Person {
    pub(super) first: String,
    pub(super) last: String,
    pub(super) company: String,
    pub(super) job_title: Option<String>,
    pub(super) email: Option<String>,
}

/// Hands out `first.last@domain`, numbered when taken.
#[derive(Default)]
pub(super) struct Emails(HashSet<String>);

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

pub(super) fn random_person(
    rng: &mut Rng,
    emails: &mut Emails,
    company: &Company,
    has_email: bool,
) -> Person {
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

/// A named person: first name, last name, company brand and industry, job title.
type Who = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

pub(super) const DEMO_PERSON: Who = (
    "Sarah",
    "Chen",
    "Brightwater",
    "Logistics",
    "VP of Operations",
);
pub(super) const OPTED_OUT_PERSON: Who = (
    "Marcus",
    "Reed",
    "Harborview",
    "Insurance",
    "Procurement Manager",
);
pub(super) const NO_EMAIL_PERSON: Who = (
    "Priya",
    "Raman",
    "Cedarpoint",
    "Health",
    "Director of Patient Experience",
);
pub(super) const PERF_PERSON: Who = (
    "Jordan",
    "Blake",
    "Ironbridge",
    "Analytics",
    "Head of Growth",
);
pub(super) const B_LEAD_PERSON: Who = (
    "Hana",
    "Kobayashi",
    "Tidewater",
    "Hospitality",
    "Marketing Manager",
);
pub(super) const CRM_ONLY_B_PERSON: Who = ("Kenji", "Mori", "Bluecrest", "Telecom", "IT Director");

/// Tenant A's CRM-only records: entity, CRM id, owner (index into `REPS_A`), person.
#[rustfmt::skip]
pub(super) const CRM_ONLY_A: &[(Entity, &str, usize, Who)] = &[
    (Entity::Lead, CRM_ONLY_LEAD, 0, ("Elena", "Rossi", "Stonegate", "Consulting", "Marketing Director")),
    (Entity::Lead, "LEAD-9002", 1, ("Tom", "Becker", "Riverpoint", "Foods", "Purchasing Manager")),
    (Entity::Contact, "CONT-9001", 0, ("Aisha", "Bello", "Lumenfield", "Media", "Content Strategist")),
    (Entity::Contact, "CONT-9002", 2, ("Lucas", "Moreau", "Coralbridge", "Retail", "Head of E-commerce")),
    (Entity::Account, "ACCT-9001", 3, ("Nina", "Johansson", "Aspenline", "Energy", "Operations Manager")),
];

pub(super) fn named_person(
    emails: &mut Emails,
    (first, last, brand, industry, title): Who,
) -> Person {
    fixed_person(emails, first, last, &Company::new(brand, industry), title)
}
