//! The email templates of each tenant.

use rusqlite::Connection;

use crate::sandbox::db;

pub(super) const TEMPLATES_A: &[(&str, &str, &str, &str)] = &[
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

pub(super) const TEMPLATES_B: &[(&str, &str, &str, &str)] = &[
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

pub(super) fn insert_templates(
    conn: &Connection,
    tenant_id: i64,
    templates: &[(&str, &str, &str, &str)],
) -> rusqlite::Result<()> {
    for (folder, name, subject, html) in templates {
        db::insert_template(conn, tenant_id, folder, name, subject, html)?;
    }
    Ok(())
}
