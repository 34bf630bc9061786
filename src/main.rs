//! `gwm-crm [serve]` runs the server; `gwm-crm migrate` applies migrations; `gwm-crm seed-demo` creates
//! the demo tenant if it does not exist.
#![deny(clippy::unwrap_used)]

use gwm_crm::{config::Config, database, demo, startup::Application, telemetry};
use std::process::ExitCode;

const USAGE: &str = "usage: gwm-crm [serve | migrate | seed-demo]\n\
    serve      apply migrations, then serve (default)\n\
    migrate    apply migrations and exit\n\
    seed-demo  create the demo tenant (if missing) and print its sign-in details";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_string());
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
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
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
    match demo::seed_if_missing(&owner, &config.demo_password).await? {
        Some(report) => report.print_sign_in(&config),
        None => println!("The demo tenant already exists; nothing changed."),
    }
    owner.close().await;
    Ok(())
}
