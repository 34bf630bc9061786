//! The closed sets of the capture domain. Each mirrors a CHECK constraint in migrations/; a database test
//! (tests/integration/schema.rs) proves the two agree.

use crate::closed_set;

closed_set! {
    /// Where a pursuit stands in the Shipley business-development lifecycle, then its outcome.
    pub enum PipelineStage: "pipeline stage" {
        Phase0 = "phase_0",
        Phase1 = "phase_1",
        Phase2 = "phase_2",
        Phase3 = "phase_3",
        Phase4 = "phase_4",
        Phase5 = "phase_5",
        Phase6 = "phase_6",
        Awarded = "awarded",
        Lost = "lost",
    }
}

impl PipelineStage {
    /// The name capture managers use for the stage.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Phase0 => "Long-term positioning",
            Self::Phase1 => "Opportunity assessment",
            Self::Phase2 => "Capture planning",
            Self::Phase3 => "Proposal planning",
            Self::Phase4 => "Proposal development",
            Self::Phase5 => "Post-submittal",
            Self::Phase6 => "Award / contract",
            Self::Awarded => "Awarded",
            Self::Lost => "Lost",
        }
    }

    /// "Phase 3", or the outcome for closed pursuits.
    pub const fn short_label(self) -> &'static str {
        match self {
            Self::Phase0 => "Phase 0",
            Self::Phase1 => "Phase 1",
            Self::Phase2 => "Phase 2",
            Self::Phase3 => "Phase 3",
            Self::Phase4 => "Phase 4",
            Self::Phase5 => "Phase 5",
            Self::Phase6 => "Phase 6",
            Self::Awarded => "Won",
            Self::Lost => "Lost",
        }
    }

    /// How a stage is named in a sentence or a chart: "Phase 3 · Proposal planning"; a decided one by its
    /// outcome alone ("Won", "Lost").
    pub fn full_label(self) -> String {
        if self.is_closed() {
            self.short_label().to_string()
        } else {
            format!("{} \u{b7} {}", self.short_label(), self.label())
        }
    }

    /// Where a pursuit usually goes from here: the next phase (Phase 6 → Awarded); closed pursuits stay.
    pub fn next(self) -> PipelineStage {
        match self {
            Self::Phase6 | Self::Awarded => Self::Awarded,
            Self::Lost => Self::Lost,
            _ => Self::ALL.iter().skip_while(|s| **s != self).nth(1).copied().unwrap_or(self),
        }
    }

    /// One stage back (a keyboard move to the left): a decided pursuit reopens in Phase 6; Phase 0 stays.
    pub fn previous(self) -> PipelineStage {
        match self {
            Self::Awarded | Self::Lost => Self::Phase6,
            _ => Self::ALL.iter().rev().skip_while(|s| **s != self).nth(1).copied().unwrap_or(self),
        }
    }

    /// Awarded and lost pursuits are closed: they no longer move through the phases.
    pub const fn is_closed(self) -> bool {
        matches!(self, Self::Awarded | Self::Lost)
    }

    /// Phases 0–4: the response is still being written, so its due date is a deadline. From post-submittal
    /// on it is history, not an alarm.
    pub const fn awaits_response(self) -> bool {
        matches!(self, Self::Phase0 | Self::Phase1 | Self::Phase2 | Self::Phase3 | Self::Phase4)
    }
}

closed_set! {
    /// The administrative state of a project, independent of its stage.
    pub enum ProjectStatus: "project status" {
        Active = "active",
        OnHold = "on_hold",
        Cancelled = "cancelled",
        Completed = "completed",
        Archived = "archived",
    }
}

impl ProjectStatus {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::OnHold => "On hold",
            Self::Cancelled => "Cancelled",
            Self::Completed => "Completed",
            Self::Archived => "Archived",
        }
    }
}

closed_set! {
    /// Priority of a project or an activity.
    pub enum Priority: "priority" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

impl Priority {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

closed_set! {
    /// How much an external change or a field change matters.
    pub enum ImpactLevel: "impact level" {
        Critical = "critical",
        Important = "important",
        Informational = "informational",
    }
}

impl ImpactLevel {
    pub const fn label(self) -> &'static str {
        match self {
            ImpactLevel::Critical => "Critical",
            ImpactLevel::Important => "Important",
            ImpactLevel::Informational => "Informational",
        }
    }

    /// The badge a change of this impact wears.
    pub const fn badge(self) -> &'static str {
        match self {
            ImpactLevel::Critical => "badge badge--critical",
            ImpactLevel::Important => "badge badge--high",
            ImpactLevel::Informational => "badge badge--low",
        }
    }
}

closed_set! {
    /// State of a project's synchronization with its external source.
    pub enum SyncStatus: "sync status" {
        Pending = "pending",
        Syncing = "syncing",
        Synced = "synced",
        Error = "error",
    }
}

closed_set! {
    /// Who may see a document within the tenant.
    pub enum AccessLevel: "access level" {
        Public = "public",
        ProjectTeam = "project_team",
        Restricted = "restricted",
        Confidential = "confidential",
    }
}

