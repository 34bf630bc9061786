-- One stored value must never take a tenant's pages down (DESIGN principle 9). Overrides are jsonb text, and
-- the view that every list reads used to cast them straight to numeric(15,2) and timestamptz: one amount of
-- 10^13 or more, or a date past year 9999, failed the board, the table, the export and the dashboard for
-- everyone in the tenant. The server now range-checks these values where they enter; these readers return
-- NULL (the source's value then shows) for a row that got in anyway, instead of failing.

-- An amount in dollars that fits numeric(15, 2), else NULL.
CREATE FUNCTION app_amount_or_null(raw text) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    amount numeric;
BEGIN
    IF raw IS NULL OR raw !~ '^\s*[0-9]{1,13}(\.[0-9]{1,20})?\s*$' THEN
        RETURN NULL;
    END IF;
    amount := round(raw::numeric, 2);
    IF amount > 9999999999999.99 THEN
        RETURN NULL;
    END IF;
    RETURN amount;
END
$$;

-- A point in time as the server writes it (RFC 3339), else NULL. The pattern keeps the exception path for
-- the rare impossible date (month 13) that matches it.
CREATE FUNCTION app_timestamptz_or_null(raw text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF raw IS NULL OR raw !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' THEN
        RETURN NULL;
    END IF;
    RETURN raw::timestamptz;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION app_amount_or_null(text), app_timestamptz_or_null(text) TO gwm_app;

-- The same columns, the same types, the same order: only the two casts change.
CREATE OR REPLACE VIEW opportunity_project_current WITH (security_invoker = true) AS
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
    coalesce(app_amount_or_null(ov.v ->> 'estimated_value_max'), eod.estimated_value_max)::numeric(15, 2)
                                                                                  AS estimated_value,
    coalesce(app_timestamptz_or_null(ov.v ->> 'response_due_date'), eod.response_due_date) AS response_due_date,
    coalesce(ov.v ->> 'place_of_performance', eod.place_of_performance)           AS place_of_performance,
    eod.solicitation_status
FROM opportunity_projects op
LEFT JOIN external_opportunity_data eod
       ON eod.tenant_id = op.tenant_id AND eod.opportunity_project_id = op.id AND eod.is_current_version
LEFT JOIN (
    SELECT o.tenant_id, o.opportunity_project_id, jsonb_object_agg(o.field_name, o.override_value) AS v
      FROM opportunity_project_overrides o
     WHERE o.is_active
     GROUP BY o.tenant_id, o.opportunity_project_id
) ov ON ov.tenant_id = op.tenant_id AND ov.opportunity_project_id = op.id;

-- Least privilege on the tenant registry: the app reads its own tenant row and locks it to serialize plan
-- limits (SELECT ... FOR UPDATE needs an UPDATE grant on some column); it changes nothing of it.
REVOKE UPDATE ON tenants FROM gwm_app;
GRANT UPDATE (updated_at) ON tenants TO gwm_app;

-- The row-security function of documents resolves its tables and operators through a pinned path.
ALTER FUNCTION app_may_see_document(text, uuid, uuid) SET search_path = public, pg_temp;

-- The cross-tenant job functions run as the owner: they refuse arguments outside what the jobs use, so the
-- app role cannot turn them into "end every session" or "delete uploads in flight".
CREATE OR REPLACE FUNCTION app_require(ok boolean, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'argument out of range: %', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION app_require(boolean, text) TO gwm_app;

ALTER FUNCTION auth_housekeeping(interval, interval) RENAME TO auth_housekeeping_unchecked;
REVOKE ALL ON FUNCTION auth_housekeeping_unchecked(interval, interval) FROM gwm_app;
CREATE FUNCTION auth_housekeeping(p_idle interval, p_attempt_window interval)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM app_require(p_idle BETWEEN interval '1 minute' AND interval '1 day', 'idle timeout (1 minute to 1 day)');
    PERFORM app_require(p_attempt_window BETWEEN interval '1 minute' AND interval '1 day', 'attempt window (1 minute to 1 day)');
    RETURN auth_housekeeping_unchecked(p_idle, p_attempt_window);
END
$$;
REVOKE ALL ON FUNCTION auth_housekeeping(interval, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_housekeeping(interval, interval) TO gwm_app;

ALTER FUNCTION stale_storage_objects(interval, integer) RENAME TO stale_storage_objects_unchecked;
REVOKE ALL ON FUNCTION stale_storage_objects_unchecked(interval, integer) FROM gwm_app;
CREATE FUNCTION stale_storage_objects(p_age interval, p_limit integer)
    RETURNS TABLE (tenant_id uuid, id uuid, provider text, storage_key text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM app_require(p_age >= interval '1 hour', 'age of an abandoned upload (at least 1 hour)');
    PERFORM app_require(p_limit BETWEEN 1 AND 1000, 'batch size (1 to 1000)');
    RETURN QUERY SELECT * FROM stale_storage_objects_unchecked(p_age, p_limit);
END
$$;
REVOKE ALL ON FUNCTION stale_storage_objects(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stale_storage_objects(interval, integer) TO gwm_app;

ALTER FUNCTION claim_document_extractions(integer, interval) RENAME TO claim_document_extractions_unchecked;
REVOKE ALL ON FUNCTION claim_document_extractions_unchecked(integer, interval) FROM gwm_app;
CREATE FUNCTION claim_document_extractions(p_limit integer, p_lease interval)
    RETURNS TABLE (tenant_id uuid, id uuid, storage_provider text, storage_key text, file_extension text, file_size_bytes bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM app_require(p_limit BETWEEN 1 AND 100, 'batch size (1 to 100)');
    PERFORM app_require(p_lease BETWEEN interval '10 seconds' AND interval '1 hour', 'lease (10 seconds to 1 hour)');
    RETURN QUERY SELECT * FROM claim_document_extractions_unchecked(p_limit, p_lease);
END
$$;
REVOKE ALL ON FUNCTION claim_document_extractions(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_document_extractions(integer, interval) TO gwm_app;

-- SAML sign-in bound to the browser that started it (login CSRF): the ACS accepts a RelayState only from
-- the browser holding the matching nonce cookie; the SHA-256 of that nonce is kept with the request.
ALTER TABLE saml_authn_requests ADD COLUMN browser_binding bytea CHECK (octet_length(browser_binding) = 32);

-- SSO roles are reconciled at every sign-in (roles from IdP groups come and go with the groups), so the
-- roles an SSO sign-in gave are marked apart from those an administrator gave by hand, which a sign-in never
-- touches. An administrator's removal of an SSO-given role is remembered, so the next sign-in does not give
-- it back; giving the role by hand lifts that.
ALTER TABLE user_roles ADD COLUMN granted_by_sso boolean NOT NULL DEFAULT false;

CREATE TABLE sso_role_suppressions (
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id        uuid NOT NULL,
    role_id        uuid NOT NULL,
    suppressed_by  uuid NOT NULL,
    suppressed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, role_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, suppressed_by) REFERENCES users (tenant_id, id)
);
SELECT apply_tenant_isolation('sso_role_suppressions');
GRANT SELECT, INSERT, DELETE ON sso_role_suppressions TO gwm_app;

-- Roles that earlier SSO sign-ins gave (recorded as the platform's, on SSO users) become SSO-given, tenant
-- by tenant (the owner is subject to the forced policies too).
DO $$
DECLARE
    tenant record;
BEGIN
    FOR tenant IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        UPDATE user_roles ur SET granted_by_sso = true
          FROM users u
         WHERE u.tenant_id = ur.tenant_id AND u.id = ur.user_id AND u.is_saml_user
           AND ur.assigned_by_system = 'platform_admin' AND ur.opportunity_project_id IS NULL;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', '', true);
END
$$;

-- Failed sign-ins, per account (by the email typed, whether or not such an account exists) and client
-- address: the lockout (AC-7) applies to an account from the address that failed, so unknown and known
-- accounts answer the same, and nobody can keep a person out of their own account from elsewhere.
CREATE TABLE sign_in_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    email       varchar(255) NOT NULL,
    ip_address  inet,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_lookup ON sign_in_failures (tenant_id, email, ip_address, failed_at);
SELECT apply_tenant_isolation('sign_in_failures');
GRANT SELECT, INSERT, DELETE ON sign_in_failures TO gwm_app;

-- Housekeeping also forgets failures older than a day, tenant by tenant.
CREATE OR REPLACE FUNCTION auth_housekeeping(p_idle interval, p_attempt_window interval)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
    ended integer;
BEGIN
    PERFORM app_require(p_idle BETWEEN interval '1 minute' AND interval '1 day', 'idle timeout (1 minute to 1 day)');
    PERFORM app_require(p_attempt_window BETWEEN interval '1 minute' AND interval '1 day', 'attempt window (1 minute to 1 day)');
    ended := auth_housekeeping_unchecked(p_idle, p_attempt_window);
    FOR tenant IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        DELETE FROM sign_in_failures WHERE failed_at <= now() - interval '1 day';
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
    RETURN ended;
END
$$;
