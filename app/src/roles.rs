//! The system roles every tenant starts with, and the permissions each grants.
//! Admins may add custom roles; these five are created with every tenant and cannot be edited.

use crate::{auth::Permission, closed_set};

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
            Self::CaptureManager => {
                "Owns pursuits: creates and moves projects, overrides synced data, manages contacts."
            }
            Self::ProposalManager => "Runs proposals and their documents; updates projects in proposal phases.",
            Self::Contributor => "Works on assigned pursuits: activities, documents and notes.",
            Self::Viewer => "Reads pipeline, projects and documents; changes nothing.",
        }
    }

    /// The permissions the role grants.
    pub fn permissions(self) -> Vec<Permission> {
        use Permission::*;
        const READ: &[Permission] = &[DashboardRead, ProjectsRead, DocumentsRead, ContactsRead, ActivitiesRead];
        let extra: &[Permission] = match self {
            Self::TenantAdmin => return Permission::ALL.to_vec(),
            Self::CaptureManager => &[
                ProjectsCreate,
                ProjectsUpdate,
                ProjectsMove,
                ProjectsArchive,
                ProjectsOverride,
                DocumentsUpload,
                ContactsWrite,
                ActivitiesWrite,
                CapturePlansWrite,
            ],
            Self::ProposalManager => &[ProjectsUpdate, ProjectsMove, DocumentsUpload, ActivitiesWrite, ProposalsWrite],
            Self::Contributor => &[DocumentsUpload, ActivitiesWrite],
            Self::Viewer => &[],
        };
        READ.iter().chain(extra).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_administer_and_viewers_only_read() {
        for role in SystemRole::ALL {
            let admin = role.permissions().iter().any(|p| p.is_admin());
            assert_eq!(admin, *role == SystemRole::TenantAdmin, "{role}");
        }
        assert!(SystemRole::Viewer.permissions().iter().all(|p| p.as_str().ends_with(".read")));
    }

    #[test]
    fn every_role_can_read_projects() {
        assert!(SystemRole::ALL.iter().all(|r| r.permissions().contains(&Permission::ProjectsRead)));
    }
}
