//! The organization and contact forms as typed, and their checks: every problem is named at once, with what
//! to fix. Identifiers are checked as SAM.gov issues them.

use super::{BusinessSize, Certification, Clearance, ContactType, InteractionFrequency, OrganizationType};
pub use crate::input::{FieldProblem, problems_error};
use crate::{
    error::AppError,
    ids::{ContactId, OrganizationId},
    input::Problems,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The organization form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationInput {
    pub name: String,
    pub organization_type: String,
    /// The parent organization's id (an agency's department, a company's parent), or empty.
    pub parent: String,
    pub sam_unique_id: String,
    pub cage_code: String,
    pub duns_number: String,
    pub agency_path_code: String,
    pub business_size: String,
    pub certifications: Vec<String>,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// The `updated_at` the form was loaded at: an edit made meanwhile by someone else is not overwritten.
    pub version: String,
}

/// A checked organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidOrganization {
    pub name: String,
    pub organization_type: Option<OrganizationType>,
    pub parent: Option<OrganizationId>,
    pub sam_unique_id: Option<String>,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub agency_path_code: Option<String>,
    pub business_size: Option<BusinessSize>,
    pub certifications: Vec<Certification>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    #[serde(skip)]
    pub version: Option<DateTime<Utc>>,
}

/// The contact form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactInput {
    pub first_name: String,
    pub last_name: String,
    pub organization: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub linkedin_url: String,
    pub contact_type: String,
    pub decision_maker_level: String,
    pub security_clearance: String,
    pub last_contact_date: String,
    pub interaction_frequency: String,
    pub relationship_strength: String,
    pub notes: String,
    /// Comma-separated.
    pub tags: String,
    pub version: String,
}

/// A checked contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidContact {
    pub first_name: String,
    pub last_name: String,
    pub organization: Option<OrganizationId>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    pub contact_type: Option<ContactType>,
    pub decision_maker_level: Option<i32>,
    pub security_clearance: Option<Clearance>,
    pub last_contact_date: Option<NaiveDate>,
    pub interaction_frequency: Option<InteractionFrequency>,
    pub relationship_strength: Option<i32>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    #[serde(skip)]
    pub version: Option<DateTime<Utc>>,
}

/// The most tags a contact carries, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

/// Letters I and O never appear in a UEI or a CAGE code (they read as 1 and 0).
fn confusable(code: &str) -> bool {
    code.contains(['I', 'O'])
}

/// A Unique Entity ID as SAM.gov issues it: 12 letters and digits, never starting with 0, without I or O.
/// Spaces are dropped and letters upper-cased.
pub fn uei(raw: &str) -> Result<Option<String>, String> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = code.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("the UEI can only hold letters and digits, not \u{201c}{bad}\u{201d}"));
    }
    let n = code.chars().count();
    if n != 12 {
        return Err(format!("the UEI \u{201c}{code}\u{201d} has {n} characters; a UEI has 12 (e.g. J7M9HPTGJ1S9)"));
    }
    if code.starts_with('0') {
        return Err(format!("the UEI \u{201c}{code}\u{201d} starts with 0, which no UEI does"));
    }
    if confusable(&code) {
        return Err(format!(
            "the UEI \u{201c}{code}\u{201d} has the letter I or O, which UEIs never use: type 1 or 0 instead"
        ));
    }
    Ok(Some(code))
}

/// A CAGE code: 5 letters and digits, without I or O.
pub fn cage(raw: &str) -> Result<Option<String>, String> {
    let code: String = raw.trim().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = code.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("the CAGE code can only hold letters and digits, not \u{201c}{bad}\u{201d}"));
    }
    let n = code.chars().count();
    if n != 5 {
        return Err(format!("the CAGE code \u{201c}{code}\u{201d} has {n} characters; a CAGE code has 5 (e.g. 1ABC2)"));
    }
    if confusable(&code) {
        return Err(format!(
            "the CAGE code \u{201c}{code}\u{201d} has the letter I or O, which CAGE codes never use: type 1 or 0 instead"
        ));
    }
    Ok(Some(code))
}

/// A legacy DUNS number: 9 digits (or 13, with the "+4" suffix); dashes and spaces are dropped.
pub fn duns(raw: &str) -> Result<Option<String>, String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 9 | 13) {
        return Err(format!("the DUNS number \u{201c}{}\u{201d} must be 9 digits (or 13 with its +4)", raw.trim()));
    }
    Ok(Some(digits))
}

