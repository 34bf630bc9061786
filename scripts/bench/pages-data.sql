-- Bench data for `scripts/bench.sh pages`: for every tenant whose subdomain starts with "bench-" (created
-- beforehand by `gwm-crm create-tenant`, which made its system roles and its admin), 24 more people and
-- :projects opportunity projects with what the board, table and project pages read: every stage, agencies,
-- solicitation numbers, values, PWin, priorities, capture managers, current snapshots (response due dates
-- over the next year, some amended), unacknowledged changes, overrides, activities, change history and a
-- few project-level roles. Deterministic: project i of tenant t has the id md5(t || ':' || i)::uuid, which
-- the pgbench scripts use to pick a project.
--
-- And :contacts people in the directory (the contacts list and find-anything pages): at 400 organizations
-- (12 departments, their offices, companies), names from the lists below numbered so that searches match a
-- realistic share, e-mail addresses, titles, ratings and last-contact dates.
--
-- Run as the owner: psql -v projects=1000 -v contacts=50000 -f pages-data.sql. Tenant tables have FORCED row-level security
-- keyed on app.current_tenant_id, so each tenant's rows are written with that setting set to the tenant
-- (transaction-local, as the app does), one tenant at a time.

\set ON_ERROR_STOP on
SELECT set_config('bench.projects', :'projects', false) \g /dev/null
SELECT set_config('bench.contacts', :'contacts', false) \g /dev/null

DO $$
DECLARE
    n constant int := current_setting('bench.projects')::int;
    nc constant int := current_setting('bench.contacts')::int;
    orgs uuid[];
    -- (agency, contracting office, solicitation prefix, short name), as in src/demo/catalog.rs.
    agencies constant text[] := ARRAY[
        ['Department of the Army', 'USACE Engineering and Support Center, Huntsville', 'W912DY', 'Army'],
        ['Department of the Navy', 'NAVWAR Naval Information Warfare Center Pacific', 'N66001', 'Navy'],
        ['Department of the Air Force', 'AFLCMC Hanscom AFB', 'FA8730', 'Air Force'],
        ['Defense Information Systems Agency', 'DITCO Scott AFB', 'HC1028', 'DISA'],
        ['Department of Homeland Security', 'CISA Office of the Chief Procurement Officer', '70RCSA', 'DHS'],
        ['Department of Veterans Affairs', 'Technology Acquisition Center', '36C10B', 'VA'],
        ['Department of Health and Human Services', 'CMS Office of Acquisition and Grants Management', '75FCMC', 'HHS'],
        ['National Aeronautics and Space Administration', 'Goddard Space Flight Center', '80GSFC', 'NASA'],
        ['General Services Administration', 'FAS Information Technology Category', '47QTCA', 'GSA'],
        ['Department of Energy', 'National Nuclear Security Administration', '89233A', 'Energy'],
        ['Department of Transportation', 'Federal Aviation Administration', '693KA8', 'DOT'],
        ['Department of State', 'Bureau of Information Resource Management', '19AQMM', 'State']];
    titles constant text[] := ARRAY[
        'Enterprise Cloud Migration and Hosting Services', 'Zero Trust Architecture Implementation',
        'Cybersecurity Operations Center Support', 'Health IT Modernization and Interoperability',
        'Enterprise Data Analytics Platform', 'Agile Software Development Services',
        'IT Service Desk and End-User Support', 'Wide Area Network Modernization',
        'AI/ML Model Operations and Governance', 'Financial Management System Sustainment',
        'Identity, Credential and Access Management', 'Mission Systems Engineering and Integration',
        'Digital Services and Customer Experience', 'Geospatial Intelligence Data Services',
        'Logistics Information System Modernization', 'Continuous Monitoring and Vulnerability Management',
        'Records Management and Digitization', 'Enterprise Architecture and Portfolio Support',
        'Training Simulation and Courseware Development', 'Satellite Ground Systems Sustainment'];
    naics constant text[] := ARRAY['541512', '541511', '541519', '518210', '541330', '541611', '541715'];
    set_asides constant text[] := ARRAY['Total Small Business', '8(a)', 'SDVOSB', 'WOSB', 'HUBZone', 'Full and Open', 'Full and Open'];
    opp_types constant text[] := ARRAY['Solicitation', 'Presolicitation', 'Sources Sought', 'Combined Synopsis/Solicitation'];
    places constant text[] := ARRAY['Huntsville, AL', 'San Diego, CA', 'Bedford, MA', 'Scott AFB, IL', 'Arlington, VA',
        'Washington, DC', 'Baltimore, MD', 'Greenbelt, MD', 'Remote / contractor site', 'Albuquerque, NM'];
    first_names constant text[] := ARRAY['Jordan', 'Priya', 'Marcus', 'Elena', 'Sam', 'Taylor', 'Dana', 'Chris',
        'Morgan', 'Alex', 'Jamie', 'Robin', 'Casey', 'Lee', 'Pat', 'Quinn', 'Drew', 'Reese', 'Avery', 'Kai'];
    last_names constant text[] := ARRAY['Reyes', 'Natarajan', 'Webb', 'Fischer', 'Okafor', 'Brooks', 'Whitaker',
        'Alvarez', 'Chen', 'Hollis', 'Park', 'Donovan', 'Ibrahim', 'Kowalski', 'Mendez', 'Sato', 'Burke', 'Lindqvist'];
    activity_subjects constant text[] := ARRAY['Customer call with program office', 'Capture strategy review',
        'Industry day', 'Bid/no-bid decision gate', 'Competitor assessment update', 'Teaming agreement with partner',
        'Pink team review', 'Draft RFP comments due'];
    activity_types constant text[] := ARRAY['call', 'shipley_step', 'meeting', 'milestone', 'task', 'task', 'milestone', 'task'];
    t record;
    admin uuid;
    hash text;
    src uuid;
    cms uuid[];
    pms uuid[];
    contributors uuid[];
    viewers uuid[];
