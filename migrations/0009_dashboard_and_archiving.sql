-- The pipeline dashboard and project archiving.

-- Seed defect 8: a materialized view is computed by its owner outside every caller's RLS, so reading it
-- leaks across tenants unless each read is filtered by hand, and it is only as fresh as its last refresh.
-- This is a plain view with security_invoker: it is evaluated with the caller's privileges and RLS, so the
-- app role can only ever see its current tenant's rows, and a change shows on the next read. Every join is
-- served by a (tenant_id, ...) index; the pipeline issue benchmarks it at 1,000+ projects per tenant.
CREATE VIEW opportunity_project_dashboard WITH (security_invoker = true, security_barrier = true) AS
SELECT
    op.id,
    op.tenant_id,
    op.project_name,
    op.pipeline_stage,
    op.project_status,
    op.priority_level,
    op.win_probability_score,
    op.strategic_value_score,
    op.pursuit_health_score,
    op.assigned_capture_manager,
    op.last_synced_at,
    op.stage_entered_at,
    coalesce(eod.title, op.title)          AS title,
    eod.estimated_value_max,
    eod.response_due_date,
    eod.solicitation_status,
    coalesce(act.total_activities, 0)     AS total_activities,
    coalesce(act.completed_activities, 0) AS completed_activities,
    coalesce(act.overdue_activities, 0)   AS overdue_activities,
    coalesce(doc.document_count, 0)       AS document_count,
    doc.latest_document_date,
    coalesce(chg.unacknowledged_changes, 0) AS unacknowledged_changes,
    coalesce(chg.unacknowledged_changes, 0) > 0 AS has_recent_changes
FROM opportunity_projects op
LEFT JOIN external_opportunity_data eod
       ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
LEFT JOIN LATERAL (
    SELECT count(*)                                                                    AS total_activities,
           count(*) FILTER (WHERE a.status = 'completed')                              AS completed_activities,
           count(*) FILTER (WHERE a.status IN ('pending', 'in_progress') AND a.due_date < now()) AS overdue_activities
    FROM activities a
    WHERE a.tenant_id = op.tenant_id AND a.entity_type = 'opportunity_project' AND a.entity_id = op.id
      AND NOT a.is_deleted
) act ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS document_count, max(d.created_at) AS latest_document_date
    FROM documents d
    WHERE d.tenant_id = op.tenant_id AND d.opportunity_project_id = op.id AND d.is_current_version AND NOT d.is_deleted
) doc ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS unacknowledged_changes
    FROM external_data_changes edc
    WHERE edc.tenant_id = op.tenant_id AND edc.opportunity_project_id = op.id AND edc.acknowledged_by IS NULL
) chg ON true;

GRANT SELECT ON opportunity_project_dashboard TO gwm_app;

-- Seed defect 5: archiving moved rows into another table with a DELETE that cascaded away the project's
-- documents, activities and history, and wrote to a table that did not exist. Archiving is a status change:
-- nothing is deleted, and each archived project gets its change_history and audit rows in the same
-- transaction. Runs with the caller's privileges and RLS, so it archives only the current tenant's projects.
CREATE FUNCTION archive_completed_projects(cutoff timestamptz DEFAULT now() - interval '2 years')
    RETURNS integer
    LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp
AS $$
DECLARE
    archived_count integer;
BEGIN
    WITH candidates AS (
        SELECT id, project_status AS old_status
          FROM opportunity_projects
         WHERE tenant_id = app_current_tenant_id()
           AND project_status IN ('completed', 'cancelled')
           AND updated_at < cutoff
           FOR UPDATE
    ), archived AS (
        UPDATE opportunity_projects op
           SET project_status = 'archived', archived_at = now()
          FROM candidates c
         WHERE op.id = c.id
        RETURNING op.id, op.tenant_id, c.old_status
    ), history AS (
        INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value,
                                    changed_by_system_process, change_source, change_category)
        SELECT a.tenant_id, 'opportunity_project', a.id, 'project_status', to_jsonb(a.old_status), '"archived"'::jsonb,
               'archiver', 'system_process', 'status_change'
        FROM archived a
    )
    INSERT INTO audit_logs (tenant_id, system_actor, action_type, entity_type, entity_id, operation_description,
                            before_values, after_values, changed_fields)
    SELECT a.tenant_id, 'archiver', 'archive', 'opportunity_project', a.id,
           'Archived: completed or cancelled before ' || cutoff::date,
           jsonb_build_object('project_status', a.old_status), jsonb_build_object('project_status', 'archived'),
           '["project_status"]'::jsonb
    FROM archived a;

    GET DIAGNOSTICS archived_count = ROW_COUNT;
    RETURN archived_count;
END
$$;
REVOKE ALL ON FUNCTION archive_completed_projects(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION archive_completed_projects(timestamptz) TO gwm_app;

-- Helpers that administer isolation are the owner's alone.
REVOKE ALL ON FUNCTION apply_tenant_isolation(regclass) FROM PUBLIC;
