//! Results: one JSON line per measured run (app, static, sql) and the summary table over them.

use crate::fail;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// One page at one concurrency, measured one way: "app" (the server), "static" (nginx, same bytes) or
/// "sql" (pgbench, the page's own queries).
#[derive(Debug, Serialize, Deserialize)]
pub struct Outcome {
    pub kind: String,
    pub page: String,
    pub concurrency: usize,
    /// Seconds of think time between a session's pages ("5-15"); None: closed loop, back to back.
    #[serde(default)]
    pub think: Option<String>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    /// Successful page loads (or SQL transactions) per second.
    pub per_second: f64,
    /// Successful loads (transactions) in the measured window.
    pub count: usize,
    /// Loads that were not the page, over the whole run (warm-up included); pgbench: failed transactions.
    pub errors: usize,
    pub bytes: usize,
}

impl Outcome {
    pub fn line(&self) -> String {
        let (kind, page, c) = (&self.kind, &self.page, self.concurrency);
        let think = self.think.as_deref().map(|t| format!(" think={t}s")).unwrap_or_default();
        let (p50, p95, p99, mean) = (self.p50_ms, self.p95_ms, self.p99_ms, self.mean_ms);
        format!(
            "{kind:<6} {page:<7} c={c:<3}{think} p50={p50:>8.2} ms p95={p95:>8.2} ms p99={p99:>8.2} ms mean={mean:>8.2} ms \
             {:>8.1}/s n={} errors={}",
            self.per_second, self.count, self.errors
        )
    }

    pub fn append(&self, path: &str) {
        let json = serde_json::to_string(self).expect("an outcome serializes");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|e| fail(&format!("opening {path}: {e}")));
        writeln!(file, "{json}").unwrap_or_else(|e| fail(&format!("writing {path}: {e}")));
    }
}

/// (p50, p95, p99, mean) in milliseconds of samples in microseconds (sorted in place). Nearest rank.
pub fn percentiles(micros: &mut [u64]) -> (f64, f64, f64, f64) {
    if micros.is_empty() {
        return (0.0, 0.0, 0.0, 0.0);
    }
    micros.sort_unstable();
    let at = |p: f64| micros[((micros.len() as f64 * p).ceil() as usize).clamp(1, micros.len()) - 1] as f64 / 1000.0;
    let mean = micros.iter().sum::<u64>() as f64 / micros.len() as f64 / 1000.0;
    (at(0.50), at(0.95), at(0.99), mean)
}

/// A pgbench run: tps and failures from its output, latencies from its per-transaction log (`-l`): lines of
/// `client transaction latency_us script epoch_s epoch_us`, one file per thread named PREFIX.<pid>[.<thread>].
pub fn pgbench(page: &str, clients: usize, output: &str, log_prefix: &str, out: &str) {
    let text = std::fs::read_to_string(output).unwrap_or_else(|e| fail(&format!("reading {output}: {e}")));
    let value = |key: &str| -> Option<f64> {
        let rest = text.lines().find_map(|l| l.trim().strip_prefix(key))?;
        rest.split_whitespace().next()?.parse().ok()
    };
    let tps = value("tps = ").unwrap_or_else(|| fail(&format!("no tps in {output}: did pgbench fail?")));
    let failed = value("number of failed transactions: ").unwrap_or(0.0) as usize;
    let prefix = std::path::Path::new(log_prefix);
    let dir = prefix.parent().unwrap_or_else(|| std::path::Path::new("."));
    let stem = prefix.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let mut micros = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("reading {}: {e}", dir.display())));
    for entry in entries.flatten() {
        if !entry.file_name().to_str().is_some_and(|n| n.starts_with(&format!("{stem}."))) {
            continue;
        }
        let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
        micros.extend(log.lines().filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok()));
    }
    let (p50, p95, p99, mean) = percentiles(&mut micros);
    let outcome = Outcome {
        kind: "sql".into(),
        page: page.into(),
        concurrency: clients,
        think: None,
        p50_ms: p50,
        p95_ms: p95,
        p99_ms: p99,
        mean_ms: mean,
        per_second: tps,
        count: micros.len(),
        errors: failed,
        bytes: 0,
    };
    eprintln!("{}", outcome.line());
    outcome.append(out);
}

