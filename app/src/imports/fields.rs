//! What a column of an imported file can be: the fields of each kind, with the headings spreadsheets and
//! other CRMs give them, so a file is mapped before anyone touches it.

use super::ImportKind;

/// One field a column can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The form field's name (also what the mapping stores).
    pub key: &'static str,
    pub label: &'static str,
    /// Headings that mean this field, lower case, without punctuation.
    pub aliases: &'static [&'static str],
}

const fn field(key: &'static str, label: &'static str, aliases: &'static [&'static str]) -> Field {
    Field { key, label, aliases }
}

/// "Full name": split into first and last name (`AVERY, JORDAN` and `Jordan Avery` alike).
pub const FULL_NAME: &str = "full_name";

pub const CONTACT_FIELDS: &[Field] = &[
    field("first_name", "First name", &["first name", "firstname", "given name", "first"]),
    field("last_name", "Last name", &["last name", "lastname", "surname", "family name", "last"]),
    field(FULL_NAME, "Full name (split into first and last)", &["name", "full name", "contact", "contact name"]),
    field(
        "organization",
        "Organization (name, UEI or CAGE code)",
        &["organization", "organisation", "company", "agency", "office", "employer", "account", "company name"],
    ),
    field("title", "Title", &["title", "job title", "position", "role"]),
    field("email", "E-mail", &["email", "e mail", "email address", "e mail address", "work email", "email 1"]),
    field(
        "phone",
        "Phone",
        &["phone", "phone number", "business phone", "work phone", "telephone", "mobile", "mobile phone"],
    ),
    field("linkedin_url", "LinkedIn", &["linkedin", "linkedin url", "linkedin profile"]),
    field("contact_type", "Type", &["type", "contact type", "kind"]),
    field(
        "decision_maker_level",
        "Decision-making level (1–5)",
        &["decision maker level", "decision making level", "decision level"],
    ),
    field("security_clearance", "Clearance", &["clearance", "security clearance"]),
    field("last_contact_date", "Last contacted", &["last contact date", "last contacted", "last contact"]),
    field("interaction_frequency", "Interaction frequency", &["interaction frequency", "frequency"]),
    field(
        "relationship_strength",
        "Relationship strength (1–5)",
        &["relationship strength", "strength", "relationship"],
    ),
    field("notes", "Notes", &["notes", "note", "comments", "description"]),
    field("tags", "Tags (comma-separated)", &["tags", "tag", "labels", "categories"]),
];

pub const ORGANIZATION_FIELDS: &[Field] = &[
    field(
        "name",
        "Name",
        &["name", "organization", "organisation", "company", "company name", "legal business name", "agency"],
    ),
    field("organization_type", "Type", &["type", "organization type", "kind"]),
    field("parent", "Parent organization (name)", &["parent", "parent organization", "parent company", "department"]),
    field("sam_unique_id", "UEI", &["uei", "unique entity id", "sam unique id", "uei sam"]),
    field("cage_code", "CAGE code", &["cage", "cage code"]),
    field("duns_number", "DUNS (legacy)", &["duns", "duns number"]),
    field("agency_path_code", "Agency path code", &["agency path code", "full parent path code", "fullparentpathcode"]),
    field("business_size", "Business size", &["business size", "size"]),
    field(
        "certifications",
        "Certifications (comma-separated)",
        &["certifications", "socioeconomic certifications", "set asides"],
    ),
    field("address_line1", "Address line 1", &["address", "address line 1", "street", "address 1"]),
    field("address_line2", "Address line 2", &["address line 2", "address 2", "suite"]),
    field("city", "City", &["city", "town"]),
    field("state_province", "State or province", &["state", "state province", "province", "region"]),
    field("postal_code", "Postal code", &["postal code", "zip", "zip code", "postcode"]),
    field("country", "Country", &["country"]),
    field("phone", "Phone", &["phone", "phone number", "telephone"]),
    field("email", "E-mail", &["email", "e mail", "email address"]),
    field("website", "Website", &["website", "web site", "url", "web"]),
];

