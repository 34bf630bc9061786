-- Documents: categories, files with explicit versions, associations and access logs.

CREATE TABLE document_categories (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    name               varchar(100) NOT NULL CHECK (btrim(name) <> ''),
    description        text,
    parent_category_id uuid,
    is_system_category boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    -- Seed defect 2: a sibling name is unique under its parent, and root names are unique too.
    UNIQUE NULLS NOT DISTINCT (tenant_id, parent_category_id, name),
    FOREIGN KEY (tenant_id, parent_category_id) REFERENCES document_categories (tenant_id, id),
    CHECK (parent_category_id IS DISTINCT FROM id)
);

-- Versions are explicit rows (seed defect 4): version 1 has parent_document_id NULL; every later version
-- points at version 1 (the chain's root) and carries its own storage object, so no content is ever replaced.
CREATE TABLE documents (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id               uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id  uuid,
    name                    varchar(255) NOT NULL CHECK (btrim(name) <> ''),
    original_filename       varchar(255) NOT NULL,
    file_extension          varchar(10),
    mime_type               varchar(100) NOT NULL,
    file_size_bytes         bigint NOT NULL CHECK (file_size_bytes >= 0),
    storage_provider        text NOT NULL DEFAULT 'local' CHECK (storage_provider IN ('s3', 'local')),
    storage_region          varchar(50),
    storage_bucket          varchar(100),
    storage_key             varchar(1000) NOT NULL CHECK (storage_key !~ '(^/|\.\./|\\)'),
    storage_url             varchar(1000),
    file_hash_md5           char(32) CHECK (file_hash_md5 ~ '^[0-9a-f]{32}$'),
    file_hash_sha256        char(64) CHECK (file_hash_sha256 ~ '^[0-9a-f]{64}$'),
    is_encrypted            boolean NOT NULL DEFAULT false,
    encryption_key_id       varchar(100),
    category_id             uuid,
    document_type           text CHECK (document_type IN ('solicitation', 'amendment', 'qna_response', 'proposal',
                                                         'capture_plan', 'presentation', 'contract', 'correspondence',
                                                         'pricing', 'past_performance', 'other')),
    document_source         text NOT NULL DEFAULT 'internal' CHECK (document_source IN ('internal', 'external_sync')),
    external_document_id    varchar(255),
    external_sync_timestamp timestamptz,
    is_synced_from_external boolean NOT NULL DEFAULT false,
    version_number          integer NOT NULL DEFAULT 1 CHECK (version_number > 0),
    is_current_version      boolean NOT NULL DEFAULT true,
    parent_document_id      uuid,
    access_level            text NOT NULL DEFAULT 'project_team'
                            CHECK (access_level IN ('public', 'project_team', 'restricted', 'confidential')),
    is_searchable           boolean NOT NULL DEFAULT true,
    extracted_text          text,
    content_preview         varchar(500),
    page_count              integer CHECK (page_count >= 0),
    tags                    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    custom_metadata         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_metadata) = 'object'),
    processing_status       text NOT NULL DEFAULT 'pending' CHECK (processing_status IN ('pending', 'processing', 'ready', 'error')),
    processing_error        text,
    is_deleted              boolean NOT NULL DEFAULT false,
    deleted_at              timestamptz,
    deleted_by              uuid,
    uploaded_by             uuid,
    uploaded_by_system      system_actor,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    -- Name weighs more than body text in ranking.
    search_vector           tsvector GENERATED ALWAYS AS (
                                setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
                                setweight(to_tsvector('english', coalesce(extracted_text, '')), 'B')) STORED,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, storage_key),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, category_id) REFERENCES document_categories (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_document_id) REFERENCES documents (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, deleted_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(uploaded_by, uploaded_by_system) = 1),
    CHECK ((parent_document_id IS NULL) = (version_number = 1)),
    CHECK (is_deleted = (deleted_at IS NOT NULL))
);
-- One current version per chain, and version numbers unique within a chain.
CREATE UNIQUE INDEX documents_one_current_version
    ON documents (tenant_id, coalesce(parent_document_id, id)) WHERE is_current_version;
CREATE UNIQUE INDEX documents_version_number ON documents (tenant_id, coalesce(parent_document_id, id), version_number);
CREATE INDEX documents_project ON documents (tenant_id, opportunity_project_id, is_current_version) WHERE NOT is_deleted;
CREATE INDEX documents_type ON documents (tenant_id, document_type, created_at DESC);
CREATE INDEX documents_processing ON documents (processing_status, created_at) WHERE processing_status IN ('pending', 'processing');
CREATE INDEX documents_search ON documents USING gin (search_vector) WHERE is_searchable AND NOT is_deleted;
CREATE TRIGGER documents_updated_at BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE document_associations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    document_id      uuid NOT NULL,
    entity_type      text NOT NULL CHECK (entity_type IN ('opportunity_project', 'contact', 'activity', 'proposal', 'capture_plan')),
    entity_id        uuid NOT NULL,
    association_type text CHECK (association_type IN ('primary', 'supporting', 'reference', 'attachment')),
    notes            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       uuid NOT NULL,
    UNIQUE NULLS NOT DISTINCT (tenant_id, document_id, entity_type, entity_id, association_type),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX document_associations_entity ON document_associations (tenant_id, entity_type, entity_id);

-- Every view, download and refusal. Append-only for the app role.
CREATE TABLE document_access_logs (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    document_id    uuid NOT NULL,
    user_id        uuid NOT NULL,
    access_type    text NOT NULL CHECK (access_type IN ('view', 'download', 'share', 'modify', 'delete', 'restore')),
    ip_address     inet,
    user_agent     text,
    success        boolean NOT NULL DEFAULT true,
    failure_reason text,
    request_id     varchar(100),
    accessed_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX document_access_logs_document ON document_access_logs (tenant_id, document_id, accessed_at DESC);
CREATE INDEX document_access_logs_user ON document_access_logs (tenant_id, user_id, accessed_at DESC);
