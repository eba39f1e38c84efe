//! A manager's choice of whose prospects to see: the whole team, their own, or one rep's.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::wire::{Me, OwnerSelection};

#[derive(Properties, PartialEq)]
pub struct OwnerPickerProps {
    pub me: Rc<Me>,
    /// Whose prospects are ranked now.
    pub owner: Option<OwnerSelection>,
    pub on_choose: Callback<OwnerSelection>,
}

#[component]
pub fn OwnerPicker(props: &OwnerPickerProps) -> Html {
    let owner = props.owner;
    let on_choose = props.on_choose.clone();
    let onchange = Callback::from(move |e: Event| {
        let value = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(selected) = OwnerSelection::parse(&value) {
            on_choose.emit(selected);
        }
    });
    html! {
        <label class="prospects-owner">
            <span>{ "Show" }</span>
            <select id="prospects-owner" {onchange}>
                <option value="team" selected={owner == Some(OwnerSelection::Team)}>{ "Whole team" }</option>
                <option value="me" selected={owner == Some(OwnerSelection::Me)}>{ "My prospects" }</option>
                { for props.me.team.iter().map(|rep| html! {
                    <option value={rep.id.to_string()} selected={owner == Some(OwnerSelection::User(rep.id))}>
                        { rep.name.clone() }
                    </option>
                }) }
            </select>
        </label>
    }
}
