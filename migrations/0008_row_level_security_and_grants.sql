-- Tenant isolation on every tenant-owned table (DESIGN.md principle 1, seed defects 6 and 7), and the app
-- role's privileges, table by table. Audit-type tables are append-only for the app role: it may INSERT and
-- SELECT them, never UPDATE or DELETE.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenant_configurations', 'users', 'roles', 'user_roles', 'external_opportunity_sources',
        'opportunity_projects', 'external_opportunity_data', 'opportunity_project_overrides', 'organizations',
        'contacts', 'opportunity_project_contacts', 'document_categories', 'documents', 'document_associations',
        'document_access_logs', 'activities', 'activity_participants', 'capture_plans', 'proposals', 'audit_logs',
        'change_history', 'user_sessions', 'permission_audit', 'polling_configurations', 'api_integration_logs',
        'external_data_changes'
    ] LOOP
        PERFORM apply_tenant_isolation(t::regclass);
    END LOOP;
END
$$;

-- Business records: read, create, change. Deletion of business records is soft (is_deleted / is_active /
-- project_status), so the app role has no DELETE on them.
GRANT SELECT, INSERT, UPDATE ON
    tenant_configurations, users, roles, external_opportunity_sources, opportunity_projects,
    external_opportunity_data, opportunity_project_overrides, organizations, contacts, document_categories,
    documents, activities, capture_plans, proposals, user_sessions, polling_configurations, external_data_changes
TO gwm_app;

-- Link tables whose rows are relationships, not records: removing one is a real delete (audited by the server).
GRANT SELECT, INSERT, UPDATE, DELETE ON
    user_roles, opportunity_project_contacts, document_associations, activity_participants
TO gwm_app;

-- Append-only trails.
GRANT SELECT, INSERT ON audit_logs, change_history, permission_audit, document_access_logs, api_integration_logs
TO gwm_app;

-- The tenant row itself: its own row only (policy tenant_self); tenants are created by the platform command.
GRANT SELECT, UPDATE ON tenants TO gwm_app;
