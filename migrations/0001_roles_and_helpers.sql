-- Roles and helpers every later migration uses.
--
-- Two database roles (DESIGN.md, principle 1):
--   * the owner: whoever runs these migrations. It owns every table, function and view.
--   * gwm_app: what the server connects as to serve requests. It owns nothing, is neither SUPERUSER nor
--     BYPASSRLS, and only gets the grants each migration gives it table by table.
-- Roles are cluster-wide, so several databases (and parallel test databases) share gwm_app; creation
-- tolerates a concurrent creator.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gwm_app') THEN
        BEGIN
            CREATE ROLE gwm_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO gwm_app', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO gwm_app;

-- The tenant of the current transaction, as set by the server with
-- `SELECT set_config('app.current_tenant_id', $1, true)`. Unset (or empty) means NULL, so every policy
-- comparing with it matches no row: no tenant, no data, and no error.
CREATE FUNCTION app_current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.current_tenant_id', true), '')::uuid $$;

-- The acting user of the current transaction (NULL for system work).
CREATE FUNCTION app_current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid $$;

GRANT EXECUTE ON FUNCTION app_current_tenant_id() TO gwm_app;
GRANT EXECUTE ON FUNCTION app_current_user_id() TO gwm_app;

-- Keeps updated_at honest without relying on every UPDATE statement to remember it.
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- Automated work (sync, archiving, seeding) is done by no user. Instead of a fake "system user" that exists
-- in no table (seed defect 9), rows created by automation name the process, and a CHECK on each table
-- requires exactly one of created_by (a real user) or created_by_system.
CREATE TYPE system_actor AS ENUM ('external_sync', 'archiver', 'demo_seed', 'platform_admin', 'workflow');

-- Applies the tenant-isolation policies to a tenant-owned table: RLS enabled and forced; a permissive base
-- policy and a RESTRICTIVE tenant policy, so that any permissive policy added later (say, a document access
-- level) is AND-ed with the tenant check instead of OR-ed around it (seed defect 6).
CREATE FUNCTION apply_tenant_isolation(tbl regclass) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_rows ON %s AS PERMISSIVE FOR ALL USING (true)', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s AS RESTRICTIVE FOR ALL '
        'USING (tenant_id = app_current_tenant_id()) WITH CHECK (tenant_id = app_current_tenant_id())',
        tbl);
END
$$;
