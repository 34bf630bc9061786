-- External data sources, opportunity projects, their synced snapshots and local overrides, and
-- role assignments (which may be scoped to one project).

CREATE TABLE external_opportunity_sources (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                 uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    source_name               varchar(100) NOT NULL CHECK (btrim(source_name) <> ''),
    api_endpoint              varchar(500) NOT NULL,
    api_version               varchar(20) NOT NULL DEFAULT 'v1',
    authentication_type       text NOT NULL CHECK (authentication_type IN ('none', 'api_key', 'oauth2', 'basic_auth')),
    -- AES-256-GCM (nonce || ciphertext) of the credentials JSON, sealed by the server (seed defect 10).
    api_credentials_encrypted bytea,
    rate_limit_per_hour       integer NOT NULL DEFAULT 1000 CHECK (rate_limit_per_hour > 0),
    timeout_seconds           integer NOT NULL DEFAULT 30 CHECK (timeout_seconds BETWEEN 1 AND 600),
    retry_attempts            integer NOT NULL DEFAULT 3 CHECK (retry_attempts BETWEEN 0 AND 10),
    is_active                 boolean NOT NULL DEFAULT true,
    connection_status         text NOT NULL DEFAULT 'unknown'
                              CHECK (connection_status IN ('healthy', 'degraded', 'down', 'unknown')),
    last_successful_call      timestamptz,
    last_error_message        text,
    consecutive_errors        integer NOT NULL DEFAULT 0 CHECK (consecutive_errors >= 0),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    created_by                uuid,
    created_by_system         system_actor,
    UNIQUE (tenant_id, source_name),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK (authentication_type = 'none' OR api_credentials_encrypted IS NOT NULL)
);
CREATE INDEX external_opportunity_sources_active ON external_opportunity_sources (tenant_id, is_active);
CREATE TRIGGER external_opportunity_sources_updated_at BEFORE UPDATE ON external_opportunity_sources
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE opportunity_projects (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                 uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    project_name              varchar(255) NOT NULL CHECK (btrim(project_name) <> ''),
    internal_reference_number varchar(100),
    -- A project may be created by hand before it is linked to a source opportunity; once linked, both are set.
    external_source_id        uuid,
    external_opportunity_id   varchar(255),
    external_opportunity_url  varchar(1000),
    solicitation_number       varchar(100),
    agency_name               varchar(255),
    contracting_office        varchar(255),
    title                     varchar(500),
    description               text,
    project_status            text NOT NULL DEFAULT 'active'
                              CHECK (project_status IN ('active', 'on_hold', 'cancelled', 'completed', 'archived')),
    pipeline_stage            text NOT NULL DEFAULT 'phase_0'
                              CHECK (pipeline_stage IN ('phase_0', 'phase_1', 'phase_2', 'phase_3', 'phase_4',
                                                        'phase_5', 'phase_6', 'awarded', 'lost')),
    stage_entered_at          timestamptz NOT NULL DEFAULT now(),
    priority_level            text NOT NULL DEFAULT 'medium' CHECK (priority_level IN ('low', 'medium', 'high', 'critical')),
    win_probability_score     numeric(5, 2) CHECK (win_probability_score BETWEEN 0 AND 100),
    strategic_value_score     numeric(5, 2) CHECK (strategic_value_score BETWEEN 0 AND 100),
    pursuit_health_score      numeric(5, 2) CHECK (pursuit_health_score BETWEEN 0 AND 100),
    assigned_capture_manager  uuid,
    assigned_proposal_manager uuid,
    assigned_team_members     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(assigned_team_members) = 'array'),
    last_synced_at            timestamptz,
    sync_status               text NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'syncing', 'synced', 'error')),
    sync_error_message        text,
    version_hash              varchar(64),
    archived_at               timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    created_by                uuid,
    created_by_system         system_actor,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, external_source_id, external_opportunity_id),
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_capture_manager) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_proposal_manager) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK ((external_source_id IS NULL) = (external_opportunity_id IS NULL)),
    CHECK ((project_status = 'archived') = (archived_at IS NOT NULL))
);
CREATE INDEX opportunity_projects_status ON opportunity_projects (tenant_id, project_status, pipeline_stage);
CREATE INDEX opportunity_projects_assigned ON opportunity_projects (tenant_id, assigned_capture_manager);
CREATE INDEX opportunity_projects_sync ON opportunity_projects (tenant_id, external_source_id, last_synced_at);
CREATE INDEX opportunity_projects_updated ON opportunity_projects (tenant_id, updated_at DESC);
CREATE TRIGGER opportunity_projects_updated_at BEFORE UPDATE ON opportunity_projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Role assignments, tenant-wide (opportunity_project_id NULL) or for one project. The seed's
-- UNIQUE(..., COALESCE(...)) is not valid SQL (seed defect 2): NULLS NOT DISTINCT says what it meant.
CREATE TABLE user_roles (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id                uuid NOT NULL,
    role_id                uuid NOT NULL,
    opportunity_project_id uuid,
    assigned_at            timestamptz NOT NULL DEFAULT now(),
    assigned_by            uuid,
    assigned_by_system     system_actor,
    expires_at             timestamptz,
    UNIQUE NULLS NOT DISTINCT (tenant_id, user_id, role_id, opportunity_project_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, assigned_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(assigned_by, assigned_by_system) = 1),
    CHECK (expires_at IS NULL OR expires_at > assigned_at)
);
CREATE INDEX user_roles_user ON user_roles (tenant_id, user_id, role_id);
CREATE INDEX user_roles_project ON user_roles (tenant_id, opportunity_project_id) WHERE opportunity_project_id IS NOT NULL;

