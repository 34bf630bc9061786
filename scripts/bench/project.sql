-- The SQL of a project page (/projects/<id>) for pgbench, in the app's transaction shape (see board.sql):
-- what `load_project` (app/src/project/mod.rs) runs: `grants` for the project (authorize), then
-- app/src/project/queries.rs `facts`, `synced_values` (`snapshot`, then the active overrides), `history`,
-- and `project_roles` (can_override, can_edit and can_archive come from the first grants). The project is one of the
-- tenant's, chosen at random by its bench id md5(tenant || ':' || i) (scripts/bench/pages-data.sql).
-- Keep in step with those functions. Variables (-D): tenants, users, ntenants, projects (per tenant).
\if :prepared = 0
PREPARE grants(uuid, uuid) AS
    SELECT r.name AS role_name, r.permissions FROM user_roles ur
      JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
     WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now())
       AND (ur.opportunity_project_id IS NULL OR ur.opportunity_project_id = $2)
     ORDER BY ur.opportunity_project_id NULLS FIRST, r.name;
PREPARE facts(uuid) AS
        SELECT op.id, op.project_name, op.internal_reference_number, op.solicitation_number, op.agency_name,
               op.contracting_office, op.description, op.external_opportunity_url, op.project_status, op.pipeline_stage,
               op.stage_entered_at, op.priority_level, op.win_probability_score, op.strategic_value_score,
               nullif(concat_ws(' ', cm.first_name, cm.last_name), '') AS capture_manager,
               nullif(concat_ws(' ', pm.first_name, pm.last_name), '') AS proposal_manager,
               coalesce((SELECT array_agg(concat_ws(' ', u.first_name, u.last_name) ORDER BY u.last_name)
                           FROM users u WHERE u.id::text IN (SELECT jsonb_array_elements_text(op.assigned_team_members))), '{}') AS team,
               op.created_at, op.updated_at,
               eod.version_number AS snapshot_version, eod.data_snapshot_timestamp AS snapshot_at, eod.opportunity_type,
               eod.solicitation_status, eod.amendment_number, src.source_name,
               (SELECT count(*) FROM external_data_changes c WHERE c.opportunity_project_id = op.id AND c.acknowledged_at IS NULL)
                   AS unacknowledged_changes,
               (SELECT count(*) FROM activities a WHERE a.entity_type = 'opportunity_project' AND a.entity_id = op.id
                   AND a.status IN ('pending', 'in_progress') AND a.due_date < now()) AS overdue_activities
          FROM opportunity_projects op
          LEFT JOIN external_opportunity_data eod
                 ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
          LEFT JOIN external_opportunity_sources src ON src.tenant_id = op.tenant_id AND src.id = op.external_source_id
          LEFT JOIN users cm ON cm.tenant_id = op.tenant_id AND cm.id = op.assigned_capture_manager
          LEFT JOIN users pm ON pm.tenant_id = op.tenant_id AND pm.id = op.assigned_proposal_manager
         WHERE op.id = $1;
PREPARE snapshot(uuid) AS
    SELECT jsonb_build_object('title', title, 'set_aside_type', set_aside_type, 'naics_codes', naics_codes,
           'estimated_value_max', estimated_value_max::text, 'response_due_date', response_due_date,
           'place_of_performance', place_of_performance)
      FROM external_opportunity_data WHERE opportunity_project_id = $1 AND is_current_version;
PREPARE overrides(uuid) AS
    SELECT o.field_name, o.override_value, o.override_reason, concat_ws(' ', u.first_name, u.last_name) AS created_by, o.created_at
      FROM opportunity_project_overrides o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.created_by
     WHERE o.opportunity_project_id = $1 AND o.is_active;
PREPARE history(uuid) AS
    SELECT h.change_timestamp AS at,
           coalesce(nullif(concat_ws(' ', u.first_name, u.last_name), ''), replace(h.changed_by_system_process::text, '_', ' ')) AS who,
           h.field_name, CASE WHEN jsonb_typeof(h.old_value) = 'array' THEN
                (SELECT coalesce(string_agg(concat_ws(' ', p.first_name, p.last_name), ', ' ORDER BY p.last_name), 'nobody')
                   FROM users p WHERE p.id::text IN (SELECT jsonb_array_elements_text(h.old_value)))
              WHEN h.field_name IN ('assigned_capture_manager', 'assigned_proposal_manager') THEN
                (SELECT concat_ws(' ', p.first_name, p.last_name) FROM users p WHERE p.id::text = h.old_value #>> '{}')
              ELSE h.old_value #>> '{}' END AS old_value,
           CASE WHEN jsonb_typeof(h.new_value) = 'array' THEN
                (SELECT coalesce(string_agg(concat_ws(' ', p.first_name, p.last_name), ', ' ORDER BY p.last_name), 'nobody')
                   FROM users p WHERE p.id::text IN (SELECT jsonb_array_elements_text(h.new_value)))
              WHEN h.field_name IN ('assigned_capture_manager', 'assigned_proposal_manager') THEN
                (SELECT concat_ws(' ', p.first_name, p.last_name) FROM users p WHERE p.id::text = h.new_value #>> '{}')
              ELSE h.new_value #>> '{}' END AS new_value, h.change_source
      FROM change_history h LEFT JOIN users u ON u.tenant_id = h.tenant_id AND u.id = h.changed_by_user_id
     WHERE h.entity_type = 'opportunity_project' AND h.entity_id = $1 ORDER BY h.change_timestamp DESC, h.id DESC LIMIT 100;
PREPARE project_roles(uuid) AS
    SELECT concat_ws(' ', u.first_name, u.last_name), r.name, ur.expires_at FROM user_roles ur
      JOIN users u ON u.tenant_id = ur.tenant_id AND u.id = ur.user_id
      JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
     WHERE ur.opportunity_project_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > now()) ORDER BY 1;
\set prepared 1
\endif
\set p random(1, :projects)
\set t random(1, :ntenants)
BEGIN;
SELECT set_config('app.current_tenant_id', (:tenants::text[])[:t], true), set_config('app.current_user_id', (:users::text[])[:t], true);
EXECUTE grants((:users::uuid[])[:t], md5((:tenants::text[])[:t] || ':' || :p)::uuid);
EXECUTE facts(md5((:tenants::text[])[:t] || ':' || :p)::uuid);
EXECUTE snapshot(md5((:tenants::text[])[:t] || ':' || :p)::uuid);
EXECUTE overrides(md5((:tenants::text[])[:t] || ':' || :p)::uuid);
EXECUTE history(md5((:tenants::text[])[:t] || ':' || :p)::uuid);
EXECUTE project_roles(md5((:tenants::text[])[:t] || ':' || :p)::uuid);
COMMIT;
