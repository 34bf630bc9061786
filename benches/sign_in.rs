//! Sign-in latency of the release build, end to end over HTTP: the real server on a private PostgreSQL
//! (scripts/bench.sh starts it and sets BENCH_PG_SOCKET), the demo tenant, and sign-ins that each start a
//! new session. Reports p50/p95/p99 for a correct password one at a time and under concurrency, and the
//! same for a wrong password and for an unknown email (equal timings: no user enumeration by timing).
//!
//! Run: `bash scripts/bench.sh sign-in` (about 6 minutes from a cold build, 30 s warm).

// Leptos views nest deeply: the release build needs the same limit as the library.
#![recursion_limit = "512"]
// Test code: a failed expectation is a failed test (the workspace denies these everywhere else).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gwm_crm::{config::Config, startup::Application};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

const PASSWORD: &str = "Capture-Demo-2026!";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn report(label: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<44} n={:<4} p50={:>7.1} ms  p95={:>7.1} ms  p99={:>7.1} ms  max={:>7.1} ms  {:>6.1} sign-ins/s",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap_or(&Duration::ZERO)),
        samples.len() as f64 / wall.as_secs_f64()
    );
}

async fn sign_in(client: &reqwest::Client, url: &str, origin: &str, email: &str, password: &str) -> (Duration, u16) {
    let started = Instant::now();
    let res = client
        .post(url)
        .header("origin", origin)
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let _ = res.bytes().await;
    (started.elapsed(), status)
}

#[allow(clippy::too_many_arguments)] // a benchmark scenario is its parameters
async fn run(
    client: &reqwest::Client,
    url: &str,
    origin: &str,
    email: &str,
    password: &str,
    total: usize,
    concurrency: usize,
    expect: u16,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(total);
    let mut pending = Vec::new();
    for i in 0..total {
        let (client, url, origin, who, password) =
            (client.clone(), url.to_string(), origin.to_string(), email.to_string(), password.to_string());
        pending.push(tokio::spawn(async move { sign_in(&client, &url, &origin, &who, &password).await }));
        if pending.len() == concurrency || i + 1 == total {
            for task in pending.drain(..) {
                let (elapsed, status) = task.await.expect("task");
                assert_eq!(status, expect, "unexpected status for {email}");
                samples.push(elapsed);
            }
        }
    }
    (samples, started.elapsed())
}

fn main() {
    let socket = std::env::var("BENCH_PG_SOCKET").expect("BENCH_PG_SOCKET: run with scripts/bench.sh sign-in");
    let database = std::env::var("BENCH_DATABASE").unwrap_or_else(|_| "gwm_bench".into());
    let vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), format!("postgres://gwm_owner@localhost/{database}?host={socket}")),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        ("GWM_SEED_DEMO".into(), "if-empty".into()),
        ("GWM_SIGN_IN_RATE_PER_MINUTE".into(), "100000".into()),
        ("GWM_LOCKOUT_THRESHOLD".into(), "100".into()),
        ("GWM_FILES_DIR".into(), std::env::temp_dir().join("gwm-bench-files").display().to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let app = Application::build(config).await.expect("server");
        let addr = app.addr;
        tokio::spawn(app.run_until_stopped());
        let url = format!("http://{addr}/api/auth/sign-in");
        let origin = format!("http://{addr}");
        // No cookie store: every sign-in starts a new session, as a new browser would.
        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().expect("client");
        let users = ["jordan.reyes", "priya.natarajan", "marcus.webb", "elena.fischer", "sam.okafor", "taylor.brooks"];
        // Warm-up (connections, the dummy hash, caches).
        run(&client, &url, &origin, "admin@demo.gwm.test", PASSWORD, 20, 4, 200).await;
        println!(
            "sign-in benchmark, release build, {} cores",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        );
        let (s, w) = run(&client, &url, &origin, "jordan.reyes@demo.gwm.test", PASSWORD, 200, 1, 200).await;
        report("correct password, one at a time", s, w);
        let mut all = Vec::new();
        let started = Instant::now();
        for user in users {
            let (s, _) = run(&client, &url, &origin, &format!("{user}@demo.gwm.test"), PASSWORD, 100, 8, 200).await;
            all.extend(s);
        }
        report("correct password, 8 concurrent", all, started.elapsed());
        let (s, w) = run(&client, &url, &origin, "marcus.webb@demo.gwm.test", "wrong password here", 90, 1, 401).await;
        report("wrong password (known user), one at a time", s, w);
        let (s, w) = run(&client, &url, &origin, "nobody@demo.gwm.test", "wrong password here", 90, 1, 401).await;
        report("unknown email, one at a time", s, w);
    });
}
