//! The documented catalogue of permissions. Roles (system or custom) are sets of these; every server
//! function names the one it needs when it calls `authorize`.

use crate::closed_set;

closed_set! {
    /// One thing a person may do. Stored in roles.permissions as its dotted name.
    pub enum Permission: "permission" {
        DashboardRead = "dashboard.read",
        ProjectsRead = "projects.read",
        ProjectsCreate = "projects.create",
        ProjectsUpdate = "projects.update",
        ProjectsMove = "projects.move",
        ProjectsArchive = "projects.archive",
        ProjectsOverride = "projects.override",
        DocumentsRead = "documents.read",
        DocumentsUpload = "documents.upload",
        DocumentsDelete = "documents.delete",
        ContactsRead = "contacts.read",
        ContactsWrite = "contacts.write",
        ActivitiesRead = "activities.read",
        ActivitiesWrite = "activities.write",
        CapturePlansWrite = "capture_plans.write",
        ProposalsWrite = "proposals.write",
        AdminUsers = "admin.users",
        AdminRoles = "admin.roles",
        AdminSso = "admin.sso",
        AdminSecurity = "admin.security",
        AdminSources = "admin.sources",
        AdminAudit = "admin.audit",
    }
}

impl Permission {
    /// What granting it allows, in words an admin reads on the roles page.
    pub const fn description(self) -> &'static str {
        match self {
            Self::DashboardRead => "See the dashboard",
            Self::ProjectsRead => "See projects and the pipeline",
            Self::ProjectsCreate => "Create projects",
            Self::ProjectsUpdate => "Edit project fields, team and scores",
            Self::ProjectsMove => "Move projects between pipeline stages",
            Self::ProjectsArchive => "Archive and restore projects",
            Self::ProjectsOverride => "Override values synced from external sources",
            Self::DocumentsRead => "See and download documents",
            Self::DocumentsUpload => "Upload documents and new versions",
            Self::DocumentsDelete => "Delete and restore documents",
            Self::ContactsRead => "See contacts and organizations",
            Self::ContactsWrite => "Create and edit contacts and organizations",
            Self::ActivitiesRead => "See activities",
            Self::ActivitiesWrite => "Log and edit activities",
            Self::CapturePlansWrite => "Write capture plans",
            Self::ProposalsWrite => "Manage proposals",
            Self::AdminUsers => "Manage users, their roles and sessions",
            Self::AdminRoles => "Create and edit roles",
            Self::AdminSso => "Configure SAML single sign-on",
            Self::AdminSecurity => "Set the security policy (MFA)",
            Self::AdminSources => "Configure external data sources",
            Self::AdminAudit => "Read the audit trail",
        }
    }

    /// The area it belongs to (the part before the dot), for grouping on screen.
    pub fn area(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }

    /// A role's stored permission names as permissions: names not in the catalogue grant nothing.
    pub fn from_stored(names: &[String]) -> Vec<Permission> {
        names.iter().filter_map(|p| p.parse().ok()).collect()
    }

    /// Administrative permissions: holding any makes a user an "admin" for the MFA policy.
    pub fn is_admin(self) -> bool {
        self.area() == "admin"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_area_dot_action_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            let (area, action) = p.as_str().split_once('.').expect("area.action");
            assert!(!area.is_empty() && !action.is_empty(), "{p}");
            assert!(seen.insert(p.as_str()), "{p} twice");
            assert!(!p.description().is_empty());
        }
    }

    #[test]
    fn parses_stored_names() {
        assert_eq!("admin.users".parse::<Permission>(), Ok(Permission::AdminUsers));
        assert!("admin.everything".parse::<Permission>().is_err());
    }
}