/// A pursuit's columns, named as the projects export names them (so an export comes back in as it went
/// out) and as pipeline spreadsheets do. People are named by e-mail or full name.
pub const PROJECT_FIELDS: &[Field] = &[
    field(
        "project_name",
        "Project name",
        &["project", "project name", "pursuit", "opportunity", "opportunity name", "name"],
    ),
    field(
        "internal_reference_number",
        "Internal reference",
        &["internal reference", "internal reference number", "reference", "ref", "project number"],
    ),
    field(
        "solicitation_number",
        "Solicitation number",
        &["solicitation", "solicitation number", "solicitation no", "rfp number", "notice id"],
    ),
    field("agency_name", "Agency", &["agency", "customer", "department", "agency name"]),
    field("contracting_office", "Contracting office", &["contracting office", "office"]),
    field("description", "Description", &["description", "notes", "summary"]),
    field("pipeline_stage", "Stage (phase 0–6)", &["stage", "phase", "shipley phase", "pipeline stage"]),
    field("project_status", "Status", &["status", "project status"]),
    field("priority_level", "Priority", &["priority", "priority level"]),
    field(
        "win_probability_score",
        "Win probability (%)",
        &["pwin", "pwin %", "p win", "win probability", "probability"],
    ),
    field("strategic_value_score", "Strategic value (%)", &["strategic value", "strategic value score"]),
    field("capture_manager", "Capture manager (e-mail or name)", &["capture manager", "capture lead", "owner"]),
    field("proposal_manager", "Proposal manager (e-mail or name)", &["proposal manager", "proposal lead"]),
    field("estimated_value", "Estimated value ($)", &["estimated value", "value", "contract value", "tcv", "ceiling"]),
    field(
        "response_due_date",
        "Response due (date)",
        &["response due", "response due utc", "due date", "response date", "proposal due", "due"],
    ),
    field("naics_codes", "NAICS codes", &["naics", "naics code", "naics codes"]),
    field("set_aside_type", "Set-aside", &["set aside", "set aside type"]),
];

impl ImportKind {
    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Contacts => CONTACT_FIELDS,
            ImportKind::Organizations => ORGANIZATION_FIELDS,
            ImportKind::Projects => PROJECT_FIELDS,
        }
    }

    pub fn field(self, key: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.key == key)
    }
}

/// A heading as compared: lower case, punctuation and repeated spaces folded ("E-Mail Address:" →
/// "e mail address").
pub fn heading_key(heading: &str) -> String {
    let folded: String =
        heading.trim().chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    words.join(" ").chars().take(200).collect()
}

/// The field each heading is most likely to be: what this tenant mapped that heading to before, else the
/// field whose label or alias it is. A field is suggested for one column only (the first).
pub fn suggest(kind: ImportKind, headings: &[String], remembered: &[(String, String)]) -> Vec<Option<String>> {
    let mut taken: Vec<&str> = Vec::new();
    headings
        .iter()
        .map(|heading| {
            let key = heading_key(heading);
            let known = remembered.iter().find(|(h, _)| *h == key).map(|(_, field)| field.as_str());
            let guess = match known {
                // Remembered as "do not import".
                Some("") => None,
                Some(field) => kind.field(field).map(|f| f.key),
                None => kind
                    .fields()
                    .iter()
                    .find(|f| {
                        f.key == key.replace(' ', "_")
                            || heading_key(f.label) == key
                            || f.aliases.contains(&key.as_str())
                    })
                    .map(|f| f.key),
            };
            match guess {
                Some(field) if !taken.contains(&field) => {
                    taken.push(field);
                    Some(field.to_string())
                }
                _ => None,
            }
        })
        .collect()
}

