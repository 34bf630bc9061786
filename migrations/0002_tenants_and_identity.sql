-- Tenants, their configuration, users, roles and role assignments.

CREATE TABLE tenants (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                     varchar(255) NOT NULL CHECK (btrim(name) <> ''),
    -- DNS label: lower-case letters, digits and inner hyphens.
    subdomain                varchar(63) NOT NULL UNIQUE
                             CHECK (subdomain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    plan_type                text NOT NULL DEFAULT 'starter'
                             CHECK (plan_type IN ('starter', 'professional', 'enterprise')),
    max_users                integer NOT NULL DEFAULT 100 CHECK (max_users > 0),
    max_opportunity_projects integer NOT NULL DEFAULT 500 CHECK (max_opportunity_projects > 0),
    is_active                boolean NOT NULL DEFAULT true,
    fedramp_compliant        boolean NOT NULL DEFAULT false,
    subscription_status      text NOT NULL DEFAULT 'trial'
                             CHECK (subscription_status IN ('trial', 'active', 'suspended', 'cancelled')),
    subscription_expires_at  timestamptz,
    billing_email            varchar(255),
    -- Tenants are deactivated, never deleted: their audit trail must outlive them (seed defect 11).
    deactivated_at           timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    created_by               uuid,
    updated_by               uuid,
    CHECK (is_active OR deactivated_at IS NOT NULL)
);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- tenants is the registry itself, not a tenant-owned table: the app role sees only its current tenant's row.
-- RLS is enabled but not forced, so that the owner's SECURITY DEFINER lookup below can resolve a subdomain
-- before any tenant is chosen (sign-in).
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants FOR ALL
    USING (id = app_current_tenant_id()) WITH CHECK (id = app_current_tenant_id());

-- Resolves a subdomain to its tenant for sign-in and routing; returns only what routing needs.
CREATE FUNCTION tenant_by_subdomain(p_subdomain text)
    RETURNS TABLE (id uuid, name varchar, is_active boolean, subscription_status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT t.id, t.name, t.is_active, t.subscription_status FROM tenants t WHERE t.subdomain = lower(p_subdomain)
$$;
REVOKE ALL ON FUNCTION tenant_by_subdomain(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_by_subdomain(text) TO gwm_app;

CREATE TABLE tenant_configurations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    config_key   varchar(100) NOT NULL CHECK (config_key ~ '^[a-z0-9_.]+$'),
    config_value jsonb NOT NULL,
    config_type  text NOT NULL CHECK (config_type IN ('ui_settings', 'workflow_config', 'integration_settings', 'security_policy')),
    -- When true, config_value holds {"ciphertext": base64} sealed with AES-256-GCM by the server.
    is_encrypted boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, config_key)
);
CREATE TRIGGER tenant_configurations_updated_at BEFORE UPDATE ON tenant_configurations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE users (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    -- Stored lower-cased, so uniqueness is case-insensitive (seed defect 10).
    email                 varchar(255) NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    password_hash         varchar(255),
    is_saml_user          boolean NOT NULL DEFAULT false,
    saml_id               varchar(255),
    first_name            varchar(100) NOT NULL,
    last_name             varchar(100) NOT NULL,
    title                 varchar(150),
    phone                 varchar(50),
    avatar_url            varchar(500),
    is_active             boolean NOT NULL DEFAULT true,
    email_verified        boolean NOT NULL DEFAULT false,
    last_login_at         timestamptz,
    password_changed_at   timestamptz DEFAULT now(),
    failed_login_attempts integer NOT NULL DEFAULT 0 CHECK (failed_login_attempts >= 0),
    locked_until          timestamptz,
    mfa_enabled           boolean NOT NULL DEFAULT false,
    -- AES-256-GCM (nonce || ciphertext) sealed by the server with a key from configuration; never plaintext.
    mfa_secret_encrypted  bytea,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    created_by            uuid,
    UNIQUE (tenant_id, email),
    UNIQUE (tenant_id, id),
    CHECK (NOT mfa_enabled OR mfa_secret_encrypted IS NOT NULL),
    CHECK (NOT is_saml_user OR saml_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_saml_id ON users (tenant_id, saml_id) WHERE saml_id IS NOT NULL;
CREATE INDEX users_tenant_active ON users (tenant_id, is_active);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE users ADD FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id);

CREATE TABLE roles (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    name           varchar(100) NOT NULL CHECK (btrim(name) <> ''),
    description    text,
    is_system_role boolean NOT NULL DEFAULT false,
    -- A JSON array of permission strings from the catalogue in app/src/auth (e.g. "projects.read").
    permissions    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(permissions) = 'array'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);
CREATE INDEX roles_tenant_system ON roles (tenant_id, is_system_role);
CREATE TRIGGER roles_updated_at BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- user_roles is created with the projects (migration 0003): it references opportunity_projects, which the
-- seed referenced before creating it (seed defect 1).
