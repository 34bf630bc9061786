-- What a pursuit's synced fields are in effect: a person's active override if there is one, else the current
-- snapshot of the source (else, for the title, the project's own). Board, table, export and dashboard all read
-- these values, so an override (or a value typed in for a project created by hand, which has no source) shows
-- everywhere the same. security_invoker: evaluated under the caller's RLS, like the dashboard view.
CREATE VIEW opportunity_project_current WITH (security_invoker = true) AS
SELECT
    op.id,
    op.tenant_id,
    op.project_name,
    op.solicitation_number,
    op.agency_name,
    op.pipeline_stage,
    op.project_status,
    op.priority_level,
    op.win_probability_score,
    op.strategic_value_score,
    op.assigned_capture_manager,
    op.stage_entered_at,
    op.created_at,
    op.updated_at,
    coalesce(ov.v ->> 'title', eod.title, op.title)::varchar(500)               AS title,
    coalesce(ov.v ->> 'set_aside_type', eod.set_aside_type)::varchar(100)         AS set_aside_type,
    coalesce(ov.v ->> 'naics_codes', eod.naics_codes)::varchar(200)               AS naics_codes,
    coalesce((ov.v ->> 'estimated_value_max')::numeric, eod.estimated_value_max)::numeric(15, 2)
                                                                                  AS estimated_value,
    coalesce((ov.v ->> 'response_due_date')::timestamptz, eod.response_due_date) AS response_due_date,
    coalesce(ov.v ->> 'place_of_performance', eod.place_of_performance)           AS place_of_performance,
    eod.solicitation_status
FROM opportunity_projects op
LEFT JOIN external_opportunity_data eod
       ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
-- Grouped once per query and hash-joined, rather than looked up per project: the board and the table read
-- every pursuit of the tenant. RLS limits the scan to the caller's tenant; a lookup by id is pushed down.
LEFT JOIN (
    SELECT o.tenant_id, o.opportunity_project_id, jsonb_object_agg(o.field_name, o.override_value) AS v
      FROM opportunity_project_overrides o
     WHERE o.is_active
     GROUP BY o.tenant_id, o.opportunity_project_id
) ov ON ov.tenant_id = op.tenant_id AND ov.opportunity_project_id = op.id;

GRANT SELECT ON opportunity_project_current TO gwm_app;

-- The dashboard view, rebuilt on the effective values (same columns, same order). Nothing depends on it.
DROP VIEW opportunity_project_dashboard;
CREATE VIEW opportunity_project_dashboard WITH (security_invoker = true, security_barrier = true) AS
SELECT
    cur.id,
    cur.tenant_id,
    cur.project_name,
    cur.pipeline_stage,
    cur.project_status,
    cur.priority_level,
    cur.win_probability_score,
    cur.strategic_value_score,
    op.pursuit_health_score,
    cur.assigned_capture_manager,
    op.last_synced_at,
    cur.stage_entered_at,
    cur.title,
    cur.estimated_value                   AS estimated_value_max,
    cur.response_due_date,
    cur.solicitation_status,
    coalesce(act.total_activities, 0)     AS total_activities,
    coalesce(act.completed_activities, 0) AS completed_activities,
    coalesce(act.overdue_activities, 0)   AS overdue_activities,
    coalesce(doc.document_count, 0)       AS document_count,
    doc.latest_document_date,
    coalesce(chg.unacknowledged_changes, 0) AS unacknowledged_changes,
    coalesce(chg.unacknowledged_changes, 0) > 0 AS has_recent_changes
FROM opportunity_project_current cur
JOIN opportunity_projects op ON op.tenant_id = cur.tenant_id AND op.id = cur.id
LEFT JOIN LATERAL (
    SELECT count(*)                                                                    AS total_activities,
           count(*) FILTER (WHERE a.status = 'completed')                              AS completed_activities,
           count(*) FILTER (WHERE a.status IN ('pending', 'in_progress') AND a.due_date < now()) AS overdue_activities
    FROM activities a
    WHERE a.tenant_id = cur.tenant_id AND a.entity_type = 'opportunity_project' AND a.entity_id = cur.id
      AND NOT a.is_deleted
) act ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS document_count, max(d.created_at) AS latest_document_date
    FROM documents d
    WHERE d.tenant_id = cur.tenant_id AND d.opportunity_project_id = cur.id AND d.is_current_version AND NOT d.is_deleted
) doc ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS unacknowledged_changes
    FROM external_data_changes edc
    WHERE edc.tenant_id = cur.tenant_id AND edc.opportunity_project_id = cur.id AND edc.acknowledged_by IS NULL
) chg ON true;

GRANT SELECT ON opportunity_project_dashboard TO gwm_app;

-- The current snapshot of each of a tenant's projects, read whole by the board and the table.
CREATE INDEX external_opportunity_data_tenant_current ON external_opportunity_data (tenant_id, opportunity_project_id)
    WHERE is_current_version;

-- The table view sorts by name and the plan limit counts open projects.
CREATE INDEX opportunity_projects_open_name ON opportunity_projects (tenant_id, project_name)
    WHERE project_status <> 'archived';
