//! The load driver of `scripts/bench.sh pages` (which starts the server, nginx and PostgreSQL, and says how
//! each subcommand is called):
//!
//! - `sign-in`: signs every bench user in over HTTP, as a browser would, and writes one session a line.
//! - `load`: goose, one GooseUser per signed-in session, each sending its own cookie and its tenant's Host,
//!   requesting one page back to back (closed loop, so the users are the concurrency). The same run against
//!   nginx serving the saved HTML measures the same bytes served statically. With `--think MIN-MAX` each
//!   session instead waits a random MIN..MAX seconds after each page, as a person reading it would (open
//!   loop per person; the first visits are spread over MAX seconds so they do not arrive as one burst).
//! - `pgbench`: reads a pgbench run (its output and per-transaction log) into the same results file.
//! - `report`: the summary table, with the ratios app/static and app/SQL.
//!
//! Why goose and not oha or wrk: every request must carry its own session's cookie and its tenant's Host
//! (500 distinct signed-in sessions, not one cookie reused), which a GooseUser holds naturally. Why timings
//! of our own: goose times a request until its response headers arrive, but Leptos streams /pipeline and
//! /projects/:id (out-of-order streaming: the shell first, the data when it is loaded), so here each sample
//! runs until the whole body has been read. Goose's own report (time to headers) goes to the raw log.
//! Sessions sign in once, before the first phase, rather than in each GooseUser's on_start: 500 Argon2
//! hashes per phase would only add minutes, and every phase then uses the same 500 sessions.

// A benchmark driver: a failed setup step ends the run with its message (the workspace denies these elsewhere).
#![allow(clippy::expect_used)]

mod report;

use goose::{config::GooseConfiguration, prelude::*};
use report::{Outcome, percentiles};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const USAGE: &str = "usage:
  gwm-bench sign-in --base URL --users FILE --out FILE          (password in BENCH_PASSWORD)
  gwm-bench load --target app|static --base URL --page board|table|project|contacts|contact_search|find --users N --seconds S \\
                 --sessions FILE --projects FILE --out RESULTS.jsonl [--warmup S] [--think MIN-MAX]
  gwm-bench pgbench --page P --clients N --output FILE --log-prefix PREFIX --out RESULTS.jsonl
  gwm-bench report RESULTS.jsonl";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else { fail(USAGE) };
    let flags = Flags::parse(rest);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match command.as_str() {
        "sign-in" => runtime.block_on(sign_in_all(&flags)),
        "load" => runtime.block_on(load(&flags)),
        "pgbench" => {
            let (page, output, log_prefix, out) =
                (flags.get("page"), flags.get("output"), flags.get("log-prefix"), flags.get("out"));
            report::pgbench(&page, flags.number("clients"), &output, &log_prefix, &out)
        }
        "report" => report::print(rest.first().map(String::as_str).unwrap_or_else(|| fail(USAGE))),
        _ => fail(USAGE),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("gwm-bench: {message}");
    std::process::exit(2)
}

/// `--name value` pairs.
struct Flags(HashMap<String, String>);

impl Flags {
    fn parse(args: &[String]) -> Flags {
        let mut map = HashMap::new();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if let Some(name) = flag.strip_prefix("--") {
                let value = it.next().unwrap_or_else(|| fail(&format!("{flag} needs a value")));
                map.insert(name.to_string(), value.clone());
            }
        }
        Flags(map)
    }

    fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_else(|| fail(&format!("--{name} is required\n{USAGE}")))
    }

    fn number(&self, name: &str) -> usize {
        self.get(name).parse().unwrap_or_else(|_| fail(&format!("--{name} must be a whole number")))
    }
}

fn read_lines(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("reading {path}: {e}")));
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

