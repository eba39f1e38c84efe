//! Merge fields of email templates: `{{firstName}}`, and `{{company|your team}}` with a fallback
//! for recipients who have no value. The plugin renders its previews and flags missing fields with
//! this code; the sandbox renders what it sends with it too, so the two cannot disagree.
//!
//! - Names are matched without regard to case and whitespace: `{{ FirstName | there }}` works.
//! - Anything in braces that is not a field (`{{ }}`, `{{first name}}`, a lone `{{`) stays as
//!   written. A well-formed but unknown name (`{{shoeSize}}`) is a field no recipient has.
//! - Values are record data, so untrusted: the HTML body gets them escaped, the subject (plain
//!   text) gets them as they are, on one line.
//! - Records imported into the platform can use all their fields; records only seen through the
//!   CRM can use the five CRM fields the host passes in its context.

use std::collections::BTreeMap;

use crate::wire::{display_name, MissingField, TemplateField};

/// A merge field the platform knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MergeField {
    FirstName,
    LastName,
    Email,
    Company,
    JobTitle,
    /// The full name of the record's owner (the rep).
    OwnerName,
    /// The record's lead score.
    Score,
}

impl MergeField {
    pub const ALL: [MergeField; 7] = [
        MergeField::FirstName,
        MergeField::LastName,
        MergeField::Email,
        MergeField::Company,
        MergeField::JobTitle,
        MergeField::OwnerName,
        MergeField::Score,
    ];

    /// The fields a record only seen through the CRM has (from the host context).
    pub const CRM: [MergeField; 5] = [
        MergeField::FirstName,
        MergeField::LastName,
        MergeField::Email,
        MergeField::Company,
        MergeField::JobTitle,
    ];

    /// The name written between the braces.
    pub fn name(self) -> &'static str {
        match self {
            MergeField::FirstName => "firstName",
            MergeField::LastName => "lastName",
            MergeField::Email => "email",
            MergeField::Company => "company",
            MergeField::JobTitle => "jobTitle",
            MergeField::OwnerName => "ownerName",
            MergeField::Score => "score",
        }
    }

    /// The words a sales user reads for the field.
    pub fn label(self) -> &'static str {
        match self {
            MergeField::FirstName => "First Name",
            MergeField::LastName => "Last Name",
            MergeField::Email => "Email",
            MergeField::Company => "Company",
            MergeField::JobTitle => "Job Title",
            MergeField::OwnerName => "Owner Name",
            MergeField::Score => "Score",
        }
    }

    /// The field of a name, in any case.
    pub fn parse(name: &str) -> Option<MergeField> {
        MergeField::ALL
            .into_iter()
            .find(|field| field.name().eq_ignore_ascii_case(name))
    }

    /// Whether a record only seen through the CRM has the field.
    pub fn from_crm(self) -> bool {
        MergeField::CRM.contains(&self)
    }
}

/// A field as written in a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRef<'a> {
    /// The name as written, trimmed.
    pub name: &'a str,
    /// `None` for a name the platform does not know.
    pub field: Option<MergeField>,
    /// The text after `|`, trimmed; `Some("")` for an explicitly empty fallback.
    pub fallback: Option<&'a str>,
}

impl<'a> FieldRef<'a> {
    /// The field's canonical name, or the name as written for an unknown one.
    pub fn key(&self) -> &'a str {
        match self.field {
            Some(field) => field.name(),
            None => self.name,
        }
    }
}

/// A piece of a template: literal text or a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Field(FieldRef<'a>),
}

/// Splits a template into text and fields.
pub fn parse(template: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    while let Some(offset) = template[at..].find("{{") {
        let open = at + offset;
        let inner_start = open + 2;
        let Some(length) = template[inner_start..].find("}}") else {
            break;
        };
        match field_ref(&template[inner_start..inner_start + length]) {
            Some(field) => {
                if open > text_start {
                    pieces.push(Piece::Text(&template[text_start..open]));
                }
                pieces.push(Piece::Field(field));
                at = inner_start + length + 2;
                text_start = at;
            }
            // `{{{firstName}}}`: the first brace is text, the field may start at the next one.
            None => at = open + 1,
        }
    }
    if text_start < template.len() {
        pieces.push(Piece::Text(&template[text_start..]));
    }
    pieces
}

