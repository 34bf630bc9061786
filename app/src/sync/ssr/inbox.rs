//! The inbox's SQL: a page of opportunities under the filter with each view's count, the person's visits,
//! pursuing (a pursuit linked to the opportunity, its versions and changes attached, its own poll set up)
//! and dismissing, each with audit in the same transaction.

use crate::{
    audit::{AuditAction, AuditEvent},
    auth::ssr::Caller,
    db::Tx,
    domain::{ImpactLevel, PipelineStage},
    error::AppError,
    ids::{OpportunityId, ProjectId, SourceId, UserId},
    projects::{ProjectInput, writes},
    sync::inbox::{InboxFilter, InboxPage, InboxRow, InboxShow},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

/// Records this visit and answers the previous one (a visit within 30 minutes of the last is the same visit).
async fn visit(tx: &mut Tx, user: UserId) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO opportunity_inbox_visits (tenant_id, user_id) VALUES (app_current_tenant_id(), $1) \
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET \
            previous_visit_at = CASE WHEN opportunity_inbox_visits.last_visit_at < now() - interval '30 minutes' \
                                     THEN opportunity_inbox_visits.last_visit_at \
                                     ELSE opportunity_inbox_visits.previous_visit_at END, \
            last_visit_at = now() \
         RETURNING previous_visit_at",
    )
    .bind(user)
    .fetch_one(&mut **tx)
    .await
}

/// The filter's conditions but the view's, over `o` (opportunity), `d` (its current version); binds $1–$8.
const MATCHES: &str = "o.tenant_id = app_current_tenant_id() \
    AND ($1::uuid IS NULL OR o.external_source_id = $1) \
    AND ($2::text IS NULL OR d.agency_path_name ILIKE $2) \
    AND ($3::text IS NULL OR d.naics_codes LIKE $3) \
    AND ($4::text IS NULL OR d.set_aside_type ILIKE $4) \
    AND ($5::text IS NULL OR d.opportunity_type ILIKE $5) \
    AND ($6::int IS NULL OR (d.response_due_date >= now() AND d.response_due_date < now() + make_interval(days => $6))) \
    AND ($7::text IS NULL OR d.title ILIKE $7 OR d.solicitation_number ILIKE $7 OR d.agency_path_name ILIKE $7)";

fn view_condition(show: InboxShow) -> &'static str {
    match show {
        InboxShow::Open => "o.dismissed_at IS NULL AND o.opportunity_project_id IS NULL",
        InboxShow::New => "o.dismissed_at IS NULL AND o.first_seen_at > coalesce($8, '-infinity')",
        InboxShow::Changed => {
            "o.dismissed_at IS NULL AND o.last_changed_at > coalesce($8, '-infinity') AND o.first_seen_at <= coalesce($8, '-infinity')"
        }
        InboxShow::Pursued => "o.opportunity_project_id IS NOT NULL",
        InboxShow::Dismissed => "o.dismissed_at IS NOT NULL",
        InboxShow::All => "true",
    }
}

fn bind_filter<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    f: &InboxFilter,
    since: Option<DateTime<Utc>>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    let like = |v: &str| (!v.is_empty()).then(|| crate::db::contains_pattern(v));
    q.bind(f.source.map(|s| s.as_uuid()))
        .bind(like(&f.agency))
        .bind(like(&f.naics))
        .bind(like(&f.set_aside))
        .bind(like(&f.notice_type))
        .bind(f.due_within.map(i32::from))
        .bind(like(&f.q))
        .bind(since)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: OpportunityId,
    title: Option<String>,
    solicitation_number: Option<String>,
    agency_path_name: Option<String>,
    opportunity_type: Option<String>,
    set_aside_type: Option<String>,
    naics_codes: Option<String>,
    posting_date: Option<NaiveDate>,
    response_due_date: Option<DateTime<Utc>>,
    solicitation_status: Option<String>,
    source_name: String,
    current_version: i32,
    first_seen_at: DateTime<Utc>,
    last_changed_at: DateTime<Utc>,
    last_impact: Option<ImpactLevel>,
    project_id: Option<ProjectId>,
    project_name: Option<String>,
    dismissal_reason: Option<String>,
}

