-- The external opportunity sync (issue 15). Every opportunity a source returns is kept, pursued or not, with
-- all its versions; a pursuit links to one. Sources learn their adapter, search, page size and schedule; the
-- scheduler's claims are leases (the next poll time moved ahead), so any number of servers poll each due item
-- once and a dead server's claim simply expires.

ALTER TABLE external_opportunity_sources
    ADD COLUMN source_kind               text NOT NULL DEFAULT 'gwm_feed' CHECK (source_kind IN ('sam_gov', 'gwm_feed')),
    ADD COLUMN page_size                 integer NOT NULL DEFAULT 1000 CHECK (page_size BETWEEN 1 AND 1000),
    -- What the source is asked for: posted window (days back), NAICS codes, set-asides, notice types, keywords.
    ADD COLUMN search_criteria           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(search_criteria) = 'object'),
    ADD COLUMN polling_frequency_minutes integer NOT NULL DEFAULT 60 CHECK (polling_frequency_minutes BETWEEN 5 AND 10080),
    -- Due when this passes (NULL: not scheduled); a claim moves it ahead by its lease.
    ADD COLUMN next_poll_at              timestamptz,
    ADD COLUMN poll_claim                uuid,
    ADD COLUMN last_poll_at              timestamptz,
    -- The last four characters of the secret, the only part ever shown back.
    ADD COLUMN credential_hint           varchar(4),
    -- The hourly call budget, shared by every app server: a window and the calls made in it.
    ADD COLUMN rate_window_started_at    timestamptz,
    ADD COLUMN rate_window_calls         integer NOT NULL DEFAULT 0 CHECK (rate_window_calls >= 0),
    -- A 429's Retry-After: no call to this source before then, from any server.
    ADD COLUMN retry_not_before          timestamptz;

CREATE INDEX external_opportunity_sources_due ON external_opportunity_sources (next_poll_at) WHERE is_active;
-- Sources that existed before are due at once (an active source with no due time would never be polled).
UPDATE external_opportunity_sources SET next_poll_at = now() WHERE is_active;

ALTER TABLE polling_configurations ADD COLUMN poll_claim uuid;

-- One row per opportunity of a source: its identity across notices (an amendment arrives under a new notice
-- id with the same solicitation number and office), when it was seen, and what a person decided about it.
CREATE TABLE external_opportunities (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    external_source_id     uuid NOT NULL,
    -- The latest notice id (normalised), the solicitation number's letters and digits, the office path code.
    notice_id              varchar(255) NOT NULL,
    solicitation_key       varchar(100),
    office_path            varchar(500),
    opportunity_project_id uuid,
    current_version        integer NOT NULL CHECK (current_version > 0),
    first_seen_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at           timestamptz NOT NULL DEFAULT now(),
    last_changed_at        timestamptz NOT NULL DEFAULT now(),
    dismissed_at           timestamptz,
    dismissed_by           uuid,
    dismissal_reason       text CHECK (dismissal_reason IS NULL OR length(dismissal_reason) <= 1000),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, opportunity_project_id),
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id),
    FOREIGN KEY (tenant_id, dismissed_by) REFERENCES users (tenant_id, id),
    CHECK ((dismissed_at IS NULL) = (dismissed_by IS NULL)),
    CHECK ((dismissed_at IS NULL) = (dismissal_reason IS NULL))
);
CREATE INDEX external_opportunities_solicitation
    ON external_opportunities (tenant_id, external_source_id, solicitation_key, office_path);
CREATE INDEX external_opportunities_changed ON external_opportunities (tenant_id, last_changed_at DESC);

-- Every notice id an opportunity has carried, so an old one seen again still finds it.
CREATE TABLE external_opportunity_notices (
    tenant_id               uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    external_source_id      uuid NOT NULL,
    notice_id               varchar(255) NOT NULL,
    external_opportunity_id uuid NOT NULL,
    first_seen_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, external_source_id, notice_id),
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, external_opportunity_id) REFERENCES external_opportunities (tenant_id, id)
);

