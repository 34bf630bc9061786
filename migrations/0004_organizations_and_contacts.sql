-- Organizations (agencies, primes, subs, partners), their people, and who matters on which pursuit.

CREATE TABLE organizations (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id                    uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    name                         varchar(255) NOT NULL CHECK (btrim(name) <> ''),
    duns_number                  varchar(13),
    sam_unique_id                varchar(50),
    cage_code                    varchar(10),
    address_line1                varchar(255),
    address_line2                varchar(255),
    city                         varchar(100),
    state_province               varchar(100),
    postal_code                  varchar(20),
    country                      varchar(100) NOT NULL DEFAULT 'United States',
    phone                        varchar(50),
    email                        varchar(255),
    website                      varchar(500),
    organization_type            text CHECK (organization_type IN ('government_agency', 'prime_contractor', 'subcontractor',
                                                                   'partner', 'competitor')),
    business_size                text CHECK (business_size IN ('small', 'large', '8a', 'hubzone', 'wosb', 'sdvosb', 'other')),
    socioeconomic_certifications jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(socioeconomic_certifications) = 'array'),
    parent_organization_id       uuid,
    is_active                    boolean NOT NULL DEFAULT true,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    created_by                   uuid,
    created_by_system            system_actor,
    updated_by                   uuid,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1),
    CHECK (parent_organization_id IS DISTINCT FROM id)
);
CREATE INDEX organizations_active ON organizations (tenant_id, is_active);
CREATE INDEX organizations_name ON organizations (tenant_id, lower(name));
CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE contacts (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    organization_id       uuid,
    first_name            varchar(100) NOT NULL CHECK (btrim(first_name) <> ''),
    last_name             varchar(100) NOT NULL CHECK (btrim(last_name) <> ''),
    title                 varchar(150),
    email                 varchar(255),
    phone                 varchar(50),
    linkedin_url          varchar(500),
    contact_type          text CHECK (contact_type IN ('government_poc', 'technical_poc', 'contracting_officer',
                                                       'decision_maker', 'influencer', 'partner', 'other')),
    decision_maker_level  integer CHECK (decision_maker_level BETWEEN 1 AND 5),
    security_clearance    text CHECK (security_clearance IN ('none', 'public_trust', 'secret', 'top_secret', 'ts_sci')),
    last_contact_date     date,
    interaction_frequency text CHECK (interaction_frequency IN ('never', 'rare', 'occasional', 'frequent', 'regular')),
    relationship_strength integer CHECK (relationship_strength BETWEEN 1 AND 5),
    notes                 text,
    tags                  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    is_active             boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    created_by            uuid,
    created_by_system     system_actor,
    updated_by            uuid,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1)
);
CREATE INDEX contacts_active ON contacts (tenant_id, is_active);
CREATE INDEX contacts_email ON contacts (tenant_id, lower(email));
CREATE INDEX contacts_organization ON contacts (tenant_id, organization_id);
CREATE TRIGGER contacts_updated_at BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE opportunity_project_contacts (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    opportunity_project_id uuid NOT NULL,
    contact_id             uuid NOT NULL,
    relationship_type      text CHECK (relationship_type IN ('government_poc', 'technical_evaluator', 'decision_maker',
                                                            'contracting_officer', 'influencer', 'teaming_partner')),
    influence_level        integer CHECK (influence_level BETWEEN 1 AND 5),
    notes                  text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    created_by             uuid,
    created_by_system      system_actor,
    UNIQUE NULLS NOT DISTINCT (tenant_id, opportunity_project_id, contact_id, relationship_type),
    FOREIGN KEY (tenant_id, opportunity_project_id) REFERENCES opportunity_projects (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (num_nonnulls(created_by, created_by_system) = 1)
);
CREATE INDEX opportunity_project_contacts_contact ON opportunity_project_contacts (tenant_id, contact_id);
