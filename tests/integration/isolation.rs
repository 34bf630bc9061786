//! Tenant isolation, proved as the application role: no tenant, no rows; tenant A never sees, changes or
//! deletes tenant B's rows; and the role cannot switch RLS off.

use crate::common::TestDb;
use sqlx::{Connection, Executor, PgConnection, Row};
use uuid::Uuid;

struct TwoTenants {
    db: TestDb,
    a: Uuid,
    b: Uuid,
    tables: Vec<String>,
}

/// Two tenants with a row in every tenant-owned table, and the list of those tables read from the catalog
/// (so a table added later is covered without touching this test).
async fn two_tenants() -> TwoTenants {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    sqlx::raw_sql(include_str!("../fixtures/one_of_everything.sql")).execute(&owner).await.expect("fixture fn");
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, sub) in [(a, "alpha"), (b, "bravo")] {
        let mut tx = owner.begin().await.expect("tx");
        sqlx::query("SELECT test_fill_tenant($1, $2)").bind(id).bind(sub).execute(&mut *tx).await.expect("fill");
        tx.commit().await.expect("commit");
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema \
         WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&owner)
    .await
    .expect("tables");
    assert!(tables.len() >= 26, "expected every tenant-owned table, found {tables:?}");
    owner.close().await;
    TwoTenants { db, a, b, tables }
}

async fn begin_as(conn: &mut PgConnection, tenant: Option<Uuid>) {
    conn.execute("BEGIN").await.expect("begin");
    if let Some(t) = tenant {
        sqlx::query("SELECT set_config('app.current_tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *conn)
            .await
            .expect("set");
    }
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get::<i64, _>(0)
}

#[tokio::test]
async fn with_no_tenant_set_the_app_role_sees_zero_rows_everywhere() {
    let t = two_tenants().await;
    let mut conn = t.db.app_connection().await;
    for table in &t.tables {
        assert_eq!(count(&mut conn, &format!("SELECT count(*) FROM {table}")).await, 0, "{table} leaked rows");
    }
    assert_eq!(count(&mut conn, "SELECT count(*) FROM tenants").await, 0);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM opportunity_project_dashboard").await, 0);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM opportunity_project_current").await, 0);
    // An empty setting is "no tenant" too, not an error.
    begin_as(&mut conn, None).await;
    conn.execute("SELECT set_config('app.current_tenant_id', '', true)").await.expect("set empty");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM opportunity_projects").await, 0);
    conn.execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test]
async fn tenant_a_sees_its_own_rows_and_never_tenant_bs() {
    let t = two_tenants().await;
    let mut conn = t.db.app_connection().await;
    begin_as(&mut conn, Some(t.a)).await;
    for table in &t.tables {
        let own = count(&mut conn, &format!("SELECT count(*) FROM {table}")).await;
        let foreign = count(&mut conn, &format!("SELECT count(*) FROM {table} WHERE tenant_id <> '{}'", t.a)).await;
        assert!(own >= 1, "{table}: tenant A cannot see its own row");
        assert_eq!(foreign, 0, "{table}: tenant A sees another tenant's rows");
    }
    let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tenants").fetch_all(&mut conn).await.expect("tenants");
    assert_eq!(tenants, vec![t.a]);
    let dashboard: Vec<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM opportunity_project_dashboard")
        .fetch_all(&mut conn)
        .await
        .expect("view");
    assert_eq!(dashboard, vec![t.a]);
    // The effective-values view (overrides over snapshots) runs under the caller's RLS as well.
    let current: Vec<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM opportunity_project_current")
        .fetch_all(&mut conn)
        .await
        .expect("view");
    assert_eq!(current, vec![t.a]);
    conn.execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test]
