//! A manager's choice of whose prospects to see: the whole team, their own, or one rep's.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::domain::prospects::HotProspectsAction;
use crate::plugin::api::ApiError;
use crate::wire::{Me, OwnerSelection};

/// The picker, on `owner` (whose prospects are ranked now); a choice goes to `dispatch`.
pub fn owner_picker(
    me: &Me,
    owner: Option<OwnerSelection>,
    dispatch: &Callback<HotProspectsAction<ApiError>>,
) -> Html {
    let dispatch = dispatch.clone();
    let onchange = Callback::from(move |e: Event| {
        let value = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(selected) = OwnerSelection::parse(&value) {
            dispatch.emit(HotProspectsAction::Choose(selected));
        }
    });
    html! {
        <label class="prospects-owner">
            <span>{ "Show" }</span>
            <select id="prospects-owner" {onchange}>
                <option value="team" selected={owner == Some(OwnerSelection::Team)}>{ "Whole team" }</option>
                <option value="me" selected={owner == Some(OwnerSelection::Me)}>{ "My prospects" }</option>
                { for me.team.iter().map(|rep| html! {
                    <option value={rep.id.to_string()} selected={owner == Some(OwnerSelection::User(rep.id))}>
                        { rep.name.clone() }
                    </option>
                }) }
            </select>
        </label>
    }
}
