//! One opportunity as a source describes it, in the product's own vocabulary whatever the source, and what
//! changed between two of them: which fields, what kind of change, how much it matters. The impact rules
//! live here and nowhere else (`assess`).

use crate::{closed_set, domain::ImpactLevel};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

closed_set! {
    /// A synced field, as versions are compared and changes name them.
    pub enum SyncField: "synced field" {
        NoticeId = "notice_id",
        SolicitationNumber = "solicitation_number",
        Title = "title",
        Agency = "agency",
        Office = "office",
        NoticeType = "notice_type",
        Status = "status",
        PostedAt = "posted_at",
        ResponseDeadline = "response_deadline",
        ArchiveDate = "archive_date",
        Active = "active",
        SetAside = "set_aside",
        Naics = "naics",
        ClassificationCode = "classification_code",
        EstimatedValueMin = "estimated_value_min",
        EstimatedValueMax = "estimated_value_max",
        Award = "award",
        PlaceOfPerformance = "place_of_performance",
        PointsOfContact = "points_of_contact",
        Attachments = "attachments",
        Description = "description",
        Link = "link",
        /// Anything else the source's record carries.
        Other = "other",
    }
}

impl SyncField {
    /// What a person reads.
    pub const fn label(self) -> &'static str {
        match self {
            SyncField::NoticeId => "Notice ID",
            SyncField::SolicitationNumber => "Solicitation number",
            SyncField::Title => "Title",
            SyncField::Agency => "Agency",
            SyncField::Office => "Office",
            SyncField::NoticeType => "Notice type",
            SyncField::Status => "Status",
            SyncField::PostedAt => "Posted",
            SyncField::ResponseDeadline => "Response deadline",
            SyncField::ArchiveDate => "Archive date",
            SyncField::Active => "Active",
            SyncField::SetAside => "Set-aside",
            SyncField::Naics => "NAICS",
            SyncField::ClassificationCode => "Product/service code",
            SyncField::EstimatedValueMin => "Estimated value (low)",
            SyncField::EstimatedValueMax => "Estimated value (high)",
            SyncField::Award => "Award",
            SyncField::PlaceOfPerformance => "Place of performance",
            SyncField::PointsOfContact => "Points of contact",
            SyncField::Attachments => "Attachments",
            SyncField::Description => "Description",
            SyncField::Link => "Link",
            SyncField::Other => "Other source fields",
        }
    }
}

closed_set! {
    /// A notice's state, as external_opportunity_data.solicitation_status stores it.
    pub enum SolicitationStatus: "solicitation status" {
        Presolicitation = "presolicitation",
        SourcesSought = "sources_sought",
        Open = "open",
        Amended = "amended",
        Closed = "closed",
        Awarded = "awarded",
        Cancelled = "cancelled",
    }
}

closed_set! {
    /// What kind of change a new version is (external_data_changes.change_type).
    pub enum ChangeType: "change type" {
        Update = "update",
        Amendment = "amendment",
        StatusChange = "status_change",
        DocumentAdded = "document_added",
        Award = "award",
    }
}

/// An award as a notice reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    pub amount: Option<Decimal>,
    pub awardee: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub number: Option<String>,
}

/// One opportunity in the product's vocabulary, every value normalised (`normalize`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub notice_id: String,
    pub solicitation_number: Option<String>,
    pub title: Option<String>,
    /// The issuing organization's path of names ("DEPT OF DEFENSE.DEFENSE INFORMATION SYSTEMS AGENCY.…").
    pub agency: Option<String>,
    /// Its path of codes (`fullParentPathCode`), which identifies the office.
    pub office: Option<String>,
    pub notice_type: Option<String>,
    pub status: Option<SolicitationStatus>,
    pub posted_at: Option<DateTime<Utc>>,
    pub response_deadline: Option<DateTime<Utc>>,
    pub archive_date: Option<DateTime<Utc>>,
    pub active: Option<bool>,
    pub set_aside: Option<String>,
    pub naics: Vec<String>,
    pub classification_code: Option<String>,
    pub estimated_value_min: Option<Decimal>,
    pub estimated_value_max: Option<Decimal>,
    pub award: Option<Award>,
    pub place_of_performance: Option<String>,
    /// The points of contact as the source lists them (canonical JSON).
    pub points_of_contact: Value,
    /// Attachment addresses, in the source's order.
    pub attachments: Vec<String>,
    pub description: Option<String>,
    pub link: Option<String>,
}

