-- Find anything (issue 16, Ctrl-K): any part of a pursuit's name or solicitation number, an inbox
-- opportunity's title or number, or a document's name, found through trigram indexes (contacts and
-- organizations have theirs since 0018; document text has its full-text index since 0014). Read under RLS as
-- every query is.
CREATE INDEX opportunity_projects_name_trgm ON opportunity_projects USING gin (lower(project_name) gin_trgm_ops);
CREATE INDEX opportunity_projects_solicitation_trgm ON opportunity_projects USING gin (lower(solicitation_number) gin_trgm_ops);
CREATE INDEX external_opportunity_data_title_trgm ON external_opportunity_data USING gin (lower(title) gin_trgm_ops)
    WHERE is_current_version AND external_opportunity_id IS NOT NULL;
CREATE INDEX external_opportunity_data_solicitation_trgm ON external_opportunity_data
    USING gin (lower(solicitation_number) gin_trgm_ops) WHERE is_current_version AND external_opportunity_id IS NOT NULL;
CREATE INDEX documents_name_trgm ON documents USING gin (lower(name) gin_trgm_ops) WHERE NOT is_deleted;
