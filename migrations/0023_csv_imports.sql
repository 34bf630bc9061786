-- CSV imports (issue 16): a file is uploaded to storage, its columns mapped to fields (the mapping remembered
-- per tenant and kind), then imported by a background job that any server may claim (FOR UPDATE SKIP LOCKED
-- with a lease, `claim_import_jobs`). "Valid rows only" commits batch by batch, each batch with the job's
-- cursor, so a job taken over after a crash resumes where the last commit left it and writes no row twice;
-- "all or nothing" writes every row in one transaction, so a crash leaves nothing and the job starts again.
-- Every rejected row is kept with its problems by column, for the page and for a CSV of the rejected rows.

CREATE TABLE import_jobs (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    kind                  text NOT NULL CHECK (kind IN ('contacts', 'organizations')),
    file_name             varchar(255) NOT NULL CHECK (btrim(file_name) <> ''),
    storage_provider      text NOT NULL CHECK (storage_provider IN ('s3', 'local')),
    storage_key           varchar(1000) NOT NULL CHECK (storage_key !~ '(^/|\.\./|\\)'),
    storage_object_id     uuid NOT NULL,
    file_size_bytes       bigint NOT NULL CHECK (file_size_bytes > 0),
    encoding              text NOT NULL CHECK (encoding IN ('utf-8', 'windows-1252')),
    -- The file's first row, as read.
    headers               jsonb NOT NULL CHECK (jsonb_typeof(headers) = 'array'),
    -- One field name (or null: not imported) per column, in the file's order.
    mapping               jsonb CHECK (jsonb_typeof(mapping) = 'array'),
    mode                  text CHECK (mode IN ('all_or_nothing', 'valid_only')),
    status                text NOT NULL DEFAULT 'uploaded'
                              CHECK (status IN ('uploaded', 'queued', 'running', 'done', 'failed', 'discarded')),
    -- Progress: bytes of the file read, data rows read (the resume cursor in 'valid_only'), their outcome.
    bytes_read            bigint NOT NULL DEFAULT 0 CHECK (bytes_read >= 0),
    rows_read             integer NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    rows_imported         integer NOT NULL DEFAULT 0 CHECK (rows_imported >= 0),
    rows_rejected         integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    organizations_created integer NOT NULL DEFAULT 0 CHECK (organizations_created >= 0),
    failure               varchar(1000),
    attempts              integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claimed_until         timestamptz,
    created_by            uuid NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    queued_at             timestamptz,
    started_at            timestamptz,
    finished_at           timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, storage_object_id) REFERENCES storage_objects (tenant_id, id),
    CHECK (status IN ('uploaded', 'discarded') OR (mapping IS NOT NULL AND mode IS NOT NULL AND queued_at IS NOT NULL)),
    CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX import_jobs_waiting ON import_jobs (tenant_id, queued_at) WHERE status IN ('queued', 'running');
CREATE INDEX import_jobs_recent ON import_jobs (tenant_id, kind, created_at DESC);
SELECT apply_tenant_isolation('import_jobs'::regclass);
GRANT SELECT, INSERT, UPDATE ON import_jobs TO gwm_app;

CREATE TABLE import_rejections (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    import_id  uuid NOT NULL,
    -- The record's number in the file, the header being row 1 (as a spreadsheet numbers it).
    row_number integer NOT NULL CHECK (row_number >= 2),
    -- [{"column": "E-mail", "message": "..."}]; column null when the problem is the whole row's.
    problems   jsonb NOT NULL CHECK (jsonb_typeof(problems) = 'array' AND jsonb_array_length(problems) > 0),
    -- The row's cells as read, for the rejected-rows file.
    cells      jsonb NOT NULL CHECK (jsonb_typeof(cells) = 'array'),
    PRIMARY KEY (tenant_id, import_id, row_number),
    FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id) ON DELETE CASCADE
);
SELECT apply_tenant_isolation('import_rejections'::regclass);
GRANT SELECT, INSERT, DELETE ON import_rejections TO gwm_app;

-- The field a column of this name was last mapped to, per tenant and kind: the next file with the same
-- heading is mapped the same way. An empty field remembers "do not import this column".
CREATE TABLE import_mappings (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    kind       text NOT NULL CHECK (kind IN ('contacts', 'organizations')),
    heading    varchar(200) NOT NULL CHECK (heading = lower(btrim(heading)) AND heading <> ''),
    field      varchar(50) NOT NULL,
    updated_by uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, heading),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
);
SELECT apply_tenant_isolation('import_mappings'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON import_mappings TO gwm_app;

-- Which import created a record (for the import's page and an audit question: "where did this come from?").
ALTER TABLE contacts ADD COLUMN import_id uuid,
    ADD CONSTRAINT contacts_import FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id);
ALTER TABLE organizations ADD COLUMN import_id uuid,
    ADD CONSTRAINT organizations_import FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id);
CREATE INDEX contacts_import ON contacts (tenant_id, import_id) WHERE import_id IS NOT NULL;
CREATE INDEX organizations_import ON organizations (tenant_id, import_id) WHERE import_id IS NOT NULL;
-- Duplicate detection by name at an organization (the e-mail has its index since 0004).
CREATE INDEX contacts_name_at_organization ON contacts (tenant_id, organization_id, lower(first_name), lower(last_name));

-- Claims one import that is queued, or running with its lease ended (its server stopped), across tenants:
-- the job is marked running with a new lease and one more attempt. A job whose server stopped three times
-- is failed instead of being tried a fourth time (a file that crashes a server must not stop every server).
CREATE FUNCTION claim_import_jobs(p_lease interval)
    RETURNS TABLE (tenant_id uuid, id uuid, attempts integer)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
    claimed integer;
BEGIN
    FOR tenant IN SELECT t.id FROM tenants t ORDER BY random() LOOP
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        UPDATE import_jobs j
           SET status = 'failed', finished_at = now(), claimed_until = NULL,
               failure = 'The import stopped three times before it finished; nothing more will be tried. Check the file and import it again.'
         WHERE j.status = 'running' AND j.claimed_until < now() AND j.attempts >= 3;
        RETURN QUERY
            UPDATE import_jobs j
               SET status = 'running', attempts = j.attempts + 1, claimed_until = now() + p_lease,
                   started_at = coalesce(j.started_at, now())
             WHERE j.id IN (SELECT w.id FROM import_jobs w
                             WHERE w.status = 'queued' OR (w.status = 'running' AND w.claimed_until < now())
                             ORDER BY w.queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING j.tenant_id, j.id, j.attempts;
        GET DIAGNOSTICS claimed = ROW_COUNT;
        EXIT WHEN claimed > 0;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
REVOKE ALL ON FUNCTION claim_import_jobs(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_import_jobs(interval) TO gwm_app;
