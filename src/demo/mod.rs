//! The demo tenant: a living pipeline for a newcomer's first start. Created in one transaction (all or
//! nothing), deterministically, through the same tenant-scoped transactions as every request.

mod catalog;
pub mod feed;

use crate::config::Config;
use app::{
    auth::ssr::door::scope_for_job,
    db::Tx,
    domain::{ActivityStatus, PipelineStage, Priority, ProjectStatus, SyncStatus},
    ids::{ContactId, OrganizationId, ProjectId, TenantId, UserId},
    roles::SystemRole,
};
use catalog::*;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_SUBDOMAIN: &str = "demo";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database error while creating the demo tenant")]
    Database(#[from] sqlx::Error),
    #[error("hashing the demo password failed: {0}")]
    Hash(String),
}

/// What was created, to print for the person who started the server.
pub struct DemoReport {
    pub tenant_id: TenantId,
    pub projects: usize,
    pub users: Vec<(String, SystemRole)>,
    password: String,
}

impl DemoReport {
    pub fn print_sign_in(&self, config: &Config) {
        println!("\nDemo tenant \"Demo Federal Solutions\" created with {} opportunity projects.", self.projects);
        println!(
            "Open http://{}/ (or http://{DEMO_SUBDOMAIN}.{}:{}/)",
            config.bind,
            config.base_domain,
            config.bind.port()
        );
        println!("Organization: {DEMO_SUBDOMAIN}    Password for every demo user: {}", self.password);
        for (email, role) in &self.users {
            println!("  {:<34} {}", email, role.label());
        }
        println!();
    }
}

/// Creates the demo tenant when the database has no tenant at all (first start).
/// `key` seals the demo source's credentials: the server's GWM_SECRET_KEY.
pub async fn seed_if_empty(
    owner: &PgPool,
    password: &str,
    key: &[u8; 32],
    feed: &str,
) -> Result<Option<DemoReport>, DemoError> {
    seed(owner, password, key, feed, "SELECT EXISTS (SELECT 1 FROM tenants)").await
}

/// Creates the demo tenant unless it already exists.
pub async fn seed_if_missing(
    owner: &PgPool,
    password: &str,
    key: &[u8; 32],
    feed: &str,
) -> Result<Option<DemoReport>, DemoError> {
    seed(owner, password, key, feed, "SELECT EXISTS (SELECT 1 FROM tenants WHERE subdomain = 'demo')").await
}