/// The field between `{{` and `}}`, if the text there is one.
fn field_ref(inner: &str) -> Option<FieldRef<'_>> {
    let (name, fallback) = match inner.split_once('|') {
        Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
        None => (inner.trim(), None),
    };
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    Some(FieldRef {
        name,
        field: MergeField::parse(name),
        fallback,
    })
}

/// The fields a template uses (subject and body together), in order of first use.
pub fn fields<'a>(templates: &[&'a str]) -> Vec<FieldRef<'a>> {
    templates
        .iter()
        .flat_map(|template| parse(template))
        .filter_map(|piece| match piece {
            Piece::Field(field) => Some(field),
            Piece::Text(_) => None,
        })
        .collect()
}

/// One entry per field the templates use, in order of first use.
pub fn template_fields(templates: &[&str]) -> Vec<TemplateField> {
    let mut found: Vec<TemplateField> = Vec::new();
    for field in fields(templates) {
        let has_fallback = field.fallback.is_some();
        match found.iter_mut().find(|f| f.field == field.key()) {
            Some(entry) => entry.has_fallback &= has_fallback,
            None => found.push(TemplateField {
                field: field.key().to_owned(),
                known: field.field.is_some(),
                has_fallback,
            }),
        }
    }
    found
}

/// The merge field values of one recipient, limited to the fields the recipient may use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeData {
    imported: bool,
    values: BTreeMap<MergeField, String>,
}

impl MergeData {
    /// A record only seen through the CRM: only the five CRM fields will be kept.
    pub fn crm_only() -> MergeData {
        MergeData::default()
    }

    /// A record imported into the platform: every field is kept.
    pub fn imported() -> MergeData {
        MergeData {
            imported: true,
            values: BTreeMap::new(),
        }
    }

    /// The five CRM fields of the host context, for a record only seen through the CRM.
    pub fn from_crm(
        first_name: Option<&str>,
        last_name: Option<&str>,
        email: Option<&str>,
        company: Option<&str>,
        job_title: Option<&str>,
    ) -> MergeData {
        MergeData::crm_only()
            .with(MergeField::FirstName, first_name)
            .with(MergeField::LastName, last_name)
            .with(MergeField::Email, email)
            .with(MergeField::Company, company)
            .with(MergeField::JobTitle, job_title)
    }

    /// The values a pre-flight answered (`mergeValues`); unknown names are ignored.
    pub fn from_values(imported: bool, values: &BTreeMap<String, String>) -> MergeData {
        let mut data = if imported {
            MergeData::imported()
        } else {
            MergeData::crm_only()
        };
        for (name, value) in values {
            if let Some(field) = MergeField::parse(name) {
                data.set(field, Some(value));
            }
        }
        data
    }

    pub fn is_imported(&self) -> bool {
        self.imported
    }

    /// Whether this recipient may use `field` at all.
    pub fn can_use(&self, field: MergeField) -> bool {
        self.imported || field.from_crm()
    }

    /// Sets a field, unless the recipient may not use it or the value is blank (then the field
    /// keeps what it had). Returns whether the value was taken.
    pub fn set(&mut self, field: MergeField, value: Option<&str>) -> bool {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        match value {
            Some(value) if self.can_use(field) => {
                self.values.insert(field, value.to_owned());
                true
            }
            _ => false,
        }
    }

    pub fn with(mut self, field: MergeField, value: Option<&str>) -> MergeData {
        self.set(field, value);
        self
    }

    /// Takes `other`'s value for each field this one has no value for.
    pub fn fill_from(&mut self, other: &MergeData) {
        for (field, value) in &other.values {
            if !self.values.contains_key(field) {
                self.set(*field, Some(value));
            }
        }
    }

    pub fn get(&self, field: MergeField) -> Option<&str> {
        self.values.get(&field).map(String::as_str)
    }

