//! Time from opening the Timeline tab to its chart painted, for the 10,000-activity record
//! (`seed::PERF_RECORD`), in headless Chromium against the demo CRM: the `timeline:open` mark
//! (the tab's panel mounted) to `timeline:chart` (the frame after the chart rendered), median of
//! runs. `cargo bench --features sandbox --bench timeline` (needs `make plugin`).

#[path = "../tests/support/mod.rs"]
mod support;

use crm_sidebar::sandbox::seed;
use support::browser::*;

const RUNS: usize = 15;

#[tokio::main]
async fn main() {
    let client = browser().await;
    open_sidebar(
        &client,
        &format!("/record?entity=lead&id={}&user=rep-ava", seed::PERF_RECORD),
    )
    .await;
    first_row_time(&client).await;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        eval(&client, "performance.clearMarks(); return true;").await;
        click_on(&client, "#tab-timeline").await;
        wait_until(
            &client,
            "the chart is painted",
            "return performance.getEntriesByName('timeline:chart').length > 0;",
        )
        .await;
        let ms = eval(
            &client,
            "const o = performance.getEntriesByName('timeline:open')[0];
             const c = performance.getEntriesByName('timeline:chart')[0];
             return c.startTime - o.startTime;",
        )
        .await;
        times.extend(ms.as_f64());
        // Back to the Activity tab, so the next run opens the Timeline afresh.
        click_on(&client, "#tab-activity").await;
        wait_for(&client, ".activity-row").await;
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "Timeline tab opened -> chart painted ({} activities, {} runs): median {:.1} ms, min {:.1} ms, max {:.1} ms",
        seed::PERF_ACTIVITIES,
        times.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    client.close().await.unwrap();
}
