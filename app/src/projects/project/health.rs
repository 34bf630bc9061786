//! Pursuit health, 0-100, computed when read (a stored score goes stale).
//!
//! Start at 100 and subtract:
//! - **Due date proximity** (pursuits still to respond, phase 0-4): overdue 40; due within 7 days 25;
//!   within 14 days 15.
//! - **Overdue activities** (pending or in progress, past their due date): 10 each, at most 30.
//! - **Stage age**: in the same stage over 120 days 25, over 60 days 15.
//! - **Unacknowledged external changes**: 5 each, at most 20.
//!
//! Decided pursuits (awarded, lost) have no health: nothing is left to steer.

use crate::domain::PipelineStage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthInputs {
    pub stage: PipelineStage,
    pub response_due: Option<DateTime<Utc>>,
    pub stage_entered_at: DateTime<Utc>,
    pub overdue_activities: i64,
    pub unacknowledged_changes: i64,
}

/// The score and the reasons it is below 100, for the project page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub score: i64,
    pub reasons: Vec<String>,
}

pub fn pursuit_health(h: &HealthInputs, now: DateTime<Utc>) -> Option<Health> {
    if h.stage.is_closed() {
        return None;
    }
    let mut score = 100;
    let mut reasons = Vec::new();
    let mut minus = |points: i64, why: String| {
        score -= points;
        reasons.push(format!("−{points}: {why}"));
    };
    let responding = h.stage.awaits_response();
    if let (true, Some(due)) = (responding, h.response_due) {
        let days = (due - now).num_days();
        if due < now {
            minus(40, "the response is overdue".into());
        } else if days < 7 {
            minus(25, format!("the response is due in {days} days"));
        } else if days < 14 {
            minus(15, format!("the response is due in {days} days"));
        }
    }
    if h.overdue_activities > 0 {
        minus(
            (h.overdue_activities * 10).min(30),
            format!("{} overdue", crate::format::count(h.overdue_activities, "activity", "activities")),
        );
    }
    let in_stage = (now - h.stage_entered_at).num_days();
    if in_stage > 120 {
        minus(25, format!("{in_stage} days in {}", h.stage.label()));
    } else if in_stage > 60 {
        minus(15, format!("{in_stage} days in {}", h.stage.label()));
    }
    if h.unacknowledged_changes > 0 {
        minus(
            (h.unacknowledged_changes * 5).min(20),
            format!(
                "{} from the source not yet acknowledged",
                crate::format::count(h.unacknowledged_changes, "change", "changes")
            ),
        );
    }
    Some(Health { score: score.clamp(0, 100), reasons })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn inputs(now: DateTime<Utc>) -> HealthInputs {
        HealthInputs {
            stage: PipelineStage::Phase2,
            response_due: Some(now + Duration::days(60)),
            stage_entered_at: now - Duration::days(10),
            overdue_activities: 0,
            unacknowledged_changes: 0,
        }
    }

    #[test]
    fn a_calm_pursuit_is_healthy() {
        let now = Utc::now();
        assert_eq!(pursuit_health(&inputs(now), now), Some(Health { score: 100, reasons: vec![] }));
    }

    #[test]
    fn each_factor_takes_its_documented_share_and_the_score_stays_in_range() {
        let now = Utc::now();
        let score = |f: &dyn Fn(&mut HealthInputs)| {
            let mut i = inputs(now);
            f(&mut i);
            pursuit_health(&i, now).map(|h| h.score)
        };
        assert_eq!(score(&|i| i.response_due = Some(now - Duration::days(1))), Some(60));
        assert_eq!(score(&|i| i.response_due = Some(now + Duration::days(3))), Some(75));
        assert_eq!(score(&|i| i.response_due = Some(now + Duration::days(10))), Some(85));
        assert_eq!(score(&|i| i.overdue_activities = 2), Some(80));
        assert_eq!(score(&|i| i.overdue_activities = 9), Some(70));
        assert_eq!(score(&|i| i.stage_entered_at = now - Duration::days(90)), Some(85));
        assert_eq!(score(&|i| i.stage_entered_at = now - Duration::days(200)), Some(75));
        assert_eq!(score(&|i| i.unacknowledged_changes = 10), Some(80));
        assert_eq!(
            score(&|i| {
                i.response_due = Some(now - Duration::days(1));
                i.overdue_activities = 5;
                i.stage_entered_at = now - Duration::days(400);
                i.unacknowledged_changes = 9;
            }),
            Some(0)
        );
        // Submitted pursuits are not penalised for their (past) response date; decided ones have no score.
        assert_eq!(
            score(&|i| {
                i.stage = PipelineStage::Phase5;
                i.response_due = Some(now - Duration::days(20));
            }),
            Some(100)
        );
        assert_eq!(score(&|i| i.stage = PipelineStage::Lost), None);
    }
}
