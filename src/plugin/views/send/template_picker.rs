//! The template list: a search, a folder picker and the templates by folder, a page at a time.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::plugin::components::panels::{search_field, skeleton};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::wire::{by_folder, TemplateSummary};
/// What the template list is drawn from.
pub struct TemplatePickerView {
    /// The templates listed so far, in the API's order.
    pub items: Rc<Vec<TemplateSummary>>,
    /// Every folder of the tenant, for the folder picker.
    pub folders: Rc<Vec<String>>,
    /// More pages may come.
    pub more: bool,
    /// A first page for another search or folder is on its way.
    pub loading: bool,
    pub chosen: Option<i64>,
    pub query: AttrValue,
    pub folder: AttrValue,
    pub disabled: bool,
    pub on_query: Callback<String>,
    pub on_folder: Callback<String>,
    pub on_choose: Callback<i64>,
    /// Scrolling to the end asks for no page now (see [`ListPhase::holds`]).
    pub hold: bool,
    /// Under the list: the next page on its way, or why it did not come.
    pub footer: Html,
    /// Shown instead of the list when its first page failed.
    pub failure: Option<Html>,
    /// Asks for the next page.
    pub on_more: Callback<()>,
    /// The list's scrolling box, which clips the virtualized rows.
    pub scroller: NodeRef,
}

/// A plain view function: drawn with the composer, which holds its scrolling box's ref.
pub fn template_picker(props: TemplatePickerView) -> Html {
    let scroller = props.scroller.clone();
    // One row per folder name, then its templates: a folder is keyed by its place among the
    // folders (below zero, so it never meets a template's id).
    let rows: Rc<Vec<TemplateRow>> = Rc::new(
        by_folder(&props.items)
            .into_iter()
            .enumerate()
            .flat_map(|(at, (folder, items))| {
                std::iter::once(TemplateRow::Folder(-(at as i64) - 1, folder.to_owned()))
                    .chain(items.into_iter().map(|t| TemplateRow::Template(t.clone())))
            })
            .collect(),
    );
    let keys = Rc::new(rows.iter().map(TemplateRow::key).collect::<Vec<_>>());
    let render = {
        let (rows, chosen, on_choose) = (rows.clone(), props.chosen, props.on_choose.clone());
        Callback::from(move |at: usize| match rows.get(at) {
            Some(TemplateRow::Folder(_, folder)) => html! {
                <p class="template-folder-name">{ folder.clone() }</p>
            },
            Some(TemplateRow::Template(t)) => {
                let id = t.id;
                html! {
                    <label class="template" data-template-id={id.to_string()}>
                        <input
                            id={format!("template-{id}")}
                            type="radio"
                            name="send-template"
                            checked={chosen == Some(id)}
                            onchange={on_choose.reform(move |_: Event| id)}
                        />
                        <span class="template-name">{ t.name.clone() }</span>
                        <span class="template-subject">{ t.subject.clone() }</span>
                    </label>
                }
            }
            None => html! {},
        })
    };
    html! {
        <>
            <div class="send-filters">
                { search_field(
                    "template-search",
                    "Search templates",
                    None,
                    props.query.clone().into(),
                    props.on_query.clone(),
                ) }
                <label class="visually-hidden" for="template-folder">{ "Folder" }</label>
                <select
                    id="template-folder"
                    onchange={props.on_folder.reform(|e: Event| {
                        e.target_unchecked_into::<HtmlSelectElement>().value()
                    })}
                >
                    <option value="" selected={props.folder.is_empty()}>{ "All folders" }</option>
                    { for props.folders.iter().map(|f| html! {
                        <option value={f.clone()} selected={props.folder == f.as_str()}>{ f.clone() }</option>
                    }) }
                </select>
            </div>
            if let Some(failure) = &props.failure {
                { failure.clone() }
            } else if rows.is_empty() && props.loading {
                { skeleton("Loading templates", 3) }
            } else if rows.is_empty() {
                <p class="send-hint">{ "No template matches. Try another name or folder." }</p>
            } else {
                <fieldset
                    class={classes!("template-list", props.loading.then_some("is-stale"))}
                    aria-busy={props.loading.to_string()}
                    disabled={props.disabled}
                    ref={scroller.clone()}
                >
                    <legend class="visually-hidden">{ "Template" }</legend>
                    <VirtualRows
                        {keys}
                        estimate={TEMPLATE_ROW_ESTIMATE}
                        {render}
                        more={props.more}
                        on_near_end={props.on_more.clone()}
                        hold={props.hold}
                        counted={false}
                        class="template-rows"
                        label="Templates by folder"
                        row_class="template-row"
                        viewport={scroller}
                        pinned={props.chosen}
                    />
                    { props.footer.clone() }
                </fieldset>
            }
        </>
    }
}

/// A row of the template list: a folder's name, or a template.
enum TemplateRow {
    Folder(i64, String),
    Template(TemplateSummary),
}

impl TemplateRow {
    fn key(&self) -> i64 {
        match self {
            TemplateRow::Folder(key, _) => *key,
            TemplateRow::Template(t) => t.id,
        }
    }
}

/// The height assumed for a template's row before it is measured: its name and subject.
const TEMPLATE_ROW_ESTIMATE: u32 = 44;
