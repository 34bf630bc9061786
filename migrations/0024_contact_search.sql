-- Lookups the row-level security planner can serve from an index (issue 16). Under RLS, PostgreSQL applies a
-- query's own conditions after the policy's unless their functions are LEAKPROOF; lower(), upper() and LIKE
-- are not, so `lower(email) = $1` could never be an index condition for the app role: every lookup by a
-- lowered e-mail or name read all of the tenant's contacts (and an import's duplicate check, a batch at a
-- time, slowed as the table grew). Text equality is leakproof: the lowered values are stored, and equality on
-- them uses these indexes. The list's search text is stored too, so a search lowers nothing per row.
ALTER TABLE contacts
    ADD COLUMN email_key text GENERATED ALWAYS AS (lower(email)) STORED,
    ADD COLUMN name_key text GENERATED ALWAYS AS (lower(first_name) || ' ' || lower(last_name)) STORED,
    ADD COLUMN search_text text GENERATED ALWAYS AS (
        lower(first_name || ' ' || last_name || ' ' || coalesce(email, '') || ' ' || coalesce(title, ''))) STORED;
CREATE INDEX contacts_email_key ON contacts (tenant_id, email_key) WHERE email_key IS NOT NULL;
CREATE INDEX contacts_name_key ON contacts (tenant_id, organization_id, name_key);
ALTER TABLE organizations ADD COLUMN name_key text GENERATED ALWAYS AS (lower(name)) STORED;
CREATE INDEX organizations_name_key ON organizations (tenant_id, name_key);
