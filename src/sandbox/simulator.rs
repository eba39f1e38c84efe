//! The demo's visitor simulator (`sandbox --visitor-simulator`): a few of each owner's records
//! walk through the product and pricing pages, one page view per owner every few seconds, so the
//! dashboard's "on the site now", Hot Prospects and an open record's history show life.
//!
//! Each view is an ordinary `pageVisit` activity, committed like any other, so it reaches the
//! live feed the way a real visit would. After a tour a walker leaves for longer than "on the
//! site now" lasts, then comes back, so people also drop off the list.

use std::time::Duration as StdDuration;

use chrono::Utc;
use rusqlite::Connection;
use tokio::time::Instant;

use super::db;
use super::Db;
use crate::wire::{ActivityDetails, ActivityKind, ACTIVE_NOW_MINUTES};

/// How often each owner gets a page view.
pub const TICK: StdDuration = StdDuration::from_secs(4);

/// How many of each owner's records walk.
const WALKERS_PER_OWNER: usize = 3;

/// The pages of a tour, in order: path and title.
const TOUR: &[(&str, &str)] = &[
    ("/product", "Product overview"),
    ("/product/integrations", "Integrations"),
    ("/pricing", "Pricing"),
    ("/customers", "Customer stories"),
    ("/pricing", "Pricing"),
    ("/demo", "Request a demo"),
];

/// How long a walker stays away after a tour: past "on the site now".
const AWAY: StdDuration = StdDuration::from_secs(60 * (ACTIVE_NOW_MINUTES as u64 + 1));

/// A record walking the site.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Walker {
    record_id: i64,
    /// The origin of the tenant's site, as its earlier visits name it.
    site: String,
    step: usize,
    back_at: Option<Instant>,
}

/// A page view to record.
#[derive(Clone, Debug, PartialEq, Eq)]
struct View {
    record_id: i64,
    url: String,
    title: &'static str,
}

/// One owner's walkers, taking turns.
#[derive(Clone, Debug)]
struct Owner {
    user_id: i64,
    walkers: Vec<Walker>,
    turn: usize,
}

impl Owner {
    /// The next walker's next page, if any walker is on the site.
    fn next_view(&mut self, now: Instant) -> Option<View> {
        let count = self.walkers.len();
        for _ in 0..count {
            let walker = &mut self.walkers[self.turn];
            self.turn = (self.turn + 1) % count;
            if walker.back_at.is_some_and(|back| now < back) {
                continue;
            }
            walker.back_at = None;
            let (path, title) = TOUR[walker.step];
            walker.step += 1;
            if walker.step == TOUR.len() {
                walker.step = 0;
                walker.back_at = Some(now + AWAY);
            }
            return Some(View {
                record_id: walker.record_id,
                url: format!("{}{path}", walker.site),
                title,
            });
        }
        None
    }
}

/// `scheme://host` of a URL.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next().filter(|host| !host.is_empty())?;
    Some(format!("{scheme}://{host}"))
}

/// Each owner's walkers: their first records with an email that visited the site before.
fn choose_walkers(conn: &Connection) -> rusqlite::Result<Vec<Owner>> {
    let mut statement = conn.prepare(
        "SELECT r.owner_id, r.id,
                (SELECT url FROM activities
                 WHERE record_id = r.id AND kind = 'pageVisit' AND url IS NOT NULL
                 ORDER BY occurred_at DESC, id DESC LIMIT 1)
         FROM records r
         WHERE r.owner_id IS NOT NULL AND r.email IS NOT NULL
           AND r.subscription_status = 'subscribed'
         ORDER BY r.owner_id, r.id",
    )?;
    let mut rows = statement.query([])?;
    let mut owners: Vec<Owner> = Vec::new();
    while let Some(row) = rows.next()? {
        let (owner_id, record_id): (i64, i64) = (row.get(0)?, row.get(1)?);
        let Some(site) = row.get::<_, Option<String>>(2)?.as_deref().and_then(origin) else {
            continue;
        };
        if owners.last().is_none_or(|owner| owner.user_id != owner_id) {
            owners.push(Owner {
                user_id: owner_id,
                walkers: Vec::new(),
                turn: 0,
            });
        }
        let owner = owners.last_mut().expect("just pushed");
        if owner.walkers.len() < WALKERS_PER_OWNER {
            owner.walkers.push(Walker {
                record_id,
                site,
                // Walkers start at different pages, so an owner's list is not in lockstep.
                step: owner.walkers.len() * 2 % TOUR.len(),
                back_at: None,
            });
        }
    }
    Ok(owners)
}