/// What is wrong with a mapping, or nothing: every field at most once, the required ones present.
pub fn mapping_problems(kind: ImportKind, mapping: &[Option<String>]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for key in mapping.iter().flatten() {
        match kind.field(key) {
            None => problems.push(format!("\u{201c}{key}\u{201d} is not a field of {}", kind.label_plural())),
            Some(f) if seen.contains(&f.key) => {
                problems.push(format!("{} is chosen for two columns; choose it for one", f.label))
            }
            Some(f) => seen.push(f.key),
        }
    }
    let has = |k: &str| seen.contains(&k);
    match kind {
        ImportKind::Contacts => {
            if has(FULL_NAME) && (has("first_name") || has("last_name")) {
                problems.push("choose either a full name column or first and last name columns, not both".into());
            } else if !has(FULL_NAME) && (!has("first_name") || !has("last_name")) {
                problems.push("choose the columns with the first and last names (or one with the full name)".into());
            }
        }
        ImportKind::Organizations => {
            if !has("name") {
                problems.push("choose the column with the organization's name".into());
            }
        }
        ImportKind::Projects => {
            if !has("project_name") {
                problems.push("choose the column with the project's name".into());
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headings_from_outlook_and_spreadsheets_are_recognised() {
        let headings =
            strings(&["First Name", "Last Name", "Company", "E-mail Address", "Job Title", "Mystery", "Email"]);
        let got = suggest(ImportKind::Contacts, &headings, &[]);
        let want =
            [Some("first_name"), Some("last_name"), Some("organization"), Some("email"), Some("title"), None, None];
        assert_eq!(got, want.map(|w| w.map(str::to_string)).to_vec(), "a field is suggested once");
    }

    /// The projects export's own headings: what goes out comes back in.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_projects_export_headings_map_back_to_their_fields() {
        let headings = strings(&crate::projects::export::HEADER);
        let got = suggest(ImportKind::Projects, &headings, &[]);
        let want = [
            Some("project_name"),
            None, // Title: the source's, not typed
            Some("solicitation_number"),
            Some("agency_name"),
            Some("pipeline_stage"),
            Some("project_status"),
            Some("priority_level"),
            Some("estimated_value"),
            Some("win_probability_score"),
            Some("response_due_date"),
            Some("naics_codes"),
            Some("set_aside_type"),
            Some("capture_manager"),
            None, // Unacknowledged changes
            None, // Link id
        ];
        assert_eq!(got, want.map(|w| w.map(str::to_string)).to_vec());
        assert!(mapping_problems(ImportKind::Projects, &got).is_empty());
        assert!(mapping_problems(ImportKind::Projects, &[Some("agency_name".into())])[0].contains("project's name"));
    }

    #[test]
    fn a_remembered_mapping_wins_and_can_say_skip() {
        let headings = strings(&["Mystery", "Company"]);
        let remembered = vec![("mystery".to_string(), "notes".to_string()), ("company".to_string(), String::new())];
        assert_eq!(suggest(ImportKind::Contacts, &headings, &remembered), vec![Some("notes".to_string()), None]);
    }

    #[test]
    fn mappings_name_what_is_missing_or_twice() {
        let m = |list: &[Option<&str>]| list.iter().map(|o| o.map(str::to_string)).collect::<Vec<_>>();
        assert!(mapping_problems(ImportKind::Contacts, &m(&[Some("first_name"), Some("last_name")])).is_empty());
        assert!(mapping_problems(ImportKind::Contacts, &m(&[Some(FULL_NAME), None])).is_empty());
        let twice = mapping_problems(ImportKind::Contacts, &m(&[Some("email"), Some("email"), Some(FULL_NAME)]));
        assert!(twice[0].contains("E-mail is chosen for two columns"), "{twice:?}");
        let none = mapping_problems(ImportKind::Contacts, &m(&[Some("email")]));
        assert!(none[0].contains("first and last names"), "{none:?}");
        let unknown = mapping_problems(ImportKind::Organizations, &m(&[Some("salary"), Some("name")]));
        assert!(unknown[0].contains("not a field of organizations"), "{unknown:?}");
        assert!(mapping_problems(ImportKind::Organizations, &m(&[Some("city")]))[0].contains("organization's name"));
    }

    #[test]
    fn headings_fold_punctuation_and_case() {
        assert_eq!(heading_key("  E-Mail   Address: "), "e mail address");
        assert_eq!(heading_key("UEI (SAM)"), "uei sam");
    }
}
