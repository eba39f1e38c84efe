//! The message as one recipient will get it.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::domain::merge::{render_html, render_text, MergeData};
use crate::wire::{PreflightResponse, RecipientStatus, Template};
/// The message as one recipient will get it; the body in a frame with no scripts and no origin.
/// `index` is the recipient chosen in its picker, which `on_choose` changes. A plain view
/// function, drawn with the message (its root keyed as its own, as a component's element was).
pub fn preview(
    template: &Template,
    subject: &str,
    preflight: &PreflightResponse,
    index: Option<usize>,
    on_choose: &Callback<usize>,
) -> Html {
    let recipients = &preflight.recipients;
    // The chosen recipient, else the first one the email goes to.
    let index = index
        .filter(|index| *index < recipients.len())
        .or_else(|| {
            recipients
                .iter()
                .position(|r| r.status == RecipientStatus::Sendable)
        })
        .unwrap_or(0);
    let Some(recipient) = recipients.get(index) else {
        return html! {};
    };
    let data = MergeData::from_values(recipient.imported, &recipient.merge_values);
    let subject = render_text(subject, &data);
    let body = render_html(&template.html, &data);
    html! {
        <section key="send-preview" class="send-preview" aria-label="Preview">
            if recipients.len() > 1 {
                <label class="send-preview-for">
                    <span>{ "Preview for" }</span>
                    <select
                        id="send-preview-recipient"
                        onchange={on_choose.reform(|e: Event| {
                            e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(0)
                        })}
                    >
                        { for recipients.iter().enumerate().map(|(i, r)| html! {
                            <option value={i.to_string()} selected={i == index}>
                                { match r.reason {
                                    Some(reason) => format!("{} (excluded: {})", r.name, reason.label()),
                                    None => r.name.clone(),
                                } }
                            </option>
                        }) }
                    </select>
                </label>
            }
            <p class="send-preview-subject"><span>{ "Subject: " }</span><strong>{ subject }</strong></p>
            <iframe
                class="send-preview-frame"
                title={format!("Email preview for {}", recipient.name)}
                sandbox=""
                referrerpolicy="no-referrer"
                srcdoc={body}
            />
        </section>
    }
}
