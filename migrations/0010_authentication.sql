-- Authentication: server-side HTTP sessions, sign-in throttling, MFA, tenant security policy and SAML SSO.

-- The HTTP session store (tower-sessions). Keyed by the SHA-256 of the cookie's session id, so a copy of this
-- table cannot be replayed as cookies. Platform infrastructure, not tenant data: the record names its tenant
-- and every request re-checks it against user_sessions under RLS.
CREATE TABLE http_sessions (
    id_hash    char(64) PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    data       jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX http_sessions_expiry ON http_sessions (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON http_sessions TO gwm_app;

-- Sign-in attempts per client address, for rate limiting across app servers. Rows older than the window are
-- pruned by the server.
CREATE TABLE sign_in_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip_address   inet NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_ip_time ON sign_in_attempts (ip_address, attempted_at);
GRANT SELECT, INSERT, DELETE ON sign_in_attempts TO gwm_app;

-- Security policy a tenant admin sets. One row per tenant (absent = defaults).
CREATE TABLE tenant_security_policies (
    tenant_id    uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE RESTRICT,
    mfa_required text NOT NULL DEFAULT 'off' CHECK (mfa_required IN ('off', 'admins', 'everyone')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   uuid,
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
);
CREATE TRIGGER tenant_security_policies_updated_at BEFORE UPDATE ON tenant_security_policies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- TOTP enrollment in progress: the new secret, sealed like mfa_secret_encrypted, until a code confirms it.
ALTER TABLE users ADD COLUMN mfa_pending_secret_encrypted bytea;
-- The last TOTP time step accepted: a code is never accepted twice (RFC 6238 section 5.2).
ALTER TABLE users ADD COLUMN mfa_last_used_step bigint;

-- One-time MFA recovery codes: only their SHA-256 is kept; a used code stays as a record.
CREATE TABLE user_recovery_codes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id    uuid NOT NULL,
    code_hash  char(64) NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (tenant_id, user_id, code_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- Each tenant's SAML identity provider. The metadata is kept as given; the parsed parts the SP needs
-- (entity id, SSO URL, signing certificates) are stored beside it and a config without a signing
-- certificate is refused by the server.
CREATE TABLE saml_configurations (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL UNIQUE REFERENCES tenants (id) ON DELETE RESTRICT,
    idp_metadata_xml      text NOT NULL,
    idp_metadata_url      varchar(1000),
    idp_entity_id         varchar(500) NOT NULL,
    idp_sso_url           varchar(1000) NOT NULL,
    attribute_email       varchar(255) NOT NULL DEFAULT 'email',
    attribute_first_name  varchar(255) NOT NULL DEFAULT 'givenName',
    attribute_last_name   varchar(255) NOT NULL DEFAULT 'sn',
    attribute_groups      varchar(255) NOT NULL DEFAULT 'groups',
    default_role_id       uuid,
    jit_provisioning      boolean NOT NULL DEFAULT true,
    sso_only              boolean NOT NULL DEFAULT false,
    is_enabled            boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    updated_by            uuid NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, default_role_id) REFERENCES roles (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
);
CREATE TRIGGER saml_configurations_updated_at BEFORE UPDATE ON saml_configurations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- IdP group -> role. A user in several mapped groups gets every mapped role.
CREATE TABLE saml_group_role_mappings (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    group_name varchar(255) NOT NULL CHECK (btrim(group_name) <> ''),
    role_id    uuid NOT NULL,
    UNIQUE (tenant_id, group_name, role_id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);

-- SP-initiated sign-ins in flight. The IdP's POST to the ACS is cross-site, so the SameSite=Lax session
-- cookie is not sent with it: the pending request is found by its RelayState instead, and consumed once.
CREATE TABLE saml_authn_requests (
    request_id  varchar(100) PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    relay_state char(64) NOT NULL UNIQUE CHECK (relay_state ~ '^[0-9a-f]{64}$'),
    return_to   varchar(500) NOT NULL DEFAULT '/projects',
    is_test     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    consumed_at timestamptz
);
CREATE INDEX saml_authn_requests_expiry ON saml_authn_requests (tenant_id, expires_at);

-- Assertion ids already accepted: a replayed assertion is refused. Kept past the assertion's own validity.
CREATE TABLE saml_consumed_assertions (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    assertion_id varchar(255) NOT NULL,
    consumed_at  timestamptz NOT NULL DEFAULT now(),
    valid_until  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, assertion_id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenant_security_policies', 'user_recovery_codes', 'saml_configurations', 'saml_group_role_mappings',
        'saml_authn_requests', 'saml_consumed_assertions'
    ] LOOP
        PERFORM apply_tenant_isolation(t::regclass);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON tenant_security_policies, user_recovery_codes, saml_configurations,
    saml_authn_requests TO gwm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON saml_group_role_mappings TO gwm_app;
GRANT SELECT, INSERT ON saml_consumed_assertions TO gwm_app;
-- Custom roles may be removed by admins (their assignments go with them, audited by the server).
GRANT DELETE ON roles TO gwm_app;


-- The process that ends idle and expired sessions.
ALTER TYPE system_actor ADD VALUE 'session_monitor';

-- Housekeeping across all tenants, run by the server every minute: ends sessions past their idle timeout or
-- absolute lifetime (with an audit row each), and drops expired HTTP sessions, old sign-in attempts and
-- SAML requests. SECURITY DEFINER because the app role sees one tenant at a time; the owner is subject to
-- the forced RLS policies too, so it visits the tenants one by one.
CREATE FUNCTION auth_housekeeping(p_idle interval, p_attempt_window interval)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
    ended integer := 0;
    n integer;
BEGIN
    FOR tenant IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        WITH ended_sessions AS (
            UPDATE user_sessions
               SET is_active = false, terminated_at = now(),
                   termination_reason = CASE WHEN expires_at <= now() THEN 'expired' ELSE 'timeout' END
             WHERE is_active AND (expires_at <= now() OR last_activity_at <= now() - p_idle)
            RETURNING id, tenant_id, user_id, termination_reason
        ), audited AS (
            INSERT INTO audit_logs (tenant_id, system_actor, session_id, action_type, entity_type, entity_id,
                                    operation_description, after_values)
            SELECT tenant_id, 'session_monitor'::system_actor, id::text, 'session_end', 'user_session', id,
                   'Session ended: ' || termination_reason,
                   jsonb_build_object('user_id', user_id, 'reason', termination_reason)
              FROM ended_sessions
            RETURNING 1
        )
        SELECT count(*) INTO n FROM audited;
        ended := ended + n;
        DELETE FROM saml_authn_requests WHERE expires_at <= now() - interval '1 day';
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);

    DELETE FROM http_sessions WHERE expires_at <= now();
    DELETE FROM sign_in_attempts WHERE attempted_at <= now() - p_attempt_window;
    RETURN ended;
END
$$;
REVOKE ALL ON FUNCTION auth_housekeeping(interval, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_housekeeping(interval, interval) TO gwm_app;
