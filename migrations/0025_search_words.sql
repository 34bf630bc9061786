-- Search that an index serves under row-level security (issue 16). The app role reads every table through
-- RLS, and PostgreSQL lets a query's own condition be an index condition only when its function is
-- LEAKPROOF: lower(), LIKE, pg_trgm's operators and full-text `@@` are not, so the trigram indexes of 0018
-- and 0022 were never used for it and every search read all of the tenant's rows. Text comparison (=, <, >=)
-- is leakproof. So each searchable record's words are kept here, lowered, one row per word, and a search
-- for "dan harb" becomes, per word of the query, a range scan of this index ('dan' <= word < 'dao'): every
-- word of the query must begin some word of the record. Triggers keep the words in step with the records,
-- in the writer's transaction, one statement per statement written (an import's batch is one insert).
CREATE TABLE search_words (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    kind      text NOT NULL CHECK (kind IN ('pursuit', 'opportunity', 'organization', 'contact')),
    -- The record: opportunity_projects, external_opportunity_data (the current version), organizations or
    -- contacts; no foreign key, as the triggers below delete a record's words with it.
    record_id uuid NOT NULL,
    -- Byte order ("C"), so that a prefix is one contiguous range of the index whatever the locale.
    word      text COLLATE "C" NOT NULL CHECK (word <> '' AND length(word) <= 64),
    PRIMARY KEY (tenant_id, kind, word, record_id)
);
SELECT apply_tenant_isolation('search_words'::regclass);
GRANT SELECT, INSERT, DELETE ON search_words TO gwm_app;

-- The words of some texts: lowered, split at anything that is not a letter or a digit ("W912DY-24-R-0001"
-- gives w912dy, 24, r, 0001; "j.avery@dla.mil" gives j, avery, dla, mil), at most 64 characters each.
-- A query is split by the same function (search_query_ranges), so both sides agree on case and splitting.
CREATE FUNCTION search_words_of(VARIADIC texts text[]) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT left(w, 64)), '{}')
      FROM unnest(texts) t, regexp_split_to_table(lower(t), '[^[:alnum:]]+') w
     WHERE w <> ''
$$;