async fn seed(
    owner: &PgPool,
    password: &str,
    key: &[u8; 32],
    feed: &str,
    already_done: &str,
) -> Result<Option<DemoReport>, DemoError> {
    let hashes = hash_passwords(password, USERS.len()).await?;
    let mut tx: Tx = owner.begin().await?;
    // Two instances starting together must not both seed.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('gwm-demo-seed'))").execute(&mut *tx).await?;
    if sqlx::query_scalar::<_, bool>(already_done).fetch_one(&mut *tx).await? {
        return Ok(None);
    }
    let tenant = TenantId::new_random();
    sqlx::query(
        "INSERT INTO tenants (id, name, subdomain, plan_type, max_users, max_opportunity_projects, subscription_status, \
         billing_email) VALUES ($1, 'Demo Federal Solutions', $2, 'enterprise', 500, 5000, 'active', 'billing@demo.gwm.test')",
    )
    .bind(tenant)
    .bind(DEMO_SUBDOMAIN)
    .execute(&mut *tx)
    .await?;
    scope_for_job(&mut tx, tenant).await?;

    let mut rng = Rng(0x6077_c0de_2026);
    let users = insert_users_and_roles(&mut tx, tenant, &hashes).await?;
    let agencies = insert_organizations(&mut tx, tenant).await?;
    let contacts = insert_contacts(&mut tx, tenant, &agencies, &mut rng).await?;
    let source: Uuid = sqlx::query_scalar(
        // The demo pursuits' own (fictional) source: paused, since nothing answers at its address. The demo
        // feed's source (below) is the one that polls.
        "INSERT INTO external_opportunity_sources (tenant_id, source_name, api_endpoint, authentication_type, \
         connection_status, last_successful_call, is_active, created_by_system) \
         VALUES ($1, 'Federal Opportunities Mirror', 'https://opportunities.internal.example/api/v1', 'none', \
         'healthy', now(), false, 'demo_seed') RETURNING id",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await?;
    insert_demo_feed_source(&mut tx, key, feed).await?;
    let capture_managers: Vec<UserId> =
        users.iter().filter(|(_, _, role)| *role == SystemRole::CaptureManager).map(|(id, _, _)| *id).collect();
    let proposal_manager = users.iter().find(|(_, _, r)| *r == SystemRole::ProposalManager).map(|(id, _, _)| *id);

    let now = Utc::now();
    let mut count = 0;
    for (stage_index, stage) in PipelineStage::ALL.iter().enumerate() {
        for _ in 0..STAGE_COUNTS[stage_index] {
            let project = ProjectPlan::new(count, *stage, now, &mut rng);
            let cm = capture_managers[count % capture_managers.len()];
            let id = insert_project(&mut tx, tenant, source, &project, cm, proposal_manager).await?;
            let agency = agencies[project.agency];
            let agency_contacts: Vec<ContactId> =
                contacts.iter().filter(|(org, _)| *org == agency).map(|(_, c)| *c).collect();
            insert_project_contacts(&mut tx, tenant, id, &agency_contacts).await?;
            insert_teaming(&mut tx, tenant, id, count).await?;
            insert_activities(&mut tx, tenant, id, &project, cm, now, &mut rng).await?;
            count += 1;
        }
    }
    sqlx::query(
        "INSERT INTO audit_logs (tenant_id, system_actor, action_type, entity_type, entity_id, operation_description) \
         VALUES ($1, 'demo_seed', 'create', 'tenant', $1, 'Demo tenant created with sample capture data')",
    )
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(%tenant, projects = count, "demo tenant created");
    Ok(Some(DemoReport {
        tenant_id: tenant,
        projects: count,
        users: users.into_iter().map(|(_, email, role)| (email, role)).collect(),
        password: password.to_string(),
    }))
}

/// One salted Argon2id hash per demo user (the same hashing as every password).
async fn hash_passwords(password: &str, n: usize) -> Result<Vec<String>, DemoError> {
    let mut hashes = Vec::with_capacity(n);
    for _ in 0..n {
        hashes.push(
            app::auth::ssr::password::hash(password.to_string()).await.map_err(|e| DemoError::Hash(e.to_string()))?,
        );
    }
    Ok(hashes)
}

async fn insert_users_and_roles(
    tx: &mut Tx,
    tenant: TenantId,
    hashes: &[String],
) -> Result<Vec<(UserId, String, SystemRole)>, DemoError> {
    let role_ids = crate::platform::insert_system_roles(tx, tenant).await?;
    let mut users = Vec::new();
    for ((first, last, local, title, role), hash) in USERS.iter().zip(hashes) {
        let email = format!("{local}@demo.gwm.test");
        let id: UserId = sqlx::query_scalar(
            "INSERT INTO users (tenant_id, email, password_hash, first_name, last_name, title, email_verified) \
             VALUES ($1, $2, $3, $4, $5, $6, true) RETURNING id",
        )
        .bind(tenant)
        .bind(&email)
        .bind(hash)
        .bind(first)
        .bind(last)
        .bind(title)
        .fetch_one(&mut **tx)
        .await?;
        let role_id = role_ids.iter().find(|(r, _)| r == role).map(|(_, id)| *id);
        sqlx::query(
            "INSERT INTO user_roles (tenant_id, user_id, role_id, assigned_by_system) VALUES ($1, $2, $3, 'demo_seed')",
        )
        .bind(tenant)
        .bind(id)
        .bind(role_id)
        .execute(&mut **tx)
        .await?;
        users.push((id, email, *role));
    }
    Ok(users)
}

/// Departments with the office of each agency below them (carrying the demo feed's office codes), and the
/// companies around the pursuits. Returns the offices, in AGENCIES' order.
async fn insert_organizations(tx: &mut Tx, tenant: TenantId) -> Result<Vec<OrganizationId>, DemoError> {
    let mut departments: Vec<(&str, OrganizationId)> = Vec::new();
    let mut offices = Vec::new();
    for (i, (department, office, _)) in AGENCIES.iter().enumerate() {
        let parent = match departments.iter().find(|(name, _)| name == department) {
            Some((_, id)) => *id,
            None => {
                let id: OrganizationId = sqlx::query_scalar(
                    "INSERT INTO organizations (tenant_id, name, organization_type, city, state_province, country, created_by_system) \
                     VALUES ($1, $2, 'government_agency', 'Washington', 'DC', 'United States', 'demo_seed') RETURNING id",
                )
                .bind(tenant)
                .bind(department)
                .fetch_one(&mut **tx)
                .await?;
                departments.push((department, id));
                id
            }
        };
        let id: OrganizationId = sqlx::query_scalar(
            "INSERT INTO organizations (tenant_id, name, organization_type, parent_organization_id, agency_path_code, city, \
                country, created_by_system) \
             VALUES ($1, $2, 'government_agency', $3, $4, $5, 'United States', 'demo_seed') RETURNING id",
        )
        .bind(tenant)
        .bind(office)
        .bind(parent)
        .bind(feed::office_code(i))
        .bind(office.split_once(", ").map(|(_, city)| city))
        .fetch_one(&mut **tx)
        .await?;
        offices.push(id);
    }
    for (name, kind, size, uei, cage) in COMPANIES {
        sqlx::query(
            "INSERT INTO organizations (tenant_id, name, organization_type, business_size, sam_unique_id, cage_code, \
                socioeconomic_certifications, created_by_system) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'demo_seed')",
        )
        .bind(tenant)
        .bind(name)
        .bind(kind)
        .bind(size)
        .bind(uei)
        .bind(cage)
        .bind(json!(match *size {
            "small" | "large" | "other" => vec![],
            certified => vec![certified],
        }))
        .execute(&mut **tx)
        .await?;
    }
    Ok(offices)
}

/// Two people per agency: a contracting officer and a program-side point of contact.
async fn insert_contacts(
    tx: &mut Tx,
    tenant: TenantId,
    agencies: &[OrganizationId],
    rng: &mut Rng,
) -> Result<Vec<(OrganizationId, ContactId)>, DemoError> {
    let mut contacts = Vec::new();
    for (i, org) in agencies.iter().enumerate() {
        for (j, (kind, title)) in
            [("contracting_officer", "Contracting Officer"), ("government_poc", "Program Manager")].iter().enumerate()
        {
            let first = CONTACT_FIRST[(i * 2 + j) % CONTACT_FIRST.len()];
            let last = CONTACT_LAST[(i * 5 + j * 7) % CONTACT_LAST.len()];
            let id: ContactId = sqlx::query_scalar(
                "INSERT INTO contacts (tenant_id, organization_id, first_name, last_name, title, email, phone, contact_type, \
                 decision_maker_level, relationship_strength, interaction_frequency, last_contact_date, security_clearance, \
                 created_by_system) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'occasional', current_date - $11::int, $12, 'demo_seed') \
                 RETURNING id",
            )
            .bind(tenant)
            .bind(org)
            .bind(first)
            .bind(last)
            .bind(title)
            .bind(format!("{}.{}@agency.example.gov", first.to_lowercase(), last.to_lowercase()))
            .bind(format!("555-01{:02}", (i * 2 + j) % 100))
            .bind(kind)
            .bind(if j == 0 { 4 } else { 3 })
            .bind(1 + rng.below(5) as i32)
            // Some met last week, some not for over a year: the list's "last contacted" filter has answers.
            // (Not from `rng`: the projects drawn after this keep the values the tests know.)
            .bind(3 + ((i * 37 + j * 101) % 420) as i32)
            .bind(["secret", "public_trust", "top_secret"][(i + j) % 3])
            .fetch_one(&mut **tx)
            .await?;
            contacts.push((*org, id));
        }
    }
    // The first contracting officer, typed in again from a business card: a duplicate the person's page
    // offers to merge (same name, no organization, a mobile number and a note the first record lacks).
    sqlx::query(
        "INSERT INTO contacts (tenant_id, first_name, last_name, title, phone, notes, relationship_strength, created_by_system) \
         SELECT tenant_id, first_name, last_name, 'CO', '555-0199 (mobile)', 'Card from the industry day; prefers calls before 10.', 3, \
                'demo_seed' FROM contacts WHERE id = $1",
    )
    .bind(contacts.first().map(|(_, c)| *c))
    .execute(&mut **tx)
    .await?;
    Ok(contacts)
}

/// Everything about one demo project, decided up front.
struct ProjectPlan {
    index: usize,
    stage: PipelineStage,
    agency: usize,
    title: &'static str,
    solicitation: String,
    naics: &'static str,
    set_aside: &'static str,
    value_max: Decimal,
    pwin: Decimal,
    due: DateTime<Utc>,
    priority: Priority,
    status: ProjectStatus,
    amended: bool,
}

impl ProjectPlan {
    fn new(index: usize, stage: PipelineStage, now: DateTime<Utc>, rng: &mut Rng) -> ProjectPlan {
        let agency = (index * 7 + 3) % AGENCIES.len();
        let (_, _, prefix) = AGENCIES[agency];
        let kind = ["R", "Q", "R", "R"][rng.below(4)];
        // Later stages have closer (or past) response dates.
        let due_days: i64 = match stage {
            PipelineStage::Phase0 => 240 + rng.below(240) as i64,
            PipelineStage::Phase1 => 150 + rng.below(150) as i64,
            PipelineStage::Phase2 => 75 + rng.below(90) as i64,
            PipelineStage::Phase3 => 25 + rng.below(45) as i64,
            PipelineStage::Phase4 => 3 + rng.below(24) as i64,
            PipelineStage::Phase5 => -(5 + rng.below(40) as i64),
            PipelineStage::Phase6 => -(40 + rng.below(60) as i64),
            PipelineStage::Awarded | PipelineStage::Lost => -(60 + rng.below(200) as i64),
        };
        let millions = [3, 8, 12, 18, 25, 40, 65, 90, 140, 220, 480][rng.below(11)];
        let value_max = Decimal::from(millions * 1_000_000 + rng.below(900) as i64 * 1_000);
        let pwin = Decimal::from(match stage {
            PipelineStage::Phase0 | PipelineStage::Phase1 => 10 + rng.below(20),
            PipelineStage::Awarded => 100,
            PipelineStage::Lost => 0,
            _ => 25 + rng.below(50),
        } as i64);
        let status = match stage {
            PipelineStage::Awarded | PipelineStage::Lost => ProjectStatus::Completed,
            _ if index % 17 == 5 => ProjectStatus::OnHold,
            _ => ProjectStatus::Active,
        };
        ProjectPlan {
            index,
            stage,
            agency,
            title: TITLES[(index * 3 + rng.below(TITLES.len())) % TITLES.len()],
            solicitation: format!("{prefix}-27-{kind}-{:04}", 10 + index * 13 + rng.below(9)),
            naics: NAICS[rng.below(NAICS.len())],
            set_aside: SET_ASIDES[rng.below(SET_ASIDES.len())],
            value_max,
            pwin,
            due: (now + Duration::days(due_days)).date_naive().and_hms_opt(21, 0, 0).map_or(now, |d| d.and_utc()),
            priority: [Priority::Low, Priority::Medium, Priority::Medium, Priority::High, Priority::Critical]
                [rng.below(5)],
            status,
            amended: index % 4 == 1,
        }
    }
}

async fn insert_project(
    tx: &mut Tx,
    tenant: TenantId,
    source: Uuid,
    p: &ProjectPlan,
    capture_manager: UserId,
    proposal_manager: Option<UserId>,
) -> Result<ProjectId, DemoError> {
    let (agency, office, _) = AGENCIES[p.agency];
    let external_id = format!("OPP-{}", p.solicitation);
    let uses_proposal_manager = p.stage >= PipelineStage::Phase3;
    let id: ProjectId = sqlx::query_scalar(
        "INSERT INTO opportunity_projects (tenant_id, project_name, internal_reference_number, external_source_id, \
         external_opportunity_id, external_opportunity_url, solicitation_number, agency_name, contracting_office, title, \
         description, project_status, pipeline_stage, stage_entered_at, priority_level, win_probability_score, \
         strategic_value_score, assigned_capture_manager, assigned_proposal_manager, last_synced_at, sync_status, \
         created_by_system) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now() - make_interval(days => $14), $15, $16, \
         $17, $18, $19, now(), $20, 'demo_seed') RETURNING id",
    )
    .bind(tenant)
    .bind(format!("{} ({})", p.title, agency_short(agency)))
    .bind(format!("GWM-{:04}", 1001 + p.index))
    .bind(source)
    .bind(&external_id)
    .bind(format!("https://opportunities.internal.example/opp/{external_id}"))
    .bind(&p.solicitation)
    .bind(agency)
    .bind(office)
    .bind(p.title)
    .bind(format!("{} for the {}. Work is performed under NAICS {} ({}).", p.title, office, p.naics, p.set_aside))
    .bind(p.status)
    .bind(p.stage)
    .bind((5 + p.index % 40) as i32)
    .bind(p.priority)
    .bind(p.pwin)
    .bind(Decimal::from(40 + (p.index * 11 % 60) as i64))
    .bind(capture_manager)
    .bind(proposal_manager.filter(|_| uses_proposal_manager))
    .bind(SyncStatus::Synced)
    .fetch_one(&mut **tx)
    .await?;

    let snapshot = |version: i32, due: DateTime<Utc>, amendment: i32| {
        json!({
            "solicitationNumber": p.solicitation, "title": p.title, "agency": agency, "office": office,
            "naics": p.naics, "setAside": p.set_aside, "responseDueDate": due, "amendment": amendment,
            "version": version,
        })
    };
    let versions: Vec<(i32, DateTime<Utc>, i32)> =
        if p.amended { vec![(1, p.due - Duration::days(7), 0), (2, p.due, 1)] } else { vec![(1, p.due, 0)] };
    let last = versions.len() as i32;
    for (version, due, amendment) in versions {
        sqlx::query(
            "INSERT INTO external_opportunity_data (tenant_id, opportunity_project_id, data_snapshot_timestamp, \
             version_number, is_current_version, title, description, opportunity_type, set_aside_type, naics_codes, \
             estimated_value_min, estimated_value_max, posting_date, response_due_date, place_of_performance, \
             solicitation_status, amendment_number, raw_json_data, changed_fields) \
             VALUES ($1, $2, now() - make_interval(days => $3), $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             (now() - make_interval(days => 120))::date, $13, $14, $15, $16, $17, $18)",
        )
        .bind(tenant)
        .bind(id)
        .bind(10 * (last - version + 1))
        .bind(version)
        .bind(version == last)
        .bind(p.title)
        .bind(format!("The {office} seeks {}.", p.title.to_lowercase()))
        .bind(OPPORTUNITY_TYPES[p.index % OPPORTUNITY_TYPES.len()])
        .bind(p.set_aside)
        .bind(p.naics)
        .bind(p.value_max * Decimal::new(6, 1))
        .bind(p.value_max)
        .bind(due)
        .bind(PLACES[p.index % PLACES.len()])
        .bind(solicitation_status(p.stage, amendment))
        .bind(amendment)
        .bind(snapshot(version, due, amendment))
        .bind((version > 1).then(|| json!(["response_due_date", "amendment_number"])))
        .execute(&mut **tx)
        .await?;
    }
    if p.amended && !p.stage.is_closed() {
        sqlx::query(
            "INSERT INTO external_data_changes (tenant_id, opportunity_project_id, changed_fields, previous_values, \
             new_values, change_type, impact_level, external_source_id) \
             VALUES ($1, $2, '[\"response_due_date\", \"amendment_number\"]', $3, $4, 'amendment', 'important', $5)",
        )
        .bind(tenant)
        .bind(id)
        .bind(json!({ "response_due_date": p.due - Duration::days(7), "amendment_number": 0 }))
        .bind(json!({ "response_due_date": p.due, "amendment_number": 1 }))
        .bind(source)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// The source that polls `gwm-crm demo-feed` (started by scripts/run.sh): SAM.gov-shaped, every 5 minutes, so
/// amendments and deadline moves arrive in the inbox minutes after the first start.
async fn insert_demo_feed_source(tx: &mut Tx, key: &[u8; 32], feed_addr: &str) -> Result<(), DemoError> {
    let credentials = app::sync::ssr::Credentials::ApiKey { key: feed::DEMO_FEED_KEY.to_string() };
    let sealed = credentials.seal(key).map_err(|e| DemoError::Hash(e.to_string()))?;
    sqlx::query(
        "INSERT INTO external_opportunity_sources (tenant_id, source_name, source_kind, api_endpoint, api_version, \
            authentication_type, api_credentials_encrypted, credential_hint, rate_limit_per_hour, page_size, \
            search_criteria, polling_frequency_minutes, next_poll_at, created_by_system) \
         VALUES (app_current_tenant_id(), 'SAM.gov (demo feed)', 'sam_gov', $1, 'v2', 'api_key', $2, $3, 120, 1000, \
            '{\"posted_within_days\": 90}', 5, now(), 'demo_seed')",
    )
    .bind(format!("http://{feed_addr}"))
    .bind(sealed)
    .bind(credentials.hint())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn solicitation_status(stage: PipelineStage, amendment: i32) -> &'static str {
    match stage {
        PipelineStage::Phase0 | PipelineStage::Phase1 => "sources_sought",
        PipelineStage::Phase2 => "presolicitation",
        PipelineStage::Phase3 | PipelineStage::Phase4 if amendment > 0 => "amended",
        PipelineStage::Phase3 | PipelineStage::Phase4 => "open",
        PipelineStage::Phase5 | PipelineStage::Phase6 => "closed",
        PipelineStage::Awarded | PipelineStage::Lost => "awarded",
    }
}

fn agency_short(agency: &str) -> String {
    match agency {
        "National Aeronautics and Space Administration" => "NASA".to_string(),
        "General Services Administration" => "GSA".to_string(),
        "Defense Information Systems Agency" => "DISA".to_string(),
        other => other.trim_start_matches("Department of the ").trim_start_matches("Department of ").to_string(),
    }
}

async fn insert_project_contacts(
    tx: &mut Tx,
    tenant: TenantId,
    project: ProjectId,
    contacts: &[ContactId],
) -> Result<(), DemoError> {
    for (i, contact) in contacts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO opportunity_project_contacts (tenant_id, opportunity_project_id, contact_id, relationship_type, \
             influence_level, stance, created_by_system) VALUES ($1, $2, $3, $4, $5, $6, 'demo_seed')",
        )
        .bind(tenant)
        .bind(project)
        .bind(contact)
        .bind(if i == 0 { "contracting_officer" } else { "program_manager" })
        .bind(if i == 0 { 4 } else { 3 })
        .bind(if i == 0 { "neutral" } else { "supporter" })
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Our team (we are the prime: subcontractors with their shares and agreements) and the expected competitors,
/// varied by the project's place in the list (not from `rng`: the values the tests know stay).
async fn insert_teaming(tx: &mut Tx, tenant: TenantId, project: ProjectId, index: usize) -> Result<(), DemoError> {
    // (on this pursuit, company, place, share, agreement, notes)
    let entries = [
        (
            index.is_multiple_of(3),
            "Keystone Mission Solutions",
            "subcontractor",
            Some(25),
            "ta_signed",
            "8(a) share for the set-aside; exclusive.",
        ),
        (
            index.is_multiple_of(2),
            "Bluewater Analytics",
            "subcontractor",
            Some(15),
            "nda_signed",
            "Teaming agreement with their counsel.",
        ),
        (index % 5 == 1, "Summit Ridge Technologies", "subcontractor", Some(10), "ta_in_progress", ""),
        (
            index % 2 == 1,
            "Northwind Federal LLC",
            "competitor",
            None::<i64>,
            "none",
            "Incumbent on the predecessor contract.",
        ),
        (index % 3 != 1, "Ironclad Systems Inc.", "competitor", None, "none", ""),
    ];
    for (_, name, role, share, agreement, notes) in entries.into_iter().filter(|e| e.0) {
        sqlx::query(
            "INSERT INTO opportunity_project_organizations (tenant_id, opportunity_project_id, organization_id, teaming_role, \
                workshare_percent, agreement_status, notes, created_by_system) \
             SELECT $1, $2, id, $4, $5, $6, nullif($7, ''), 'demo_seed' FROM organizations WHERE name = $3",
        )
        .bind(tenant)
        .bind(project)
        .bind(name)
        .bind(role)
        .bind(share.map(Decimal::from))
        .bind(agreement)
        .bind(notes)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A few activities per project: done ones in the past, open ones ahead, and now and then one overdue.
async fn insert_activities(
    tx: &mut Tx,
    tenant: TenantId,
    project: ProjectId,
    plan: &ProjectPlan,
    owner: UserId,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Result<(), DemoError> {
    let n = if plan.stage.is_closed() { 2 } else { 3 };
    for k in 0..n {
        let (subject, kind) = ACTIVITIES[(plan.index + k * 3) % ACTIVITIES.len()];
        let offset = match k {
            0 => -(3 + rng.below(20) as i64),
            1 if plan.index.is_multiple_of(5) => -(1 + rng.below(6) as i64),
            _ => 2 + rng.below(20) as i64,
        };
        let due = now + Duration::days(offset);
        let done = k == 0 || plan.stage.is_closed();
        sqlx::query(
            "INSERT INTO activities (tenant_id, entity_type, entity_id, activity_type, subject, activity_date, due_date, \
             completed_date, assigned_to, status, priority, completion_percentage, created_by_system) \
             VALUES ($1, 'opportunity_project', $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, 'demo_seed')",
        )
        .bind(tenant)
        .bind(project)
        .bind(kind)
        .bind(subject)
        .bind(due)
        .bind(done.then_some(due))
        .bind(owner)
        .bind(if done { ActivityStatus::Completed } else { ActivityStatus::Pending })
        .bind(plan.priority)
        .bind(if done { 100 } else { 0 })
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// SplitMix64: deterministic, so every fresh demo tenant looks the same.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n as u64) as usize
    }
}