/// SAM.gov's office path code ("097.DISA.HC1028"): letters, digits and dots.
pub fn agency_path_code(raw: &str) -> Result<Option<String>, String> {
    let code = raw.trim().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    if code.len() > 200
        || code.split('.').any(|part| part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(format!(
            "the agency path code \u{201c}{}\u{201d} must be codes separated by dots, as SAM.gov writes them (e.g. 097.DISA.HC1028)",
            raw.trim()
        ));
    }
    Ok(Some(code))
}

/// An http(s) address; a bare domain gets https://.
pub fn web_address(label: &str, raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let value = if value.contains("://") { value.to_string() } else { format!("https://{value}") };
    let host = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host_ok = host.split('.').count() >= 2
        && host.split('.').all(|part| !part.is_empty())
        && host.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if value.chars().count() > max {
        Err(format!("{label} can have at most {max} characters"))
    } else if host_ok && !value.contains(char::is_whitespace) {
        Ok(Some(value))
    } else {
        Err(format!("{label} \u{201c}{}\u{201d} is not a web address (e.g. https://example.com)", raw.trim()))
    }
}

fn email(label: &str, raw: &str) -> Result<Option<String>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    crate::input::parse_email(raw)
        .map(Some)
        .map_err(|e| format!("{label}: {}", crate::format::lower_first(&e.to_string())))
}

fn id<T: std::str::FromStr>(what: &str, raw: &str) -> Result<Option<T>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| format!("choose the {what} from the list"))
}

/// A 1–5 rating, or nothing.
fn rating(label: &str, raw: &str) -> Result<Option<i32>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i32>() {
        Ok(n) if (1..=5).contains(&n) => Ok(Some(n)),
        _ => Err(format!("{label} must be a whole number from 1 to 5, not \u{201c}{raw}\u{201d}")),
    }
}

impl OrganizationInput {
    pub fn check(&self) -> Result<ValidOrganization, AppError> {
        self.check_fields().map_err(|found| problems_error(&found))
    }

    /// Checks the form, every problem with the field it is about.
    pub fn check_fields(&self) -> Result<ValidOrganization, Vec<FieldProblem>> {
        let mut p = Problems::default();
        let name = p.at("name").required("The name", &self.name, 255);
        let organization_type = p.at("organization_type").choice(&self.organization_type);
        let parent = p.at("parent").checked(id("parent organization", &self.parent)).flatten();
        let sam_unique_id = p.at("sam_unique_id").checked(uei(&self.sam_unique_id)).flatten();
        let cage_code = p.at("cage_code").checked(cage(&self.cage_code)).flatten();
        let duns_number = p.at("duns_number").checked(duns(&self.duns_number)).flatten();
        let agency_path_code = p.at("agency_path_code").checked(agency_path_code(&self.agency_path_code)).flatten();
        let business_size = p.at("business_size").choice(&self.business_size);
        let mut certifications = Vec::new();
        p.at("certifications");
        for raw in self.certifications.iter().filter(|c| !c.trim().is_empty()) {
            if let Some(c) = p.choice::<Certification>(raw)
                && !certifications.contains(&c)
            {
                certifications.push(c);
            }
        }
        certifications.sort();
        let address_line1 = p.at("address_line1").one_line("Address line 1", &self.address_line1, 255);
        let address_line2 = p.at("address_line2").one_line("Address line 2", &self.address_line2, 255);
        let city = p.at("city").one_line("The city", &self.city, 100);
        let state_province = p.at("state_province").one_line("The state or province", &self.state_province, 100);
        let postal_code = p.at("postal_code").one_line("The postal code", &self.postal_code, 20);
        let country =
            p.at("country").one_line("The country", &self.country, 100).unwrap_or_else(|| "United States".into());
        let phone = p.at("phone").one_line("The phone number", &self.phone, 50);
        let email = p.at("email").checked(email("The e-mail address", &self.email)).flatten();
        let website = p.at("website").checked(web_address("The website", &self.website, 500)).flatten();
        let version = p.at("version").version(&self.version);
        p.finish(|| ValidOrganization {
            name: name.unwrap_or_default(),
            organization_type,
            parent,
            sam_unique_id,
            cage_code,
            duns_number,
            agency_path_code,
            business_size,
            certifications,
            address_line1,
            address_line2,
            city,
            state_province,
            postal_code,
            country,
            phone,
            email,
            website,
            version,
        })
    }
}