/// "http://127.0.0.1:PORT" → PORT: tenants are at `<subdomain>.localhost:PORT`.
fn port_of(base: &str) -> &str {
    base.rsplit(':').next().unwrap_or_else(|| fail(&format!("{base} has no port")))
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        // A redirect means the session was not accepted (to /sign-in): an error, not something to follow.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

/// Signs in each `subdomain<TAB>email` of `--users` (a few at a time: Argon2 is CPU-bound) and writes
/// `host<TAB>cookie` lines to `--out`, in the same order.
async fn sign_in_all(flags: &Flags) {
    let base = flags.get("base");
    let port = port_of(&base).to_string();
    let password = std::env::var("BENCH_PASSWORD").unwrap_or_else(|_| fail("BENCH_PASSWORD is not set"));
    let users = read_lines(&flags.get("users"));
    let client = http_client();
    let permits = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for user in users {
        let [subdomain, email] = user.as_slice() else { fail("users file: expected subdomain<TAB>email lines") };
        let host = format!("{subdomain}.localhost:{port}");
        let (client, url, email, password, permits) =
            (client.clone(), format!("{base}/api/auth/sign-in"), email.clone(), password.clone(), permits.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            let res = client
                .post(&url)
                .header("host", &host)
                .header("origin", format!("http://{host}"))
                .header("accept", "application/json")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("email={}&password={}", form_encode(&email), form_encode(&password)))
                .send()
                .await
                .unwrap_or_else(|e| fail(&format!("signing in {email}: {e}")));
            let status = res.status();
            let cookie = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("gwm_session="))
                .and_then(|v| v.split(';').next())
                .map(str::to_string);
            let body = res.text().await.unwrap_or_default();
            match cookie {
                Some(cookie) if status == 200 && body.contains("SignedIn") => format!("{host}\t{cookie}"),
                _ => fail(&format!("signing in {email} at {host} answered {status}: {body}")),
            }
        }));
    }
    let mut lines = Vec::new();
    for task in tasks {
        lines.push(task.await.expect("sign-in task"));
    }
    let out = flags.get("out");
    std::fs::write(&out, lines.join("\n") + "\n").unwrap_or_else(|e| fail(&format!("writing {out}: {e}")));
    println!("{} sessions signed in", lines.len());
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Page {
    Board,
    Table,
    Project,
    /// The contacts list, second page (/contacts?page=2).
    Contacts,
    /// The contacts list's search for one of the find terms (/contacts?q=…).
    ContactSearch,
    /// Find anything (Ctrl-K): the search server function, asked one of its terms (a POST).
    Find,
}

/// Find anything's questions: beginnings of words of people in the bench data, every one finding people (as
/// src/pgbench.rs FIND_TERMS).
const FIND_TERMS: [&str; 8] = ["whit", "reye", "okaf", "chen", "morgan", "dana webb", "fisch", "park"];

impl Page {
    fn parse(name: &str) -> Page {
        match name {
            "board" => Page::Board,
            "table" => Page::Table,
            "project" => Page::Project,
            "contacts" => Page::Contacts,
            "contact_search" => Page::ContactSearch,
            "find" => Page::Find,
            other => fail(&format!("unknown page {other:?}: board, table, project, contacts, contact_search or find")),
        }
    }

    /// The request of a session's `n`th visit: a different project of its tenant each time.
    fn path(self, session: &Session, n: usize) -> String {
        match self {
            Page::Board => "/pipeline".to_string(),
            Page::Table => "/projects?sort=due&page=2".to_string(),
            Page::Project => {
                format!("/projects/{}", session.projects[(session.offset + n * 7919) % session.projects.len()])
            }
            Page::Contacts => "/contacts?page=2".to_string(),
            Page::ContactSearch => {
                format!("/contacts?q={}", FIND_TERMS[(session.offset + n) % FIND_TERMS.len()].replace(' ', "+"))
            }
            Page::Find => "/api/search".to_string(),
        }
    }

    /// A POST's form body (find anything's question), None for a page.
    fn form(self, session: &Session, n: usize) -> Option<String> {
        match self {
            Page::Find => Some(format!("q={}", FIND_TERMS[(session.offset + n) % FIND_TERMS.len()].replace(' ', "+"))),
            _ => None,
        }
    }

    /// What only the loaded page has (the end-to-end tests' hooks): the board's columns, the table, the
    /// health score. A page whose data failed to load shows an error callout instead.
    fn marker(self) -> &'static str {
        match self {
            Page::Board => "data-testid=\"board\"",
            Page::Table => "data-testid=\"projects-table\"",
            Page::Project => "data-testid=\"pursuit-health\"",
            Page::Contacts | Page::ContactSearch => "data-testid=\"contacts-table\"",
            // Every term finds people: an answer with hits.
            Page::Find => "\"href\":\"/contacts/",
        }
    }
}

/// One signed-in session as a GooseUser holds it.
struct Session {
    host: String,
    cookie: String,
    projects: Arc<Vec<String>>,
    offset: usize,
    visits: usize,
}

/// One page load: when it finished, how long it took, whether it was the real page, its size.
struct Sample {
    done: Instant,
    micros: u64,
    ok: bool,
    bytes: usize,
}

