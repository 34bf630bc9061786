-- Merging duplicate contacts (issue 16). The duplicate's row stays, deactivated and pointing at the record that
-- was kept, so its change history and every audit row naming it still lead somewhere; its links (roles on
-- pursuits, documents, activities) move to the kept record in the merge's transaction.
ALTER TABLE contacts
    ADD COLUMN merged_into_id uuid,
    ADD COLUMN merged_at timestamptz,
    ADD COLUMN merged_by uuid,
    ADD CONSTRAINT contacts_merged_into FOREIGN KEY (tenant_id, merged_into_id) REFERENCES contacts (tenant_id, id),
    ADD CONSTRAINT contacts_merged_by FOREIGN KEY (tenant_id, merged_by) REFERENCES users (tenant_id, id),
    -- Merged means: when, into another record, and no longer active (restoring it would split the person again).
    ADD CONSTRAINT contacts_merge_complete CHECK (
        (merged_into_id IS NULL AND merged_at IS NULL)
        OR (merged_into_id IS NOT NULL AND merged_at IS NOT NULL AND merged_into_id <> id AND NOT is_active));
CREATE INDEX contacts_merged_into ON contacts (tenant_id, merged_into_id) WHERE merged_into_id IS NOT NULL;

-- Two more things the trail records: a merge, and a bulk import (with its counts).
ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_action_type_check,
    ADD CONSTRAINT audit_logs_action_type_check CHECK (action_type IN ('create', 'read', 'update', 'delete', 'restore',
        'archive', 'export', 'sync', 'login', 'login_failed', 'logout', 'lockout', 'session_end', 'password_change',
        'permission_change', 'config_change', 'access_denied', 'merge', 'import'));
