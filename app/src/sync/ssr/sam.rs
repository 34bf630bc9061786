//! SAM.gov's Get Opportunities Public API v2 (`GET {base}/opportunities/v2/search`), as real responses have
//! it (SAM-GOV.md): `offset` is a page index; `postedFrom`/`postedTo` (MM/dd/yyyy, a year apart at most) and
//! `limit` (1000 at most) are required; fields are spelled as the examples spell them (`responseDeadLine`);
//! money arrives as a string; the string "null" and padded strings are normalised.

use super::adapter::{Adapter, FeedError, FeedPage, KeyPlacement, Lookup, PageRequest, json_object};
use crate::sync::{
    SearchCriteria, SourceKind,
    normalize::{self, text},
    snapshot::{Award, Snapshot, SolicitationStatus},
};
use chrono::{Days, NaiveDate};
use serde_json::Value;

pub struct SamGov;

const PATH: &str = "/opportunities/v2/search";

fn date(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

fn paging(page: u32, page_size: u32) -> [(String, String); 2] {
    [("limit".into(), page_size.to_string()), ("offset".into(), page.to_string())]
}

/// One value of a list as a query parameter: SAM.gov takes one NAICS code or set-aside per request, so
/// several are asked for without the filter and the records are filtered after reading.
fn single(values: &[String]) -> Option<&str> {
    match values {
        [one] => Some(one),
        _ => None,
    }
}

impl Adapter for SamGov {
    fn kind(&self) -> SourceKind {
        SourceKind::SamGov
    }

    fn max_page_size(&self) -> u32 {
        1000
    }

    fn api_key_placement(&self) -> KeyPlacement {
        KeyPlacement::Query("api_key")
    }

    fn search(&self, criteria: &SearchCriteria, page: u32, page_size: u32, today: NaiveDate) -> PageRequest {
        let days = u64::from(criteria.posted_within_days.clamp(1, SearchCriteria::MAX_DAYS));
        let from = today.checked_sub_days(Days::new(days)).unwrap_or(today);
        let mut query = vec![("postedFrom".into(), date(from)), ("postedTo".into(), date(today))];
        query.extend(paging(page, page_size));
        if !criteria.notice_types.is_empty() {
            query.push(("ptype".into(), criteria.notice_types.join(",")));
        }
        if let Some(naics) = single(&criteria.naics_codes) {
            query.push(("ncode".into(), naics.into()));
        }
        if let Some(set_aside) = single(&criteria.set_asides) {
            query.push(("typeOfSetAside".into(), set_aside.into()));
        }
        if let Some(words) = criteria.keywords.as_deref().and_then(|k| text(Some(k))) {
            query.push(("title".into(), words));
        }
        PageRequest { path: PATH.into(), query }
    }

    fn lookup(&self, lookup: &Lookup, page: u32, page_size: u32, today: NaiveDate) -> PageRequest {
        let year_ago = today.checked_sub_days(Days::new(364)).unwrap_or(today);
        let from = lookup.posted.filter(|p| *p > year_ago && *p <= today).unwrap_or(year_ago);
        let mut query = vec![("postedFrom".into(), date(from)), ("postedTo".into(), date(today))];
        query.extend(paging(page, page_size));
        // By solicitation number: an amendment is a new notice under the same number.
        match &lookup.solicitation_number {
            Some(number) => query.push(("solnum".into(), number.clone())),
            None => query.push(("noticeid".into(), lookup.notice_id.clone())),
        }
        PageRequest { path: PATH.into(), query }
    }

    fn read_page(&self, body: &[u8]) -> Result<FeedPage, FeedError> {
        let mut map = json_object(body)?;
        // An error object can come with status 200 (OVER_RATE_LIMIT, API_KEY_INVALID …).
        if let Some(error) = map.get("error").filter(|e| !e.is_null()) {
            let code = error.get("code").and_then(Value::as_str).unwrap_or("");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(FeedError::Refused(format!("{code} {message}").trim().chars().take(300).collect()));
        }
        if let Some(message) = map.get("errorMessage").and_then(Value::as_str) {
            return Err(FeedError::Refused(message.chars().take(300).collect()));
        }
        let total = map
            .get("totalRecords")
            .and_then(Value::as_u64)
            .ok_or_else(|| FeedError::Malformed("totalRecords is missing".into()))?;
        let records = match map.remove("opportunitiesData") {
            Some(Value::Array(records)) => records,
            None | Some(Value::Null) if total == 0 => Vec::new(),
            _ => return Err(FeedError::Malformed("opportunitiesData is missing".into())),
        };
        Ok(FeedPage { total, records })
    }

    fn snapshot(&self, r: &Value) -> Result<Snapshot, String> {
        let s = |key: &str| text(r.get(key).and_then(Value::as_str));
        let notice_id = normalize::notice_id(r.get("noticeId").and_then(Value::as_str))
            .ok_or_else(|| "a record has no noticeId".to_string())?;
        let notice_type = s("type");
        let active = s("active").map(|a| a.eq_ignore_ascii_case("yes"));
        let award = r.get("award").filter(|a| a.is_object()).map(|a| Award {
            amount: a.get("amount").and_then(normalize::money),
            awardee: text(a.pointer("/awardee/name").and_then(Value::as_str)),
            date: normalize::instant(a.get("date").and_then(Value::as_str)),
            number: text(a.get("number").and_then(Value::as_str)),
        });
        let award = award.filter(|a| *a != Award::default());
        let status = match notice_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
            _ if award.is_some() => SolicitationStatus::Awarded,
            Some("award notice") => SolicitationStatus::Awarded,
            _ if active == Some(false) => SolicitationStatus::Closed,
            Some("presolicitation") => SolicitationStatus::Presolicitation,
            Some("sources sought") => SolicitationStatus::SourcesSought,
            _ => SolicitationStatus::Open,
        };
        let mut naics: Vec<String> = match r.get("naicsCodes") {
            Some(Value::Array(codes)) => codes.iter().filter_map(|c| text(c.as_str())).collect(),
            _ => Vec::new(),
        };
        if naics.is_empty() {
            naics.extend(s("naicsCode"));
        }
        let place = r.get("placeOfPerformance").filter(|p| p.is_object()).and_then(|p| {
            let name = |k: &str| text(p.pointer(k).and_then(Value::as_str));
            let parts: Vec<String> =
                [name("/city/name"), name("/state/code"), name("/country/code")].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        });
        let attachments = match r.get("resourceLinks") {
            Some(Value::Array(links)) => links.iter().filter_map(|l| text(l.as_str())).collect(),
            _ => Vec::new(),
        };
        Ok(Snapshot {
            notice_id,
            solicitation_number: s("solicitationNumber"),
            title: s("title"),
            agency: s("fullParentPathName"),
            office: normalize::office_path(r.get("fullParentPathCode").and_then(Value::as_str)),
            notice_type,
            status: Some(status),
            posted_at: normalize::instant(r.get("postedDate").and_then(Value::as_str)),
            response_deadline: normalize::instant(r.get("responseDeadLine").and_then(Value::as_str)),
            archive_date: normalize::instant(r.get("archiveDate").and_then(Value::as_str)),
            active,
            set_aside: normalize::set_aside(
                r.get("typeOfSetAside").and_then(Value::as_str),
                r.get("typeOfSetAsideDescription").and_then(Value::as_str),
            ),
            naics,
            classification_code: s("classificationCode"),
            estimated_value_min: None,
            estimated_value_max: None,
            award,
            place_of_performance: place,
            points_of_contact: normalize::canonical(r.get("pointOfContact").cloned().unwrap_or(Value::Null)),
            attachments,
            description: s("description"),
            link: s("uiLink"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_carry_the_required_window_and_a_page_index() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let criteria = SearchCriteria {
            posted_within_days: 30,
            naics_codes: vec!["541512".into()],
            notice_types: vec!["o".into(), "k".into()],
            ..SearchCriteria::default()
        };
        let r = SamGov.search(&criteria, 2, 500, today);
        assert_eq!(r.path, "/opportunities/v2/search");
        let q: std::collections::HashMap<_, _> = r.query.into_iter().collect();
        assert_eq!(q["postedFrom"], "10/31/2026");
        assert_eq!(q["postedTo"], "11/30/2026");
        assert_eq!((q["limit"].as_str(), q["offset"].as_str()), ("500", "2"), "offset is a page index");
        assert_eq!(q["ptype"], "o,k");
        assert_eq!(q["ncode"], "541512");
        let long_ago = Lookup { notice_id: "x".into(), solicitation_number: Some("W1".into()), posted: None };
        let q: std::collections::HashMap<_, _> = SamGov.lookup(&long_ago, 0, 1000, today).query.into_iter().collect();
        assert_eq!((q["postedFrom"].as_str(), q["solnum"].as_str()), ("12/01/2025", "W1"), "a year at most");
    }

    #[test]
    fn a_real_record_reads_whatever_its_padding_and_null_spellings() {
        let record = json!({
            "noticeId": " FF9642D70C15414A85940230450BDA32 ", "title": " Light, Signal ",
            "solicitationNumber": "N0002426SN-20 ", "fullParentPathName": "DEPT OF DEFENSE.DEPT OF THE NAVY",
            "fullParentPathCode": "017.1700.NAVSEA", "postedDate": "2018-05-09 23:45:22+00", "type": "Award Notice",
            "typeOfSetAside": "NONE", "typeOfSetAsideDescription": null, "responseDeadLine": "null",
            "naicsCode": "335139", "active": "Yes",
            "award": {"amount": "350567.00", "date": "2026-02-02", "awardee": {"name": " Acme Corp "}},
            "pointOfContact": [{"fullName": " Dana ", "email": "dana@navy.mil", "fax": "null"}],
            "resourceLinks": null, "uiLink": "https://sam.gov/opp/ff96/view"
        });
        let s = SamGov.snapshot(&record).unwrap();
        assert_eq!(s.notice_id, "ff9642d70c15414a85940230450bda32");
        assert_eq!(
            (s.title.as_deref(), s.solicitation_number.as_deref()),
            (Some("Light, Signal"), Some("N0002426SN-20"))
        );
        assert_eq!((s.set_aside, s.response_deadline), (None, None));
        assert_eq!(s.naics, ["335139"]);
        assert_eq!(s.status, Some(SolicitationStatus::Awarded));
        let award = s.award.unwrap();
        assert_eq!(award.amount, Some(rust_decimal::Decimal::new(35_056_700, 2)));
        assert_eq!(award.awardee.as_deref(), Some("Acme Corp"));
        assert_eq!(s.points_of_contact, json!([{"email": "dana@navy.mil", "fax": null, "fullName": "Dana"}]));
        assert!(SamGov.snapshot(&json!({"title": "no id"})).is_err());
    }

    #[test]
    fn error_objects_with_status_200_are_refusals() {
        let e = SamGov.read_page(br#"{"error": {"code": "OVER_RATE_LIMIT", "message": "slow down"}}"#).unwrap_err();
        assert_eq!(e, FeedError::Refused("OVER_RATE_LIMIT slow down".into()));
        assert!(matches!(SamGov.read_page(br#"{"totalRecords": 5}"#), Err(FeedError::Malformed(_))));
        let empty = SamGov.read_page(br#"{"totalRecords": 0, "opportunitiesData": []}"#).unwrap();
        assert_eq!((empty.total, empty.records.len()), (0, 0));
    }
}