-- Versions belong to the opportunity; the project id is filled in too once it is pursued (the board, the
-- table and the project page read versions by project).
ALTER TABLE external_opportunity_data
    ALTER COLUMN opportunity_project_id DROP NOT NULL,
    ADD COLUMN external_opportunity_id uuid,
    ADD COLUMN notice_id               varchar(255),
    ADD COLUMN solicitation_number     varchar(100),
    ADD COLUMN agency_path_name        varchar(500),
    ADD COLUMN office_path_code        varchar(500),
    ADD COLUMN archive_date            timestamptz,
    ADD COLUMN award_amount            numeric(15, 2) CHECK (award_amount >= 0),
    ADD COLUMN awardee_name            varchar(255),
    ADD COLUMN source_url              varchar(1000),
    -- sha256 of the record's canonical JSON: equal hashes, no new version.
    ADD COLUMN version_hash            varchar(64),
    ADD CONSTRAINT external_opportunity_data_opportunity
        FOREIGN KEY (tenant_id, external_opportunity_id) REFERENCES external_opportunities (tenant_id, id),
    ADD CONSTRAINT external_opportunity_data_owner CHECK (num_nonnulls(opportunity_project_id, external_opportunity_id) >= 1);
CREATE UNIQUE INDEX external_opportunity_data_opportunity_version
    ON external_opportunity_data (external_opportunity_id, version_number);
CREATE UNIQUE INDEX external_opportunity_data_opportunity_current
    ON external_opportunity_data (external_opportunity_id) WHERE is_current_version;

ALTER TABLE external_data_changes
    ALTER COLUMN opportunity_project_id DROP NOT NULL,
    ADD COLUMN external_opportunity_id uuid,
    ADD COLUMN from_version            integer,
    ADD COLUMN to_version              integer,
    DROP CONSTRAINT external_data_changes_change_type_check,
    ADD CONSTRAINT external_data_changes_change_type_check
        CHECK (change_type IN ('update', 'amendment', 'status_change', 'document_added', 'award')),
    ADD CONSTRAINT external_data_changes_opportunity
        FOREIGN KEY (tenant_id, external_opportunity_id) REFERENCES external_opportunities (tenant_id, id),
    ADD CONSTRAINT external_data_changes_owner CHECK (num_nonnulls(opportunity_project_id, external_opportunity_id) >= 1);
CREATE INDEX external_data_changes_opportunity
    ON external_data_changes (tenant_id, external_opportunity_id, change_timestamp DESC);