fn record_views(conn: &mut Connection, views: &[View]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let now = Utc::now();
    for view in views {
        let details = ActivityDetails {
            page_title: Some(view.title.to_owned()),
            seconds_on_page: Some(fastrand::u32(8..90)),
            ..ActivityDetails::default()
        };
        db::insert_activity(
            &tx,
            &db::NewActivity {
                record_id: view.record_id,
                occurred_at: now,
                kind: ActivityKind::PageVisit,
                subject: Some(view.title),
                url: Some(&view.url),
                campaign_id: None,
                details: &details,
            },
        )?;
    }
    tx.commit()
}

/// Runs the simulator for the sandbox's life.
pub async fn walk_visitors(db: Db) {
    let mut owners = match db.run(|conn| Ok(choose_walkers(conn)?)).await {
        Ok(owners) => owners,
        Err(failure) => {
            tracing::warn!("the visitor simulator found no walkers: {failure:?}");
            return;
        }
    };
    tracing::info!(
        "visitor simulator: {} records of {} owners walk the site",
        owners
            .iter()
            .map(|owner| owner.walkers.len())
            .sum::<usize>(),
        owners.len()
    );
    let mut ticks = tokio::time::interval(TICK);
    loop {
        let now = ticks.tick().await;
        let views: Vec<View> = owners
            .iter_mut()
            .filter_map(|owner| owner.next_view(now))
            .collect();
        if views.is_empty() {
            continue;
        }
        if let Err(failure) = db.run(move |conn| Ok(record_views(conn, &views)?)).await {
            tracing::warn!("the visitor simulator could not record its views: {failure:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walker(record_id: i64, step: usize) -> Walker {
        Walker {
            record_id,
            site: "https://www.example.com".into(),
            step,
            back_at: None,
        }
    }

    #[test]
    fn walkers_take_turns_tour_the_site_then_stay_away_a_while() {
        let mut owner = Owner {
            user_id: 1,
            walkers: vec![walker(1, 0), walker(2, TOUR.len() - 1)],
            turn: 0,
        };
        let now = Instant::now();
        let first = owner.next_view(now).unwrap();
        assert_eq!(first.record_id, 1);
        assert_eq!(first.url, "https://www.example.com/product");
        let second = owner.next_view(now).unwrap();
        assert_eq!((second.record_id, second.title), (2, "Request a demo"));
        // Walker 2 finished its tour: walker 1 goes on alone.
        for _ in 0..TOUR.len() - 1 {
            assert_eq!(owner.next_view(now).unwrap().record_id, 1);
        }
        assert_eq!(owner.next_view(now), None, "both away");
        let back = owner.next_view(now + AWAY).unwrap();
        assert_eq!(back.url, "https://www.example.com/product");
    }

    #[test]
    fn the_site_is_the_origin_of_earlier_visits() {
        assert_eq!(
            origin("https://www.northwind.example/pricing?utm=x").as_deref(),
            Some("https://www.northwind.example")
        );
        assert_eq!(origin("/pricing"), None);
        assert_eq!(origin("https://"), None);
    }

    #[test]
    fn each_owner_walks_a_few_of_their_own_records() {
        let mut conn = db::open_in_memory().unwrap();
        super::super::seed::seed(
            &mut conn,
            &super::super::seed::SeedOptions {
                activities: 3_000,
                ..Default::default()
            },
        )
        .unwrap();
        let mut owners = choose_walkers(&conn).unwrap();
        let users_owning: i64 = conn
            .query_row(
                "SELECT count(DISTINCT owner_id) FROM records WHERE owner_id IS NOT NULL",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(owners.len() as i64, users_owning);
        for owner in &owners {
            assert!((1..=WALKERS_PER_OWNER).contains(&owner.walkers.len()));
            for walker in &owner.walkers {
                let owner_id: i64 = conn
                    .query_row(
                        "SELECT owner_id FROM records WHERE id = ?1",
                        [walker.record_id],
                        |row| row.get(0),
                    )
                    .unwrap();
                assert_eq!(owner_id, owner.user_id);
            }
        }
        let now = Instant::now();
        let views: Vec<View> = owners.iter_mut().filter_map(|o| o.next_view(now)).collect();
        assert_eq!(views.len(), owners.len(), "one view per owner a tick");
        let before: i64 = conn
            .query_row("SELECT count(*) FROM activities", [], |row| row.get(0))
            .unwrap();
        record_views(&mut conn, &views).unwrap();
        for view in &views {
            let (kind, url): (String, String) = conn
                .query_row(
                    "SELECT kind, url FROM activities WHERE record_id = ?1 ORDER BY id DESC LIMIT 1",
                    [view.record_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap();
            assert_eq!(
                (kind.as_str(), url.as_str()),
                ("pageVisit", view.url.as_str())
            );
        }
        let after: i64 = conn
            .query_row("SELECT count(*) FROM activities", [], |row| row.get(0))
            .unwrap();
        assert_eq!(after - before, views.len() as i64);
    }
}
