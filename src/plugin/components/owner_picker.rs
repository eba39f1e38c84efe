//! A manager's choice of whose records a tab shows (Hot Prospects, the dashboard): the whole
//! team, their own, or one rep's.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::wire::{Me, OwnerSelection};

/// The picker with the element id `id`, on `owner` (whose records are shown now), `mine`
/// naming the user's own ("My prospects"); a choice goes to `on_choose`.
pub fn owner_picker(
    id: &'static str,
    mine: &'static str,
    me: &Me,
    owner: Option<OwnerSelection>,
    on_choose: &Callback<OwnerSelection>,
) -> Html {
    let on_choose = on_choose.clone();
    let onchange = Callback::from(move |e: Event| {
        let value = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(selected) = OwnerSelection::parse(&value) {
            on_choose.emit(selected);
        }
    });
    html! {
        <label class="owner-picker">
            <span>{ "Show" }</span>
            <select {id} {onchange}>
                <option value="team" selected={owner == Some(OwnerSelection::Team)}>{ "Whole team" }</option>
                <option value="me" selected={owner == Some(OwnerSelection::Me)}>{ mine }</option>
                { for me.team.iter().map(|rep| html! {
                    <option value={rep.id.to_string()} selected={owner == Some(OwnerSelection::User(rep.id))}>
                        { rep.name.clone() }
                    </option>
                }) }
            </select>
        </label>
    }
}
