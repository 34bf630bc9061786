//! `gwm-crm [serve]` runs the server; `gwm-crm migrate` applies migrations; `gwm-crm seed-demo` creates
//! the demo tenant if it does not exist; `gwm-crm pgbench-script PAGE` prints a page's SQL for pgbench;
//! `gwm-crm routes` lists the app's pages (the accessibility scan visits each).

// Leptos views nest deeply: the release build needs the same limit as the library.
#![recursion_limit = "512"]

use gwm_crm::{config::Config, database, demo, platform, startup::Application, telemetry};
use std::process::ExitCode;

const USAGE: &str = "usage: gwm-crm [serve | migrate | seed-demo | pgbench-script PAGE | create-tenant OPTIONS | sources ... | sync ...]\n\
    serve          apply migrations, then serve (default)\n\
    migrate        apply migrations and exit\n\
    seed-demo      create the demo tenant (if missing) and print its sign-in details\n\
    pgbench-script PAGE  print the pgbench script of a benchmarked page (board, table, project, contacts, find)\n\
    routes         print the path of every page of the app, one per line\n\
    demo-feed      serve the demo's scripted SAM.gov-shaped feed (GWM_DEMO_FEED_ADDR, default 127.0.0.1:3090;\n\
                   it changes every GWM_DEMO_FEED_STEP_MINUTES, default 2)\n\
    create-tenant  create a tenant and its first admin:\n\
                   --name NAME --id SUBDOMAIN --admin-email EMAIL --admin-first-name FIRST\n\
                   --admin-last-name LAST [--plan starter|professional|enterprise] [--max-users N]\n\
                   The admin's password is read from GWM_ADMIN_PASSWORD, or else from the first line of stdin.\n\
    external data sources (migrations must have run):\n";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_string());
    if command == "pgbench-script" {
        // The pages benchmark's SQL (src/pgbench.rs): no configuration, no database.
        let page = std::env::args().nth(2).unwrap_or_default();
        return match gwm_crm::pgbench::script(&page) {
            Some(script) => {
                print!("{script}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("pgbench-script: unknown page {page:?}; one of {}", gwm_crm::pgbench::PAGES.join(", "));
                ExitCode::from(2)
            }
        };
    }
    if command == "routes" {
        // The router's own list: a page added later is in it (the browser tests scan every page).
        let mut paths: Vec<String> =
            leptos_axum::generate_route_list(app::App).iter().map(|r| r.path().to_string()).collect();
        paths.sort();
        paths.dedup();
        println!("{}", paths.join("\n"));
        return ExitCode::SUCCESS;
    }
    if command == "demo-feed" {
        // The demo tenant's scripted SAM.gov-shaped feed (src/demo/feed.rs): no configuration, no database.
        telemetry::init(gwm_crm::config::LogFormat::Pretty);
        let addr = std::env::var("GWM_DEMO_FEED_ADDR").unwrap_or_else(|_| demo::feed::DEMO_FEED_ADDR.to_string());
        let step = std::env::var("GWM_DEMO_FEED_STEP_MINUTES").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
        let Ok(addr) = addr.parse() else {
            eprintln!("demo-feed: GWM_DEMO_FEED_ADDR {addr:?} is not an address like 127.0.0.1:3090");
            return ExitCode::from(2);
        };
        let control = std::env::var("GWM_DEMO_FEED_CONTROL").is_ok_and(|v| v == "1");
        return match demo::feed::serve(addr, step, control).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo-feed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if command == "extract-text" {
        // The server's extraction child (src/extract): no configuration, no database, only stdin and stdout.
        return gwm_crm::extract::run_child(&std::env::args().nth(2).unwrap_or_default());
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let outcome = match command.as_str() {
        "serve" => serve(config).await,
        "migrate" => migrate(config).await,
        "seed-demo" => seed_demo(config).await,
        "create-tenant" => create_tenant(config, std::env::args().skip(2).collect()).await,
        "sources" | "sync" => sync_command(&command, config, std::env::args().skip(2).collect()).await,
        "-h" | "--help" | "help" => {
            println!("{USAGE}{}", gwm_crm::sync::cli::USAGE);
            Ok(())
        }
        other => {
            eprintln!("unknown command {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The whole chain, so the operator sees the cause and not only the symptom.
            let mut message = err.to_string();
            let mut source = err.source();
            while let Some(cause) = source {
                message.push_str(&format!("\n  caused by: {cause}"));
                source = cause.source();
            }
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn serve(config: Config) -> Result<(), BoxError> {
    let app = Application::build(config).await?;
    tracing::info!(addr = %app.addr, "listening on http://{}", app.addr);
    app.run_until_stopped().await?;
    Ok(())
}

async fn sync_command(command: &str, config: Config, args: Vec<String>) -> Result<(), BoxError> {
    let ctx = gwm_crm::sync::cli::context(&config).await?;
    let outcome = match command {
        "sources" => gwm_crm::sync::cli::sources(&ctx, &args).await,
        _ => gwm_crm::sync::cli::sync(&ctx, &args).await,
    };
    ctx.pool.close().await;
    outcome
}

async fn migrate(config: Config) -> Result<(), BoxError> {
    let owner = database::connect(&config.owner_db, 1).await?;
    database::migrate(&owner).await?;
    owner.close().await;
    println!("migrations applied");
    Ok(())
}

async fn seed_demo(config: Config) -> Result<(), BoxError> {
    let owner = database::connect(&config.owner_db, 2).await?;
    database::migrate(&owner).await?;
    match demo::seed_if_missing(&owner, &config.demo_password, config.auth.secret_key.expose(), &config.demo_feed_addr)
        .await?
    {
        Some(report) => report.print_sign_in(&config),
        None => println!("The demo tenant already exists; nothing changed."),
    }
    owner.close().await;
    Ok(())
}

/// Parses `--flag value` pairs for create-tenant.
fn new_tenant_from_args(args: &[String]) -> Result<platform::NewTenant, String> {
    let mut flags = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        flags.insert(flag.trim_start_matches("--").to_string(), value.clone());
    }
    let required = |name: &str| flags.get(name).cloned().ok_or_else(|| format!("--{name} is required\n{USAGE}"));
    let password = match std::env::var("GWM_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| format!("reading the password from stdin: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    Ok(platform::NewTenant {
        name: required("name")?,
        subdomain: required("id")?.to_ascii_lowercase(),
        plan: flags.get("plan").cloned().unwrap_or_else(|| "starter".to_string()),
        max_users: flags
            .get("max-users")
            .map(|n| n.parse::<i32>().map_err(|_| format!("--max-users must be a number, not {n:?}")))
            .transpose()?
            .unwrap_or(100),
        admin_email: required("admin-email")?,
        admin_first_name: required("admin-first-name")?,
        admin_last_name: required("admin-last-name")?,
        admin_password: password,
    })
}

async fn create_tenant(config: Config, args: Vec<String>) -> Result<(), BoxError> {
    let new = new_tenant_from_args(&args)?;
    let owner = database::connect(&config.owner_db, 2).await?;
    database::migrate(&owner).await?;
    let (tenant, admin) = platform::create_tenant(&owner, &new).await?;
    owner.close().await;
    println!(
        "Created \"{}\" (ID {}, tenant {tenant}); first admin {} (user {admin}).",
        new.name, new.subdomain, new.admin_email
    );
    println!("Sign in at http://{}.{}:{}/sign-in", new.subdomain, config.base_domain, config.bind.port());
    Ok(())
}