    /// The values by field name, as `mergeValues` on the wire.
    pub fn to_values(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(field, value)| (field.name().to_owned(), value.clone()))
            .collect()
    }

    /// First and last name, else the email, else `fallback` (the CRM id).
    pub fn display_name(&self, fallback: &str) -> String {
        display_name(
            self.get(MergeField::FirstName),
            self.get(MergeField::LastName),
            self.get(MergeField::Email),
            fallback,
        )
    }

    /// What a field renders as: the value, else the fallback, else nothing.
    fn resolve<'a>(&'a self, field: &FieldRef<'a>) -> &'a str {
        field
            .field
            .and_then(|f| self.get(f))
            .or(field.fallback)
            .unwrap_or("")
    }
}

/// Renders a plain-text template (the subject): values as they are, on one line.
pub fn render_text(template: &str, data: &MergeData) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(field) => out.push_str(data.resolve(&field)),
        }
    }
    // A subject is one header line: a line break in record data must not start another.
    out.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Renders an HTML template (the body): the template's own markup stays, values and fallbacks
/// are escaped as text.
pub fn render_html(template: &str, data: &MergeData) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in parse(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(field) => push_escaped(&mut out, data.resolve(&field)),
        }
    }
    out
}

/// `text` escaped for an HTML text node or a quoted attribute value.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The fields used without a fallback that some recipients have no value for (empty, or not
/// available to a record only seen through the CRM), each with the names of those recipients.
/// Fields in order of first use, names in recipient order.
pub fn missing_fields<'a>(
    templates: &[&str],
    recipients: impl IntoIterator<Item = (&'a str, &'a MergeData)>,
) -> Vec<MissingField> {
    let mut needed: Vec<FieldRef<'_>> = Vec::new();
    for field in fields(templates) {
        if field.fallback.is_none() && !needed.iter().any(|f| f.key() == field.key()) {
            needed.push(field);
        }
    }
    let recipients: Vec<(&str, &MergeData)> = recipients.into_iter().collect();
    needed
        .iter()
        .filter_map(|field| {
            let names: Vec<String> = recipients
                .iter()
                .filter(|(_, data)| field.field.and_then(|f| data.get(f)).is_none())
                .map(|(name, _)| (*name).to_owned())
                .collect();
            (!names.is_empty()).then(|| MissingField {
                field: field.key().to_owned(),
                recipients: names,
            })
        })
        .collect()
}

