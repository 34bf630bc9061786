-- Document storage bookkeeping.
--
-- 1. Every object written to storage is first announced in storage_objects, in its own committed
--    transaction, before a byte is written. The document row that uses the object is inserted in the same
--    transaction that marks the object 'linked'. If the server dies, or the database fails, between the write
--    and that commit, the object stays 'pending' and the cleanup job deletes it: no orphaned files.
-- 2. Refusals are logged in document_access_logs even for ids that are not a document of the tenant: the
--    id asked for is kept in requested_document_id, with document_id NULL (its foreign key could not hold).

CREATE TABLE storage_objects (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    provider     text NOT NULL CHECK (provider IN ('s3', 'local')),
    bucket       varchar(100),
    storage_key  varchar(1000) NOT NULL CHECK (storage_key !~ '(^/|\.\./|\\)'),
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'linked')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    linked_at    timestamptz,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, storage_key),
    CHECK ((state = 'linked') = (linked_at IS NOT NULL))
);
CREATE INDEX storage_objects_pending ON storage_objects (created_at) WHERE state = 'pending';
SELECT apply_tenant_isolation('storage_objects');
GRANT SELECT, INSERT, UPDATE, DELETE ON storage_objects TO gwm_app;

-- Pending objects older than `p_age`, across tenants, for the cleanup job (which deletes each object and
-- then its row, in that tenant's scope).
CREATE FUNCTION stale_storage_objects(p_age interval, p_limit integer)
    RETURNS TABLE (tenant_id uuid, id uuid, provider text, storage_key text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
BEGIN
    FOR tenant IN SELECT t.id FROM tenants t LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        RETURN QUERY
            SELECT s.tenant_id, s.id, s.provider, s.storage_key::text FROM storage_objects s
             WHERE s.state = 'pending' AND s.created_at <= now() - p_age
             ORDER BY s.created_at LIMIT p_limit;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
REVOKE ALL ON FUNCTION stale_storage_objects(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stale_storage_objects(interval, integer) TO gwm_app;

ALTER TABLE document_access_logs
    ALTER COLUMN document_id DROP NOT NULL,
    ADD COLUMN requested_document_id uuid,
    ADD CONSTRAINT document_access_logs_names_a_document CHECK (document_id IS NOT NULL OR requested_document_id IS NOT NULL);

-- Who may see a document, beyond being in its tenant (one definition, for RLS and for the server's checks):
--   public        everyone in the tenant;
--   project_team  the project's capture and proposal managers, its team members and anyone holding a role on
--                 that project;
--   restricted    the project's capture and proposal managers;
--   confidential  nobody more;
-- and at every level the uploader and the tenant's document managers (a tenant-wide role with
-- documents.delete). Work with no acting user (background jobs) sees every document of the tenant.
CREATE FUNCTION app_may_see_document(p_access text, p_project uuid, p_uploaded_by uuid) RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT app_current_user_id() IS NULL
        OR p_access = 'public'
        OR p_uploaded_by = app_current_user_id()
        OR EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                    WHERE ur.user_id = app_current_user_id() AND ur.opportunity_project_id IS NULL
                      AND (ur.expires_at IS NULL OR ur.expires_at > now()) AND r.permissions ? 'documents.delete')
        OR (p_access IN ('project_team', 'restricted') AND EXISTS (
                SELECT 1 FROM opportunity_projects op
                 WHERE op.id = p_project
                   AND (op.assigned_capture_manager = app_current_user_id()
                        OR op.assigned_proposal_manager = app_current_user_id()
                        OR (p_access = 'project_team' AND op.assigned_team_members ? app_current_user_id()::text))))
        OR (p_access = 'project_team' AND EXISTS (
                SELECT 1 FROM user_roles ur
                 WHERE ur.user_id = app_current_user_id() AND ur.opportunity_project_id = p_project
                   AND (ur.expires_at IS NULL OR ur.expires_at > now())))
$$;
GRANT EXECUTE ON FUNCTION app_may_see_document(text, uuid, uuid) TO gwm_app;

-- Restrictive: it narrows the tenant policy, never widens it. For the application role only: the owner's
-- SECURITY DEFINER functions still see their tenant's rows whole.
CREATE POLICY document_visibility ON documents AS RESTRICTIVE FOR SELECT TO gwm_app
    USING (app_may_see_document(access_level, opportunity_project_id, uploaded_by));

-- Whether a document id exists in the current tenant at all, whatever its access level: a refusal of a
-- document the caller may not see is logged against it, an unknown id against the id asked for.
CREATE FUNCTION app_document_in_tenant(p_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM documents WHERE id = p_id AND tenant_id = app_current_tenant_id())
$$;
REVOKE ALL ON FUNCTION app_document_in_tenant(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_document_in_tenant(uuid) TO gwm_app;