/// Set once before the attack; goose transactions are plain functions.
struct Attack {
    page: Page,
    /// Where the first body that was not the page is kept.
    failure_file: String,
    users: usize,
    sessions: Vec<(String, String)>,
    projects: HashMap<String, Arc<Vec<String>>>,
    /// Seconds a person reads a page before the next (None: back to back).
    think: Option<(u64, u64)>,
}

static ATTACK: OnceLock<Attack> = OnceLock::new();
static SAMPLES: Mutex<Vec<Sample>> = Mutex::new(Vec::new());
static STARTED_USERS: AtomicUsize = AtomicUsize::new(0);
/// When the last user started: the measured window begins a warm-up after it.
static ALL_STARTED: OnceLock<Instant> = OnceLock::new();

fn attack() -> &'static Attack {
    ATTACK.get().expect("the attack is set before goose starts")
}

/// on_start: the user's own session (user i gets session i) and client (one connection, like a browser tab).
async fn start(user: &mut GooseUser) -> TransactionResult {
    let a = attack();
    let index = user.weighted_users_index;
    let (host, cookie) = a.sessions[index % a.sessions.len()].clone();
    let subdomain = host.split('.').next().unwrap_or_default();
    let projects = a.projects.get(subdomain).cloned().unwrap_or_else(|| fail(&format!("no projects for {subdomain}")));
    user.set_client_builder(
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(60)),
    )
    .await?;
    user.set_session_data(Session { host, cookie, projects, offset: index * 31, visits: 0 });
    if let Some((_, max)) = a.think {
        // Spread the first visits evenly over one longest think time.
        let stagger_ms = (index as u64 * 7919) % (max * 1000).max(1);
        tokio::time::sleep(Duration::from_millis(stagger_ms)).await;
    }
    if STARTED_USERS.fetch_add(1, Ordering::SeqCst) + 1 == a.users {
        let _ = ALL_STARTED.set(Instant::now());
    }
    Ok(())
}

/// One page load, timed until the last byte of the body.
async fn visit(user: &mut GooseUser) -> TransactionResult {
    let page = attack().page;
    let (path, form, host, cookie) = {
        let session = user.get_session_data_unchecked_mut::<Session>();
        session.visits += 1;
        (
            page.path(session, session.visits),
            page.form(session, session.visits),
            session.host.clone(),
            session.cookie.clone(),
        )
    };
    let builder = match form {
        None => user.get_request_builder(&GooseMethod::Get, &path)?,
        // A server function: the browser's own headers (its origin, a form body, JSON back).
        Some(body) => user
            .get_request_builder(&GooseMethod::Post, &path)?
            .header("origin", format!("http://{host}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body),
    };
    let builder = builder.header("host", host).header("cookie", cookie);
    let request = GooseRequest::builder().name(page_name(page)).set_request_builder(builder).build();
    let started = Instant::now();
    let mut goose = user.request(request).await?;
    let (result, bytes) = match goose.response {
        Ok(res) => {
            let status = res.status();
            match res.text().await {
                Ok(body) if status == 200 && body.contains(page.marker()) && !body.contains("callout--error") => {
                    (Ok(()), body.len())
                }
                Ok(body) => {
                    keep_first_failure(&body);
                    (Err(format!("{status}: not the page ({} bytes)", body.len())), body.len())
                }
                Err(e) => (Err(format!("reading the body: {e}")), 0),
            }
        }
        Err(e) => (Err(format!("request failed: {e}")), 0),
    };
    let done = Instant::now();
    let sample = Sample { done, micros: (done - started).as_micros() as u64, ok: result.is_ok(), bytes };
    SAMPLES.lock().expect("samples").push(sample);
    match result {
        Ok(()) => Ok(()),
        Err(tag) => user.set_failure(&tag, &mut goose.request, None, None),
    }
}

/// The first body that was not the page, kept beside the results for whoever reads the errors.
fn keep_first_failure(body: &str) {
    static KEPT: std::sync::Once = std::sync::Once::new();
    KEPT.call_once(|| {
        let _ = std::fs::write(&attack().failure_file, body);
    });
}

/// "5-15" → (5, 15) seconds.
fn parse_think(text: &str) -> (u64, u64) {
    let parsed = text.split_once('-').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some((min, max)) if min <= max && max > 0 => (min, max),
        _ => fail(&format!("--think {text:?}: expected MIN-MAX seconds, e.g. 5-15")),
    }
}

fn goose_error<T>(e: GooseError) -> T {
    fail(&format!("goose: {e}"))
}

fn page_name(page: Page) -> &'static str {
    match page {
        Page::Board => "board",
        Page::Table => "table",
        Page::Project => "project",
        Page::Contacts => "contacts",
        Page::ContactSearch => "contact_search",
        Page::Find => "find",
    }
}

