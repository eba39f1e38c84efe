//! What 500 open streams of the live feed (`GET /v1/events`) cost the sandbox while idle, and
//! how fast one activity reaches the streams that follow it.
//!
//! `cargo bench --features sandbox --bench streams`. The sandbox runs as its own process (the
//! `sandbox` binary, on loopback with free ports and a fresh small database), so its memory and
//! CPU are read from `/proc/<pid>` without this process's clients in them. Prints the sandbox's
//! extra resident memory once 500 streams are open (target: under 50 MB), its CPU over 30 s of
//! idleness with them open (target: under 5% of a core), the heartbeats the streams got meanwhile,
//! the time from sending `POST /dev/activities` to each following stream receiving the
//! activity, and for comparison what as many plain idle keep-alive connections cost.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crm_sidebar::sandbox::seed;
use crm_sidebar::wire::TokenResponse;
use serde_json::json;
use tokio::sync::mpsc;

const STREAMS: usize = 500;
const IDLE: Duration = Duration::from_secs(30);
/// Bounds every wait of the bench, so a broken feed fails it instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

/// The sandbox process, stopped when dropped.
struct Sandbox {
    child: Child,
    api: String,
    dir: std::path::PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_sandbox() -> Sandbox {
    let dir = std::env::temp_dir().join(format!("crm-sidebar-streams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--host-addr",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
        ])
        .args(["--activities", "20000", "--dist"])
        .arg(&dir)
        .arg("--db")
        .arg(dir.join("sandbox.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sandbox binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let api = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let rest = line.trim().strip_prefix("Plugin + API:")?;
            Some(rest.trim().split("/index.html").next()?.to_owned())
        })
        .expect("the sandbox prints its API origin");
    // The sandbox goes on printing; a closed pipe would stop it.
    std::thread::spawn(move || lines.for_each(drop));
    Sandbox { child, api, dir }
}

/// A field of `/proc/<pid>/status`, in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// User plus system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

async fn token(client: &reqwest::Client, api: &str, crm_user: &str) -> String {
    client
        .post(format!("{api}/dev/sso/token"))
        .json(&json!({"crmUser": crm_user, "ttlSeconds": 3600}))
        .send()
        .await
        .unwrap()
        .json::<TokenResponse>()
        .await
        .unwrap()
        .token
}

/// What a stream's reader saw.
#[derive(Debug)]
enum Seen {
    Open,
    Heartbeat,
    Activity { at: Instant, data: String },
}

/// Opens one stream and reports its messages until the stream or the bench ends.
async fn follow(
    client: reqwest::Client,
    url: String,
    token: String,
    seen: mpsc::UnboundedSender<Seen>,
) {
    let mut response = client.get(url).bearer_auth(token).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let report = if message.starts_with(':') {
                Seen::Heartbeat
            } else if message.contains("event: position") {
                Seen::Open
            } else if message.contains("event: activity") {
                Seen::Activity {
                    at: Instant::now(),
                    data: message,
                }
            } else {
                continue;
            };
            if seen.send(report).is_err() {
                return;
            }
        }
    }
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    let sandbox = start_sandbox();
    let pid = sandbox.child.id();
    let api = sandbox.api.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();

    // Who follows what: each user's own records, the manager's team, and single records.
    let mut users = seed::REPS_A.to_vec();
    users.extend([seed::MANAGER_A, seed::REP_B]);
    let mut tokens = Vec::new();
    for user in &users {
        tokens.push((*user, token(&client, &api, user).await));
    }
    let scopes: Vec<(String, &str)> = (0..STREAMS)
        .map(|i| {
            let (user, token) = &tokens[i % tokens.len()];
            let query = match (*user, i % 3) {
                (seed::MANAGER_A, _) => "owner=team".to_owned(),
                ("rep-ava", 0) => format!("record=lead/{}", seed::DEMO_LEAD),
                _ => "owner=me".to_owned(),
            };
            (format!("{api}/v1/events?{query}"), token.as_str())
        })
        .collect();
    // Warm the paths a stream takes before the baseline, so it holds no first-use allocations.
    for (url, token) in scopes.iter().take(tokens.len()) {
        let response = client
            .get(format!("{url}&wait=0"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = status_kb(pid, "VmRSS:");

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let opening = Instant::now();
    for (url, token) in &scopes {
        tokio::spawn(follow(
            client.clone(),
            url.clone(),
            token.to_string(),
            seen_tx.clone(),
        ));
    }
    drop(seen_tx);
    let mut open = 0;
    while open < STREAMS {
        match tokio::time::timeout(PATIENCE, seen.recv()).await {
            Ok(Some(Seen::Open)) => open += 1,
            Ok(Some(_)) => {}
            other => panic!("{open} of {STREAMS} streams open, then {other:?}"),
        }
    }
    let opened_in = opening.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_open = status_kb(pid, "VmRSS:");

    let ticks_before = cpu_ticks(pid);
    let idle_from = Instant::now();
    let mut heartbeats = 0;
    while let Ok(Some(message)) =
        tokio::time::timeout(IDLE.saturating_sub(idle_from.elapsed()), seen.recv()).await
    {
        match message {
            Seen::Heartbeat => heartbeats += 1,
            other => panic!("an idle stream got {other:?}"),
        }
    }
    let idle = idle_from.elapsed();
    let ticks = cpu_ticks(pid) - ticks_before;
    let cpu_share = ticks as f64 / clock_ticks_per_second() as f64 / idle.as_secs_f64();
    let rss_idle = status_kb(pid, "VmRSS:");

    // One activity of the demo lead: every stream of its owner (rep-ava), of the manager's team
    // and of the lead itself follows it.
    let followers = scopes
        .iter()
        .filter(|(_, token)| {
            let user = tokens.iter().find(|(_, t)| t == token).unwrap().0;
            user == "rep-ava" || user == seed::MANAGER_A
        })
        .count();
    let (_, ava) = tokens.iter().find(|(user, _)| *user == "rep-ava").unwrap();
    let marker = format!("bench-{}", std::process::id());
    let sent = Instant::now();
    let posted = client
        .post(format!("{api}/dev/activities"))
        .bearer_auth(ava)
        .json(
            &json!({"entity": "lead", "crmId": seed::DEMO_LEAD, "kind": "pageVisit",
            "occurredAt": chrono::Utc::now(), "subject": marker}),
        )
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success());
    let mut delays = Vec::new();
    while delays.len() < followers {
        match tokio::time::timeout(PATIENCE, seen.recv()).await {
            Ok(Some(Seen::Activity { at, data })) if data.contains(&marker) => {
                delays.push(at.saturating_duration_since(sent))
            }
            Ok(Some(_)) => {}
            other => panic!(
                "{} of {followers} followers got the activity, then {other:?}",
                delays.len()
            ),
        }
    }
    delays.sort();

    // For comparison: as many plain idle keep-alive connections (one `GET /v1/me` each, no
    // stream), opened on top, one at a time.
    let rss_streams = status_kb(pid, "VmRSS:");
    let mut kept = Vec::new();
    for (_, token) in scopes.iter().take(STREAMS) {
        let connection = reqwest::Client::new();
        let me = connection
            .get(format!("{api}/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        me.bytes().await.unwrap();
        kept.push(connection);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let plain = status_kb(pid, "VmRSS:").saturating_sub(rss_streams);

    let extra = rss_open.saturating_sub(rss_before);
    println!("\n| what | figure | target |\n| --- | --- | --- |");
    println!(
        "| extra resident memory of the sandbox with {STREAMS} streams open (opened in {:.2} s) | {} ({:.1} KB a stream; {} before, {} open, {} after {} s idle) | under 50 MB |",
        opened_in.as_secs_f64(),
        mb(extra),
        extra as f64 / STREAMS as f64,
        mb(rss_before),
        mb(rss_open),
        mb(rss_idle),
        idle.as_secs()
    );
    println!(
        "| for comparison: {STREAMS} more idle keep-alive connections without a stream | {} ({:.1} KB a connection) | |",
        mb(plain),
        plain as f64 / STREAMS as f64
    );
    println!(
        "| CPU of the sandbox over {} s idle with {STREAMS} streams open | {:.2}% of a core ({ticks} ticks) | under 5% |",
        idle.as_secs(),
        cpu_share * 100.0
    );
    println!(
        "| heartbeats the streams got meanwhile | {heartbeats} | about {} |",
        STREAMS * idle.as_secs() as usize / 15
    );
    println!(
        "| one activity → its {followers} following streams, from sending `POST /dev/activities`: median / max | {:.1} ms / {:.1} ms | |",
        delays[delays.len() / 2].as_secs_f64() * 1000.0,
        delays.last().unwrap().as_secs_f64() * 1000.0
    );
    drop(kept);
    drop(sandbox);
}
