//! The GWM opportunity feed v1: a small JSON contract of our own that a contractor's internal platform can
//! serve (README, "GWM opportunity feed v1"). `GET {base}/v1/opportunities` with `page` (from 0),
//! `page_size`, and filters `posted_from` (YYYY-MM-DD), `naics`, `set_aside`, `type` (comma-separated), `q`,
//! or `id` / `solicitation_number` for one opportunity. The answer: `{"total", "page", "page_size",
//! "opportunities": [...]}`; an error: `{"error": "..."}`.

use super::adapter::{Adapter, FeedError, FeedPage, KeyPlacement, Lookup, PageRequest, json_object};
use crate::sync::{
    SearchCriteria, SourceKind,
    normalize::{self, text},
    snapshot::{Award, Snapshot, SolicitationStatus},
};
use chrono::{Days, NaiveDate};
use serde_json::Value;

pub struct GwmFeed;

const PATH: &str = "/v1/opportunities";

fn paging(page: u32, page_size: u32) -> [(String, String); 2] {
    [("page".into(), page.to_string()), ("page_size".into(), page_size.to_string())]
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|i| text(i.as_str().or_else(|| i.get("url").and_then(Value::as_str)))).collect()
        }
        Some(Value::String(one)) => text(Some(one)).into_iter().collect(),
        _ => Vec::new(),
    }
}

impl Adapter for GwmFeed {
    fn kind(&self) -> SourceKind {
        SourceKind::GwmFeed
    }

    fn max_page_size(&self) -> u32 {
        1000
    }

    fn api_key_placement(&self) -> KeyPlacement {
        KeyPlacement::Header("X-API-Key")
    }

    fn search(&self, criteria: &SearchCriteria, page: u32, page_size: u32, today: NaiveDate) -> PageRequest {
        let days = u64::from(criteria.posted_within_days.clamp(1, SearchCriteria::MAX_DAYS));
        let from = today.checked_sub_days(Days::new(days)).unwrap_or(today);
        let mut query = vec![("posted_from".into(), from.to_string())];
        query.extend(paging(page, page_size));
        for (name, values) in
            [("naics", &criteria.naics_codes), ("set_aside", &criteria.set_asides), ("type", &criteria.notice_types)]
        {
            if !values.is_empty() {
                query.push((name.into(), values.join(",")));
            }
        }
        if let Some(words) = criteria.keywords.as_deref().and_then(|k| text(Some(k))) {
            query.push(("q".into(), words));
        }
        PageRequest { path: PATH.into(), query }
    }

    fn lookup(&self, lookup: &Lookup, page: u32, page_size: u32, _today: NaiveDate) -> PageRequest {
        let mut query = paging(page, page_size).to_vec();
        match &lookup.solicitation_number {
            Some(number) => query.push(("solicitation_number".into(), number.clone())),
            None => query.push(("id".into(), lookup.notice_id.clone())),
        }
        PageRequest { path: PATH.into(), query }
    }

    fn read_page(&self, body: &[u8]) -> Result<FeedPage, FeedError> {
        let mut map = json_object(body)?;
        if let Some(error) = map.get("error").filter(|e| !e.is_null()) {
            let message = error.as_str().map(str::to_string).unwrap_or_else(|| error.to_string());
            return Err(FeedError::Refused(message.chars().take(300).collect()));
        }
        let total =
            map.get("total").and_then(Value::as_u64).ok_or_else(|| FeedError::Malformed("total is missing".into()))?;
        match map.remove("opportunities") {
            Some(Value::Array(records)) => Ok(FeedPage { total, records }),
            _ => Err(FeedError::Malformed("opportunities is missing".into())),
        }
    }

    fn snapshot(&self, r: &Value) -> Result<Snapshot, String> {
        let s = |key: &str| text(r.get(key).and_then(Value::as_str));
        let at = |key: &str| normalize::instant(r.get(key).and_then(Value::as_str));
        let notice_id = normalize::notice_id(r.get("id").and_then(Value::as_str))
            .ok_or_else(|| "a record has no id".to_string())?;
        let status = match s("status") {
            Some(status) => Some(status.parse::<SolicitationStatus>().map_err(|e| format!("record {notice_id}: {e}"))?),
            None => None,
        };
        let award = r.get("award").filter(|a| a.is_object()).map(|a| Award {
            amount: a.get("amount").and_then(normalize::money),
            awardee: text(a.get("awardee").and_then(Value::as_str)),
            date: normalize::instant(a.get("date").and_then(Value::as_str)),
            number: text(a.get("number").and_then(Value::as_str)),
        });
        Ok(Snapshot {
            notice_id,
            solicitation_number: s("solicitation_number"),
            title: s("title"),
            agency: s("agency"),
            office: normalize::office_path(r.get("office_code").and_then(Value::as_str)),
            notice_type: s("type"),
            status,
            posted_at: at("posted_at"),
            response_deadline: at("response_deadline"),
            archive_date: at("archive_at"),
            active: r.get("active").and_then(Value::as_bool),
            set_aside: normalize::set_aside(r.get("set_aside").and_then(Value::as_str), None),
            naics: strings(r.get("naics")),
            classification_code: s("psc"),
            estimated_value_min: r.pointer("/estimated_value/min").and_then(normalize::money),
            estimated_value_max: r.pointer("/estimated_value/max").and_then(normalize::money),
            award: award.filter(|a| *a != Award::default()),
            place_of_performance: s("place_of_performance"),
            points_of_contact: normalize::canonical(r.get("contacts").cloned().unwrap_or(Value::Null)),
            attachments: strings(r.get("attachments")),
            description: s("description"),
            link: s("url"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_feed_record_reads_into_the_products_vocabulary() {
        let s = GwmFeed
            .snapshot(&json!({
                "id": "OPP-77", "solicitation_number": " 70RCSA26R0004 ", "title": "Zero trust",
                "office_code": "070.CISA.OCPO", "status": "open", "response_deadline": "2027-01-15T17:00:00-05:00",
                "naics": ["541512", "541519"], "set_aside": "No set aside used",
                "estimated_value": {"min": "1000000.00", "max": 2500000}, "attachments": [{"url": "https://x/a.pdf"}]
            }))
            .unwrap();
        assert_eq!(s.notice_id, "opp-77");
        assert_eq!(s.office.as_deref(), Some("070.CISA.OCPO"));
        assert_eq!(s.naics, ["541512", "541519"]);
        assert_eq!(s.set_aside, None);
        assert_eq!(s.estimated_value_max, Some(rust_decimal::Decimal::from(2_500_000)));
        assert_eq!(s.attachments, ["https://x/a.pdf"]);
        let bad = GwmFeed.snapshot(&json!({"id": "x", "status": "maybe"})).unwrap_err();
        assert!(bad.contains("maybe"), "{bad}");
    }
}
