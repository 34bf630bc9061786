//! The data model: migrations, the seed's tables, closed sets, and the database roles.

use crate::common::{TestApp, TestDb};
use app::domain::{PipelineStage, Priority, ProjectStatus};
use gwm_crm::database::MIGRATOR;
use uuid::Uuid;

/// Every table of the PostgreSQL model plus capture_plans and proposals from the Prisma schema.
const SEED_TABLES: &[&str] = &[
    "tenants",
    "tenant_configurations",
    "users",
    "roles",
    "user_roles",
    "external_opportunity_sources",
    "opportunity_projects",
    "external_opportunity_data",
    "opportunity_project_overrides",
    "organizations",
    "contacts",
    "opportunity_project_contacts",
    "document_categories",
    "documents",
    "document_associations",
    "document_access_logs",
    "activities",
    "activity_participants",
    "audit_logs",
    "change_history",
    "user_sessions",
    "permission_audit",
    "polling_configurations",
    "api_integration_logs",
    "external_data_changes",
    "capture_plans",
    "proposals",
];

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_a_restart_changes_nothing() {
    let db = TestDb::empty().await;
    let owner = db.owner_pool().await;
    gwm_crm::database::migrate(&owner).await.expect("first run");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(applied as usize, MIGRATOR.iter().count());
    let schema_before = column_signature(&owner).await;

    // A restart of the server applies migrations again: nothing new, nothing broken.
    gwm_crm::database::migrate(&owner).await.expect("second run");
    let app = TestApp::spawn(db, &[]).await;
    let again: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&owner).await.expect("count");
    assert_eq!(again as usize, MIGRATOR.iter().count());
    let schema_after = column_signature(&owner).await;
    assert_eq!(schema_before, schema_after);
    assert_eq!(app.get_as(None, "/healthz").await.status(), 200);
}

/// Every public column with its type, in one string: equal strings mean an unchanged schema.
async fn column_signature(owner: &sqlx::PgPool) -> String {
    sqlx::query_scalar(
        "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, ordinal_position) \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_one(owner)
    .await
    .expect("schema")
}

#[tokio::test]
async fn every_seed_table_exists() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&owner)
    .await
    .expect("tables");
    for table in SEED_TABLES {
        assert!(tables.iter().any(|t| t == table), "missing table {table}");
    }
    let view: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.views WHERE table_name = 'opportunity_project_dashboard')",
    )
    .fetch_one(&owner)
    .await
    .expect("view");
    assert!(view, "the dashboard view is missing");
    let fulltext: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'documents_search' AND indexdef LIKE '%gin%')",
    )
    .fetch_one(&owner)
    .await
    .expect("index");
    assert!(fulltext, "the full-text index on documents is missing");
}

#[tokio::test]
async fn every_tenant_owned_table_has_tenant_id_and_forced_rls_with_a_restrictive_tenant_policy() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    for table in SEED_TABLES.iter().filter(|t| **t != "tenants") {
        let (has_tenant, enabled, forced, restrictive): (bool, bool, bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = c.relname AND column_name = 'tenant_id' \
                            AND is_nullable = 'NO'), \
                    c.relrowsecurity, c.relforcerowsecurity, \
                    EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND NOT p.polpermissive \
                            AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app_current_tenant_id()%') \
             FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace",
        )
        .bind(table)
        .fetch_one(&owner)
        .await
        .expect("catalog");
        assert!(has_tenant, "{table} has no NOT NULL tenant_id");
        assert!(enabled && forced, "{table}: RLS enabled={enabled} forced={forced}");
        assert!(restrictive, "{table} has no restrictive tenant policy");
    }
}

#[tokio::test]
async fn the_app_role_owns_nothing_and_cannot_bypass_rls() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let (superuser, bypass, createrole, createdb): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'gwm_app'",
    )
    .fetch_one(&owner)
    .await
    .expect("role");
    assert!(!superuser && !bypass && !createrole && !createdb);
    let owned: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'gwm_app'::regrole) \
              + (SELECT count(*) FROM pg_proc WHERE proowner = 'gwm_app'::regrole) \
              + (SELECT count(*) FROM pg_type WHERE typowner = 'gwm_app'::regrole) \
              + (SELECT count(*) FROM pg_namespace WHERE nspowner = 'gwm_app'::regrole)",
    )
    .fetch_one(&owner)
    .await
    .expect("owned");
    assert_eq!(owned, 0);
}

