-- The SQL of the board page (/pipeline) for pgbench, as gwm_app, in the app's transaction shape: the tenant
-- (and user) set transaction-locally, then what `load_board` (app/src/pipeline/mod.rs) runs in its
-- transaction: `Caller::authorize` (auth/ssr/queries.rs `grants`), `pipeline::queries::board` (one pass over
-- the MATCHING CTE of projects/queries.rs: stage totals as window aggregates and the first CARDS_PER_PAGE = 25
-- cards of each stage) and the caller's saved views. Statements are prepared once per connection and executed
-- with no filter (the app writes only a filter's active conditions into the SQL), as sqlx does (same
-- custom/generic plan choices). Not included: the filter menus (`projects::queries::choices`, served from a
-- 30 s per-tenant cache, so about one page in a hundred runs them here), and the work before the page (tenant
-- by address, session load and check), which is part of what the app/SQL ratio shows.
-- Keep in step with those functions. Variables (-D): tenants, users (arrays, one per tenant), ntenants.
\if :prepared = 0
PREPARE grants(uuid, uuid) AS
    SELECT r.name AS role_name, r.permissions FROM user_roles ur
      JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
     WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now())
       AND (ur.opportunity_project_id IS NULL OR ur.opportunity_project_id = $2)
     ORDER BY ur.opportunity_project_id NULLS FIRST, r.name;
PREPARE board(bigint) AS
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
     capture_manager_name, unacknowledged_changes, updated_at, stage_count, stage_value, stage_weighted FROM (
           SELECT p.*, count(*) OVER stage AS stage_count, coalesce(sum(estimated_value) OVER stage, 0) AS stage_value,
                  coalesce(sum(estimated_value * coalesce(win_probability_score, 0) / 100) OVER stage, 0) AS stage_weighted,
                  row_number() OVER (stage ORDER BY response_due_date ASC NULLS LAST, project_name, id) AS rn
             FROM p WINDOW stage AS (PARTITION BY pipeline_stage)) ranked
          WHERE rn <= $1 ORDER BY pipeline_stage, rn;
PREPARE saved_views(uuid) AS
    SELECT id, name, query FROM saved_views WHERE user_id = $1 AND view_kind = 'pipeline' ORDER BY name;
\set prepared 1
\endif
\set t random(1, :ntenants)
BEGIN;
SELECT set_config('app.current_tenant_id', (:tenants::text[])[:t], true), set_config('app.current_user_id', (:users::text[])[:t], true);
EXECUTE grants((:users::uuid[])[:t], NULL);
EXECUTE board(25);
EXECUTE saved_views((:users::uuid[])[:t]);
COMMIT;
