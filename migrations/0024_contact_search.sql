-- The contacts list's search (issue 16) served by an index: each word of a search must be in the person's
-- name, e-mail or title (one stored lower-case text with a trigram index) or in their organization's name
-- (organizations_name_trgm). Before, every search lowered and joined those fields for every contact of the
-- tenant, which no index could serve (tens of milliseconds a search at 50,000 people).
ALTER TABLE contacts ADD COLUMN search_text text GENERATED ALWAYS AS (
    lower(first_name || ' ' || last_name || ' ' || coalesce(email, '') || ' ' || coalesce(title, ''))) STORED;
CREATE INDEX contacts_search_trgm ON contacts USING gin (search_text gin_trgm_ops);
