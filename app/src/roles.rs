//! The system roles every tenant starts with, and the permissions each grants.
//! (Custom roles and project-scoped assignments arrive with the identity work.)

use crate::closed_set;

closed_set! {
    /// Built-in roles, created for every tenant.
    pub enum SystemRole: "system role" {
        TenantAdmin = "tenant_admin",
        CaptureManager = "capture_manager",
        ProposalManager = "proposal_manager",
        Contributor = "contributor",
        Viewer = "viewer",
    }
}

impl SystemRole {
    /// The role's display name, as stored in roles.name.
    pub const fn label(self) -> &'static str {
        match self {
            Self::TenantAdmin => "Tenant admin",
            Self::CaptureManager => "Capture manager",
            Self::ProposalManager => "Proposal manager",
            Self::Contributor => "Contributor",
            Self::Viewer => "Viewer",
        }
    }

    pub const fn description(self) -> &'static str {
        match self {
            Self::TenantAdmin => "Runs the tenant: users, roles, SSO, data sources and audit, plus all capture work.",
            Self::CaptureManager => "Owns pursuits: creates and moves projects, overrides synced data, manages contacts.",
            Self::ProposalManager => "Runs proposals and their documents; updates projects in proposal phases.",
            Self::Contributor => "Works on assigned pursuits: activities, documents and notes.",
            Self::Viewer => "Reads pipeline, projects and documents; changes nothing.",
        }
    }

    /// Permission strings granted by the role.
    pub fn permissions(self) -> &'static [&'static str] {
        const READ: &[&str] = &["projects.read", "documents.read", "contacts.read", "activities.read", "dashboard.read"];
        match self {
            Self::TenantAdmin => &[
                "admin.all", "admin.users", "admin.roles", "admin.sso", "admin.sources", "admin.audit",
                "projects.read", "projects.create", "projects.update", "projects.move", "projects.archive",
                "projects.override", "documents.read", "documents.upload", "documents.delete",
                "contacts.read", "contacts.write", "activities.read", "activities.write", "dashboard.read",
                "capture_plans.write", "proposals.write",
            ],
            Self::CaptureManager => &[
                "projects.read", "projects.create", "projects.update", "projects.move", "projects.archive",
                "projects.override", "documents.read", "documents.upload", "contacts.read", "contacts.write",
                "activities.read", "activities.write", "dashboard.read", "capture_plans.write",
            ],
            Self::ProposalManager => &[
                "projects.read", "projects.update", "projects.move", "documents.read", "documents.upload",
                "contacts.read", "activities.read", "activities.write", "dashboard.read", "proposals.write",
            ],
            Self::Contributor => &[
                "projects.read", "documents.read", "documents.upload", "contacts.read", "activities.read",
                "activities.write", "dashboard.read",
            ],
            Self::Viewer => READ,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_administer_and_viewers_only_read() {
        for role in SystemRole::ALL {
            let admin = role.permissions().iter().any(|p| p.starts_with("admin."));
            assert_eq!(admin, *role == SystemRole::TenantAdmin, "{role}");
        }
        assert!(SystemRole::Viewer.permissions().iter().all(|p| p.ends_with(".read")));
    }

    #[test]
    fn every_role_can_read_projects() {
        assert!(SystemRole::ALL.iter().all(|r| r.permissions().contains(&"projects.read")));
    }
}