/// What the pre-flight says of a merge field without a fallback that `recipients` have no
/// value for: a name marketing does not know (`{{nickname}}`, likely a typo) is blank for all.
pub fn missing_field_note(field: &str, recipients: &[String]) -> String {
    if MergeField::parse(field).is_none() {
        return format!(
            "{{{{{field}}}}} is not a merge field marketing knows, so it is blank for everyone. \
             Check its spelling, or add a fallback like {{{{{field}|\u{2026}}}}}."
        );
    }
    let count = match recipients.len() {
        1 => "1 recipient".to_owned(),
        n => format!("{n} recipients"),
    };
    format!(
        "{{{{{field}}}}} is empty for {count}: {}. Add a fallback like {{{{{field}|\u{2026}}}}} or they get a blank.",
        recipients.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_named_and_an_unknown_one_called_a_likely_typo() {
        let names = ["Ann Lee".to_owned(), "Bo Unce".to_owned()];
        assert_eq!(
            missing_field_note("company", &names),
            "{{company}} is empty for 2 recipients: Ann Lee, Bo Unce. Add a fallback like \
             {{company|\u{2026}}} or they get a blank."
        );
        assert!(missing_field_note("jobTitle", &names[..1]).contains("is empty for 1 recipient:"));
        assert_eq!(
            missing_field_note("nickname", &names),
            "{{nickname}} is not a merge field marketing knows, so it is blank for everyone. \
             Check its spelling, or add a fallback like {{nickname|\u{2026}}}."
        );
    }

    fn sarah() -> MergeData {
        MergeData::imported()
            .with(MergeField::FirstName, Some("Sarah"))
            .with(MergeField::LastName, Some("Chen"))
            .with(MergeField::Email, Some("sarah.chen@brightwater.example"))
            .with(MergeField::Company, Some("Brightwater"))
            .with(MergeField::JobTitle, Some("VP of Operations"))
            .with(MergeField::OwnerName, Some("Ava Thompson"))
            .with(MergeField::Score, Some("87"))
    }

    #[test]
    fn an_imported_record_renders_every_field() {
        let template = "{{firstName}} {{lastName}} <{{email}}>, {{jobTitle}} at {{company}}; \
                        owner {{ownerName}}, score {{score}}";
        assert_eq!(
            render_text(template, &sarah()),
            "Sarah Chen <sarah.chen@brightwater.example>, VP of Operations at Brightwater; \
             owner Ava Thompson, score 87"
        );
        assert!(missing_fields(&[template], [("Sarah Chen", &sarah())]).is_empty());
        for field in MergeField::ALL {
            assert_eq!(MergeField::parse(field.name()), Some(field));
            assert!(sarah().can_use(field));
        }
    }

    #[test]
    fn a_crm_only_record_has_the_five_crm_fields() {
        let elena = MergeData::from_crm(
            Some("Elena"),
            Some("Rossi"),
            Some("elena.rossi@stonegate.example"),
            Some("Stonegate"),
            Some("Marketing Director"),
        )
        .with(MergeField::OwnerName, Some("Ava Thompson"))
        .with(MergeField::Score, Some("12"));
        assert_eq!(
            render_text(
                "{{firstName}} {{lastName}} {{email}} {{company}} {{jobTitle}}",
                &elena
            ),
            "Elena Rossi elena.rossi@stonegate.example Stonegate Marketing Director"
        );
        assert_eq!(elena.get(MergeField::OwnerName), None, "not a CRM field");
        assert_eq!(elena.get(MergeField::Score), None);
        assert_eq!(
            render_text("Owner: {{ownerName|your rep}}", &elena),
            "Owner: your rep"
        );
        let missing = missing_fields(&["{{score}}"], [("Elena Rossi", &elena)]);
        assert_eq!(missing[0].field, "score");
        assert_eq!(missing[0].recipients, vec!["Elena Rossi"]);
        assert_eq!(
            MergeField::ALL.iter().filter(|f| f.from_crm()).count(),
            MergeField::CRM.len()
        );
    }

    #[test]
    fn fallbacks_fill_empty_and_unavailable_fields() {
        let nameless = MergeData::crm_only().with(MergeField::FirstName, Some("   "));
        assert_eq!(
            render_text("Welcome aboard, {{firstName|there}}", &nameless),
            "Welcome aboard, there"
        );
        assert_eq!(
            render_text("Welcome aboard, {{firstName|there}}", &sarah()),
            "Welcome aboard, Sarah"
        );
        assert_eq!(
            render_text("For {{ company | your team }}!", &nameless),
            "For your team!"
        );
        assert_eq!(render_text("Hi{{firstName|}}!", &nameless), "Hi!");
        assert_eq!(
            render_text("{{ownerName|your rep}}", &MergeData::crm_only()),
            "your rep"
        );
        // A field with a fallback is never flagged.
        assert!(missing_fields(&["{{firstName|there}}"], [("x", &nameless)]).is_empty());
    }

    #[test]
    fn missing_fields_name_the_affected_recipients() {
        let marcus = MergeData::crm_only()
            .with(MergeField::FirstName, Some("Marcus"))
            .with(MergeField::Company, Some("Harborview"));
        let nobody = MergeData::crm_only().with(MergeField::Email, Some("x@y.example"));
        let subject = "{{firstName}}, a guide for {{company|yours}}";
        let html =
            "<p>{{ firstName }} {{lastName}} at {{company}}, {{jobTitle|you}} {{shoeSize}}</p>";
        let missing = missing_fields(
            &[subject, html],
            [
                ("Sarah Chen", &sarah()),
                ("Marcus", &marcus),
                ("x@y.example", &nobody),
            ],
        );
        let as_pairs: Vec<(&str, Vec<&str>)> = missing
            .iter()
            .map(|m| {
                (
                    m.field.as_str(),
                    m.recipients.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            as_pairs,
            vec![
                ("firstName", vec!["x@y.example"]),
                ("lastName", vec!["Marcus", "x@y.example"]),
                // Once with a fallback, once without: flagged.
                ("company", vec!["x@y.example"]),
                // Unknown to the platform: nobody has it.
                ("shoeSize", vec!["Sarah Chen", "Marcus", "x@y.example"]),
            ]
        );
        assert!(missing_fields(&["No fields at all"], [("Marcus", &marcus)]).is_empty());
    }

    #[test]
    fn html_gets_values_escaped_and_the_subject_does_not() {
        let mallory = MergeData::imported()
            .with(MergeField::FirstName, Some("<script>alert('x')</script>"))
            .with(MergeField::Company, Some("Smith & \"Sons\""))
            .with(MergeField::LastName, Some("O'Neil\r\nBcc: all@example.com"));
        assert_eq!(
            render_html("<p title=\"{{company}}\">Hi {{firstName}}</p>", &mallory),
            "<p title=\"Smith &amp; &quot;Sons&quot;\">Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"
        );
        assert_eq!(
            render_html("{{jobTitle|R&D <team>}}", &mallory),
            "R&amp;D &lt;team&gt;"
        );
        assert_eq!(
            render_text("{{company}}: hi {{firstName}}", &mallory),
            "Smith & \"Sons\": hi <script>alert('x')</script>"
        );
        assert_eq!(
            render_text("{{lastName}}", &mallory),
            "O'Neil  Bcc: all@example.com",
            "one line"
        );
        assert_eq!(escape_html("a<b"), "a&lt;b");
    }

    #[test]
    fn braces_that_are_not_fields_stay_as_written() {
        let data = sarah();
        for (template, expected) in [
            ("{{ }}", "{{ }}"),
            ("{{first name}}", "{{first name}}"),
            ("{{firstName", "{{firstName"),
            ("{ {firstName} }", "{ {firstName} }"),
            ("{{{firstName}}}", "{Sarah}"),
            ("{{ {{firstName}}", "{{ Sarah"),
            ("a }} b {{1x}}", "a }} b {{1x}}"),
            ("{{FIRSTNAME}} {{ firstname\t}}", "Sarah Sarah"),
            ("", ""),
        ] {
            assert_eq!(render_text(template, &data), expected, "{template}");
            assert_eq!(render_html(template, &data), expected, "{template}");
        }
        // An unknown name without a fallback renders as nothing, and is reported.
        assert_eq!(render_text("Hi {{shoeSize}}!", &data), "Hi !");
        let used = template_fields(&["{{shoeSize}} {{firstName|there}}", "{{firstName}}"]);
        assert_eq!(
            used,
            vec![
                TemplateField {
                    field: "shoeSize".into(),
                    known: false,
                    has_fallback: false
                },
                TemplateField {
                    field: "firstName".into(),
                    known: true,
                    has_fallback: false
                },
            ]
        );
    }

    #[test]
    fn values_round_trip_through_the_wire_map() {
        let values = sarah().to_values();
        assert_eq!(values["firstName"], "Sarah");
        assert_eq!(MergeData::from_values(true, &values), sarah());
        let crm = MergeData::from_values(false, &values);
        assert_eq!(crm.get(MergeField::Score), None);
        assert_eq!(crm.get(MergeField::JobTitle), Some("VP of Operations"));
        assert_eq!(crm.display_name("LEAD-1"), "Sarah Chen");
        assert_eq!(MergeData::crm_only().display_name("LEAD-1"), "LEAD-1");
    }

    #[test]
    fn platform_values_come_first_and_crm_values_fill_the_gaps() {
        let mut platform = MergeData::imported()
            .with(MergeField::FirstName, Some("Sarah"))
            .with(MergeField::Score, Some("40"));
        let crm = MergeData::from_crm(Some("Sara"), None, None, Some("Brightwater"), None);
        platform.fill_from(&crm);
        assert_eq!(platform.get(MergeField::FirstName), Some("Sarah"));
        assert_eq!(platform.get(MergeField::Company), Some("Brightwater"));
        assert_eq!(platform.get(MergeField::Score), Some("40"));
    }
}