/// Security finding (least privilege): the app role changes nothing of the tenant registry (it may only lock
/// its own row), every function that runs with the owner's rights or decides row visibility has a pinned
/// search_path, and the job functions refuse arguments outside what the jobs use.
#[tokio::test]
async fn the_app_role_has_least_privilege_on_tenants_and_functions() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let may_update = |column: &'static str| {
        let owner = owner.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT has_column_privilege('gwm_app', 'tenants', $1, 'UPDATE')")
                .bind(column)
                .fetch_one(&owner)
                .await
                .expect("privilege")
        }
    };
    for column in
        ["name", "subdomain", "plan_type", "max_users", "max_opportunity_projects", "is_active", "subscription_status"]
    {
        assert!(!may_update(column).await, "gwm_app may not update tenants.{column}");
    }
    assert!(may_update("updated_at").await, "locking its row needs one column");
    let unpinned: Vec<String> = sqlx::query_scalar(
        "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
          WHERE n.nspname = 'public' AND (p.prosecdef OR p.proname = 'app_may_see_document') \
            AND NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=public, pg_temp'], false)",
    )
    .fetch_all(&owner)
    .await
    .expect("functions");
    assert!(unpinned.is_empty(), "functions without a pinned search_path: {unpinned:?}");
    let app = db.app_pool().await;
    for call in [
        "SELECT auth_housekeeping(interval '0 seconds', interval '10 minutes')",
        "SELECT * FROM claim_document_extractions(100000, interval '5 minutes')",
        "SELECT * FROM claim_document_extractions(1, interval '10 days')",
        "SELECT * FROM stale_storage_objects(interval '1 minute', 100)",
    ] {
        let err = sqlx::query(call).execute(&app).await.expect_err(call).to_string();
        assert!(err.contains("argument out of range"), "{call}: {err}");
    }
    for unchecked in ["auth_housekeeping_unchecked", "claim_document_extractions_unchecked"] {
        let may: bool = sqlx::query_scalar(&format!(
            "SELECT bool_or(has_function_privilege('gwm_app', p.oid, 'EXECUTE')) FROM pg_proc p WHERE p.proname = '{unchecked}'"
        ))
        .fetch_one(&owner)
        .await
        .expect("privilege");
        assert!(!may, "{unchecked} is the owner's alone");
    }
}

/// A database migrated while 0015 held its edited text (stop 17) starts on the restored 0015 and 0016: its
/// recorded checksum is accepted, 0016 applies over a schema that already has it; any other edit is refused.
#[tokio::test]
async fn a_database_migrated_with_the_edited_0015_migrates_on() {
    use gwm_crm::database::{EDITED_0015_CHECKSUM, migrate};
    let db = TestDb::new().await;
    let owner = db.owner_pool().await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = decode($1, 'hex') WHERE version = 15")
        .bind(EDITED_0015_CHECKSUM)
        .execute(&owner)
        .await
        .expect("as stop 17 recorded it");
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 16").execute(&owner).await.expect("0016 not yet run");
    migrate(&owner).await.expect("migrates on");
    let restored = MIGRATOR.iter().find(|m| m.version == 15).expect("0015").checksum.to_vec();
    let (checksum, has_16): (Vec<u8>, bool) = sqlx::query_as(
        "SELECT (SELECT checksum FROM _sqlx_migrations WHERE version = 15), \
                EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = 16 AND success)",
    )
    .fetch_one(&owner)
    .await
    .expect("recorded");
    assert_eq!((checksum, has_16), (restored, true));

    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00' WHERE version = 15")
        .execute(&owner)
        .await
        .expect("another edit");
    assert!(migrate(&owner).await.is_err(), "an unknown edit of a landed migration is still refused");
}

/// The Rust enums and the CHECK constraints name the same sets.
#[tokio::test]
async fn closed_sets_agree_with_the_database() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let tenant = Uuid::new_v4();
    let mut tx = crate::common::owner_tx(&owner, tenant).await;
    sqlx::query("INSERT INTO tenants (id, name, subdomain) VALUES ($1, 'Sets', 'sets')")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .expect("tenant");

    let insert = "INSERT INTO opportunity_projects (tenant_id, project_name, pipeline_stage, project_status, priority_level, \
                  archived_at, created_by_system) VALUES ($1, 'p', $2, $3, $4, CASE WHEN $3 = 'archived' THEN now() END, 'workflow')";
    for stage in PipelineStage::ALL {
        for status in ProjectStatus::ALL {
            for priority in Priority::ALL {
                sqlx::query(insert)
                    .bind(tenant)
                    .bind(stage)
                    .bind(status)
                    .bind(priority)
                    .execute(&mut *tx)
                    .await
                    .unwrap_or_else(|e| panic!("{stage}/{status}/{priority} refused: {e}"));
            }
        }
    }
    for (stage, status, priority) in
        [("phase_7", "active", "low"), ("phase_1", "dormant", "low"), ("phase_1", "active", "urgent")]
    {
        sqlx::query("SAVEPOINT s").execute(&mut *tx).await.expect("savepoint");
        let err = sqlx::query(insert)
            .bind(tenant)
            .bind(stage)
            .bind(status)
            .bind(priority)
            .execute(&mut *tx)
            .await
            .expect_err("an unknown value must be refused");
        assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("23514"), "{err}");
        sqlx::query("ROLLBACK TO SAVEPOINT s").execute(&mut *tx).await.expect("rollback");
    }
}

