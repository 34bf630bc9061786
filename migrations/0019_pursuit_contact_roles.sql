-- Roles on a pursuit (issue 16): who a person is to this pursuit (more relationship types), where they stand
-- toward us, and who changed the link last.

ALTER TABLE opportunity_project_contacts
    DROP CONSTRAINT opportunity_project_contacts_relationship_type_check,
    ADD CONSTRAINT opportunity_project_contacts_relationship_type_check CHECK (relationship_type IN (
        'government_poc', 'technical_evaluator', 'decision_maker', 'contracting_officer', 'influencer',
        'teaming_partner', 'program_manager', 'contract_specialist', 'end_user', 'executive_sponsor', 'incumbent')),
    ADD COLUMN stance text NOT NULL DEFAULT 'unknown'
        CHECK (stance IN ('champion', 'supporter', 'neutral', 'skeptic', 'opponent', 'unknown')),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_by uuid,
    ADD CONSTRAINT opportunity_project_contacts_updated_by FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    ADD CONSTRAINT opportunity_project_contacts_notes_length CHECK (char_length(notes) <= 2000);

CREATE INDEX opportunity_project_contacts_project ON opportunity_project_contacts (tenant_id, opportunity_project_id);
CREATE TRIGGER opportunity_project_contacts_updated_at BEFORE UPDATE ON opportunity_project_contacts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
