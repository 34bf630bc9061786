-- Audit trail, field-level change history, sessions, permission checks, and the external-sync machinery.

-- Append-only for the app role. Survives its tenant (ON DELETE RESTRICT, seed defect 11).
CREATE TABLE audit_logs (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id               uuid,
    system_actor          system_actor,
    session_id            varchar(255),
    ip_address            inet,
    user_agent            text,
    action_type           text NOT NULL CHECK (action_type IN ('create', 'read', 'update', 'delete', 'restore', 'archive',
                                                                'export', 'sync', 'login', 'login_failed', 'logout',
                                                                'lockout', 'session_end', 'password_change',
                                                                'permission_change', 'config_change', 'access_denied')),
    entity_type           varchar(100) NOT NULL,
    entity_id             uuid,
    operation_description varchar(500),
    before_values         jsonb,
    after_values          jsonb,
    changed_fields        jsonb CHECK (changed_fields IS NULL OR jsonb_typeof(changed_fields) = 'array'),
    change_reason         varchar(255),
    access_granted        boolean NOT NULL DEFAULT true,
    permission_used       varchar(100),
    risk_level            text NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    request_id            varchar(100),
    api_endpoint          varchar(255),
    http_method           varchar(10),
    response_status       integer,
    timestamp_utc         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    -- A failed sign-in may have no user; otherwise the actor is a user or a named system process.
    CHECK (num_nonnulls(user_id, system_actor) <= 1)
);
CREATE INDEX audit_logs_user_time ON audit_logs (tenant_id, user_id, timestamp_utc DESC);
CREATE INDEX audit_logs_entity_time ON audit_logs (tenant_id, entity_type, entity_id, timestamp_utc DESC);
CREATE INDEX audit_logs_action_time ON audit_logs (tenant_id, action_type, timestamp_utc DESC);

CREATE TABLE change_history (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                 uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    entity_type               varchar(100) NOT NULL,
    entity_id                 uuid NOT NULL,
    change_timestamp          timestamptz NOT NULL DEFAULT now(),
    field_name                varchar(100) NOT NULL,
    old_value                 jsonb,
    new_value                 jsonb,
    changed_by_user_id        uuid,
    changed_by_system_process system_actor,
    change_source             text NOT NULL CHECK (change_source IN ('user_action', 'external_sync', 'system_process')),
    change_category           text CHECK (change_category IN ('data_update', 'status_change', 'stage_change',
                                                              'assignment_change', 'score_change', 'override')),
    change_impact_level       text NOT NULL DEFAULT 'informational'
                              CHECK (change_impact_level IN ('critical', 'important', 'informational')),
    notification_triggered    boolean NOT NULL DEFAULT false,
    parent_change_id          uuid,
    change_batch_id           uuid,
    created_at                timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, changed_by_user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_change_id) REFERENCES change_history (tenant_id, id),
    CHECK (num_nonnulls(changed_by_user_id, changed_by_system_process) = 1),
    CHECK ((change_source = 'user_action') = (changed_by_user_id IS NOT NULL))
);
CREATE INDEX change_history_entity ON change_history (tenant_id, entity_type, entity_id, change_timestamp DESC);
CREATE INDEX change_history_user ON change_history (tenant_id, changed_by_user_id, change_timestamp DESC);