/// The values a column's single-column CHECK constraint (`col IN (...)`) or enum type accepts.
async fn accepted_values(pool: &sqlx::PgPool, table: &str, column: &str) -> Vec<String> {
    let definitions: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c \
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
          WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2 AND cardinality(c.conkey) = 1 \
            AND pg_get_constraintdef(c.oid) LIKE '%ANY (ARRAY[%'",
    )
    .bind(table)
    .bind(column)
    .fetch_all(pool)
    .await
    .expect("constraints");
    let mut values: Vec<String> = match definitions.as_slice() {
        [definition] => definition.split('\'').skip(1).step_by(2).map(str::to_string).collect(),
        [] => sqlx::query_scalar(
            "SELECT e.enumlabel::text FROM pg_attribute a JOIN pg_enum e ON e.enumtypid = a.atttypid \
              WHERE a.attrelid = $1::regclass AND a.attname = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_all(pool)
        .await
        .expect("enum labels"),
        more => panic!("{table}.{column} has {} value constraints: {more:?}", more.len()),
    };
    assert!(!values.is_empty(), "{table}.{column} has no CHECK (... IN ...) and is no enum");
    values.sort();
    values
}

/// Every closed set that is stored is exactly the set its column accepts (the sets not listed here are not
/// stored in a constrained column: sort columns, the permission catalogue kept as JSON, the system roles'
/// names, synced field names, upload file types).
#[tokio::test]
async fn every_stored_closed_set_is_its_columns_check_constraint() {
    use app::{
        audit::{AuditAction, RiskLevel},
        auth::MfaRequirement,
        contacts::{
            BusinessSize, Clearance, ContactType, InteractionFrequency, OrganizationType, RelationshipType, Stance,
            teaming::{AgreementStatus, TeamingRole},
        },
        documents::{DocumentType, ProcessingStatus, filing::LinkRole},
        domain::*,
        imports::{ImportKind, ImportMode, ImportStatus, TextEncoding},
        sync::{
            AuthKind, ConnectionStatus, SourceKind,
            snapshot::{ChangeType, SolicitationStatus},
        },
    };
    fn names<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
        let mut names: Vec<String> = all.iter().map(ToString::to_string).collect();
        names.sort();
        names
    }
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let sets: [(&str, &str, Vec<String>); 37] = [
        ("external_opportunity_sources", "source_kind", names(SourceKind::ALL)),
        ("external_opportunity_sources", "authentication_type", names(AuthKind::ALL)),
        ("external_opportunity_sources", "connection_status", names(ConnectionStatus::ALL)),
        ("external_data_changes", "change_type", names(ChangeType::ALL)),
        ("external_opportunity_data", "solicitation_status", names(SolicitationStatus::ALL)),
        ("opportunity_projects", "pipeline_stage", names(PipelineStage::ALL)),
        ("opportunity_projects", "project_status", names(ProjectStatus::ALL)),
        ("opportunity_projects", "priority_level", names(Priority::ALL)),
        ("opportunity_projects", "sync_status", names(SyncStatus::ALL)),
        ("opportunity_projects", "created_by_system", names(SystemActor::ALL)),
        ("external_data_changes", "impact_level", names(ImpactLevel::ALL)),
        ("documents", "access_level", names(AccessLevel::ALL)),
        ("documents", "document_type", names(DocumentType::ALL)),
        ("documents", "processing_status", names(ProcessingStatus::ALL)),
        ("document_associations", "association_type", names(LinkRole::ALL)),
        ("activities", "status", names(ActivityStatus::ALL)),
        ("activities", "activity_type", names(ActivityType::ALL)),
        ("tenants", "plan_type", names(PlanType::ALL)),
        ("tenants", "subscription_status", names(SubscriptionStatus::ALL)),
        ("tenant_security_policies", "mfa_required", names(MfaRequirement::ALL)),
        ("audit_logs", "action_type", names(AuditAction::ALL)),
        ("audit_logs", "risk_level", names(RiskLevel::ALL)),
        ("audit_logs", "system_actor", names(SystemActor::ALL)),
        ("organizations", "organization_type", names(OrganizationType::ALL)),
        ("organizations", "business_size", names(BusinessSize::ALL)),
        ("contacts", "contact_type", names(ContactType::ALL)),
        ("contacts", "security_clearance", names(Clearance::ALL)),
        ("contacts", "interaction_frequency", names(InteractionFrequency::ALL)),
        ("opportunity_project_contacts", "relationship_type", names(RelationshipType::ALL)),
        ("opportunity_project_contacts", "stance", names(Stance::ALL)),
        ("opportunity_project_organizations", "teaming_role", names(TeamingRole::ALL)),
        ("opportunity_project_organizations", "agreement_status", names(AgreementStatus::ALL)),
        ("import_jobs", "kind", names(ImportKind::ALL)),
        ("import_jobs", "mode", names(ImportMode::ALL)),
        ("import_jobs", "status", names(ImportStatus::ALL)),
        ("import_jobs", "encoding", names(TextEncoding::ALL)),
        ("import_mappings", "kind", names(ImportKind::ALL)),
    ];
    for (table, column, rust) in sets {
        assert_eq!(accepted_values(&owner, table, column).await, rust, "{table}.{column}");
    }
    // A link names what it is linked to: every kind the UI offers is one the column accepts (projects are
    // linked by the document's own project, not through this form).
    let kinds = accepted_values(&owner, "document_associations", "entity_type").await;
    for kind in app::documents::filing::LinkedKind::ALL {
        assert!(kinds.contains(&kind.to_string()), "{kind}");
    }
}