-- Every snapshot of the source opportunity is its own row; the current one is flagged. Complete history.
CREATE TABLE external_opportunity_data (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id               uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id  uuid NOT NULL,
    data_snapshot_timestamp timestamptz NOT NULL,
    version_number          integer NOT NULL CHECK (version_number > 0),
    is_current_version      boolean NOT NULL DEFAULT true,
    title                   varchar(500),
    description             text,
    opportunity_type        varchar(100),
    set_aside_type          varchar(100),
    naics_codes             varchar(200),
    estimated_value_min     numeric(15, 2) CHECK (estimated_value_min >= 0),
    estimated_value_max     numeric(15, 2) CHECK (estimated_value_max >= 0),
    posting_date            date,
    response_due_date       timestamptz,
    place_of_performance    text,
    solicitation_status     text CHECK (solicitation_status IN ('presolicitation', 'sources_sought', 'open', 'amended',
                                                                 'closed', 'awarded', 'cancelled')),
    amendment_number        integer NOT NULL DEFAULT 0 CHECK (amendment_number >= 0),
    raw_json_data           jsonb NOT NULL,
    change_detected_at      timestamptz DEFAULT now(),
    changed_fields          jsonb CHECK (changed_fields IS NULL OR jsonb_typeof(changed_fields) = 'array'),
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (opportunity_project_id, version_number),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    CHECK (estimated_value_min IS NULL OR estimated_value_max IS NULL OR estimated_value_min <= estimated_value_max)
);
CREATE UNIQUE INDEX external_opportunity_data_one_current
    ON external_opportunity_data (opportunity_project_id) WHERE is_current_version;
CREATE INDEX external_opportunity_data_timestamp
    ON external_opportunity_data (tenant_id, opportunity_project_id, data_snapshot_timestamp DESC);

-- A user's override of a synced field. Syncs never overwrite it; removing it deactivates the row (history kept).
CREATE TABLE opportunity_project_overrides (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id               uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id  uuid NOT NULL,
    field_name              varchar(100) NOT NULL CHECK (field_name ~ '^[a-z_]+$'),
    original_external_value jsonb,
    override_value          jsonb NOT NULL,
    override_reason         text NOT NULL CHECK (btrim(override_reason) <> ''),
    is_active               boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL DEFAULT now(),
    created_by              uuid NOT NULL,
    deactivated_at          timestamptz,
    deactivated_by          uuid,
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, deactivated_by) REFERENCES users (tenant_id, id),
    CHECK (is_active = (deactivated_at IS NULL))
);
-- One active override per field; earlier ones stay as history.
CREATE UNIQUE INDEX opportunity_project_overrides_active
    ON opportunity_project_overrides (tenant_id, opportunity_project_id, field_name) WHERE is_active;
