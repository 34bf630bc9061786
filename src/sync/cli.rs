//! Operators' commands: `gwm-crm sources list --tenant ID`, `gwm-crm sources add --tenant ID ...` (the
//! secret from GWM_SOURCE_SECRET or the first line of stdin, never from an argument, which `ps` shows) and
//! `gwm-crm sync --tenant ID --source NAME --once`.

use super::{Ctx, Outcome, Tuning, sync_source_once};
use crate::config::Config;
use app::{
    audit::{Actor, AuditAction, AuditEvent, ssr::record},
    auth::ssr::door,
    domain::SystemActor,
    ids::TenantId,
    sync::{
        SourceInput,
        ssr::{queries, sources},
    },
    tenancy::ssr::active_tenant,
};
use std::collections::HashMap;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub const USAGE: &str = "\
    sources list --tenant ID|SUBDOMAIN\n\
    sources add --tenant ID|SUBDOMAIN --name NAME --kind sam_gov|gwm_feed --endpoint URL [--auth none|api_key|basic_auth|oauth2]\n\
                [--username U] [--token-url URL --client-id ID [--scope S]] [--page-size N] [--frequency MINUTES]\n\
                [--rate-limit PER_HOUR] [--timeout SECONDS] [--retries N] [--posted-within DAYS] [--naics 541512,541519]\n\
                [--set-asides SBA,8A] [--types o,k] [--keywords WORDS]\n\
                The secret (API key, password, client secret) is read from GWM_SOURCE_SECRET or the first line of stdin.\n\
    sync --tenant ID|SUBDOMAIN --source NAME --once   poll one source now and print what changed";

fn flags(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut flags = HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let name = flag.strip_prefix("--").ok_or_else(|| format!("unexpected {flag:?}\n{USAGE}"))?;
        if name == "once" {
            flags.insert(name.to_string(), String::new());
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        flags.insert(name.to_string(), value.clone());
    }
    Ok(flags)
}

/// `--tenant`: the tenant's ID (as `create-tenant` printed it) or its subdomain.
async fn tenant(ctx: &Ctx, flags: &HashMap<String, String>) -> Result<TenantId, BoxError> {
    let given = flags.get("tenant").ok_or_else(|| format!("--tenant is required\n{USAGE}"))?;
    let found = match given.trim().parse::<TenantId>() {
        Ok(id) => {
            let mut tx = door::for_job(&ctx.pool, id).await?;
            let active: Option<TenantId> = sqlx::query_scalar("SELECT id FROM tenants WHERE id = $1 AND is_active")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            active
        }
        Err(_) => active_tenant(&ctx.pool, given).await?.map(|t| t.id),
    };
    Ok(found.ok_or_else(|| format!("no active tenant has the ID or subdomain {given:?}"))?)
}