-- One row per signed-in session, holding only a hash of the session token.
CREATE TABLE user_sessions (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id              uuid NOT NULL,
    session_token_hash   char(64) NOT NULL UNIQUE CHECK (session_token_hash ~ '^[0-9a-f]{64}$'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_activity_at     timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    ip_address           inet,
    user_agent           text,
    is_active            boolean NOT NULL DEFAULT true,
    terminated_at        timestamptz,
    termination_reason   text CHECK (termination_reason IN ('logout', 'timeout', 'expired', 'admin_revoke',
                                                            'user_revoke', 'user_deactivated', 'password_change',
                                                            'security_breach')),
    mfa_verified         boolean NOT NULL DEFAULT false,
    permissions_snapshot jsonb,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK (is_active = (terminated_at IS NULL)),
    CHECK (is_active OR termination_reason IS NOT NULL)
);
CREATE INDEX user_sessions_user ON user_sessions (tenant_id, user_id, is_active);

-- Every authorization decision worth keeping (all denials). Append-only for the app role.
CREATE TABLE permission_audit (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id             uuid NOT NULL,
    resource_type       varchar(100) NOT NULL,
    resource_id         uuid,
    permission_checked  varchar(100) NOT NULL,
    permission_granted  boolean NOT NULL,
    role_used           varchar(100),
    explicit_permission boolean NOT NULL DEFAULT false,
    denial_reason       text,
    ip_address          inet,
    request_id          varchar(100),
    timestamp_utc       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    CHECK (permission_granted OR denial_reason IS NOT NULL)
);
CREATE INDEX permission_audit_user ON permission_audit (tenant_id, user_id, timestamp_utc DESC);
CREATE INDEX permission_audit_denied ON permission_audit (tenant_id, resource_type, permission_granted);

CREATE TABLE polling_configurations (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                 uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id    uuid NOT NULL,
    external_source_id        uuid NOT NULL,
    polling_frequency_minutes integer NOT NULL DEFAULT 60 CHECK (polling_frequency_minutes BETWEEN 1 AND 10080),
    is_active                 boolean NOT NULL DEFAULT true,
    priority_level            text NOT NULL DEFAULT 'normal' CHECK (priority_level IN ('low', 'normal', 'high')),
    last_poll_timestamp       timestamptz,
    next_poll_timestamp       timestamptz,
    consecutive_errors        integer NOT NULL DEFAULT 0 CHECK (consecutive_errors >= 0),
    max_retries               integer NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 0 AND 20),
    backoff_multiplier        numeric(3, 2) NOT NULL DEFAULT 2.0 CHECK (backoff_multiplier >= 1),
    average_response_time_ms  integer CHECK (average_response_time_ms >= 0),
    success_rate_percentage   numeric(5, 2) CHECK (success_rate_percentage BETWEEN 0 AND 100),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    created_by                uuid,
    created_by_system         system_actor,
    UNIQUE (tenant_id, opportunity_project_id, external_source_id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1)
);
-- The poller claims due rows across tenants with FOR UPDATE SKIP LOCKED.
CREATE INDEX polling_configurations_due ON polling_configurations (next_poll_timestamp) WHERE is_active;
CREATE TRIGGER polling_configurations_updated_at BEFORE UPDATE ON polling_configurations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE api_integration_logs (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    external_source_id     uuid NOT NULL,
    opportunity_project_id uuid,
    api_call_timestamp     timestamptz NOT NULL DEFAULT now(),
    endpoint_called        varchar(500) NOT NULL,
    http_method            text NOT NULL CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')),
    http_status            integer CHECK (http_status BETWEEN 100 AND 599),
    -- Headers are stored with credentials redacted by the server.
    request_headers        jsonb,
    request_payload        jsonb,
    response_headers       jsonb,
    response_payload       jsonb,
    error_message          text,
    processing_time_ms     integer CHECK (processing_time_ms >= 0),
    rate_limit_remaining   integer,
    rate_limit_reset_at    timestamptz,
    success                boolean NOT NULL,
    retry_attempt          integer NOT NULL DEFAULT 1 CHECK (retry_attempt >= 1),
    created_at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id)
);
CREATE INDEX api_integration_logs_source ON api_integration_logs (tenant_id, external_source_id, api_call_timestamp DESC);
CREATE INDEX api_integration_logs_failures ON api_integration_logs (tenant_id, success, api_call_timestamp DESC);

CREATE TABLE external_data_changes (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id uuid NOT NULL,
    change_timestamp       timestamptz NOT NULL DEFAULT now(),
    changed_fields         jsonb NOT NULL CHECK (jsonb_typeof(changed_fields) = 'array'),
    previous_values        jsonb,
    new_values             jsonb,
    change_type            text NOT NULL CHECK (change_type IN ('update', 'amendment', 'status_change', 'document_added')),
    impact_level           text NOT NULL DEFAULT 'informational' CHECK (impact_level IN ('critical', 'important', 'informational')),
    notification_sent      boolean NOT NULL DEFAULT false,
    acknowledged_by        uuid,
    acknowledged_at        timestamptz,
    acknowledgment_notes   text,
    external_source_id     uuid NOT NULL,
    external_change_id     varchar(255),
    created_at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, external_source_id) REFERENCES external_opportunity_sources (tenant_id, id),
    FOREIGN KEY (tenant_id, acknowledged_by) REFERENCES users (tenant_id, id),
    CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);
CREATE INDEX external_data_changes_project ON external_data_changes (tenant_id, opportunity_project_id, change_timestamp DESC);
CREATE INDEX external_data_changes_unacknowledged ON external_data_changes (tenant_id, change_timestamp DESC)
    WHERE acknowledged_by IS NULL;