/// The summary: page × concurrency → app, SQL and static figures and the ratios.
pub fn print(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("reading {path}: {e}")));
    let results: Vec<Outcome> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let (think_runs, results): (Vec<Outcome>, Vec<Outcome>) = results.into_iter().partition(|r| r.think.is_some());
    let find = |kind: &str, page: &str, c: usize| {
        results.iter().find(|r| r.kind == kind && r.page == page && r.concurrency == c)
    };
    let ratio = |a: f64, b: f64| if b > 0.0 { format!("{:.1}x", a / b) } else { "-".into() };
    println!();
    println!(
        "{:<8}{:>5} | {:>31} {:>8} {:>6} | {:>23} {:>8} | {:>23} {:>8} | {:>13} {:>6} | {:>13} {:>6}",
        "", "", "app (ms)", "", "", "SQL, pgbench (ms)", "", "static, nginx (ms)", "", "app/static", "", "app/SQL", ""
    );
    println!(
        "{:<8}{:>5} | {:>7} {:>7} {:>7} {:>8} {:>8} {:>6} | {:>7} {:>7} {:>7} {:>8} | {:>7} {:>7} {:>7} {:>8} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6}",
        "page",
        "conc",
        "p50",
        "p95",
        "p99",
        "req/s",
        "KiB",
        "errors",
        "avg",
        "p50",
        "p95",
        "tps",
        "p50",
        "p95",
        "p99",
        "req/s",
        "p50",
        "p95",
        "rps",
        "avg",
        "p95",
        "rps"
    );
    let mut keys: Vec<(&str, usize)> =
        results.iter().filter(|r| r.kind == "app").map(|r| (r.page.as_str(), r.concurrency)).collect();
    keys.dedup();
    for (page, c) in keys {
        let Some(app) = find("app", page, c) else { continue };
        let sql = find("sql", page, c);
        let st = find("static", page, c);
        let num = |v: Option<f64>, width: usize| v.map_or(format!("{:>width$}", "-"), |v| format!("{v:>width$.1}"));
        // Fewer page loads than sessions in the window: every session waited on the first load most of the run.
        let unsteady = app.count < c;
        println!(
            "{:<8}{:>5} | {:>7.1} {:>7.1} {:>7.1} {:>7.1}{} {:>8} {:>6} | {} {} {} {} | {} {} {} {} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6}",
            page,
            c,
            app.p50_ms,
            app.p95_ms,
            app.p99_ms,
            app.per_second,
            if unsteady { "*" } else { " " },
            app.bytes / 1024,
            app.errors + st.map_or(0, |s| s.errors),
            num(sql.map(|s| s.mean_ms), 7),
            num(sql.map(|s| s.p50_ms), 7),
            num(sql.map(|s| s.p95_ms), 7),
            num(sql.map(|s| s.per_second), 8),
            num(st.map(|s| s.p50_ms), 7),
            num(st.map(|s| s.p95_ms), 7),
            num(st.map(|s| s.p99_ms), 7),
            num(st.map(|s| s.per_second), 8),
            st.map_or("-".into(), |s| ratio(app.p50_ms, s.p50_ms)),
            st.map_or("-".into(), |s| ratio(app.p95_ms, s.p95_ms)),
            st.map_or("-".into(), |s| ratio(s.per_second, app.per_second)),
            sql.map_or("-".into(), |s| ratio(app.mean_ms, s.mean_ms)),
            sql.map_or("-".into(), |s| ratio(app.p95_ms, s.p95_ms)),
            sql.map_or("-".into(), |s| ratio(s.per_second, app.per_second)),
        );
    }
    println!();
    println!("Latency ratios are app over static (or SQL): how many times slower the page is. rps ratios are static");
    println!("(or SQL) throughput over the app's: how many times more the cheaper path serves. errors: app + static.");
    println!(
        "* fewer page loads than sessions in the window: the server never caught up, so the latencies are a lower"
    );
    println!("  bound of a steady state (each session would wait about sessions / req/s).");
    if !think_runs.is_empty() {
        println!();
        println!("With think time (each session reads a page for a random MIN..MAX seconds before the next):");
        for run in &think_runs {
            println!("  {}", run.line());
        }
    }
}
