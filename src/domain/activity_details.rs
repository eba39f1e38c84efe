//! What an activity row says: its one-line summary and the detail lines it expands to.
//!
//! Every string here comes from record data and is untrusted: the view renders it as text, and
//! only `http(s)` URLs ever become links.

use crate::wire::{trimmed_text, Activity, ActivityKind};

/// One line of an expanded activity: a label and a value, shown on a single line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
    /// Set when the value is a URL that is safe to link to.
    pub href: Option<String>,
}

impl DetailLine {
    fn text(label: &str, value: impl Into<String>) -> DetailLine {
        DetailLine {
            label: label.to_owned(),
            value: value.into(),
            href: None,
        }
    }

    fn link(label: &str, url: &str) -> DetailLine {
        DetailLine {
            label: label.to_owned(),
            value: url.to_owned(),
            href: safe_link(url).map(str::to_owned),
        }
    }
}

/// The line under an activity's label: its subject, else what it is about.
pub fn summary(activity: &Activity) -> Option<&str> {
    let details = &activity.details;
    [
        activity.subject.as_deref(),
        details.page_title.as_deref(),
        details.form_name.as_deref(),
        details.program_name.as_deref(),
        details.score_reason.as_deref(),
        activity.url.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|text| !text.is_empty())
}

/// The detail lines of an expanded activity, in a fixed order. Empty when there is nothing to
/// expand.
pub fn detail_lines(activity: &Activity) -> Vec<DetailLine> {
    let details = &activity.details;
    let mut lines = Vec::new();
    if let Some(url) = trimmed_text(&details.clicked_url) {
        lines.push(DetailLine::link("Clicked link", &url));
    }
    if let Some(title) = trimmed_text(&details.page_title) {
        lines.push(DetailLine::text("Page", title));
    }
    if let Some(url) = trimmed_text(&activity.url) {
        if trimmed_text(&details.clicked_url).as_deref() != Some(url.as_str()) {
            lines.push(DetailLine::link("URL", &url));
        }
    }
    if let Some(seconds) = details.seconds_on_page {
        lines.push(DetailLine::text("Time on page", format_seconds(seconds)));
    }
    if let Some(form) = trimmed_text(&details.form_name) {
        lines.push(DetailLine::text("Form", form));
    }
    for field in &details.form_fields {
        lines.push(DetailLine {
            label: field_label(&field.name),
            value: field.value.clone(),
            href: None,
        });
    }
    if let Some(bounce) = trimmed_text(&details.bounce_type) {
        let text = match bounce.as_str() {
            "hard" => "Hard bounce (address rejected)".to_owned(),
            "soft" => "Soft bounce (temporary)".to_owned(),
            _ => bounce,
        };
        lines.push(DetailLine::text("Bounce", text));
    }
    if let Some(delta) = details.score_delta {
        lines.push(DetailLine::text("Score change", format_delta(delta)));
    }
    if let Some(reason) = trimmed_text(&details.score_reason) {
        lines.push(DetailLine::text("Reason", reason));
    }
    if let Some(program) = trimmed_text(&details.program_name) {
        lines.push(DetailLine::text("Program", program));
    }
    if let Some(campaign) = trimmed_text(&activity.campaign_id) {
        lines.push(DetailLine::text("Campaign", campaign));
    }
    lines
}

/// A score change with its sign, "+5" or "−3" (a real minus sign).
pub fn format_delta(delta: i64) -> String {
    match delta {
        d if d > 0 => format!("+{d}"),
        d if d < 0 => format!("\u{2212}{}", d.unsigned_abs()),
        _ => "0".to_owned(),
    }
}

