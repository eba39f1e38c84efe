//! Crash safety of sends, with the sandbox binary as a child process: `kill -9` in the middle of a
//! 200-recipient send, a restart on the same database, and a retry with the same
//! `Idempotency-Key` that answers the stored result or performs the send once; then the database
//! itself is read to prove that no recipient got two `emailSent` and none got none. Scheduled
//! sends survive a restart (due while the sandbox was down, or after it is back) and are
//! delivered once.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use rusqlite::{Connection, ErrorCode as SqliteError};
use serde_json::{json, Value};

const SECRET: &str = "the crash tests' token signing secret";

/// The sandbox binary running on free loopback ports; killed with SIGKILL when dropped.
struct Process {
    child: Child,
    api: String,
}

impl Process {
    fn launch(db: &Path) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
            .args(["--addr", "127.0.0.1:0", "--host-addr", "127.0.0.1:0"])
            .arg("--db")
            .arg(db)
            .args(["--activities", "2000", "--rate-limit", "0"])
            .env("SANDBOX_JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the sandbox binary starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads the origin from the banner, then drains the pipe so the child never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.trim().strip_prefix("Plugin + API:") {
                    let origin = rest.trim().split("/index.html").next().unwrap().to_owned();
                    let _ = sender.send(origin);
                }
            }
        });
        let api = receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("the sandbox prints its origin");
        Process { child, api }
    }

    /// `kill -9`: no handler runs, no transaction is finished.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn token(api: &str, crm_user: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{api}/dev/sso/token"))
        .json(&json!({"crmUser": crm_user, "ttlSeconds": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap().to_owned()
}

async fn first_template(api: &str, token: &str) -> i64 {
    let list: Value = reqwest::Client::new()
        .get(format!("{api}/v1/templates"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"][0]["id"].as_i64().unwrap()
}

/// `count` recipients no other run names, with CRM ids starting `prefix-`.
fn recipients(prefix: &str, count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let crm_id = format!("{prefix}-{i:03}");
            json!({"entity": "lead", "crmId": crm_id, "email": format!("{crm_id}@example.com"),
                   "firstName": "Crash", "lastName": format!("Test {i}")})
        })
        .collect()
}

/// A send's status, whether it was replayed, and its JSON.
async fn send(
    api: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Result<(StatusCode, bool, Value)> {
    let response = reqwest::Client::new()
        .post(format!("{api}/v1/sends"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await?;
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    Ok((status, replayed, response.json().await?))
}

/// What the database holds for the recipients whose CRM ids start `prefix-`: how many got two
/// or more `emailSent`, how many of `expected` got none, and every send's occurred_at.
struct Delivered {
    duplicates: usize,
    lost: usize,
    sent_at: Vec<i64>,
}

fn delivered(db: &Path, prefix: &str, expected: usize) -> Delivered {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let counts: Vec<(String, i64)> = conn
        .prepare(
            "SELECT r.crm_id, count(a.id) FROM records r
             LEFT JOIN activities a ON a.record_id = r.id AND a.kind = 'emailSent'
             WHERE r.crm_id LIKE ?1 || '-%' GROUP BY r.id",
        )
        .unwrap()
        .query_map([prefix], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let sent_at = conn
        .prepare(
            "SELECT a.occurred_at FROM records r JOIN activities a ON a.record_id = r.id
             WHERE r.crm_id LIKE ?1 || '-%' AND a.kind = 'emailSent'",
        )
        .unwrap()
        .query_map([prefix], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let emailed = counts.iter().filter(|(_, n)| *n >= 1).count();
    Delivered {
        duplicates: counts.iter().filter(|(_, n)| *n > 1).count(),
        lost: expected.saturating_sub(emailed),
        sent_at,
    }
}

fn sends_under(db: &Path, key: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT count(*) FROM sends WHERE idempotency_key = ?1",
        [key],
        |row| row.get(0),
    )
    .unwrap()
}

/// Whether some connection holds the database's write lock now (a transaction is open).
fn writing(probe: &Connection) -> bool {
    match probe.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            probe.execute_batch("ROLLBACK").unwrap();
            false
        }
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == SqliteError::DatabaseBusy => true,
        Err(other) => panic!("probing the write lock: {other}"),
    }
}

/// Waits up to `limit` for a write transaction to open; whether one did.
async fn transaction_opens(probe: &Connection, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if writing(probe) {
            return true;
        }
        // Short of the sandbox's first busy wait (1 ms), so the probe rarely delays the send.
        tokio::time::sleep(Duration::from_micros(300)).await;
    }
    false
}

/// Waits until no write has been seen for half a second: a start's background work (keeping
/// hot-prospect scores ready) is done, so the next write seen is the send's.
async fn quiet(probe: &Connection) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_millis(500) && Instant::now() < deadline {
        if writing(probe) {
            since = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn scratch_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "crm-sidebar-crash-{label}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// When a run kills the sandbox.
#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// This many milliseconds after the send's write transaction is seen open.
    Inside(u64),
    /// Once the client has the answer.
    AfterTheAnswer,
}

/// Who sends each run: the daily limit (1,000) allows each of them a few 200-recipient sends.
const SENDERS: [&str; 5] = ["rep-ava", "rep-ben", "rep-chloe", "rep-dan", "mgr-olivia"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_killed_midway_is_answered_or_performed_once_after_a_restart() {
    let dir = scratch_dir("send");
    let db = dir.join("sandbox.db");
    let mut sandbox = Process::launch(&db);
    let template = first_template(&sandbox.api, &token(&sandbox.api, SENDERS[0]).await).await;
    let plan = [
        KillAt::Inside(0),
        KillAt::Inside(2),
        KillAt::AfterTheAnswer,
        KillAt::Inside(5),
        KillAt::Inside(1),
        KillAt::Inside(10),
        KillAt::AfterTheAnswer,
        KillAt::Inside(3),
        KillAt::Inside(30),
        KillAt::Inside(80),
    ];
    let mut midway = 0;
    let mut summary = Vec::new();
    for (run, kill_at) in plan.into_iter().enumerate() {
        let sender = SENDERS[run % SENDERS.len()];
        let token = token(&sandbox.api, sender).await;
        let prefix = format!("CRASH{run:02}");
        let key = format!("crash-run-{run}");
        let body = json!({"templateId": template, "recipients": recipients(&prefix, 200)});
        let probe = Connection::open(&db).unwrap();
        // Fail at once on a held lock (rusqlite waits 5 s by default).
        probe.busy_timeout(Duration::ZERO).unwrap();
        quiet(&probe).await;
        let in_flight = tokio::spawn({
            let (api, token, key, body) = (
                sandbox.api.clone(),
                token.clone(),
                key.clone(),
                body.clone(),
            );
            async move { send(&api, &token, &key, &body).await }
        });
        let before_kill = match kill_at {
            KillAt::Inside(ms) => {
                let opened = transaction_opens(&probe, Duration::from_secs(10)).await;
                assert!(opened, "run {run}: the send never opened a transaction");
                tokio::time::sleep(Duration::from_millis(ms)).await;
                None
            }
            KillAt::AfterTheAnswer => Some(in_flight.await.unwrap().unwrap()),
        };
        let was_writing = writing(&probe);
        sandbox.kill();
        drop(probe);

        sandbox = Process::launch(&db);
        let token = self::token(&sandbox.api, sender).await;
        let (status, replayed, answer) = send(&sandbox.api, &token, &key, &body).await.unwrap();
        let outcomes: Vec<&Value> = answer["results"]
            .as_array()
            .map(|results| results.iter().map(|r| &r["outcome"]).collect())
            .unwrap_or_default();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "run {run}: {}",
            answer["error"]
        );
        assert!(
            outcomes.len() == 200 && outcomes.iter().all(|o| *o == "sent"),
            "run {run}: {outcomes:?}"
        );
        if let Some((status, _, first)) = &before_kill {
            // Answered before the kill: the retry must be that answer, not a second send.
            assert_eq!(*status, StatusCode::CREATED);
            assert!(replayed, "run {run}: answered, then sent again");
            assert_eq!(first, &answer, "run {run}");
        }
        let found = delivered(&db, &prefix, 200);
        let sends = sends_under(&db, &key);
        if was_writing && !replayed {
            midway += 1;
        }
        let line = format!(
            "run {run} ({sender}): kill -9 {}; the retry {}; {} duplicates, {} lost, {} send row(s)",
            match (kill_at, was_writing) {
                (KillAt::AfterTheAnswer, _) => "after the answer".to_owned(),
                (KillAt::Inside(ms), true) => format!("{ms} ms into the send's transaction, still open"),
                (KillAt::Inside(ms), false) => format!("{ms} ms after the transaction opened, by then closed"),
            },
            if replayed { "answered the stored result" } else { "performed the send" },
            found.duplicates,
            found.lost,
            sends,
        );
        eprintln!("{line}");
        assert_eq!((found.duplicates, found.lost, sends), (0, 0, 1), "{line}");
        summary.push(line);
    }
    drop(sandbox);
    assert!(
        midway >= 1,
        "no kill landed inside a send:\n{}",
        summary.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Schedules a send of `count` recipients at `at` under `key`; its answer says every one is
/// scheduled.
async fn schedule(api: &str, key: &str, prefix: &str, count: usize, at: DateTime<Utc>) -> Value {
    let token = token(api, "rep-ava").await;
    let template = first_template(api, &token).await;
    let body =
        json!({"templateId": template, "recipients": recipients(prefix, count), "scheduledAt": at});
    let (status, _, answer) = send(api, &token, key, &body).await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["outcome"] == "scheduled"));
    body
}

/// Waits (without a request to the sandbox) until `count` recipients under `prefix` are emailed.
async fn wait_for_delivery(db: &Path, prefix: &str, count: usize) -> Delivered {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = delivered(db, prefix, count);
        if found.lost == 0 || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sleep_until(at: DateTime<Utc>) {
    if let Ok(wait) = (at - Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_sends_survive_a_restart_and_are_delivered_once() {
    let dir = scratch_dir("scheduled");
    let db = dir.join("sandbox.db");
    let sandbox = Process::launch(&db);
    let start = Utc::now();
    // One falls due while the sandbox is down, the other after it is back.
    let while_down = start + chrono::Duration::seconds(3);
    let after_restart = start + chrono::Duration::seconds(8);
    let first = schedule(&sandbox.api, "due-while-down", "DOWN", 100, while_down).await;
    schedule(
        &sandbox.api,
        "due-after-restart",
        "BACK",
        100,
        after_restart,
    )
    .await;
    sandbox.kill();
    assert_eq!(delivered(&db, "DOWN", 100).sent_at.len(), 0);
    sleep_until(while_down + chrono::Duration::seconds(1)).await;

    let sandbox = Process::launch(&db);
    for (prefix, at) in [("DOWN", while_down), ("BACK", after_restart)] {
        let found = wait_for_delivery(&db, prefix, 100).await;
        assert_eq!((found.duplicates, found.lost), (0, 0), "{prefix}");
        assert!(
            found.sent_at.iter().all(|t| *t == at.timestamp_millis()),
            "{prefix}: dated at its time"
        );
        eprintln!("{prefix}: 100 delivered once, after a kill -9 and a restart");
    }
    // Another crash and start later delivers nothing again, and the key answers what it did.
    sandbox.kill();
    let sandbox = Process::launch(&db);
    let token = token(&sandbox.api, "rep-ava").await;
    let (status, replayed, _) = send(&sandbox.api, &token, "due-while-down", &first)
        .await
        .unwrap();
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    tokio::time::sleep(Duration::from_millis(500)).await;
    for prefix in ["DOWN", "BACK"] {
        let found = delivered(&db, prefix, 100);
        assert_eq!(
            (found.duplicates, found.lost, found.sent_at.len()),
            (0, 0, 100),
            "{prefix}"
        );
    }
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_database_keeps_a_write_ahead_log_synced_at_each_checkpoint() {
    let dir = scratch_dir("settings");
    let conn = crm_sidebar::sandbox::db::open(&dir.join("sandbox.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let synchronous: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    // WAL, synchronous = NORMAL (1): README's "Crash safety" says why this survives kill -9.
    assert_eq!((mode.as_str(), synchronous), ("wal", 1));
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}