pub async fn page(tx: &mut Tx, user: UserId, f: &InboxFilter, may_pursue: bool) -> Result<InboxPage, AppError> {
    let since = visit(tx, user).await?;
    let per_page = i64::from(InboxFilter::PER_PAGE);
    let sql = format!(
        "SELECT o.id, d.title, d.solicitation_number, d.agency_path_name, d.opportunity_type, d.set_aside_type, \
                d.naics_codes, d.posting_date, d.response_due_date, d.solicitation_status, s.source_name, \
                o.current_version, o.first_seen_at, o.last_changed_at, \
                (SELECT c.impact_level FROM external_data_changes c \
                  WHERE c.tenant_id = o.tenant_id AND c.external_opportunity_id = o.id \
                  ORDER BY c.change_timestamp DESC LIMIT 1) AS last_impact, \
                p.id AS project_id, p.project_name, o.dismissal_reason \
           FROM external_opportunities o \
           JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
           JOIN external_opportunity_sources s ON s.id = o.external_source_id \
           LEFT JOIN opportunity_projects p ON p.id = o.opportunity_project_id \
          WHERE {MATCHES} AND {} \
          ORDER BY o.last_changed_at DESC, o.id LIMIT {per_page} OFFSET {}",
        view_condition(f.show),
        i64::from(f.page) * per_page
    );
    let rows: Vec<Row> = bind_filter(sqlx::query_as(&sql), f, since).fetch_all(&mut **tx).await?;
    let counts_sql = format!(
        "SELECT {} FROM external_opportunities o \
           JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
          WHERE {MATCHES}",
        InboxShow::ALL
            .iter()
            .map(|v| format!("count(*) FILTER (WHERE {})", view_condition(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let counts: (i64, i64, i64, i64, i64, i64) =
        bind_filter(sqlx::query_as(&counts_sql), f, since).fetch_one(&mut **tx).await?;
    let counts = vec![
        (InboxShow::Open, counts.0),
        (InboxShow::New, counts.1),
        (InboxShow::Changed, counts.2),
        (InboxShow::Pursued, counts.3),
        (InboxShow::Dismissed, counts.4),
        (InboxShow::All, counts.5),
    ];
    let total = counts.iter().find(|(v, _)| *v == f.show).map_or(0, |(_, n)| *n);
    let sources: Vec<(SourceId, String)> =
        sqlx::query_as("SELECT id, source_name FROM external_opportunity_sources WHERE tenant_id = app_current_tenant_id() ORDER BY lower(source_name)")
            .fetch_all(&mut **tx)
            .await?;
    let following: Vec<SourceId> =
        sqlx::query_scalar("SELECT external_source_id FROM source_follows WHERE user_id = $1")
            .bind(user)
            .fetch_all(&mut **tx)
            .await?;
    let cutoff = since.unwrap_or(DateTime::<Utc>::MIN_UTC);
    Ok(InboxPage {
        rows: rows
            .into_iter()
            .map(|r| InboxRow {
                id: r.id,
                title: r.title.unwrap_or_else(|| "(untitled notice)".into()),
                solicitation_number: r.solicitation_number,
                agency: r.agency_path_name,
                notice_type: r.opportunity_type,
                set_aside: r.set_aside_type,
                naics: r.naics_codes,
                posted: r.posting_date,
                response_due: r.response_due_date,
                status: r.solicitation_status,
                source: r.source_name,
                versions: r.current_version,
                is_new: r.first_seen_at > cutoff,
                is_changed: r.last_changed_at > cutoff && r.first_seen_at <= cutoff,
                first_seen: r.first_seen_at,
                last_changed: r.last_changed_at,
                last_impact: r.last_impact,
                project: r.project_id.zip(r.project_name),
                dismissed: r.dismissal_reason,
            })
            .collect(),
        total,
        counts,
        sources,
        since,
        may_pursue,
        following,
    })
}

#[derive(sqlx::FromRow)]
struct Pursuable {
    external_source_id: uuid::Uuid,
    notice_id: String,
    opportunity_project_id: Option<ProjectId>,
    title: Option<String>,
    solicitation_number: Option<String>,
    agency_path_name: Option<String>,
    source_url: Option<String>,
    polling_frequency_minutes: i32,
}

fn not_found() -> AppError {
    AppError::NotFound("Opportunity".into())
}

/// The agency and office of a SAM.gov-style path ("DEPT OF DEFENSE.DISA.DITCO"): its first and last parts.
fn agency_and_office(path: Option<&str>) -> (String, String) {
    let parts: Vec<&str> = path.unwrap_or("").split('.').map(str::trim).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => (String::new(), String::new()),
        [only] => ((*only).to_string(), String::new()),
        [first, .., last] => ((*first).to_string(), (*last).to_string()),
    }
}

/// The opportunity locked for pursuing or linking: refused when a pursuit follows it already.
async fn pursuable(tx: &mut Tx, id: OpportunityId) -> Result<Pursuable, AppError> {
    let o: Pursuable = sqlx::query_as(
        "SELECT o.external_source_id, o.notice_id, o.opportunity_project_id, d.title, d.solicitation_number, \
                d.agency_path_name, d.source_url, s.polling_frequency_minutes \
           FROM external_opportunities o \
           JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
           JOIN external_opportunity_sources s ON s.id = o.external_source_id \
          WHERE o.id = $1 FOR UPDATE OF o",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)?;
    if o.opportunity_project_id.is_some() {
        return Err(AppError::Conflict("This opportunity is pursued already: open its project from the inbox.".into()));
    }
    Ok(o)
}

/// Ties an opportunity to the pursuit that now follows it: its versions and changes, the pursuit's sync
/// columns, and the pursuit's own poll on the source's schedule (so it stays current even when it leaves
/// the source's search).
async fn attach(
    caller: &Caller,
    tx: &mut Tx,
    id: OpportunityId,
    o: &Pursuable,
    project: ProjectId,
) -> Result<(), AppError> {
    sqlx::query("UPDATE external_opportunities SET opportunity_project_id = $2, dismissed_at = NULL, dismissed_by = NULL, dismissal_reason = NULL WHERE id = $1")
        .bind(id)
        .bind(project)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE external_opportunity_data SET opportunity_project_id = $2 WHERE external_opportunity_id = $1")
        .bind(id)
        .bind(project)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE opportunity_projects SET last_synced_at = now(), sync_status = 'synced', \
            version_hash = (SELECT version_hash FROM external_opportunity_data WHERE external_opportunity_id = $2 AND is_current_version) \
          WHERE id = $1",
    )
    .bind(project)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO polling_configurations (tenant_id, opportunity_project_id, external_source_id, polling_frequency_minutes, \
            next_poll_timestamp, created_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, now() + make_interval(mins => $3), $4)",
    )
    .bind(project)
    .bind(o.external_source_id)
    .bind(o.polling_frequency_minutes)
    .bind(caller.user.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn pursue(
    caller: &Caller,
    tx: &mut Tx,
    id: OpportunityId,
    stage: PipelineStage,
) -> Result<ProjectId, AppError> {
    let o = pursuable(tx, id).await?;
    let (agency, office) = agency_and_office(o.agency_path_name.as_deref());
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let input = ProjectInput {
        project_name: cut(o.title.as_deref().unwrap_or("Untitled opportunity"), 255),
        solicitation_number: cut(o.solicitation_number.as_deref().unwrap_or(""), 100),
        agency_name: cut(&agency, 255),
        contracting_office: cut(&office, 255),
        pipeline_stage: stage.as_str().into(),
        project_status: "active".into(),
        priority_level: "medium".into(),
        capture_manager: caller.user.id.to_string(),
        ..ProjectInput::default()
    };
    let valid = input.check()?;
    let link = writes::SourceLink {
        external_source_id: o.external_source_id,
        external_opportunity_id: o.notice_id.clone(),
        external_opportunity_url: o.source_url.clone(),
    };
    let project = writes::create(tx, caller.user.id, &valid, Some(&link), None).await?;
    attach(caller, tx, id, &o, project).await?;
    let event = AuditEvent::new(
        AuditAction::Create,
        "opportunity_project",
        Some(project.as_uuid()),
        format!("Pursued \u{201c}{}\u{201d} from the opportunity inbox", valid.project_name),
    )
    .after(json!({ "opportunity": id, "notice_id": o.notice_id, "stage": stage, "project_name": valid.project_name }));
    caller.audit(tx, event).await?;
    Ok(project)
}

/// Links an opportunity to a pursuit the team already tracks (made by hand, before the source had it):
/// the pursuit keeps its name, stage, people and every value typed by hand (those stay overrides, shown
/// beside the source's); from now on the source's values and changes reach it. A pursuit follows one
/// opportunity, and an opportunity one pursuit.
pub async fn link(caller: &Caller, tx: &mut Tx, id: OpportunityId, project: ProjectId) -> Result<(), AppError> {
    let o = pursuable(tx, id).await?;
    let linked = writes::link_source(
        tx,
        caller,
        project,
        &writes::SourceLink {
            external_source_id: o.external_source_id,
            external_opportunity_id: o.notice_id.clone(),
            external_opportunity_url: o.source_url.clone(),
        },
    )
    .await?;
    attach(caller, tx, id, &o, project).await?;
    let event = AuditEvent::new(
        AuditAction::Update,
        "opportunity_project",
        Some(project.as_uuid()),
        format!(
            "Linked \u{201c}{linked}\u{201d} to the opportunity \u{201c}{}\u{201d} from the inbox",
            o.title.as_deref().unwrap_or(&o.notice_id)
        ),
    )
    .after(json!({ "opportunity": id, "notice_id": o.notice_id, "external_source_id": o.external_source_id }));
    caller.audit(tx, event).await?;
    Ok(())
}

/// The pursuits an opportunity can be linked to: open ones that follow no source, those with its
/// solicitation number (compared as the sync compares them) first.
pub async fn link_candidates(
    tx: &mut Tx,
    solicitation_number: Option<&str>,
) -> Result<Vec<crate::sync::inbox::LinkCandidate>, sqlx::Error> {
    let key = crate::sync::normalize::solicitation_number(solicitation_number);
    let rows: Vec<(ProjectId, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT id, project_name, solicitation_number, \
                coalesce(upper(regexp_replace(solicitation_number, '[^[:alnum:]]', '', 'g')) = $1, false) AS suggested \
           FROM opportunity_projects \
          WHERE external_source_id IS NULL AND project_status IN ('active', 'on_hold') \
          ORDER BY 4 DESC, lower(project_name), id LIMIT 500",
    )
    .bind(key)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, solicitation_number, suggested)| crate::sync::inbox::LinkCandidate {
            id,
            name,
            solicitation_number,
            suggested,
        })
        .collect())
}

/// The current version of an opportunity with what the detail page shows beside it: raw record, source
/// kind and name, its pursuit, the dismissal reason, the link at the source.
type Current =
    (Value, crate::sync::SourceKind, String, Option<ProjectId>, Option<String>, Option<String>, Option<String>);

/// One opportunity: its current version read by its source's adapter, every field as a person reads it, its
/// versions and changes.
pub async fn detail(tx: &mut Tx, id: OpportunityId) -> Result<crate::sync::inbox::OpportunityDetail, AppError> {
    use crate::sync::{
        normalize::canonical,
        snapshot::{SyncField, display},
        ssr::{adapter_for, changes},
    };
    let row: Option<Current> = sqlx::query_as(
        "SELECT d.raw_json_data, s.source_kind, s.source_name, p.id, p.project_name, o.dismissal_reason, d.source_url \
               FROM external_opportunities o \
               JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
               JOIN external_opportunity_sources s ON s.id = o.external_source_id \
               LEFT JOIN opportunity_projects p ON p.id = o.opportunity_project_id \
              WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let (raw, kind, source, project, project_name, dismissed, link) = row.ok_or_else(not_found)?;
    let snapshot = adapter_for(kind).snapshot(&canonical(raw)).unwrap_or_default();
    let instants = [SyncField::PostedAt, SyncField::ResponseDeadline, SyncField::ArchiveDate];
    let fields = SyncField::ALL
        .iter()
        .filter(|f| **f != SyncField::Other)
        .filter_map(|f| {
            let value = snapshot.value(*f);
            (!value.is_null()).then(|| {
                let at = if instants.contains(f) {
                    value.as_str().and_then(|t| crate::sync::normalize::instant(Some(t)))
                } else {
                    None
                };
                (f.label().to_string(), display(*f, &value), at)
            })
        })
        .collect();
    let history = changes::load(tx, changes::Owner::Opportunity(id)).await?;
    Ok(crate::sync::inbox::OpportunityDetail {
        id,
        title: snapshot.title.clone().unwrap_or_else(|| "(untitled notice)".into()),
        source,
        fields,
        link,
        solicitation_number: snapshot.solicitation_number.clone(),
        project: project.zip(project_name),
        dismissed,
        history,
        may_pursue: false,
        candidates: Vec::new(),
    })
}

pub async fn follow(tx: &mut Tx, user: UserId, source: SourceId, follow: bool) -> Result<(), AppError> {
    let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM external_opportunity_sources WHERE id = $1")
        .bind(source)
        .fetch_optional(&mut **tx)
        .await?;
    known.ok_or_else(|| AppError::NotFound("Source".into()))?;
    let sql = if follow {
        "INSERT INTO source_follows (tenant_id, user_id, external_source_id) VALUES (app_current_tenant_id(), $1, $2) \
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM source_follows WHERE user_id = $1 AND external_source_id = $2"
    };
    sqlx::query(sql).bind(user).bind(source).execute(&mut **tx).await?;
    Ok(())
}

/// Dismisses (`Some(reason)`) or restores (`None`) an opportunity.
pub async fn dismiss(caller: &Caller, tx: &mut Tx, id: OpportunityId, reason: Option<String>) -> Result<(), AppError> {
    let before: (Option<String>, Option<ProjectId>) = sqlx::query_as(
        "SELECT dismissal_reason, opportunity_project_id FROM external_opportunities WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)?;
    if reason.is_some() && before.1.is_some() {
        return Err(AppError::Conflict("This opportunity is pursued: archive its project instead.".into()));
    }
    sqlx::query(
        "UPDATE external_opportunities SET dismissed_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, \
            dismissed_by = CASE WHEN $2::text IS NULL THEN NULL ELSE $3 END, dismissal_reason = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(&reason)
    .bind(caller.user.id)
    .execute(&mut **tx)
    .await?;
    let verb = if reason.is_some() { "Dismissed" } else { "Restored" };
    let event = AuditEvent::new(
        AuditAction::Update,
        "external_opportunity",
        Some(id.as_uuid()),
        format!("{verb} an opportunity"),
    )
    .before(json!({ "dismissal_reason": before.0 }))
    .after(json!({ "dismissal_reason": reason }));
    caller.audit(tx, event).await
}