impl Snapshot {
    /// Each field's value as stored in a change row and compared (instants in UTC, money as exact text).
    pub fn value(&self, field: SyncField) -> Value {
        fn opt<T: Serialize>(v: &Option<T>) -> Value {
            v.as_ref().map_or(Value::Null, |v| serde_json::to_value(v).unwrap_or(Value::Null))
        }
        let instant = |v: &Option<DateTime<Utc>>| v.map_or(Value::Null, |t| json!(t.to_rfc3339()));
        match field {
            SyncField::NoticeId => json!(self.notice_id),
            SyncField::SolicitationNumber => opt(&self.solicitation_number),
            SyncField::Title => opt(&self.title),
            SyncField::Agency => opt(&self.agency),
            SyncField::Office => opt(&self.office),
            SyncField::NoticeType => opt(&self.notice_type),
            SyncField::Status => opt(&self.status),
            SyncField::PostedAt => instant(&self.posted_at),
            SyncField::ResponseDeadline => instant(&self.response_deadline),
            SyncField::ArchiveDate => instant(&self.archive_date),
            SyncField::Active => opt(&self.active),
            SyncField::SetAside => opt(&self.set_aside),
            SyncField::Naics if self.naics.is_empty() => Value::Null,
            SyncField::Naics => json!(self.naics),
            SyncField::ClassificationCode => opt(&self.classification_code),
            SyncField::EstimatedValueMin => self.estimated_value_min.map_or(Value::Null, |d| json!(d.to_string())),
            SyncField::EstimatedValueMax => self.estimated_value_max.map_or(Value::Null, |d| json!(d.to_string())),
            SyncField::Award => self.award.as_ref().map_or(Value::Null, |a| {
                json!({
                    "amount": a.amount.map(|d| d.to_string()),
                    "awardee": a.awardee,
                    "date": a.date.map(|t| t.to_rfc3339()),
                    "number": a.number,
                })
            }),
            SyncField::PlaceOfPerformance => opt(&self.place_of_performance),
            SyncField::PointsOfContact => self.points_of_contact.clone(),
            SyncField::Attachments if self.attachments.is_empty() => Value::Null,
            SyncField::Attachments => json!(self.attachments),
            SyncField::Description => opt(&self.description),
            SyncField::Link => opt(&self.link),
            SyncField::Other => Value::Null,
        }
    }

    /// The NAICS codes as one stored string ("541512, 541519").
    pub fn naics_text(&self) -> Option<String> {
        (!self.naics.is_empty()).then(|| self.naics.join(", "))
    }
}