-- A query's words as index ranges: word n of the query matches every stored word in [lo, hi). `hi` is `lo`
-- with its last character's code point one up (skipping the surrogates, which text never holds).
-- PL/pgSQL, so that it is not inlined and the planner keeps ROWS 2: a query is a word or two, and the
-- default guess for a set (hundreds of rows) makes a scan of every word of a kind look cheaper than a few
-- index ranges.
CREATE FUNCTION search_query_ranges(q text) RETURNS TABLE (n bigint, lo text, hi text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 2
AS $$
BEGIN
    RETURN QUERY
    SELECT words.n, words.w COLLATE "C",
           (left(words.w, -1) || CASE ascii(right(words.w, 1))
                                     WHEN 55295 THEN chr(57344)
                                     WHEN 1114111 THEN chr(1114111) || chr(1114111)
                                     ELSE chr(ascii(right(words.w, 1)) + 1) END) COLLATE "C"
      FROM (SELECT left(s.w, 64) AS w, s.n
              FROM regexp_split_to_table(lower(q), '[^[:alnum:]]+') WITH ORDINALITY s (w, n)
             WHERE s.w <> '') words;
END
$$;
GRANT EXECUTE ON FUNCTION search_words_of(text[]) TO gwm_app;
GRANT EXECUTE ON FUNCTION search_query_ranges(text) TO gwm_app;

-- What each kind is found by.
CREATE FUNCTION contact_search_words(c contacts) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT search_words_of(c.first_name, c.last_name, c.email, c.title) $$;
CREATE FUNCTION organization_search_words(o organizations) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT search_words_of(o.name, o.sam_unique_id, o.cage_code, o.agency_path_code) $$;
CREATE FUNCTION pursuit_search_words(p opportunity_projects) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT search_words_of(p.project_name, p.solicitation_number) $$;
-- Only an inbox opportunity's current version is found (as the inbox shows it).
CREATE FUNCTION opportunity_search_words(d external_opportunity_data) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN d.is_current_version AND d.external_opportunity_id IS NOT NULL
                THEN search_words_of(d.title, d.solicitation_number) ELSE '{}' END
$$;
GRANT EXECUTE ON FUNCTION contact_search_words(contacts), organization_search_words(organizations),
    pursuit_search_words(opportunity_projects), opportunity_search_words(external_opportunity_data) TO gwm_app;

-- Keeps a table's words in step: TG_ARGV[0] the kind, TG_ARGV[1] its words function. Only the difference
-- is written (an edit of a contact's phone number touches no word), by primary key. Runs as the writer,
-- under the writer's RLS. Statement-level with transition tables, so a 500-row insert is one insert here.
CREATE FUNCTION search_words_follow() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp
AS $$
DECLARE
    kind text := TG_ARGV[0];
    words text := TG_ARGV[1];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(
            'DELETE FROM search_words s USING (SELECT o.tenant_id, o.id, w FROM old_rows o, unnest(%1$s(o)) w %2$s) g '
            'WHERE s.tenant_id = g.tenant_id AND s.kind = $1 AND s.word = g.w AND s.record_id = g.id',
            words,
            CASE WHEN TG_OP = 'UPDATE'
                 THEN format('EXCEPT SELECT n.tenant_id, n.id, w FROM new_rows n, unnest(%s(n)) w', words)
                 ELSE '' END)
        USING kind;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO search_words (tenant_id, kind, record_id, word) '
            'SELECT tenant_id, $1, id, w FROM (SELECT n.tenant_id, n.id, w FROM new_rows n, unnest(%1$s(n)) w %2$s) g '
            'ON CONFLICT DO NOTHING',
            words,
            CASE WHEN TG_OP = 'UPDATE'
                 THEN format('EXCEPT SELECT o.tenant_id, o.id, w FROM old_rows o, unnest(%s(o)) w', words)
                 ELSE '' END)
        USING kind;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            ('contacts', 'contact', 'contact_search_words'),
            ('organizations', 'organization', 'organization_search_words'),
            ('opportunity_projects', 'pursuit', 'pursuit_search_words'),
            ('external_opportunity_data', 'opportunity', 'opportunity_search_words')) v (tbl, kind, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER %1$s_words_insert AFTER INSERT ON %1$s REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION search_words_follow(%2$L, %3$L)', t.tbl, t.kind, t.fn);
        EXECUTE format('CREATE TRIGGER %1$s_words_update AFTER UPDATE ON %1$s '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION search_words_follow(%2$L, %3$L)', t.tbl, t.kind, t.fn);
        EXECUTE format('CREATE TRIGGER %1$s_words_delete AFTER DELETE ON %1$s REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION search_words_follow(%2$L, %3$L)', t.tbl, t.kind, t.fn);
    END LOOP;
END
$$;

-- The words of what exists, tenant by tenant (the owner is subject to the forced policies too).
DO $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.current_tenant_id', t::text, true);
        INSERT INTO search_words (tenant_id, kind, record_id, word)
            SELECT c.tenant_id, 'contact', c.id, w FROM contacts c, unnest(contact_search_words(c)) w
            UNION ALL
            SELECT o.tenant_id, 'organization', o.id, w FROM organizations o, unnest(organization_search_words(o)) w
            UNION ALL
            SELECT p.tenant_id, 'pursuit', p.id, w FROM opportunity_projects p, unnest(pursuit_search_words(p)) w
            UNION ALL
            SELECT d.tenant_id, 'opportunity', d.id, w
              FROM external_opportunity_data d, unnest(opportunity_search_words(d)) w;
    END LOOP;
    PERFORM set_config('app.current_tenant_id', '', true);
END
$$;

-- What the words replace. The trigram indexes could never serve the app role (see the top) and only cost
-- every write; the contacts' stored search text of 0024 is read by nothing now. Similarity ranking of the few
-- records a search finds needs no index.
DROP INDEX organizations_name_trgm, contacts_name_trgm, contacts_email_trgm, contacts_title_trgm,
    opportunity_projects_name_trgm, opportunity_projects_solicitation_trgm, external_opportunity_data_title_trgm,
    external_opportunity_data_solicitation_trgm, documents_name_trgm;
ALTER TABLE contacts DROP COLUMN search_text;
