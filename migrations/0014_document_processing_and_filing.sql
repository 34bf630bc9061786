-- Documents, second part: text extraction in the background, filing (categories, tags), and search.
--
-- 1. Extraction jobs are the documents rows themselves: a pending row is claimed by one worker at a time
--    (FOR UPDATE SKIP LOCKED, with a lease so a worker that dies lets the row be claimed again), at most
--    three times; after that it is marked 'error' and stays stored and downloadable.
-- 2. Categories form a tree per tenant: a parent may not be a descendant (no cycles), and a category is
--    archived rather than deleted, so documents filed under it keep their filing.
-- 3. Names are indexed by their words (the search column is rebuilt), and indexes serve the library's filters: category, tags, and the tenant's current documents by date.

ALTER TABLE documents
    ADD COLUMN processing_attempts     integer NOT NULL DEFAULT 0 CHECK (processing_attempts >= 0),
    ADD COLUMN processing_claimed_until timestamptz,
    ADD COLUMN processed_at            timestamptz;

-- File names are searchable by their words: "section-m_rev2.docx" is found by "section" and "rev2". The
-- parser alone reads such a name as one file-name token.
DROP INDEX documents_search;
ALTER TABLE documents DROP COLUMN search_vector;
ALTER TABLE documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', translate(coalesce(name, ''), '._-/\', '     ')), 'A') ||
    setweight(to_tsvector('english', coalesce(extracted_text, '')), 'B')) STORED;
CREATE INDEX documents_search ON documents USING gin (search_vector) WHERE is_searchable AND NOT is_deleted;

CREATE INDEX documents_category ON documents (tenant_id, category_id) WHERE NOT is_deleted AND category_id IS NOT NULL;
CREATE INDEX documents_tags ON documents USING gin (tags jsonb_path_ops) WHERE NOT is_deleted;
CREATE INDEX documents_library ON documents (tenant_id, created_at DESC) WHERE is_current_version AND NOT is_deleted;

-- Claims up to `p_limit` documents waiting for extraction, across tenants, for `p_lease`. A claim whose
-- lease ran out (its worker died) is claimed again; after three attempts the document is marked 'error'.
CREATE FUNCTION claim_document_extractions(p_limit integer, p_lease interval)
    RETURNS TABLE (tenant_id uuid, id uuid, storage_provider text, storage_key text, file_extension text, file_size_bytes bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    previous_tenant text := current_setting('app.current_tenant_id', true);
    tenant record;
    remaining integer := p_limit;
    claimed integer;
BEGIN
    FOR tenant IN SELECT t.id FROM tenants t ORDER BY random() LOOP
        EXIT WHEN remaining <= 0;
        PERFORM set_config('app.current_tenant_id', tenant.id::text, true);
        UPDATE documents d
           SET processing_status = 'error',
               processing_error = 'Text extraction failed three times; the file is stored and can be downloaded.',
               processing_claimed_until = NULL, processed_at = now()
         WHERE d.processing_status = 'processing' AND d.processing_claimed_until < now() AND d.processing_attempts >= 3;
        RETURN QUERY
            UPDATE documents d
               SET processing_status = 'processing', processing_attempts = d.processing_attempts + 1,
                   processing_claimed_until = now() + p_lease
             WHERE d.id IN (SELECT w.id FROM documents w
                             WHERE (w.processing_status = 'pending'
                                    OR (w.processing_status = 'processing' AND w.processing_claimed_until < now()))
                               AND NOT w.is_deleted
                             ORDER BY w.created_at LIMIT remaining FOR UPDATE SKIP LOCKED)
            RETURNING d.tenant_id, d.id, d.storage_provider, d.storage_key::text, d.file_extension::text, d.file_size_bytes;
        GET DIAGNOSTICS claimed = ROW_COUNT;
        remaining := remaining - claimed;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', coalesce(previous_tenant, ''), true);
END
$$;
REVOKE ALL ON FUNCTION claim_document_extractions(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_document_extractions(integer, interval) TO gwm_app;

ALTER TABLE document_categories
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN created_by  uuid,
    ADD CONSTRAINT document_categories_created_by FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id);

-- A category's parent may not be the category itself or one of its descendants.
CREATE FUNCTION document_categories_no_cycle() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.parent_category_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up AS (
            SELECT c.id, c.parent_category_id FROM document_categories c
             WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.parent_category_id
            UNION
            SELECT c.id, c.parent_category_id FROM document_categories c JOIN up ON c.id = up.parent_category_id
             WHERE c.tenant_id = NEW.tenant_id)
        SELECT 1 FROM up WHERE up.id = NEW.id)
    THEN
        RAISE EXCEPTION 'a category cannot be placed under itself or one of its subcategories'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'document_categories_no_cycle';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER document_categories_no_cycle BEFORE INSERT OR UPDATE OF parent_category_id ON document_categories
    FOR EACH ROW EXECUTE FUNCTION document_categories_no_cycle();