-- When each person last opened the opportunity inbox: what arrived or changed since their previous visit is
-- marked new or changed.
CREATE TABLE opportunity_inbox_visits (
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id           uuid NOT NULL,
    previous_visit_at timestamptz,
    last_visit_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- In-app notifications: a source's change to a pursuit, for its capture manager. One per person and change
-- ("send once", held by the unique key whatever server stores the change).
CREATE TABLE notifications (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id            uuid NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('source_change', 'search_match')),
    title              varchar(300) NOT NULL CHECK (btrim(title) <> ''),
    body               text,
    link               varchar(500),
    impact_level       text CHECK (impact_level IN ('critical', 'important', 'informational')),
    external_change_id uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    read_at            timestamptz,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, user_id, external_change_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_person ON notifications (tenant_id, user_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id) WHERE read_at IS NULL;

ALTER TABLE external_data_changes ADD CONSTRAINT external_data_changes_tenant_id UNIQUE (tenant_id, id);
ALTER TABLE notifications ADD CONSTRAINT notifications_change
    FOREIGN KEY (tenant_id, external_change_id) REFERENCES external_data_changes (tenant_id, id);

-- People who follow a source's search: told of its new opportunities (the saved search with alerts that
-- capture teams know from GovTribe and HigherGov). A preference, so it goes with its person or source.
CREATE TABLE source_follows (
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id            uuid NOT NULL,
    external_source_id uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, external_source_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX source_follows_source ON source_follows (tenant_id, external_source_id);
SELECT apply_tenant_isolation('source_follows'::regclass);
GRANT SELECT, INSERT, DELETE ON source_follows TO gwm_app;

SELECT apply_tenant_isolation('notifications'::regclass);
GRANT SELECT, INSERT, UPDATE ON notifications TO gwm_app;

SELECT apply_tenant_isolation('external_opportunities'::regclass);
SELECT apply_tenant_isolation('external_opportunity_notices'::regclass);
SELECT apply_tenant_isolation('opportunity_inbox_visits'::regclass);
GRANT SELECT, INSERT, UPDATE ON external_opportunities, external_opportunity_notices, opportunity_inbox_visits TO gwm_app;
-- A source is configuration: one that nothing refers to may be deleted (the database refuses otherwise).
GRANT DELETE ON external_opportunity_sources TO gwm_app;

-- Claims due sync work across tenants for `p_lease`: source searches (the inbox) and pursued opportunities'
-- own polls. The claim moves the due time ahead by the lease and stamps a claim id; finishing sets the next
-- due time only if the claim is still the one it made (a claim whose lease ran out was taken over).
CREATE FUNCTION claim_sync_polls(p_limit integer, p_lease interval)
    RETURNS TABLE (tenant_id uuid, external_source_id uuid, polling_configuration_id uuid, claim uuid)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
    remaining integer := p_limit;
    claimed integer;
BEGIN
    FOR tenant IN SELECT t.id FROM tenants t WHERE t.is_active ORDER BY random() LOOP
        EXIT WHEN remaining <= 0;
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        RETURN QUERY
            UPDATE external_opportunity_sources s
               SET next_poll_at = now() + p_lease, poll_claim = gen_random_uuid()
             WHERE s.id IN (SELECT w.id FROM external_opportunity_sources w
                             WHERE w.is_active AND w.next_poll_at <= now()
                             ORDER BY w.next_poll_at LIMIT remaining FOR UPDATE SKIP LOCKED)
            RETURNING s.tenant_id, s.id, NULL::uuid, s.poll_claim;
        GET DIAGNOSTICS claimed = ROW_COUNT;
        remaining := remaining - claimed;
        EXIT WHEN remaining <= 0;
        RETURN QUERY
            UPDATE polling_configurations p
               SET next_poll_timestamp = now() + p_lease, poll_claim = gen_random_uuid()
             WHERE p.id IN (SELECT w.id FROM polling_configurations w
                              JOIN external_opportunity_sources s ON s.tenant_id = w.tenant_id AND s.id = w.external_source_id
                             WHERE w.is_active AND s.is_active AND w.next_poll_timestamp <= now()
                             ORDER BY CASE w.priority_level WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END,
                                      w.next_poll_timestamp
                             LIMIT remaining FOR UPDATE OF w SKIP LOCKED)
            RETURNING p.tenant_id, p.external_source_id, p.id, p.poll_claim;
        GET DIAGNOSTICS claimed = ROW_COUNT;
        remaining := remaining - claimed;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
REVOKE ALL ON FUNCTION claim_sync_polls(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_sync_polls(integer, interval) TO gwm_app;

-- A poll that only stamps a project's sync bookkeeping (last synced, status, hash) is not an edit: "Updated"
-- keeps its time. Any other change, or an explicit updated_at, still moves it.
CREATE FUNCTION opportunity_projects_touch() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
       AND (to_jsonb(NEW) - ARRAY['last_synced_at', 'sync_status', 'sync_error_message', 'version_hash'])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['last_synced_at', 'sync_status', 'sync_error_message', 'version_hash'])
    THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER opportunity_projects_updated_at ON opportunity_projects;
CREATE TRIGGER opportunity_projects_updated_at BEFORE UPDATE ON opportunity_projects
    FOR EACH ROW EXECUTE FUNCTION opportunity_projects_touch();

-- For /healthz?details=1: how many sources of all tenants are healthy, degraded, down or not polled yet
-- (counts only: no tenant, name or address).
CREATE FUNCTION sync_source_health()
    RETURNS TABLE (connection_status text, is_active boolean, sources bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
BEGIN
    FOR tenant IN SELECT t.id FROM tenants t WHERE t.is_active LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        RETURN QUERY
            SELECT s.connection_status, s.is_active, count(*) FROM external_opportunity_sources s GROUP BY 1, 2;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
REVOKE ALL ON FUNCTION sync_source_health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_source_health() TO gwm_app;
