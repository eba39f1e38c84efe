//! The ranking as a table, most engaged first.

use std::rc::Rc;

use yew::prelude::*;

use super::prospect_row::ProspectRow;
use crate::wire::{HotProspect, HotProspects as Ranking};

/// What the table is drawn from.
pub struct RankingTable<'a> {
    pub ranking: &'a Ranking,
    /// Ranks more than the user's own records: each row names its owner.
    pub show_owner: bool,
    /// The row whose reasons are open, by `entity/crmId`.
    pub expanded: Option<&'a str>,
    /// Asks the host to open the record.
    pub on_open: &'a Callback<Rc<HotProspect>>,
    /// Opens or closes a row's reasons, by `entity/crmId`.
    pub on_expand: &'a Callback<String>,
}

pub fn ranking_table(props: RankingTable) -> Html {
    let show_owner = props.show_owner;
    html! {
        <table class="prospects-table">
            <caption class="visually-hidden">{ "Hot prospects, most engaged first" }</caption>
            <thead>
                <tr>
                    <th scope="col" class="col-rank">{ "#" }</th>
                    <th scope="col">{ "Name" }</th>
                    // Not the lead score of a record's header: points the scoring rules give
                    // the last days' activity. (A soft hyphen lets the word break in a 320 px
                    // frame.)
                    <th scope="col" class="col-score">{ "Engage\u{AD}ment" }</th>
                    <th scope="col" class="col-last">{ "Last activity" }</th>
                    if show_owner {
                        <th scope="col" class="col-owner">{ "Owner" }</th>
                    }
                    <th scope="col" class="col-why"><span class="visually-hidden">{ "Why hot" }</span></th>
                </tr>
            </thead>
            { for props.ranking.items.iter().enumerate().map(|(i, p)| {
                let key = format!("{}/{}", p.entity, p.crm_id);
                let expanded = props.expanded == Some(key.as_str());
                let on_expand = props.on_expand.reform({
                    let key = key.clone();
                    move |()| key.clone()
                });
                html! {
                    <ProspectRow
                        {key}
                        rank={i + 1}
                        prospect={Rc::new(p.clone())}
                        {show_owner}
                        {expanded}
                        on_open={props.on_open.clone()}
                        {on_expand}
                    />
                }
            }) }
        </table>
    }
}