#[tokio::test]
async fn archiving_changes_status_and_keeps_everything_with_a_trail() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    sqlx::raw_sql(include_str!("../fixtures/one_of_everything.sql")).execute(&owner).await.expect("fixture fn");
    let tenant = Uuid::new_v4();
    let mut tx = owner.begin().await.expect("tx");
    sqlx::query("SELECT test_fill_tenant($1, 'arch')").bind(tenant).execute(&mut *tx).await.expect("fill");
    sqlx::query("UPDATE opportunity_projects SET project_status = 'completed'")
        .execute(&mut *tx)
        .await
        .expect("complete");
    let archived: i32 = sqlx::query_scalar("SELECT archive_completed_projects(now() + interval '1 day')")
        .fetch_one(&mut *tx)
        .await
        .expect("archive");
    assert_eq!(archived, 1);
    let (status, docs, acts, history, audit): (String, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT project_status FROM opportunity_projects), (SELECT count(*) FROM documents), \
                (SELECT count(*) FROM activities), \
                (SELECT count(*) FROM change_history WHERE field_name = 'project_status' AND old_value = '\"completed\"'), \
                (SELECT count(*) FROM audit_logs WHERE action_type = 'archive' AND system_actor = 'archiver')",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("state");
    assert_eq!((status.as_str(), docs, acts, history, audit), ("archived", 1, 1, 1, 1));
}

#[tokio::test]
async fn document_versions_are_rows_and_only_one_is_current() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    sqlx::raw_sql(include_str!("../fixtures/one_of_everything.sql")).execute(&owner).await.expect("fixture fn");
    let tenant = Uuid::new_v4();
    let mut tx = owner.begin().await.expect("tx");
    sqlx::query("SELECT test_fill_tenant($1, 'ver')").bind(tenant).execute(&mut *tx).await.expect("fill");
    let add_v2 = "INSERT INTO documents (tenant_id, opportunity_project_id, name, original_filename, mime_type, file_size_bytes, \
                  storage_key, version_number, parent_document_id, is_current_version, uploaded_by) \
                  SELECT tenant_id, opportunity_project_id, name, original_filename, mime_type, 4, storage_key || '.v2', 2, id, $1, uploaded_by \
                  FROM documents WHERE version_number = 1";
    // Two current versions of one chain are refused...
    sqlx::query("SAVEPOINT s").execute(&mut *tx).await.expect("savepoint");
    let err = sqlx::query(add_v2).bind(true).execute(&mut *tx).await.expect_err("two current versions");
    assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("23505"));
    sqlx::query("ROLLBACK TO SAVEPOINT s").execute(&mut *tx).await.expect("rollback");
    // ...a new version is a new row, and the old one keeps its own object.
    sqlx::query("UPDATE documents SET is_current_version = false").execute(&mut *tx).await.expect("retire v1");
    sqlx::query(add_v2).bind(true).execute(&mut *tx).await.expect("v2");
    let keys: Vec<String> = sqlx::query_scalar("SELECT storage_key FROM documents ORDER BY version_number")
        .fetch_all(&mut *tx)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
}