impl ContactInput {
    /// Checks the form; `today` bounds the last-contact date (a meeting next week has not happened).
    pub fn check(&self, today: NaiveDate) -> Result<ValidContact, AppError> {
        self.check_fields(today).map_err(|found| problems_error(&found))
    }

    /// Checks the form, every problem with the field it is about.
    pub fn check_fields(&self, today: NaiveDate) -> Result<ValidContact, Vec<FieldProblem>> {
        let mut p = Problems::default();
        let first_name = p.at("first_name").required("The first name", &self.first_name, 100);
        let last_name = p.at("last_name").required("The last name", &self.last_name, 100);
        let organization = p.at("organization").checked(id("organization", &self.organization)).flatten();
        let title = p.at("title").one_line("The title", &self.title, 150);
        let email = p.at("email").checked(email("The e-mail address", &self.email)).flatten();
        let phone = p.at("phone").one_line("The phone number", &self.phone, 50);
        let linkedin_url =
            p.at("linkedin_url").checked(web_address("The LinkedIn address", &self.linkedin_url, 500)).flatten();
        let contact_type = p.at("contact_type").choice(&self.contact_type);
        let decision_maker_level = p
            .at("decision_maker_level")
            .checked(rating("The decision-making level", &self.decision_maker_level))
            .flatten();
        let security_clearance = p.at("security_clearance").choice(&self.security_clearance);
        p.at("last_contact_date");
        let last_contact_date = match self.last_contact_date.trim() {
            "" => None,
            raw => match crate::input::date_in_range("The last contact date", raw) {
                Ok(d) if d > today => {
                    p.push(format!("the last contact date {d} is in the future; log a meeting ahead as an activity"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    p.push(format!("the last contact date: {}", crate::format::lower_first(&e.to_string())));
                    None
                }
            },
        };
        let interaction_frequency = p.at("interaction_frequency").choice(&self.interaction_frequency);
        let relationship_strength = p
            .at("relationship_strength")
            .checked(rating("The relationship strength", &self.relationship_strength))
            .flatten();
        let notes = p.at("notes").text("The notes", &self.notes, 20_000);
        let mut tags: Vec<String> = Vec::new();
        p.at("tags");
        for tag in self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match p.one_line("A tag", tag, MAX_TAG_CHARS) {
                Some(t) if !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) => tags.push(t),
                _ => {}
            }
        }
        if tags.len() > MAX_TAGS {
            p.push(format!("a contact can have at most {MAX_TAGS} tags, not {}", tags.len()));
        }
        let version = p.at("version").version(&self.version);
        p.finish(|| ValidContact {
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            organization,
            title,
            email,
            phone,
            linkedin_url,
            contact_type,
            decision_maker_level,
            security_clearance,
            last_contact_date,
            interaction_frequency,
            relationship_strength,
            notes,
            tags,
            version,
        })
    }
}

/// For the "Possible duplicate" answer: which contact, and why.
pub fn duplicate_message(name: &str, same_email: bool) -> String {
    if same_email {
        format!("{name} already has this e-mail address. Open that contact, or save anyway if they are two people.")
    } else {
        format!(
            "{name} at the same organization already exists. Open that contact, or save anyway if they are two people."
        )
    }
}

/// The address of a contact's page.
pub fn contact_href(id: ContactId) -> String {
    format!("/contacts/{id}")
}