/// A synced field's stored value (`Snapshot::value`) as a person reads it: instants in UTC (the page adds the
/// reader's own time), money in dollars, lists joined, points of contact by name; "—" for no value.
pub fn display(field: SyncField, value: &Value) -> String {
    let instant = |v: &Value| {
        v.as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| crate::format::date_time(t.with_timezone(&Utc)))
    };
    let money = |v: &Value| v.as_str().and_then(|m| m.parse::<Decimal>().ok()).map(crate::format::money_full);
    let shown = match (field, value) {
        (_, Value::Null) => None,
        (SyncField::PostedAt | SyncField::ResponseDeadline | SyncField::ArchiveDate, v) => instant(v),
        (SyncField::EstimatedValueMin | SyncField::EstimatedValueMax, v) => money(v),
        (SyncField::Active, Value::Bool(b)) => Some(if *b { "Yes" } else { "No" }.to_string()),
        (SyncField::Status, Value::String(s)) => Some(s.replace('_', " ")),
        // A path of names, department first: "DEPT OF DEFENSE › DISA › DITCO".
        (SyncField::Agency, Value::String(s)) => {
            Some(s.split('.').map(str::trim).collect::<Vec<_>>().join(" \u{203a} "))
        }
        (SyncField::Attachments, Value::Array(items)) => {
            Some(crate::format::count(items.len() as i64, "attachment", "attachments"))
        }
        (SyncField::PointsOfContact, Value::Array(people)) => Some(
            people
                .iter()
                .map(|p| {
                    let name = p.get("fullName").or_else(|| p.get("name")).and_then(Value::as_str).unwrap_or("");
                    let email = p.get("email").and_then(Value::as_str).unwrap_or("");
                    match (name.is_empty(), email.is_empty()) {
                        (false, false) => format!("{name} <{email}>"),
                        (false, true) => name.to_string(),
                        _ => email.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (SyncField::Award, v) => {
            let amount = money(&v["amount"]);
            let awardee = v["awardee"].as_str().map(str::to_string);
            let date = instant(&v["date"]);
            Some(
                [amount, awardee.map(|a| format!("to {a}")), date.map(|d| format!("on {d}"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        (_, Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (_, Value::String(s)) => Some(s.clone()),
        (_, other) => Some(other.to_string()),
    };
    shown.filter(|s| !s.is_empty()).unwrap_or_else(|| "\u{2014}".to_string())
}

/// What changed from one version to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub fields: Vec<SyncField>,
    pub change_type: ChangeType,
    pub impact: ImpactLevel,
    /// The changed fields' values before and after, as objects keyed by field name.
    pub previous: Value,
    pub new: Value,
}

/// Compares two versions of one opportunity. `raw_differs` says whether the source's records differed at all
/// (a change outside the named fields is still a version, reported as `other`). `None`: nothing changed.
///
/// The impact rules, in one place:
/// - **critical**: the response deadline moved earlier (compared as instants: a later wall-clock time in
///   another zone can be earlier); the notice was cancelled; it was archived or made inactive while its
///   response deadline was still ahead ("archived early").
/// - **important**: an amendment (a new notice id), the set-aside, the NAICS codes, a later or new
///   deadline, the notice type or status, the solicitation number, the title, the estimated value, the place
///   of performance, an award, attachments added or removed.
/// - **informational**: points of contact, links, the description, the archive date alone, the posted date,
///   and anything else.
///
/// The change type: an award (award details appeared or changed, or the status became awarded) before an
/// amendment (a new notice id) before a status change (status or active) before attachments added, else an
/// update.
pub fn assess(old: &Snapshot, new: &Snapshot, raw_differs: bool, now: DateTime<Utc>) -> Option<Assessment> {
    // A solicitation number spelled otherwise ("hc1028-27-r-0001 " for "HC1028-27-R-0001") is the same number.
    let same_number = crate::sync::normalize::solicitation_number(old.solicitation_number.as_deref())
        == crate::sync::normalize::solicitation_number(new.solicitation_number.as_deref());
    let mut fields: Vec<SyncField> = SyncField::ALL
        .iter()
        .copied()
        .filter(|f| *f != SyncField::Other && old.value(*f) != new.value(*f))
        .filter(|f| !(*f == SyncField::SolicitationNumber && same_number))
        .collect();
    if fields.is_empty() {
        if !raw_differs {
            return None;
        }
        fields.push(SyncField::Other);
    }
    let has = |f: SyncField| fields.contains(&f);

    let deadline_earlier = matches!((old.response_deadline, new.response_deadline), (Some(a), Some(b)) if b < a);
    let cancelled = new.status == Some(SolicitationStatus::Cancelled) && old.status != new.status;
    let deadline_ahead = old.response_deadline.is_some_and(|d| d > now);
    let archived_early = deadline_ahead
        && ((old.active != Some(false) && new.active == Some(false))
            || new.archive_date.is_some_and(|a| a <= now && old.archive_date.is_none_or(|o| o > now)));
    let awarded = has(SyncField::Award) && new.award.is_some()
        || (new.status == Some(SolicitationStatus::Awarded) && old.status != new.status);
    let attachments_added = new.attachments.iter().any(|a| !old.attachments.contains(a));

    let impact = if deadline_earlier || cancelled || archived_early {
        ImpactLevel::Critical
    } else if fields.iter().any(|f| {
        matches!(
            f,
            SyncField::NoticeId
                | SyncField::SetAside
                | SyncField::Naics
                | SyncField::ResponseDeadline
                | SyncField::NoticeType
                | SyncField::Status
                | SyncField::Active
                | SyncField::SolicitationNumber
                | SyncField::Title
                | SyncField::EstimatedValueMin
                | SyncField::EstimatedValueMax
                | SyncField::PlaceOfPerformance
                | SyncField::Award
                | SyncField::Attachments
        )
    }) {
        ImpactLevel::Important
    } else {
        ImpactLevel::Informational
    };
    let change_type = if awarded {
        ChangeType::Award
    } else if has(SyncField::NoticeId) {
        ChangeType::Amendment
    } else if has(SyncField::Status) || has(SyncField::Active) {
        ChangeType::StatusChange
    } else if attachments_added {
        ChangeType::DocumentAdded
    } else {
        ChangeType::Update
    };
    let values = |s: &Snapshot| -> Value {
        Value::Object(fields.iter().map(|f| (f.as_str().to_string(), s.value(*f))).collect::<Map<_, _>>())
    };
    Some(Assessment { previous: values(old), new: values(new), fields, change_type, impact })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
    }

    fn base() -> Snapshot {
        Snapshot {
            notice_id: "a".repeat(32),
            solicitation_number: Some("W912DY-27-R-0049".into()),
            title: Some("Enterprise cloud operations".into()),
            status: Some(SolicitationStatus::Open),
            response_deadline: Some(at(2027, 3, 4, 22)),
            active: Some(true),
            set_aside: Some("SBA".into()),
            naics: vec!["541512".into()],
            attachments: vec!["https://example.test/a.pdf".into()],
            ..Snapshot::default()
        }
    }

    const NOW: fn() -> DateTime<Utc> = || at(2027, 1, 10, 12);

    #[test]
    fn nothing_changed_is_no_change_but_a_raw_difference_is_other() {
        assert_eq!(assess(&base(), &base(), false, NOW()), None);
        let other = assess(&base(), &base(), true, NOW()).unwrap();
        assert_eq!(other.fields, [SyncField::Other]);
        assert_eq!((other.change_type, other.impact), (ChangeType::Update, ImpactLevel::Informational));
    }

    #[test]
    fn a_deadline_moved_earlier_is_critical_later_is_important_compared_as_instants() {
        let mut earlier = base();
        earlier.response_deadline = Some(at(2027, 3, 1, 22));
        let a = assess(&base(), &earlier, true, NOW()).unwrap();
        assert_eq!((a.impact, a.fields.as_slice()), (ImpactLevel::Critical, &[SyncField::ResponseDeadline][..]));
        assert_eq!(a.previous, json!({"response_deadline": "2027-03-04T22:00:00+00:00"}));
        assert_eq!(a.new, json!({"response_deadline": "2027-03-01T22:00:00+00:00"}));
        let mut later = base();
        later.response_deadline = Some(at(2027, 3, 8, 22));
        assert_eq!(assess(&base(), &later, true, NOW()).unwrap().impact, ImpactLevel::Important);
    }

    #[test]
    fn an_amendment_cancellation_archive_award_and_attachment_each_have_their_type_and_impact() {
        let mut amended = base();
        amended.notice_id = "b".repeat(32);
        amended.set_aside = None;
        let a = assess(&base(), &amended, true, NOW()).unwrap();
        assert_eq!((a.change_type, a.impact), (ChangeType::Amendment, ImpactLevel::Important));
        assert_eq!(a.fields, [SyncField::NoticeId, SyncField::SetAside]);
        let mut respelled = base();
        respelled.solicitation_number = Some(" w912dy-27-r-0049".into());
        assert_eq!(assess(&base(), &respelled, false, NOW()), None, "the same number, spelled otherwise");

        let mut cancelled = base();
        cancelled.status = Some(SolicitationStatus::Cancelled);
        let c = assess(&base(), &cancelled, true, NOW()).unwrap();
        assert_eq!((c.change_type, c.impact), (ChangeType::StatusChange, ImpactLevel::Critical));

        let mut archived = base();
        archived.active = Some(false);
        let r = assess(&base(), &archived, true, NOW()).unwrap();
        assert_eq!(r.impact, ImpactLevel::Critical, "inactive while the deadline is ahead");
        let after_deadline = at(2027, 4, 1, 0);
        assert_eq!(assess(&base(), &archived, true, after_deadline).unwrap().impact, ImpactLevel::Important);

        let mut awarded = base();
        awarded.award = Some(Award { amount: Some(Decimal::new(35_056_700, 2)), ..Award::default() });
        let w = assess(&base(), &awarded, true, NOW()).unwrap();
        assert_eq!((w.change_type, w.impact), (ChangeType::Award, ImpactLevel::Important));
        assert_eq!(w.new["award"]["amount"], json!("350567.00"), "money as exact text");

        let mut attached = base();
        attached.attachments.push("https://example.test/b.pdf".into());
        let d = assess(&base(), &attached, true, NOW()).unwrap();
        assert_eq!((d.change_type, d.impact), (ChangeType::DocumentAdded, ImpactLevel::Important));
    }

    #[test]
    fn values_read_as_a_person_reads_them() {
        assert_eq!(display(SyncField::ResponseDeadline, &json!("2027-03-04T22:00:00+00:00")), "Mar 4, 2027 22:00 UTC");
        assert_eq!(display(SyncField::EstimatedValueMax, &json!("2500000.00")), "$2,500,000");
        assert_eq!(display(SyncField::Naics, &json!(["541512", "541519"])), "541512, 541519");
        assert_eq!(
            display(SyncField::Agency, &json!("DEPT OF DEFENSE.DISA.DITCO")),
            "DEPT OF DEFENSE \u{203a} DISA \u{203a} DITCO"
        );
        assert_eq!(display(SyncField::SetAside, &Value::Null), "\u{2014}");
        assert_eq!(display(SyncField::Attachments, &json!(["a", "b"])), "2 attachments");
        assert_eq!(
            display(
                SyncField::PointsOfContact,
                &json!([{"fullName": "Dana Ortiz", "email": "dana@x.mil"}, {"email": "b@x.mil"}])
            ),
            "Dana Ortiz <dana@x.mil>; b@x.mil"
        );
        assert_eq!(
            display(
                SyncField::Award,
                &json!({"amount": "350567.00", "awardee": "Acme Corp", "date": null, "number": null})
            ),
            "$350,567 to Acme Corp"
        );
        assert_eq!(display(SyncField::Status, &json!("sources_sought")), "sources sought");
    }

    #[test]
    fn points_of_contact_and_links_are_informational() {
        let mut contacts = base();
        contacts.points_of_contact = json!([{"fullName": "Dana Ortiz", "email": "dana.ortiz@example.gov"}]);
        contacts.link = Some("https://sam.gov/opp/x/view".into());
        let a = assess(&base(), &contacts, true, NOW()).unwrap();
        assert_eq!((a.change_type, a.impact), (ChangeType::Update, ImpactLevel::Informational));
        assert_eq!(a.fields, [SyncField::PointsOfContact, SyncField::Link]);
    }
}