closed_set! {
    /// Life cycle of an activity. "Overdue" is not a status: it is derived from the due date.
    pub enum ActivityStatus: "activity status" {
        Pending = "pending",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

closed_set! {
    /// Kind of a pursuit activity.
    pub enum ActivityType: "activity type" {
        Meeting = "meeting",
        Call = "call",
        Email = "email",
        Milestone = "milestone",
        Task = "task",
        ShipleyStep = "shipley_step",
        Note = "note",
    }
}

impl ActivityStatus {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "To do",
            Self::InProgress => "In progress",
            Self::Completed => "Done",
            Self::Cancelled => "Cancelled",
        }
    }
}

impl ActivityType {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Meeting => "Meeting",
            Self::Call => "Call",
            Self::Email => "E-mail",
            Self::Milestone => "Milestone",
            Self::Task => "Task",
            Self::ShipleyStep => "Shipley step",
            Self::Note => "Note",
        }
    }
}

closed_set! {
    /// A tenant's subscription plan.
    pub enum PlanType: "plan type" {
        Starter = "starter",
        Professional = "professional",
        Enterprise = "enterprise",
    }
}

closed_set! {
    /// A tenant's subscription state.
    pub enum SubscriptionStatus: "subscription status" {
        Trial = "trial",
        Active = "active",
        Suspended = "suspended",
        Cancelled = "cancelled",
    }
}

impl SubscriptionStatus {
    /// Whether the tenant is served: trials and paying tenants are; suspended and cancelled ones are not.
    pub const fn is_served(self) -> bool {
        matches!(self, SubscriptionStatus::Trial | SubscriptionStatus::Active)
    }
}

closed_set! {
    /// Automated work that acts without a user (the database enum `system_actor`).
    pub enum SystemActor: "system actor" {
        ExternalSync = "external_sync",
        Archiver = "archiver",
        DemoSeed = "demo_seed",
        PlatformAdmin = "platform_admin",
        Workflow = "workflow",
        /// Ends idle and expired sessions (auth_housekeeping).
        SessionMonitor = "session_monitor",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_from_their_stored_spelling_in_any_case() {
        assert_eq!("phase_3".parse::<PipelineStage>(), Ok(PipelineStage::Phase3));
        assert_eq!(" AWARDED ".parse::<PipelineStage>(), Ok(PipelineStage::Awarded));
    }

    #[test]
    fn the_next_stage_follows_the_phases_and_closed_pursuits_stay() {
        assert_eq!(PipelineStage::Phase0.next(), PipelineStage::Phase1);
        assert_eq!(PipelineStage::Phase5.next(), PipelineStage::Phase6);
        assert_eq!(PipelineStage::Phase6.next(), PipelineStage::Awarded);
        assert_eq!(PipelineStage::Lost.next(), PipelineStage::Lost);
        assert_eq!(PipelineStage::Phase3.previous(), PipelineStage::Phase2);
        assert_eq!(PipelineStage::Phase0.previous(), PipelineStage::Phase0);
        assert_eq!(PipelineStage::Lost.previous(), PipelineStage::Phase6);
        assert_eq!(PipelineStage::Awarded.previous(), PipelineStage::Phase6);
        assert_eq!(PipelineStage::Phase3.full_label(), "Phase 3 \u{b7} Proposal planning");
        assert_eq!(
            (PipelineStage::Awarded.full_label(), PipelineStage::Lost.full_label()),
            ("Won".into(), "Lost".into())
        );
    }

    #[test]
    fn unknown_stage_says_what_is_accepted() {
        let err = "phase_7".parse::<PipelineStage>().expect_err("must be refused");
        assert_eq!(
            err.to_string(),
            "\"phase_7\" is not a valid pipeline stage; expected one of: phase_0, phase_1, phase_2, phase_3, \
             phase_4, phase_5, phase_6, awarded, lost"
        );
    }

    #[test]
    fn every_variant_round_trips_through_text_and_json() {
        for stage in PipelineStage::ALL {
            assert_eq!(stage.as_str().parse::<PipelineStage>(), Ok(*stage));
            let json = serde_json::to_string(stage).expect("json");
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            assert_eq!(serde_json::from_str::<PipelineStage>(&json).expect("back"), *stage);
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(*p));
        }
        for s in ProjectStatus::ALL {
            assert_eq!(s.as_str().parse::<ProjectStatus>(), Ok(*s));
        }
    }

    #[test]
    fn stages_are_ordered_through_the_lifecycle() {
        assert!(PipelineStage::Phase0 < PipelineStage::Phase6);
        assert_eq!(PipelineStage::ALL.len(), 9);
        assert!(
            PipelineStage::ALL
                .iter()
                .filter(|s| s.is_closed())
                .eq([PipelineStage::Awarded, PipelineStage::Lost].iter())
        );
        assert_eq!(
            PipelineStage::ALL.iter().filter(|s| s.awaits_response()).count(),
            5,
            "phases 0 to 4 write the response"
        );
        assert!(!PipelineStage::Phase5.awaits_response() && !PipelineStage::Awarded.awaits_response());
    }

    #[test]
    fn shipley_names_follow_the_phases() {
        assert_eq!(PipelineStage::Phase0.label(), "Long-term positioning");
        assert_eq!(PipelineStage::Phase2.label(), "Capture planning");
        assert_eq!(PipelineStage::Phase4.label(), "Proposal development");
    }

    #[test]
    fn json_rejects_unknown_values() {
        assert!(serde_json::from_str::<Priority>("\"urgent\"").is_err());
    }
}
