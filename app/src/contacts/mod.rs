//! Organizations and contacts (issue 16): who is who around each pursuit. Agencies with their hierarchy
//! (department → sub-tier → office), companies with their UEI and CAGE code, the people at each, found by
//! search and filters, created and edited with every problem named. Permissions `contacts.read` /
//! `contacts.write`; every write is audited with its field-level history.
//!
//! `input` checks what people type; `organizations` and `people` are the server functions; `queries` (server
//! only) their SQL; the pages are in `*_page` modules.

#[cfg(feature = "ssr")]
pub mod export;
mod form;
pub mod from_sync;
pub mod influence_map;
pub mod input;
pub mod merge;
mod merge_section;
mod organization_page;
pub mod organizations;
pub mod people;
mod person_page;
pub mod pursuit;
mod pursuit_page;
#[cfg(feature = "ssr")]
pub mod queries;
mod synced_section;
mod team_section;
pub mod teaming;

pub use input::{ContactInput, OrganizationInput};
pub use organization_page::{EditOrganizationPage, NewOrganizationPage, OrganizationPage, OrganizationsPage};
pub use person_page::{ContactPage, ContactsPage, EditContactPage, NewContactPage};
pub use pursuit_page::PursuitContactsPage;

use crate::closed_set;

closed_set! {
    /// What an organization is to us (organizations.organization_type).
    pub enum OrganizationType: "organization type" {
        GovernmentAgency = "government_agency",
        PrimeContractor = "prime_contractor",
        Subcontractor = "subcontractor",
        Partner = "partner",
        Competitor = "competitor",
    }
}

impl OrganizationType {
    pub fn label(self) -> &'static str {
        match self {
            Self::GovernmentAgency => "Government agency",
            Self::PrimeContractor => "Prime contractor",
            Self::Subcontractor => "Subcontractor",
            Self::Partner => "Partner",
            Self::Competitor => "Competitor",
        }
    }
}

closed_set! {
    /// A company's size standard or program (organizations.business_size).
    pub enum BusinessSize: "business size" {
        Small = "small",
        Large = "large",
        EightA = "8a",
        Hubzone = "hubzone",
        Wosb = "wosb",
        Sdvosb = "sdvosb",
        Other = "other",
    }
}

impl BusinessSize {
    pub fn label(self) -> &'static str {
        match self {
            Self::Small => "Small business",
            Self::Large => "Large business",
            Self::EightA => "8(a)",
            Self::Hubzone => "HUBZone",
            Self::Wosb => "Women-owned small business",
            Self::Sdvosb => "Service-disabled veteran-owned",
            Self::Other => "Other",
        }
    }
}

closed_set! {
    /// SBA socioeconomic certifications a company holds (organizations.socioeconomic_certifications, a JSON
    /// list of these spellings).
    pub enum Certification: "socioeconomic certification" {
        EightA = "8a",
        Hubzone = "hubzone",
        Wosb = "wosb",
        Edwosb = "edwosb",
        Vosb = "vosb",
        Sdvosb = "sdvosb",
        Sdb = "sdb",
    }
}

impl Certification {
    pub fn label(self) -> &'static str {
        match self {
            Self::EightA => "8(a)",
            Self::Hubzone => "HUBZone",
            Self::Wosb => "WOSB",
            Self::Edwosb => "EDWOSB",
            Self::Vosb => "VOSB",
            Self::Sdvosb => "SDVOSB",
            Self::Sdb => "SDB",
        }
    }
}

closed_set! {
    /// A person's part in buying (contacts.contact_type).
    pub enum ContactType: "contact type" {
        GovernmentPoc = "government_poc",
        TechnicalPoc = "technical_poc",
        ContractingOfficer = "contracting_officer",
        DecisionMaker = "decision_maker",
        Influencer = "influencer",
        Partner = "partner",
        Other = "other",
    }
}

