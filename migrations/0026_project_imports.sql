-- Pursuits imported from CSV (issue 16): a third kind of import, and which import created a pursuit.
ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_kind_check,
    ADD CONSTRAINT import_jobs_kind_check CHECK (kind IN ('contacts', 'organizations', 'projects'));
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_kind_check,
    ADD CONSTRAINT import_mappings_kind_check CHECK (kind IN ('contacts', 'organizations', 'projects'));
ALTER TABLE opportunity_projects ADD COLUMN import_id uuid,
    ADD CONSTRAINT opportunity_projects_import FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id);
CREATE INDEX opportunity_projects_import ON opportunity_projects (tenant_id, import_id) WHERE import_id IS NOT NULL;
