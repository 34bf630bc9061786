-- Pursuit activities and their participants; capture plans and proposals (from the Prisma schema).

CREATE TABLE activities (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    entity_type                  text NOT NULL CHECK (entity_type IN ('opportunity_project', 'contact', 'organization')),
    entity_id                    uuid NOT NULL,
    activity_type                text NOT NULL CHECK (activity_type IN ('meeting', 'call', 'email', 'milestone', 'task',
                                                                         'shipley_step', 'note')),
    subject                      varchar(255) NOT NULL CHECK (btrim(subject) <> ''),
    description                  text,
    activity_date                timestamptz,
    due_date                     timestamptz,
    completed_date               timestamptz,
    assigned_to                  uuid,
    -- "Overdue" is derived from due_date and status at read time, never stored: a stored flag goes stale.
    status                       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'completed', 'cancelled')),
    priority                     text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    completion_percentage        integer NOT NULL DEFAULT 0 CHECK (completion_percentage BETWEEN 0 AND 100),
    triggered_by_external_change boolean NOT NULL DEFAULT false,
    external_change_reference    uuid,
    tags                         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    custom_fields                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    is_deleted                   boolean NOT NULL DEFAULT false,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    created_by                   uuid,
    created_by_system            system_actor,
    updated_by                   uuid,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_to) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK ((status = 'completed') = (completed_date IS NOT NULL))
);
CREATE INDEX activities_entity ON activities (tenant_id, entity_type, entity_id, activity_date DESC) WHERE NOT is_deleted;
CREATE INDEX activities_assigned ON activities (tenant_id, assigned_to, status, due_date) WHERE NOT is_deleted;
CREATE INDEX activities_open_due ON activities (tenant_id, due_date) WHERE status IN ('pending', 'in_progress') AND NOT is_deleted;
CREATE TRIGGER activities_updated_at BEFORE UPDATE ON activities FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE activity_participants (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    activity_id      uuid NOT NULL,
    -- Exactly one of user_id / contact_id, each with a real foreign key (the seed's polymorphic id had none).
    participant_type text NOT NULL CHECK (participant_type IN ('user', 'contact')),
    user_id          uuid,
    contact_id       uuid,
    role             text CHECK (role IN ('organizer', 'required', 'optional', 'observer')),
    response_status  text CHECK (response_status IN ('pending', 'accepted', 'declined', 'tentative')),
    added_at         timestamptz NOT NULL DEFAULT now(),
    added_by         uuid,
    added_by_system  system_actor,
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, added_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(added_by, added_by_system) = 1),
    CHECK ((participant_type = 'user' AND user_id IS NOT NULL AND contact_id IS NULL)
        OR (participant_type = 'contact' AND contact_id IS NOT NULL AND user_id IS NULL))
);
CREATE UNIQUE INDEX activity_participants_unique
    ON activity_participants (tenant_id, activity_id, coalesce(user_id, contact_id));

CREATE TABLE capture_plans (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id       uuid NOT NULL,
    plan_name                    varchar(255) NOT NULL CHECK (btrim(plan_name) <> ''),
    status                       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'approved', 'superseded')),
    go_no_go_decision            text CHECK (go_no_go_decision IN ('go', 'no_go', 'pending')),
    decision_date                date,
    decision_rationale           text,
    win_strategy                 text,
    competitive_analysis         text,
    external_data_considerations text,
    resource_requirements        text,
    timeline                     text,
    external_deadlines           text,
    last_external_sync           timestamptz,
    external_data_impact_notes   text,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    created_by                   uuid,
    created_by_system            system_actor,
    updated_by                   uuid,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK (go_no_go_decision IS NULL OR go_no_go_decision = 'pending' OR decision_date IS NOT NULL)
);
CREATE INDEX capture_plans_project ON capture_plans (tenant_id, opportunity_project_id, status);
CREATE TRIGGER capture_plans_updated_at BEFORE UPDATE ON capture_plans FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE proposals (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id uuid NOT NULL,
    proposal_title         varchar(255) NOT NULL CHECK (btrim(proposal_title) <> ''),
    status                 text NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'pink_team', 'red_team', 'gold_team', 'final', 'submitted',
                                             'withdrawn')),
    proposal_manager       uuid NOT NULL,
    team_members           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(team_members) = 'array'),
    submission_date        timestamptz,
    final_submittal_date   timestamptz,
    compliance_matrix      jsonb,
    review_stages          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(review_stages) = 'array'),
    external_deadline_sync timestamptz,
    amendment_impact_log   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(amendment_impact_log) = 'array'),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    created_by             uuid,
    created_by_system      system_actor,
    updated_by             uuid,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (tenant_id, proposal_manager) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK (status <> 'submitted' OR submission_date IS NOT NULL)
);
CREATE INDEX proposals_project ON proposals (tenant_id, opportunity_project_id, status);
CREATE TRIGGER proposals_updated_at BEFORE UPDATE ON proposals FOR EACH ROW EXECUTE FUNCTION set_updated_at();