async fn load(flags: &Flags) {
    let (target, base, page_arg) = (flags.get("target"), flags.get("base"), flags.get("page"));
    let (users, seconds) = (flags.number("users"), flags.number("seconds"));
    let warmup = flags.0.get("warmup").map_or(2, |w| w.parse().unwrap_or_else(|_| fail("--warmup: seconds")));
    let sessions: Vec<(String, String)> = read_lines(&flags.get("sessions"))
        .into_iter()
        .map(|l| match l.as_slice() {
            [host, cookie] => (host.clone(), cookie.clone()),
            _ => fail("sessions file: expected host<TAB>cookie lines"),
        })
        .collect();
    if sessions.len() < users {
        fail(&format!("{users} users need {users} sessions; the sessions file has {}", sessions.len()));
    }
    let mut projects: HashMap<String, Vec<String>> = HashMap::new();
    for line in read_lines(&flags.get("projects")) {
        if let [subdomain, id] = line.as_slice() {
            projects.entry(subdomain.clone()).or_default().push(id.clone());
        }
    }
    let page = Page::parse(&page_arg);
    let think = flags.0.get("think").map(|t| parse_think(t));
    let projects = projects.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
    let out = flags.get("out");
    let failure_file = format!("{out}.failed-{target}-{page_arg}-{users}.html");
    if ATTACK.set(Attack { page, failure_file, users, sessions, projects, think }).is_err() {
        fail("one attack per process");
    }
    let stagger = think.map_or(0, |(_, max)| max as usize);
    let mut scenario = scenario!("SignedInSession")
        .register_transaction(transaction!(start).set_on_start())
        .register_transaction(transaction!(visit));
    if let Some((min, max)) = think {
        scenario =
            scenario.set_wait_time(Duration::from_secs(min), Duration::from_secs(max)).unwrap_or_else(goose_error);
    }

    let metrics = GooseAttack::initialize_with_config(GooseConfiguration::default())
        .unwrap_or_else(goose_error)
        .register_scenario(scenario)
        .set_default(GooseDefault::Host, base.as_str())
        .and_then(|g| g.set_default(GooseDefault::Users, users))
        // Every user within about a second; the warm-up then lets connections and caches settle.
        .and_then(|g| g.set_default(GooseDefault::HatchRate, users.to_string().as_str()))
        // With think time the first visits are spread over the longest think (see `start`) before the warm-up.
        .and_then(|g| g.set_default(GooseDefault::RunTime, stagger + warmup + seconds + 1))
        .and_then(|g| g.set_default(GooseDefault::NoTelnet, true))
        .and_then(|g| g.set_default(GooseDefault::NoWebSocket, true))
        .and_then(|g| g.set_default(GooseDefault::NoGzip, true))
        .unwrap_or_else(goose_error)
        .execute()
        .await
        .unwrap_or_else(goose_error);
    let counted: usize = metrics.requests.values().map(|r| r.success_count + r.fail_count).sum();
    println!("goose: {counted} requests counted by goose (time to headers; see its report above)");

    let all_started = *ALL_STARTED.get().unwrap_or_else(|| fail("not every user started"));
    let from = all_started + Duration::from_secs(warmup as u64);
    let until = from + Duration::from_secs(seconds as u64);
    let samples = std::mem::take(&mut *SAMPLES.lock().expect("samples"));
    let window: Vec<&Sample> = samples.iter().filter(|s| s.done >= from && s.done < until).collect();
    let mut micros: Vec<u64> = window.iter().filter(|s| s.ok).map(|s| s.micros).collect();
    let ok = micros.len();
    let errors = window.len() - ok + samples.iter().filter(|s| !s.ok && (s.done < from || s.done >= until)).count();
    let bytes = window.iter().filter(|s| s.ok).map(|s| s.bytes).max().unwrap_or(0);
    let (p50, p95, p99, mean) = percentiles(&mut micros);
    let outcome = Outcome {
        kind: target,
        page: page_arg,
        concurrency: users,
        think: think.map(|(min, max)| format!("{min}-{max}")),
        p50_ms: p50,
        p95_ms: p95,
        p99_ms: p99,
        mean_ms: mean,
        per_second: ok as f64 / seconds as f64,
        count: ok,
        errors,
        bytes,
    };
    eprintln!("{}", outcome.line());
    outcome.append(&out);
}
