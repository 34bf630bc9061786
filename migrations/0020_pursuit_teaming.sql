-- Teaming on a pursuit (issue 16): the organizations on our team (one prime, any number of subcontractors)
-- with their share of the work, and the competitors we expect to bid; where the NDA or teaming agreement
-- stands with each, and notes. The seeds have no such table; it links pursuits and organizations as
-- opportunity_project_contacts links pursuits and people.

CREATE TABLE opportunity_project_organizations (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id uuid NOT NULL,
    organization_id        uuid NOT NULL,
    teaming_role           text NOT NULL CHECK (teaming_role IN ('prime', 'subcontractor', 'competitor')),
    -- Share of the work on our team, in percent; a competitor has none.
    workshare_percent      numeric(5, 2) CHECK (workshare_percent BETWEEN 0 AND 100),
    agreement_status       text NOT NULL DEFAULT 'none' CHECK (agreement_status IN (
        'none', 'nda_in_progress', 'nda_signed', 'ta_in_progress', 'ta_signed', 'not_needed')),
    notes                  text CHECK (char_length(notes) <= 2000),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    created_by             uuid,
    created_by_system      system_actor,
    updated_by             uuid,
    UNIQUE (tenant_id, id),
    -- An organization has one place on a pursuit: on our team or against it.
    UNIQUE (tenant_id, opportunity_project_id, organization_id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK (teaming_role <> 'competitor' OR workshare_percent IS NULL)
);
-- One prime per pursuit.
CREATE UNIQUE INDEX opportunity_project_organizations_prime ON opportunity_project_organizations (tenant_id, opportunity_project_id)
    WHERE teaming_role = 'prime';
CREATE INDEX opportunity_project_organizations_organization ON opportunity_project_organizations (tenant_id, organization_id);
CREATE TRIGGER opportunity_project_organizations_updated_at BEFORE UPDATE ON opportunity_project_organizations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Our team's shares never add up to more than 100%. The application checks first (and names the numbers)
-- while it holds the pursuit's row lock; this is the backstop for every other writer.
CREATE FUNCTION opportunity_project_organizations_workshare() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(workshare_percent), 0) INTO total
      FROM opportunity_project_organizations
     WHERE tenant_id = NEW.tenant_id AND opportunity_project_id = NEW.opportunity_project_id
       AND teaming_role IN ('prime', 'subcontractor');
    IF total > 100 THEN
        RAISE EXCEPTION 'our team''s workshare on pursuit % would be % percent', NEW.opportunity_project_id, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunity_project_organizations_workshare';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER opportunity_project_organizations_workshare
    AFTER INSERT OR UPDATE OF workshare_percent, teaming_role, opportunity_project_id ON opportunity_project_organizations
    FOR EACH ROW EXECUTE FUNCTION opportunity_project_organizations_workshare();

SELECT apply_tenant_isolation('opportunity_project_organizations'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON opportunity_project_organizations TO gwm_app;