BEGIN
    FOR t IN SELECT id, subdomain FROM tenants WHERE subdomain LIKE 'bench-%' ORDER BY subdomain LOOP
        PERFORM set_config('app.current_tenant_id', t.id::text, true);
        UPDATE tenants SET plan_type = 'enterprise', max_opportunity_projects = greatest(2 * n, 500) WHERE id = t.id;
        -- Everyone gets the admin's password (the same Argon2id hash: one password for the whole bench).
        SELECT id, password_hash INTO STRICT admin, hash FROM users WHERE email LIKE 'admin@%';
        INSERT INTO users (tenant_id, email, password_hash, first_name, last_name, title, email_verified, created_by)
        SELECT t.id, format('user%s@%s.gwm.test', lpad(k::text, 2, '0'), t.subdomain), hash,
               first_names[1 + k % 20], last_names[1 + (k * 7) % 18],
               CASE WHEN k <= 7 THEN 'Capture Manager' WHEN k <= 11 THEN 'Proposal Manager'
                    WHEN k <= 20 THEN 'Solutions Architect' ELSE 'Executive Sponsor' END, true, admin
          FROM generate_series(2, 25) AS k;
        -- user02-07 capture managers, 08-11 proposal managers, 12-20 contributors, 21-25 viewers: every
        -- system role holds projects.read.
        INSERT INTO user_roles (tenant_id, user_id, role_id, assigned_by)
        SELECT t.id, u.id, r.id, admin
          FROM users u
          JOIN LATERAL (SELECT substring(u.email FROM '^user(\d+)@')::int AS k) num ON true
          JOIN roles r ON r.is_system_role AND r.name = CASE WHEN num.k <= 7 THEN 'Capture manager'
               WHEN num.k <= 11 THEN 'Proposal manager' WHEN num.k <= 20 THEN 'Contributor' ELSE 'Viewer' END
         WHERE num.k IS NOT NULL;
        cms := ARRAY(SELECT id FROM users WHERE email ~ '^user0[2-7]@' ORDER BY email);
        pms := ARRAY(SELECT id FROM users WHERE email ~ '^user(0[89]|1[01])@' ORDER BY email);
        contributors := ARRAY(SELECT id FROM users WHERE email ~ '^user(1[2-9]|20)@' ORDER BY email);
        viewers := ARRAY(SELECT id FROM users WHERE email ~ '^user2[1-5]@' ORDER BY email);

        INSERT INTO external_opportunity_sources (tenant_id, source_name, api_endpoint, authentication_type,
               connection_status, last_successful_call, created_by_system)
        VALUES (t.id, 'Federal Opportunities Mirror', 'https://opportunities.internal.example/api/v1', 'none',
               'healthy', now(), 'external_sync')
        RETURNING id INTO src;

        -- The pursuits. Stages in funnel proportions (phase 0 most, phase 6 fewest; some awarded and lost),
        -- scattered over i; one in ten made by hand (no source, no snapshot); about 1% archived.
        CREATE TEMP TABLE plan ON COMMIT DROP AS
        SELECT i, md5(t.id::text || ':' || i)::uuid AS id, 1 + (i * 7 + 3) % 12 AS a, 1 + (i * 3 + i / 20) % 20 AS ti,
               CASE WHEN b < 18 THEN 'phase_0' WHEN b < 34 THEN 'phase_1' WHEN b < 48 THEN 'phase_2'
                    WHEN b < 60 THEN 'phase_3' WHEN b < 70 THEN 'phase_4' WHEN b < 78 THEN 'phase_5'
                    WHEN b < 84 THEN 'phase_6' WHEN b < 92 THEN 'awarded' ELSE 'lost' END AS stage,
               i % 10 <> 0 AS synced, i % 4 = 1 AS amended, i % 97 = 0 AS archived,
               (ARRAY[3, 8, 12, 18, 25, 40, 65, 90, 140, 220, 480])[1 + (i * 13) % 11] * 1000000::numeric
                   + (i * 7919 % 900) * 1000 AS value_max
          FROM generate_series(1, n) AS i, LATERAL (SELECT (i * 37) % 100 AS b) s;
        ALTER TABLE plan ADD COLUMN due timestamptz;
        -- Response due dates over the coming year, nearer for later phases; submitted and decided ones past.
        UPDATE plan SET due = date_trunc('day', now()) + interval '21 hours' + make_interval(days => CASE stage
            WHEN 'phase_0' THEN 180 + i % 185 WHEN 'phase_1' THEN 120 + i % 180 WHEN 'phase_2' THEN 60 + i % 140
            WHEN 'phase_3' THEN 20 + i % 100 WHEN 'phase_4' THEN 2 + i % 58 WHEN 'phase_5' THEN -(5 + i % 55)
            WHEN 'phase_6' THEN -(40 + i % 60) ELSE -(60 + i % 240) END);

        INSERT INTO opportunity_projects (id, tenant_id, project_name, internal_reference_number, external_source_id,
               external_opportunity_id, external_opportunity_url, solicitation_number, agency_name, contracting_office,
               title, description, project_status, pipeline_stage, stage_entered_at, priority_level,
               win_probability_score, strategic_value_score, assigned_capture_manager, assigned_proposal_manager,
               assigned_team_members, last_synced_at, sync_status, archived_at, created_at, created_by, created_by_system)
        SELECT p.id, t.id, format('%s (%s)', titles[p.ti], agencies[p.a][4]), format('GWM-%s', 1000 + p.i),
               CASE WHEN p.synced THEN src END, CASE WHEN p.synced THEN 'OPP-' || sol END,
               CASE WHEN p.synced THEN 'https://opportunities.internal.example/opp/OPP-' || sol END,
               sol, agencies[p.a][1], agencies[p.a][2], titles[p.ti],
               format('%s for the %s. Work is performed under NAICS %s (%s).', titles[p.ti], agencies[p.a][2],
                      naics[1 + p.i % 7], set_asides[1 + p.i % 7]),
               CASE WHEN p.archived THEN 'archived' WHEN p.stage IN ('awarded', 'lost') THEN 'completed'
                    WHEN p.i % 17 = 5 THEN 'on_hold' ELSE 'active' END,
               p.stage, now() - make_interval(days => 5 + p.i % 150),
               (ARRAY['low', 'medium', 'medium', 'high', 'critical'])[1 + (p.i * 3) % 5],
               CASE p.stage WHEN 'awarded' THEN 100 WHEN 'lost' THEN 0 WHEN 'phase_0' THEN 10 + p.i % 20
                    WHEN 'phase_1' THEN 10 + p.i % 20 ELSE 25 + p.i % 50 END,
               40 + (p.i * 11) % 60, cms[1 + p.i % 6],
               CASE WHEN p.stage NOT IN ('phase_0', 'phase_1', 'phase_2') THEN pms[1 + p.i % 4] END,
               jsonb_build_array(contributors[1 + p.i % 9], contributors[1 + (p.i + 4) % 9]),
               CASE WHEN p.synced THEN now() - interval '2 hours' END, CASE WHEN p.synced THEN 'synced' ELSE 'pending' END,
               CASE WHEN p.archived THEN now() - interval '3 days' END, now() - make_interval(days => 160 + p.i % 200),
               CASE WHEN p.synced THEN NULL ELSE cms[1 + p.i % 6] END,
               CASE WHEN p.synced THEN 'external_sync'::system_actor END
          FROM plan p, LATERAL (SELECT format('%s-27-%s-%s', agencies[p.a][3], (ARRAY['R', 'Q', 'R', 'R'])[1 + p.i % 4],
                                              lpad(p.i::text, 4, '0')) AS sol) s;

        -- Snapshots: version 1, and for amended ones a current version 2 that moved the due date a week.
        INSERT INTO external_opportunity_data (tenant_id, opportunity_project_id, data_snapshot_timestamp, version_number,
               is_current_version, title, description, opportunity_type, set_aside_type, naics_codes,
               estimated_value_min, estimated_value_max, posting_date, response_due_date, place_of_performance,
               solicitation_status, amendment_number, raw_json_data, changed_fields)
        SELECT t.id, p.id, now() - make_interval(days => 10 * (1 + (p.amended AND v = 1)::int)), v,
               v = 1 + p.amended::int, titles[p.ti], format('The %s seeks %s.', agencies[p.a][2], lower(titles[p.ti])),
               opp_types[1 + p.i % 4], set_asides[1 + p.i % 7], naics[1 + p.i % 7], p.value_max * 0.6, p.value_max,
               (now() - interval '120 days')::date, snap_due, places[1 + p.i % 10],
               CASE WHEN p.stage IN ('phase_0', 'phase_1') THEN 'sources_sought' WHEN p.stage = 'phase_2' THEN 'presolicitation'
                    WHEN p.stage IN ('phase_3', 'phase_4') AND v = 2 THEN 'amended' WHEN p.stage IN ('phase_3', 'phase_4') THEN 'open'
                    WHEN p.stage IN ('phase_5', 'phase_6') THEN 'closed' ELSE 'awarded' END,
               v - 1,
               jsonb_build_object('title', titles[p.ti], 'agency', agencies[p.a][1], 'office', agencies[p.a][2],
                                  'naics', naics[1 + p.i % 7], 'setAside', set_asides[1 + p.i % 7],
                                  'responseDueDate', snap_due, 'amendment', v - 1, 'version', v),
               CASE WHEN v = 2 THEN '["response_due_date", "amendment_number"]'::jsonb END
          FROM plan p, generate_series(1, 2) AS v,
               LATERAL (SELECT CASE WHEN p.amended AND v = 1 THEN p.due - interval '7 days' ELSE p.due END AS snap_due) d
         WHERE p.synced AND (v = 1 OR p.amended);

        -- Unacknowledged amendments on open pursuits; older acknowledged updates on others.
        INSERT INTO external_data_changes (tenant_id, opportunity_project_id, change_timestamp, changed_fields,
               previous_values, new_values, change_type, impact_level, external_source_id, acknowledged_by, acknowledged_at)
        SELECT t.id, p.id, now() - make_interval(hours => 1 + p.i % 200),
               CASE WHEN p.amended THEN '["response_due_date", "amendment_number"]' ELSE '["estimated_value_max"]' END::jsonb,
               CASE WHEN p.amended THEN jsonb_build_object('response_due_date', p.due - interval '7 days', 'amendment_number', 0)
                    ELSE jsonb_build_object('estimated_value_max', p.value_max * 0.9) END,
               CASE WHEN p.amended THEN jsonb_build_object('response_due_date', p.due, 'amendment_number', 1)
                    ELSE jsonb_build_object('estimated_value_max', p.value_max) END,
               CASE WHEN p.amended THEN 'amendment' ELSE 'update' END, CASE WHEN p.amended THEN 'important' ELSE 'informational' END,
               src, CASE WHEN NOT p.amended THEN cms[1 + p.i % 6] END, CASE WHEN NOT p.amended THEN now() - interval '1 hour' END
          FROM plan p
         WHERE p.synced AND ((p.amended AND p.stage NOT IN ('awarded', 'lost')) OR p.i % 7 = 0);

        -- One in twenty synced pursuits has a person's override of a synced field (with its history row).
        INSERT INTO opportunity_project_overrides (tenant_id, opportunity_project_id, field_name, original_external_value,
               override_value, override_reason, created_by)
        SELECT t.id, p.id, CASE WHEN p.i % 40 = 3 THEN 'response_due_date' ELSE 'estimated_value_max' END,
               CASE WHEN p.i % 40 = 3 THEN to_jsonb(p.due) ELSE to_jsonb(p.value_max::text) END,
               CASE WHEN p.i % 40 = 3 THEN to_jsonb(p.due + interval '14 days') ELSE to_jsonb((p.value_max * 1.2)::text) END,
               'Program office told us at industry day', cms[1 + p.i % 6]
          FROM plan p WHERE p.synced AND p.i % 20 = 3;

        -- Three activities a pursuit: one done, one ahead and, for one in five, one overdue.
        INSERT INTO activities (tenant_id, entity_type, entity_id, activity_type, subject, activity_date, due_date,
               completed_date, assigned_to, status, priority, completion_percentage, created_by)
        SELECT t.id, 'opportunity_project', p.id, activity_types[1 + (p.i + k * 3) % 8], activity_subjects[1 + (p.i + k * 3) % 8],
               d.at_, d.at_, CASE WHEN k = 0 THEN d.at_ END, cms[1 + p.i % 6], CASE WHEN k = 0 THEN 'completed' ELSE 'pending' END,
               (ARRAY['low', 'medium', 'medium', 'high', 'critical'])[1 + (p.i * 3) % 5], CASE WHEN k = 0 THEN 100 ELSE 0 END,
               cms[1 + p.i % 6]
          FROM plan p, generate_series(0, 2) AS k,
               LATERAL (SELECT now() + make_interval(days => CASE WHEN k = 0 THEN -(3 + p.i % 20)
                        WHEN k = 1 AND p.i % 5 = 0 THEN -(1 + p.i % 6) ELSE 2 + (p.i + k) % 20 END) AS at_) d;

        -- Change history: the move into the current stage, the last sync's update, and the overrides.
        INSERT INTO change_history (tenant_id, entity_type, entity_id, change_timestamp, field_name, old_value, new_value,
               changed_by_user_id, changed_by_system_process, change_source, change_category, change_impact_level)
        SELECT t.id, 'opportunity_project', p.id, now() - make_interval(days => 5 + p.i % 150), 'pipeline_stage',
               to_jsonb('phase_0'::text), to_jsonb(p.stage), cms[1 + p.i % 6], NULL::system_actor, 'user_action', 'stage_change', 'important'
          FROM plan p WHERE p.stage <> 'phase_0'
        UNION ALL
        SELECT t.id, 'opportunity_project', p.id, now() - interval '10 days', 'response_due_date',
               to_jsonb(p.due - interval '7 days'), to_jsonb(p.due), NULL, 'external_sync'::system_actor, 'external_sync', 'data_update', 'important'
          FROM plan p WHERE p.synced AND p.amended
        UNION ALL
        SELECT t.id, 'opportunity_project', o.opportunity_project_id, o.created_at, o.field_name, o.original_external_value,
               o.override_value, o.created_by, NULL::system_actor, 'user_action', 'override', 'informational'
          FROM opportunity_project_overrides o;

        -- A viewer is proposal manager on one pursuit in fifty (a project-level role).
        INSERT INTO user_roles (tenant_id, user_id, role_id, opportunity_project_id, assigned_by)
        SELECT t.id, viewers[1 + p.i % 5], r.id, p.id, admin
          FROM plan p JOIN roles r ON r.is_system_role AND r.name = 'Proposal manager'
         WHERE p.i % 50 = 7;

        DROP TABLE plan;

        -- The directory: 12 departments with 8 offices each, and 304 companies; people spread over them.
        INSERT INTO organizations (tenant_id, name, organization_type, created_by_system)
        SELECT t.id, agencies[a][1], 'government_agency', 'demo_seed' FROM generate_series(1, 12) AS a;
        INSERT INTO organizations (tenant_id, name, organization_type, parent_organization_id, agency_path_code,
               created_by_system)
        SELECT t.id, format('%s office %s', agencies[a][4], k), 'government_agency', d.id,
               format('%s.%s%s', 10 + a, agencies[a][3], k), 'demo_seed'
          FROM generate_series(1, 12) AS a, generate_series(1, 8) AS k, organizations d
         WHERE d.name = agencies[a][1];
        INSERT INTO organizations (tenant_id, name, organization_type, business_size, created_by_system)
        SELECT t.id, format('%s %s %s', (ARRAY['Northwind', 'Ironclad', 'Bluewater', 'Keystone', 'Summit', 'Redstone',
               'Harbor', 'Granite'])[1 + k % 8], (ARRAY['Federal', 'Systems', 'Analytics', 'Mission', 'Digital',
               'Defense', 'Solutions', 'Technologies'])[1 + (k / 8) % 8], k),
               (ARRAY['prime_contractor', 'subcontractor', 'partner', 'competitor'])[1 + k % 4],
               (ARRAY['small', 'large', '8a', 'sdvosb'])[1 + k % 4], 'demo_seed'
          FROM generate_series(1, 304) AS k;
        orgs := ARRAY(SELECT id FROM organizations ORDER BY name);
        INSERT INTO contacts (tenant_id, organization_id, first_name, last_name, title, email, phone, contact_type,
               relationship_strength, last_contact_date, security_clearance, created_by_system)
        SELECT t.id, orgs[1 + (k * 7) % array_length(orgs, 1)], first_names[1 + k % 20],
               last_names[1 + (k / 20) % 18] || CASE WHEN k > 360 THEN '-' || (k / 360)::text ELSE '' END,
               (ARRAY['Contracting Officer', 'Contract Specialist', 'Program Manager', 'Technical Lead',
                      'Director of IT', 'Capture Manager', 'Business Development Lead', 'Chief Engineer'])[1 + k % 8],
               format('%s.%s%s@%s.example.gov', lower(first_names[1 + k % 20]), lower(last_names[1 + (k / 20) % 18]), k,
                      lower(agencies[1 + k % 12][4])),
               format('+1 202 555 %s', lpad((k % 10000)::text, 4, '0')),
               (ARRAY['government_poc', 'technical_poc', 'contracting_officer', 'decision_maker', 'influencer',
                      'partner', 'other'])[1 + k % 7],
               CASE WHEN k % 6 = 0 THEN NULL ELSE 1 + k % 5 END,
               CASE WHEN k % 4 = 0 THEN NULL ELSE current_date - (k % 900) END,
               (ARRAY['none', 'public_trust', 'secret', 'top_secret', 'ts_sci'])[1 + k % 5], 'demo_seed'
          FROM generate_series(1, nc) AS k;
        RAISE NOTICE '% loaded: % projects, % contacts', t.subdomain, n, nc;
    END LOOP;
END
$$;

-- Fresh statistics and visibility maps, as a long-running database would have.
VACUUM (ANALYZE) users, roles, user_roles, opportunity_projects, external_opportunity_data, external_data_changes,
    opportunity_project_overrides, activities, change_history, organizations, contacts;