/// A duration on a page: "42 s", "2 min 5 s", "1 h 3 min".
pub fn format_seconds(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// `url` if it is an absolute `http:` or `https:` URL, the only kind the view links to (a
/// `javascript:` URL in record data must never become a link).
pub fn safe_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let (scheme, rest) = url.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let ok = (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && !rest.is_empty()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(url)
}

/// A short glyph for each kind, shown in a coloured disc beside the label.
pub fn kind_glyph(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::EmailSent => "\u{2709}",       // envelope
        ActivityKind::EmailOpened => "\u{25CE}",     // bullseye
        ActivityKind::EmailClicked => "\u{2197}",    // north-east arrow
        ActivityKind::EmailBounced => "\u{21A9}",    // leftwards hook arrow
        ActivityKind::Unsubscribed => "\u{2298}",    // circled slash
        ActivityKind::PageVisit => "\u{25A4}",       // square with lines
        ActivityKind::FormSubmitted => "\u{270E}",   // pencil
        ActivityKind::ProgramEnrolled => "\u{2691}", // flag
        ActivityKind::ScoreChanged => "\u{00B1}",    // plus-minus
    }
}

/// A form field's name for people. A name that is a form's identifier for the field reads as
/// words: `firstName`, `TeamSize`, `team_size` and `email` become "First name", "Team size" and
/// "Email". Anything else (`Your message`, `iPhone`, `URL`) stays as written.
pub fn field_label(name: &str) -> String {
    let words: Vec<String> = if name.contains('_') {
        let parts: Vec<&str> = name.split('_').collect();
        let identifier = parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        if !identifier || !parts[0].starts_with(|c: char| c.is_ascii_lowercase()) {
            return name.to_owned();
        }
        parts.into_iter().map(str::to_owned).collect()
    } else {
        // camelCase or PascalCase: a new word at each capital, each word at least two letters
        // or digits (so `iPhone`, `URL` or `ID` are not taken apart).
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return name.to_owned();
        }
        let mut words: Vec<String> = Vec::new();
        for c in name.chars() {
            match words.last_mut() {
                Some(word) if !c.is_ascii_uppercase() => word.push(c),
                _ => words.push(c.to_string()),
            }
        }
        if words.is_empty() || words.iter().any(|word| word.len() < 2) {
            return name.to_owned();
        }
        words
            .into_iter()
            .map(|word| word.to_ascii_lowercase())
            .collect()
    };
    let mut label = words.join(" ");
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

/// The characters of a detail's value shown before "Show all": about five lines in the
/// narrowest sidebar (a value's column is about 170 px there). A value of 9,800 characters drawn
/// in full makes a row thousands of pixels tall, and every layout of the list after it slow.
pub const CLIPPED_VALUE_CHARS: usize = 100;

