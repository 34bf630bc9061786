-- The SQL of the table page (/projects?sort=due&page=2) for pgbench, in the app's transaction shape (see
-- board.sql): what `load_table` (app/src/projects/mod.rs) runs: `grants` (authorize), `queries::table_page`
-- (MATCHING sorted by response due, deadlines ahead first; the second page of TABLE_PAGE_SIZE = 50, with the
-- total as a window count); the filter menus come from the app's 30 s cache (see board.sql). Keep in step.
\if :prepared = 0
PREPARE grants(uuid, uuid) AS
    SELECT r.name AS role_name, r.permissions FROM user_roles ur
      JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
     WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now())
       AND (ur.opportunity_project_id IS NULL OR ur.opportunity_project_id = $2)
     ORDER BY ur.opportunity_project_id NULLS FIRST, r.name;
PREPARE table_page(bigint, bigint) AS
    WITH p AS (
        SELECT cur.id, cur.project_name, cur.title, cur.agency_name, cur.solicitation_number, cur.pipeline_stage,
               cur.project_status, cur.priority_level, cur.win_probability_score, cur.estimated_value,
               cur.response_due_date, cur.naics_codes, cur.set_aside_type, cur.updated_at,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager_name,
               coalesce(chg.n, 0) AS unacknowledged_changes
          FROM opportunity_project_current cur
          LEFT JOIN users cm ON cm.tenant_id = cur.tenant_id AND cm.id = cur.assigned_capture_manager
          LEFT JOIN (SELECT c.opportunity_project_id, count(*) AS n FROM external_data_changes c
                      WHERE c.tenant_id = app_current_tenant_id() AND c.acknowledged_by IS NULL GROUP BY 1) chg
                 ON chg.opportunity_project_id = cur.id
         WHERE cur.tenant_id = app_current_tenant_id() AND cur.project_status <> 'archived'
    ) SELECT id, project_name, title, agency_name, solicitation_number, pipeline_stage, project_status,
     priority_level, win_probability_score, estimated_value, response_due_date, naics_codes, set_aside_type,
     capture_manager_name, unacknowledged_changes, updated_at, count(*) OVER () AS total FROM p
     ORDER BY response_due_date < now(), response_due_date ASC NULLS LAST, lower(project_name), id OFFSET $1 LIMIT $2;
\set prepared 1
\endif
\set t random(1, :ntenants)
BEGIN;
SELECT set_config('app.current_tenant_id', (:tenants::text[])[:t], true), set_config('app.current_user_id', (:users::text[])[:t], true);
EXECUTE grants((:users::uuid[])[:t], NULL);
EXECUTE table_page(50, 50);
COMMIT;