/// The address of an organization's page.
pub fn organization_href(id: OrganizationId) -> String {
    format!("/organizations/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ueis_are_twelve_letters_and_digits_as_sam_issues_them() {
        assert_eq!(uei(" j7m9 hptg j1s9 "), Ok(Some("J7M9HPTGJ1S9".into())));
        assert_eq!(uei(""), Ok(None));
        for (bad, says) in [
            ("J7M9HPTGJ1S", "has 11 characters"),
            ("J7M9HPTGJ1S99", "has 13 characters"),
            ("J7M9-PTGJ1S9", "not \u{201c}-\u{201d}"),
            ("07M9HPTGJ1S9", "starts with 0"),
            ("J7M9HPTGJIS9", "letter I or O"),
            ("J7M9HPTGJ1SÉ", "not \u{201c}É\u{201d}"),
        ] {
            let message = uei(bad).expect_err(bad);
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn cage_codes_are_five_letters_and_digits() {
        assert_eq!(cage(" 1abc2 "), Ok(Some("1ABC2".into())));
        assert!(cage("1ABC").expect_err("4").contains("has 4 characters"));
        assert!(cage("1AB C2").expect_err("space").contains("not \u{201c} \u{201d}"));
        assert!(cage("1OBC2").expect_err("O").contains("letter I or O"));
        assert_eq!(duns("123-456-789"), Ok(Some("123456789".into())));
        assert!(duns("12345").is_err());
        assert_eq!(agency_path_code(" 097.disa.hc1028 "), Ok(Some("097.DISA.HC1028".into())));
        assert!(agency_path_code("097..HC1028").is_err());
    }

    #[test]
    fn an_organization_names_every_problem_at_once() {
        let input = OrganizationInput {
            name: " ".into(),
            organization_type: "ally".into(),
            sam_unique_id: "ABC".into(),
            cage_code: "ABCDEF".into(),
            email: "nobody".into(),
            website: "not a site".into(),
            parent: "acme".into(),
            city: "x".repeat(101),
            certifications: vec!["8a".into(), "gold".into()],
            ..Default::default()
        };
        let message = input.check().expect_err("invalid").to_string();
        for part in [
            "The name is required",
            "\"ally\" is not a valid organization type",
            "the UEI \u{201c}ABC\u{201d} has 3 characters",
            "the CAGE code \u{201c}ABCDEF\u{201d} has 6 characters",
            "The e-mail address: \"nobody\" is not a valid email address",
            "The website \u{201c}not a site\u{201d} is not a web address",
            "choose the parent organization from the list",
            "The city can have at most 100 characters",
            "\"gold\" is not a valid socioeconomic certification",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
    }

    #[test]
    fn a_valid_organization_is_normalised() {
        let valid = OrganizationInput {
            name: " Northwind Federal LLC ".into(),
            sam_unique_id: "nwf1234abcd5".into(),
            website: "northwind.example".into(),
            certifications: vec!["sdvosb".into(), "8A".into(), "sdvosb".into()],
            ..Default::default()
        }
        .check()
        .expect("valid");
        assert_eq!(valid.name, "Northwind Federal LLC");
        assert_eq!(valid.sam_unique_id.as_deref(), Some("NWF1234ABCD5"));
        assert_eq!(valid.website.as_deref(), Some("https://northwind.example"));
        assert_eq!(valid.certifications, vec![Certification::EightA, Certification::Sdvosb]);
        assert_eq!(valid.country, "United States");
    }

    #[test]
    fn a_contact_names_every_problem_at_once() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let input = ContactInput {
            first_name: "Dana".into(),
            last_name: "x".repeat(101),
            email: "dana@".into(),
            decision_maker_level: "9".into(),
            relationship_strength: "strong".into(),
            last_contact_date: "2026-12-24".into(),
            security_clearance: "cosmic".into(),
            tags: (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>().join(","),
            notes: "a\u{0}b".into(),
            ..Default::default()
        };
        let message = input.check(today).expect_err("invalid").to_string();
        for part in [
            "The last name can have at most 100 characters",
            "The e-mail address: \"dana@\" is not a valid email address",
            "The decision-making level must be a whole number from 1 to 5, not \u{201c}9\u{201d}",
            "The relationship strength must be a whole number from 1 to 5",
            "the last contact date 2026-12-24 is in the future",
            "\"cosmic\" is not a valid security clearance",
            "at most 20 tags, not 21",
            "The notes contains a control character",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
        let valid = ContactInput {
            first_name: " Dana ".into(),
            last_name: "Okafor".into(),
            email: "Dana.Okafor@Agency.example.GOV".into(),
            tags: "cyber, Cyber, , zero trust".into(),
            last_contact_date: "2026-12-01".into(),
            ..Default::default()
        }
        .check(today)
        .expect("valid");
        assert_eq!(valid.first_name, "Dana");
        assert_eq!(valid.email.as_deref(), Some("dana.okafor@agency.example.gov"));
        assert_eq!(valid.tags, vec!["cyber".to_string(), "zero trust".to_string()]);
    }
}
