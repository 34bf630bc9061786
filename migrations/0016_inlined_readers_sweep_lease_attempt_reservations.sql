-- What 0015 became after it first landed, as its own migration (landed migrations are append-only):
-- readers the planner can inline, one sweeping server per abandoned upload, and sign-in attempts reserved
-- before Argon2 runs.

-- An amount in dollars that fits numeric(15, 2), else NULL. One SQL expression (not STRICT and no SET clause,
-- so the planner inlines it; NULL in, NULL out); the nested CASE keeps the cast behind the pattern.
-- (CREATE OR REPLACE assigns every property anew: the plpgsql version's search_path setting goes too.)
CREATE OR REPLACE FUNCTION app_amount_or_null(raw text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN raw ~ '^\s*[0-9]{1,13}(\.[0-9]{1,20})?\s*$'
                THEN CASE WHEN round(raw::numeric, 2) <= 9999999999999.99 THEN round(raw::numeric, 2) END END
$$;

-- A point in time as the server writes it (RFC 3339), else NULL. STRICT: a row without an override never
-- enters the function. The pattern keeps the exception path for the rare impossible date (month 13).
CREATE OR REPLACE FUNCTION app_timestamptz_or_null(raw text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF raw !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' THEN
        RETURN NULL;
    END IF;
    RETURN raw::timestamptz;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;

-- Abandoned uploads are claimed for 10 minutes by the server that sweeps them (FOR UPDATE SKIP LOCKED), so
-- two servers never sweep the same objects; a sweep that could not delete an object tries again after that.
-- The checked function keeps its name and grants and does the claiming itself; the unchecked one goes.
ALTER TABLE storage_objects ADD COLUMN IF NOT EXISTS sweep_claimed_until timestamptz;
CREATE OR REPLACE FUNCTION stale_storage_objects(p_age interval, p_limit integer)
    RETURNS TABLE (tenant_id uuid, id uuid, provider text, storage_key text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
BEGIN
    PERFORM app_require(p_age >= interval '1 hour', 'age of an abandoned upload (at least 1 hour)');
    PERFORM app_require(p_limit BETWEEN 1 AND 1000, 'batch size (1 to 1000)');
    FOR tenant IN SELECT t.id FROM tenants t LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        RETURN QUERY
            UPDATE storage_objects s SET sweep_claimed_until = now() + interval '10 minutes'
             WHERE s.id IN (SELECT w.id FROM storage_objects w
                             WHERE w.state = 'pending' AND w.created_at <= now() - p_age
                               AND (w.sweep_claimed_until IS NULL OR w.sweep_claimed_until < now())
                             ORDER BY w.created_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
            RETURNING s.tenant_id, s.id, s.provider, s.storage_key::text;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
DROP FUNCTION IF EXISTS stale_storage_objects_unchecked(interval, integer);

-- An attempt being verified: reserved before Argon2 runs, settled as a failure or deleted on success. Rows
-- recorded before this migration are settled failures; new ones start pending.
ALTER TABLE sign_in_failures ADD COLUMN IF NOT EXISTS pending boolean NOT NULL DEFAULT false;
ALTER TABLE sign_in_failures ALTER COLUMN pending SET DEFAULT true;
GRANT UPDATE ON sign_in_failures TO gwm_app;
