-- Organizations and contacts (issue 16): identifiers unique within a tenant, the agency hierarchy's own
-- codes, a hierarchy that cannot loop, and the trigram indexes that answer search in a keystroke.

-- Trusted since PostgreSQL 13: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- SAM.gov's office path code (fullParentPathCode, e.g. "097.DISA.HC1028"): how a synced opportunity's office
-- finds its organization.
ALTER TABLE organizations ADD COLUMN agency_path_code varchar(200) CHECK (btrim(agency_path_code) <> '');

-- One organization per UEI, CAGE code and office path in a tenant (compared as people type them: any case).
CREATE UNIQUE INDEX organizations_uei ON organizations (tenant_id, upper(sam_unique_id)) WHERE sam_unique_id IS NOT NULL;
CREATE UNIQUE INDEX organizations_cage ON organizations (tenant_id, upper(cage_code)) WHERE cage_code IS NOT NULL;
CREATE UNIQUE INDEX organizations_agency_path ON organizations (tenant_id, upper(agency_path_code))
    WHERE agency_path_code IS NOT NULL;
CREATE INDEX organizations_parent ON organizations (tenant_id, parent_organization_id);

-- Search: any part of a name or address, misspelled a little (pg_trgm), under RLS like every read.
CREATE INDEX organizations_name_trgm ON organizations USING gin (lower(name) gin_trgm_ops);
CREATE INDEX contacts_name_trgm ON contacts USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX contacts_email_trgm ON contacts USING gin (lower(email) gin_trgm_ops);
CREATE INDEX contacts_title_trgm ON contacts USING gin (lower(title) gin_trgm_ops);
-- The list's default order.
CREATE INDEX contacts_by_name ON contacts (tenant_id, lower(last_name), lower(first_name), id);

-- A parent is never its own descendant. The application checks first (and says so in words) under a
-- per-tenant lock; this is the backstop for every other writer.
CREATE FUNCTION organizations_no_cycle() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.parent_organization_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up (id, depth) AS (
            SELECT NEW.parent_organization_id, 1
            UNION ALL
            SELECT o.parent_organization_id, up.depth + 1
              FROM organizations o JOIN up ON o.tenant_id = NEW.tenant_id AND o.id = up.id
             WHERE o.parent_organization_id IS NOT NULL AND up.depth < 100
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'organization % would be its own ancestor', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations_no_cycle';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER organizations_no_cycle BEFORE INSERT OR UPDATE OF parent_organization_id ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_no_cycle();