/// The start of `value` shown until the user asks for all of it, cut on a character boundary,
/// or `None` when it is short enough to show whole.
pub fn clipped_value(value: &str) -> Option<&str> {
    let (cut, _) = value.char_indices().nth(CLIPPED_VALUE_CHARS)?;
    // Not for a few characters: "Show all" would take as much room as they do.
    if value[cut..].chars().count() <= 20 {
        return None;
    }
    Some(&value[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ActivityDetails, FormField};

    fn activity(kind: ActivityKind, details: ActivityDetails) -> Activity {
        Activity {
            id: 1,
            kind,
            occurred_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            subject: None,
            url: None,
            campaign_id: None,
            details,
        }
    }

    #[test]
    fn a_page_visit_lists_title_url_and_time_on_page() {
        let mut visit = activity(
            ActivityKind::PageVisit,
            ActivityDetails {
                page_title: Some("Pricing".into()),
                seconds_on_page: Some(125),
                ..ActivityDetails::default()
            },
        );
        visit.url = Some("https://example.com/pricing".into());
        let lines = detail_lines(&visit);
        let labels: Vec<&str> = lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Page", "URL", "Time on page"]);
        assert_eq!(
            lines[1].href.as_deref(),
            Some("https://example.com/pricing")
        );
        assert_eq!(lines[2].value, "2 min 5 s");
        assert_eq!(summary(&visit), Some("Pricing"));
    }

    #[test]
    fn a_form_lists_each_field_and_a_score_change_its_reason() {
        let form = activity(
            ActivityKind::FormSubmitted,
            ActivityDetails {
                form_name: Some("Demo request".into()),
                form_fields: vec![
                    FormField {
                        name: "Company".into(),
                        value: "Acme".into(),
                    },
                    FormField {
                        name: "teamSize".into(),
                        value: "40".into(),
                    },
                ],
                ..ActivityDetails::default()
            },
        );
        let lines = detail_lines(&form);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            (lines[1].label.as_str(), lines[1].value.as_str()),
            ("Company", "Acme")
        );
        assert_eq!(
            (lines[2].label.as_str(), lines[2].value.as_str()),
            ("Team size", "40")
        );
        let score = activity(
            ActivityKind::ScoreChanged,
            ActivityDetails {
                score_delta: Some(-3),
                score_reason: Some("Unsubscribed".into()),
                ..ActivityDetails::default()
            },
        );
        let lines = detail_lines(&score);
        assert_eq!(lines[0].value, "\u{2212}3");
        assert_eq!(lines[1].value, "Unsubscribed");
    }

    #[test]
    fn a_field_named_by_an_identifier_reads_as_words() {
        for (name, label) in [
            ("firstName", "First name"),
            ("teamSize", "Team size"),
            ("TeamSize", "Team size"),
            ("team_size", "Team size"),
            ("utm_source2", "Utm source2"),
            ("Comment", "Comment"),
            ("Your message", "Your message"),
            ("iPhone", "iPhone"),
            ("URL", "URL"),
            ("ID", "ID"),
            ("email", "Email"),
            ("_private", "_private"),
            ("a__b", "a__b"),
            ("Größe", "Größe"),
            ("", ""),
        ] {
            assert_eq!(field_label(name), label, "{name:?}");
        }
    }

    #[test]
    fn a_clicked_link_is_not_repeated_as_the_url() {
        let mut click = activity(
            ActivityKind::EmailClicked,
            ActivityDetails {
                clicked_url: Some("https://example.com/a".into()),
                ..ActivityDetails::default()
            },
        );
        click.url = Some("https://example.com/a".into());
        click.subject = Some("Spring offer".into());
        assert_eq!(detail_lines(&click).len(), 1);
        assert_eq!(summary(&click), Some("Spring offer"));
    }

    #[test]
    fn an_activity_without_details_has_nothing_to_expand() {
        let sent = activity(ActivityKind::EmailSent, ActivityDetails::default());
        assert!(detail_lines(&sent).is_empty());
        assert_eq!(summary(&sent), None);
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            safe_link("https://example.com/x?y=1"),
            Some("https://example.com/x?y=1")
        );
        assert_eq!(safe_link("HTTP://example.com"), Some("HTTP://example.com"));
        assert_eq!(safe_link("javascript:alert(1)"), None);
        assert_eq!(safe_link("javascript://%0aalert(1)"), None);
        assert_eq!(safe_link("https://"), None);
        assert_eq!(safe_link("//example.com"), None);
        assert_eq!(safe_link("https://exa mple.com"), None);
    }

    #[test]
    fn durations_and_deltas_read_naturally() {
        assert_eq!(format_seconds(42), "42 s");
        assert_eq!(format_seconds(120), "2 min");
        assert_eq!(format_seconds(3780), "1 h 3 min");
        assert_eq!(format_seconds(7200), "2 h");
        assert_eq!(format_delta(5), "+5");
        assert_eq!(format_delta(0), "0");
    }

    #[test]
    fn a_long_value_is_clipped_on_a_character_boundary_a_short_one_is_not() {
        assert_eq!(clipped_value("Spring offer"), None);
        assert_eq!(clipped_value(&"x".repeat(CLIPPED_VALUE_CHARS + 20)), None);
        let long = "é".repeat(9_800);
        let clipped = clipped_value(&long).unwrap();
        assert_eq!(clipped.chars().count(), CLIPPED_VALUE_CHARS);
        assert!(long.starts_with(clipped));
    }
}