async fn tenant_a_cannot_update_delete_or_insert_into_tenant_b() {
    let t = two_tenants().await;
    let mut conn = t.db.app_connection().await;
    for table in &t.tables {
        // UPDATE / DELETE aimed at B's rows touch nothing (or are not granted at all).
        for (verb, sql) in [
            ("UPDATE", format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = '{}'", t.b)),
            ("DELETE", format!("DELETE FROM {table} WHERE tenant_id = '{}'", t.b)),
        ] {
            begin_as(&mut conn, Some(t.a)).await;
            match conn.execute(sql.as_str()).await {
                Ok(done) => assert_eq!(done.rows_affected(), 0, "{verb} {table} reached tenant B"),
                Err(err) => assert_eq!(
                    err.as_database_error().and_then(|e| e.code()).as_deref(),
                    Some("42501"),
                    "{verb} {table}: unexpected error {err}"
                ),
            }
            conn.execute("ROLLBACK").await.expect("rollback");
        }
        // Moving A's rows into B is refused by the policy's WITH CHECK.
        begin_as(&mut conn, Some(t.a)).await;
        let moved = conn.execute(format!("UPDATE {table} SET tenant_id = '{}'", t.b).as_str()).await;
        let code = moved.err().and_then(|e| e.as_database_error().and_then(|d| d.code()).map(|c| c.to_string()));
        assert!(matches!(code.as_deref(), Some("42501")), "{table}: moving rows to tenant B was not refused: {code:?}");
        conn.execute("ROLLBACK").await.expect("rollback");
    }
    // Inserting a row for B while acting as A is refused.
    begin_as(&mut conn, Some(t.a)).await;
    let err =
        sqlx::query("INSERT INTO organizations (tenant_id, name, created_by_system) VALUES ($1, 'Sneaky', 'workflow')")
            .bind(t.b)
            .execute(&mut conn)
            .await
            .expect_err("insert for another tenant");
    assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"));
    conn.execute("ROLLBACK").await.expect("rollback");

    // And B still has everything.
    begin_as(&mut conn, Some(t.b)).await;
    for table in &t.tables {
        assert!(count(&mut conn, &format!("SELECT count(*) FROM {table}")).await >= 1, "{table}: tenant B lost rows");
    }
    conn.execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test]
async fn the_app_role_cannot_turn_rls_off_or_read_around_it() {
    let t = two_tenants().await;
    let mut conn = t.db.app_connection().await;
    for table in &t.tables {
        for sql in [
            format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"),
            format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"),
            format!("DROP POLICY tenant_isolation ON {table}"),
        ] {
            let err = conn.execute(sql.as_str()).await.expect_err("must be refused");
            assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"), "{sql}: {err}");
        }
    }
    // row_security = off makes RLS-protected reads fail instead of bypassing the policies.
    conn.execute("SET row_security = off").await.expect("set");
    let err = conn.execute("SELECT count(*) FROM opportunity_projects").await.expect_err("must fail");
    assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"), "{err}");
    conn.execute("RESET row_security").await.expect("reset");
    // It cannot make itself more powerful either.
    for sql in ["ALTER ROLE gwm_app BYPASSRLS", "SET ROLE gwm_owner", "SET SESSION AUTHORIZATION gwm_owner"] {
        assert!(conn.execute(sql).await.is_err(), "{sql} succeeded");
    }
    conn.close().await.expect("close");
}

#[tokio::test]
async fn audit_trails_are_append_only_for_the_app_role() {
    let t = two_tenants().await;
    let mut conn = t.db.app_connection().await;
    for table in ["audit_logs", "change_history", "permission_audit", "document_access_logs", "api_integration_logs"] {
        for sql in [format!("UPDATE {table} SET tenant_id = tenant_id"), format!("DELETE FROM {table}")] {
            begin_as(&mut conn, Some(t.a)).await;
            let err = conn.execute(sql.as_str()).await.expect_err("must be refused");
            assert_eq!(err.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"), "{sql}");
            conn.execute("ROLLBACK").await.expect("rollback");
        }
    }
    // Tenants cannot be deleted at all: audit rows hold on to them.
    begin_as(&mut conn, Some(t.a)).await;
    assert!(conn.execute(format!("DELETE FROM tenants WHERE id = '{}'", t.a).as_str()).await.is_err());
    conn.execute("ROLLBACK").await.expect("rollback");
}
