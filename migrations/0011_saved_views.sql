-- Named views a person saves: a page and its filter query, e.g. the pipeline filtered to "my critical
-- pursuits due within 30 days". Private to their owner.
CREATE TABLE saved_views (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    user_id    uuid NOT NULL,
    view_kind  text NOT NULL CHECK (view_kind IN ('pipeline')),
    name       varchar(100) NOT NULL CHECK (btrim(name) <> ''),
    query      varchar(2000) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, user_id, view_kind, name),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
SELECT apply_tenant_isolation('saved_views'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON saved_views TO gwm_app;