pub async fn sources(ctx: &Ctx, args: &[String]) -> Result<(), BoxError> {
    let (action, rest) = args.split_first().ok_or_else(|| format!("sources: list or add?\n{USAGE}"))?;
    let flags = flags(rest)?;
    let tenant = tenant(ctx, &flags).await?;
    match action.as_str() {
        "list" => {
            let mut tx = door::for_job(&ctx.pool, tenant).await?;
            let rows = queries::sources(&mut tx).await?;
            tx.commit().await?;
            println!(
                "{:<32} {:<9} {:<8} {:<10} {:<6} {:<20} endpoint",
                "name", "kind", "active", "health", "key", "last success"
            );
            for s in rows {
                println!(
                    "{:<32} {:<9} {:<8} {:<10} {:<6} {:<20} {}",
                    s.source_name,
                    s.source_kind.as_str(),
                    if s.is_active { "yes" } else { "no" },
                    s.connection_status.as_str(),
                    s.credential_hint.map(|h| format!("…{h}")).unwrap_or_else(|| "-".into()),
                    s.last_successful_call
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_else(|| "never".into()),
                    s.api_endpoint
                );
            }
            Ok(())
        }
        "add" => {
            let get = |k: &str| flags.get(k).cloned().unwrap_or_default();
            let kind = get("kind");
            let auth = flags
                .get("auth")
                .cloned()
                .unwrap_or_else(|| if kind == "sam_gov" { "api_key".into() } else { "none".into() });
            let input = SourceInput {
                name: get("name"),
                kind,
                endpoint: get("endpoint"),
                auth: auth.clone(),
                username: flags.get("username").cloned(),
                token_url: flags.get("token-url").cloned(),
                client_id: flags.get("client-id").cloned(),
                scope: flags.get("scope").cloned(),
                rate_limit_per_hour: get("rate-limit"),
                timeout_seconds: get("timeout"),
                retry_attempts: get("retries"),
                page_size: get("page-size"),
                polling_frequency_minutes: get("frequency"),
                posted_within_days: get("posted-within"),
                naics_codes: get("naics"),
                set_asides: get("set-asides"),
                notice_types: get("types"),
                keywords: get("keywords"),
            };
            let secret = if auth == "none" { None } else { Some(read_secret()?) };
            let new = sources::check(&input, secret.as_deref(), ctx.secret_key.expose())?;
            let mut tx = door::for_job(&ctx.pool, tenant).await?;
            let id = queries::insert_source(&mut tx, &new, None, Some(SystemActor::PlatformAdmin))
                .await?
                .ok_or_else(|| format!("this tenant already has a source named {:?}", new.name))?;
            let event = AuditEvent::new(
                AuditAction::Create,
                "external_opportunity_source",
                Some(id),
                format!("Added source {}", new.name),
            )
            .after(serde_json::json!({
                "name": new.name, "kind": new.kind, "endpoint": new.endpoint, "authentication_type": new.auth,
                "page_size": new.page_size, "polling_frequency_minutes": new.polling_frequency_minutes,
            }));
            record(&mut tx, &Actor::system(tenant, SystemActor::PlatformAdmin, "cli:sources-add"), event).await?;
            tx.commit().await?;
            println!("source {:?} added ({id}); its first poll is due now", new.name);
            Ok(())
        }
        other => Err(format!("sources: unknown action {other:?}\n{USAGE}").into()),
    }
}

fn read_secret() -> Result<String, BoxError> {
    match std::env::var("GWM_SOURCE_SECRET") {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
    }
}

pub async fn sync(ctx: &Ctx, args: &[String]) -> Result<(), BoxError> {
    let flags = flags(args)?;
    if !flags.contains_key("once") {
        return Err(format!("sync runs one poll: add --once (the server polls on its schedule)\n{USAGE}").into());
    }
    let tenant = tenant(ctx, &flags).await?;
    let name = flags.get("source").ok_or_else(|| format!("--source is required\n{USAGE}"))?;
    match sync_source_once(ctx, &Tuning::default(), tenant, name).await? {
        Outcome::Stored { report, skipped } => {
            println!(
                "{name}: {} new, {} changed, {} unchanged{}",
                report.new,
                report.changed,
                report.unchanged,
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(", {} unreadable records skipped", skipped.len())
                }
            );
            Ok(())
        }
        Outcome::Failed(message) => Err(format!("{name}: the poll failed, nothing changed: {message}").into()),
        Outcome::Deferred(until) => {
            Err(format!("{name}: no call allowed before {until} (rate limit or Retry-After); nothing changed").into())
        }
        Outcome::Superseded => Err(format!("{name}: another server took the poll over").into()),
        // Only a pursuit's own poll can be fresh; a source's search always calls.
        Outcome::Fresh(seen) => {
            println!("{name}: returned by a search at {seen}; no call was needed");
            Ok(())
        }
    }
}

/// The context for the commands: the app role's pool, as the server has it.
pub async fn context(config: &Config) -> Result<Ctx, BoxError> {
    let pool = crate::database::connect(&config.app_db, 4).await?;
    Ok(Ctx { pool, secret_key: config.auth.secret_key.clone(), allow_private: config.auth.allow_private_fetches })
}