impl ContactType {
    pub fn label(self) -> &'static str {
        match self {
            Self::GovernmentPoc => "Government point of contact",
            Self::TechnicalPoc => "Technical point of contact",
            Self::ContractingOfficer => "Contracting officer",
            Self::DecisionMaker => "Decision maker",
            Self::Influencer => "Influencer",
            Self::Partner => "Partner",
            Self::Other => "Other",
        }
    }
}

closed_set! {
    /// The clearance a person holds (contacts.security_clearance).
    pub enum Clearance: "security clearance" {
        None = "none",
        PublicTrust = "public_trust",
        Secret = "secret",
        TopSecret = "top_secret",
        TsSci = "ts_sci",
    }
}

impl Clearance {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::PublicTrust => "Public trust",
            Self::Secret => "Secret",
            Self::TopSecret => "Top secret",
            Self::TsSci => "TS/SCI",
        }
    }
}

closed_set! {
    /// How often we are in touch (contacts.interaction_frequency).
    pub enum InteractionFrequency: "interaction frequency" {
        Never = "never",
        Rare = "rare",
        Occasional = "occasional",
        Frequent = "frequent",
        Regular = "regular",
    }
}

impl InteractionFrequency {
    pub fn label(self) -> &'static str {
        match self {
            Self::Never => "Never",
            Self::Rare => "Rarely",
            Self::Occasional => "Occasionally",
            Self::Frequent => "Frequently",
            Self::Regular => "Regularly",
        }
    }
}

closed_set! {
    /// Who a person is to one pursuit (opportunity_project_contacts.relationship_type).
    pub enum RelationshipType: "relationship type" {
        ContractingOfficer = "contracting_officer",
        ContractSpecialist = "contract_specialist",
        ProgramManager = "program_manager",
        DecisionMaker = "decision_maker",
        TechnicalEvaluator = "technical_evaluator",
        EndUser = "end_user",
        ExecutiveSponsor = "executive_sponsor",
        Influencer = "influencer",
        GovernmentPoc = "government_poc",
        TeamingPartner = "teaming_partner",
        Incumbent = "incumbent",
    }
}

impl RelationshipType {
    pub fn label(self) -> &'static str {
        match self {
            Self::ContractingOfficer => "Contracting officer",
            Self::ContractSpecialist => "Contract specialist",
            Self::ProgramManager => "Program manager",
            Self::DecisionMaker => "Decision maker",
            Self::TechnicalEvaluator => "Technical evaluator",
            Self::EndUser => "End user",
            Self::ExecutiveSponsor => "Executive sponsor",
            Self::Influencer => "Influencer",
            Self::GovernmentPoc => "Government point of contact",
            Self::TeamingPartner => "Teaming partner",
            Self::Incumbent => "Incumbent's contact",
        }
    }
}

closed_set! {
    /// Where a person stands toward our bid (opportunity_project_contacts.stance).
    pub enum Stance: "stance" {
        Champion = "champion",
        Supporter = "supporter",
        Neutral = "neutral",
        Skeptic = "skeptic",
        Opponent = "opponent",
        Unknown = "unknown",
    }
}

impl Stance {
    pub fn label(self) -> &'static str {
        match self {
            Self::Champion => "Champion",
            Self::Supporter => "Supporter",
            Self::Neutral => "Neutral",
            Self::Skeptic => "Skeptic",
            Self::Opponent => "Opponent",
            Self::Unknown => "Unknown",
        }
    }

    /// The badge's colour class.
    pub fn badge(self) -> &'static str {
        match self {
            Self::Champion | Self::Supporter => "badge badge--ok",
            Self::Skeptic | Self::Opponent => "badge badge--danger",
            Self::Neutral | Self::Unknown => "badge badge--muted",
        }
    }
}

/// What a 1–5 relationship strength means, for people and for screen readers.
pub fn strength_label(strength: i32) -> &'static str {
    match strength {
        1 => "1 — cold",
        2 => "2 — acquainted",
        3 => "3 — working relationship",
        4 => "4 — trusted",
        5 => "5 — champion-level",
        _ => "not rated",
    }
}
