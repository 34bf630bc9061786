//! Organizations and contacts: created, edited and deactivated through their server functions with every
//! problem named and nothing written; UEI, CAGE code and e-mail duplicates answered with a link to the first;
//! a hierarchy that cannot loop; search, filters, sort and paging on the server; field history and audit in
//! the same transaction; another tenant's ids not found; a viewer reads and cannot write.

use crate::common::{Browser, TestApp, status_and_message};
use app::{
    contacts::{
        Stance,
        merge::MergeOutcome,
        organizations::{OrganizationDetail, OrganizationForm, OrganizationList},
        people::{ContactDetail, ContactList},
        pursuit::PursuitContacts,
        teaming::{TeamingRole, team_workshare},
    },
    domain::PipelineStage,
    ids::{ContactId, OrganizationId, PursuitContactId, PursuitOrganizationId},
    roles::SystemRole,
};
use uuid::Uuid;

const SAVE_ORG: &str = "/api/organizations/save";
const SAVE_CONTACT: &str = "/api/contacts/save";

/// `prefix[key]=value` pairs (`list[0]` becomes `prefix[list][0]`), as the browser encodes a struct argument.
fn fields<'a>(prefix: &str, pairs: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    pairs
        .iter()
        .map(|(k, v)| match k.split_once('[') {
            Some((name, index)) => (format!("{prefix}[{name}][{index}"), *v),
            None => (format!("{prefix}[{k}]"), *v),
        })
        .collect()
}

async fn call(
    person: &Browser,
    path: &str,
    id: Option<&str>,
    prefix: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = fields(prefix, pairs);
    if let Some(id) = id {
        form.push(("id".into(), id));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    person.call(path, &form).await
}

async fn save_org(person: &Browser, id: Option<&str>, pairs: &[(&str, &str)]) -> reqwest::Response {
    call(person, SAVE_ORG, id, "input", pairs).await
}

async fn new_org(person: &Browser, pairs: &[(&str, &str)]) -> OrganizationId {
    let res = save_org(person, None, pairs).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn new_contact(person: &Browser, pairs: &[(&str, &str)]) -> ContactId {
    let res = call(person, SAVE_CONTACT, None, "input", pairs).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn organizations(person: &Browser, filter: &[(&str, &str)]) -> OrganizationList {
    let mut form = fields("filter", filter);
    form.push(("filter[page]".into(), "0"));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    person.answer("/api/organizations/list", &form).await
}

async fn contacts(person: &Browser, filter: &[(&str, &str)]) -> ContactList {
    let mut form = fields("filter", filter);
    if !filter.iter().any(|(k, _)| *k == "page") {
        form.push(("filter[page]".into(), "0"));
    }
    if !filter.iter().any(|(k, _)| *k == "sort") {
        form.push(("filter[sort]".into(), "name"));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    person.answer("/api/contacts/list", &form).await
}

/// The status and the `Exists` answer's message and link.
async fn exists(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    let e = &body["Exists"];
    (status, e["message"].as_str().unwrap_or_default().into(), e["href"].as_str().unwrap_or_default().into())
}

#[tokio::test]
async fn the_search_finds_word_beginnings_and_follows_every_rename() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let navsea = [("name", "Naval Sea Systems Command"), ("organization_type", "government_agency")];
    let org = new_org(&capture, &navsea).await.to_string();
    let person = |last: &'static str| {
        vec![
            ("first_name", "Dana"),
            ("last_name", last),
            ("organization", org.as_str()),
            ("title", "Contracting Officer"),
        ]
    };
    let dana = new_contact(&capture, &person("Okafor")).await.to_string();
    new_contact(&capture, &[("first_name", "Sam"), ("last_name", "Oakes"), ("email", "sam.oakes@dla.example.gov")])
        .await;
    let found = |q: &'static str| {
        let capture = capture.clone();
        async move { contacts(&capture, &[("q", q)]).await.rows.into_iter().map(|r| r.name).collect::<Vec<_>>() }
    };
    for (q, expected) in [
        ("OKAF co", vec!["Dana Okafor"]), // each word begins one of the person's words, in any case
        ("naval sea dana", vec!["Dana Okafor"]), // the organization's words count as the person's
        ("dla.example", vec!["Sam Oakes"]), // an e-mail's parts
        ("o", vec!["Sam Oakes", "Dana Okafor"]),
        ("kafor", vec![]),      // the middle of a word begins none
        ("okafor sam", vec![]), // every word must match
        ("\u{e9}", vec![]),     // non-ASCII is searched, not refused
    ] {
        assert_eq!(found(q).await, expected, "{q}");
    }
    // A search's total is counted with its page.
    assert_eq!(contacts(&capture, &[("q", "o")]).await.total, 2);
    assert_eq!(contacts(&capture, &[("q", "o"), ("page", "1")]).await.total, 2, "past the end, counted apart");

    // A rename changes the words, in the same transaction as the edit; other edits touch none.
    let res = call(&capture, SAVE_CONTACT, Some(&dana), "input", &person("Whitaker")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(found("okafor").await, Vec::<String>::new());
    assert_eq!(found("whit").await, ["Dana Whitaker"]);
    let renamed = [("name", "NAVSEA Headquarters"), ("organization_type", "government_agency")];
    assert_eq!(save_org(&capture, Some(&org), &renamed).await.status(), 200);
    assert_eq!(found("naval").await, Vec::<String>::new());
    assert_eq!(found("navsea head").await, ["Dana Whitaker"]);
    let words = |id: &str| format!("SELECT count(*) FROM search_words WHERE record_id = '{id}'");
    // dana, whitaker, contracting, officer: no stale word left behind.
    assert_eq!(app.count(&words(&dana)).await, 4);
    assert_eq!(app.count(&words(&org)).await, 2);
}

#[tokio::test]
async fn an_agency_tree_is_built_with_checked_identifiers_and_no_duplicates_or_loops() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;

    let army =
        new_org(&capture, &[("name", "Department of the Army"), ("organization_type", "government_agency")]).await;
    let army_text = army.to_string();
    let usace = new_org(
        &capture,
        &[("name", "USACE Huntsville"), ("parent", &army_text), ("agency_path_code", "021.w2v6.w912dy")],
    )
    .await;
    let prime = new_org(
        &capture,
        &[
            ("name", "Northwind Federal LLC"),
            ("organization_type", "prime_contractor"),
            ("sam_unique_id", "nwf1 234a bcd5"),
            ("cage_code", "1abc2"),
            ("certifications[0]", "sdvosb"),
            ("certifications[1]", "8a"),
            ("website", "northwind.example"),
        ],
    )
    .await;

    let detail: OrganizationDetail = capture.answer("/api/organizations/get", &[("id", &army_text)]).await;
    assert_eq!(detail.tree.iter().map(|n| (n.name.as_str(), n.depth)).collect::<Vec<_>>(), [("USACE Huntsville", 1)]);
    let office: OrganizationDetail = capture.answer("/api/organizations/get", &[("id", &usace.to_string())]).await;
    assert_eq!(office.ancestors, vec![(army, "Department of the Army".to_string())]);
    assert_eq!(office.agency_path_code.as_deref(), Some("021.W2V6.W912DY"));
    let company: OrganizationDetail = capture.answer("/api/organizations/get", &[("id", &prime.to_string())]).await;
    assert_eq!(
        (company.sam_unique_id.as_deref(), company.cage_code.as_deref(), company.website.as_deref()),
        (Some("NWF1234ABCD5"), Some("1ABC2"), Some("https://northwind.example"))
    );
    assert_eq!(company.certifications.len(), 2);

    // Found by words of its name, by its parent's name, by UEI and by CAGE code, in any case.
    for (q, expected) in [
        ("huntsville", vec!["USACE Huntsville"]),
        ("army", vec!["Department of the Army", "USACE Huntsville"]),
        ("nwf1234abcd5", vec!["Northwind Federal LLC"]),
        ("1ABC2", vec!["Northwind Federal LLC"]),
        ("100%", vec![]),
    ] {
        let list = organizations(&capture, &[("q", q)]).await;
        assert_eq!(list.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), expected, "{q}");
    }
    let long_search = "x".repeat(201);
    let (status, message) =
        status_and_message(capture.call("/api/organizations/list", &[("filter[q]", &long_search)]).await).await;
    assert_eq!((status, message.as_str()), (422, "The search can have at most 200 characters."));
    let list = organizations(&capture, &[("kind", "prime_contractor")]).await;
    assert_eq!((list.total, list.may_write), (1, true));

    // The same UEI or CAGE code again: refused with a link to the first, nothing written.
    let before = app.count("SELECT count(*) FROM organizations").await;
    for (field, value, says) in
        [("sam_unique_id", "NWF1234ABCD5", "UEI NWF1234ABCD5"), ("cage_code", "1abc2", "CAGE code 1ABC2")]
    {
        let (status, message, href) =
            exists(save_org(&capture, None, &[("name", "Copycat"), (field, value)]).await).await;
        assert_eq!(status, 409, "{message}");
        assert!(message.contains("Northwind Federal LLC") && message.contains(says), "{message}");
        assert_eq!(href, format!("/organizations/{prime}"));
    }
    // Editing the company itself keeps its identifiers.
    let form: OrganizationForm = capture.answer("/api/organizations/form", &[("id", &prime.to_string())]).await;
    assert!(form.parents.iter().all(|(id, _)| *id != prime), "an organization is not offered as its own parent");
    let prime_text = prime.to_string();
    let res = save_org(
        &capture,
        Some(&prime_text),
        &[
            ("name", "Northwind Federal"),
            ("sam_unique_id", "NWF1234ABCD5"),
            ("cage_code", "1ABC2"),
            ("version", &form.input.version),
        ],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The form seen before that edit is out of date.
    let (status, message) = status_and_message(
        save_org(&capture, Some(&prime_text), &[("name", "Stale"), ("version", &form.input.version)]).await,
    )
    .await;
    assert_eq!(status, 409, "{message}");
    assert!(message.contains("after you opened the form"), "{message}");

    // A department cannot go under its own office.
    let (status, message) = status_and_message(
        save_org(&capture, Some(&army_text), &[("name", "Department of the Army"), ("parent", &usace.to_string())])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(message.contains("cannot be placed under \u{201c}USACE Huntsville\u{201d}"), "{message}");

    // Every problem named at once; nothing written.
    let long = "x".repeat(100_000);
    for (pairs, says) in [
        (vec![("name", "Bad"), ("sam_unique_id", "ABC")], "the UEI \u{201c}ABC\u{201d} has 3 characters"),
        (vec![("name", "Bad"), ("sam_unique_id", "J7M9HPTGJIS9")], "letter I or O"),
        (vec![("name", "Bad"), ("cage_code", "12-45")], "not \u{201c}-\u{201d}"),
        (vec![("name", long.as_str())], "The name can have at most 255 characters"),
        (vec![("name", "Bad"), ("organization_type", "ally")], "\"ally\" is not a valid organization type"),
        (vec![("name", "Bad"), ("parent", "not-an-id")], "choose the parent organization from the list"),
        (vec![("name", "Bad"), ("parent", &Uuid::new_v4().to_string())], "parent organization was not found"),
        (vec![("name", "Bad"), ("email", "nobody")], "is not a valid email address"),
        (vec![("name", "")], "The name is required"),
    ] {
        let (status, message) = status_and_message(save_org(&capture, None, &pairs).await).await;
        assert_eq!(status, 422, "{says}: {message}");
        assert!(message.contains(says), "{says} missing from: {message}");
    }
    assert_eq!(app.count("SELECT count(*) FROM organizations").await, before, "nothing was written");

    // History field by field and one audit row per write, in the same transaction.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM change_history WHERE entity_type = 'organization' AND entity_id = '{prime}' AND field_name = 'name' \
               AND old_value = '\"Northwind Federal LLC\"' AND new_value = '\"Northwind Federal\"'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_logs WHERE entity_type = 'organization' AND entity_id = '{prime}'"
        ))
        .await,
        2,
        "created and changed"
    );

    // Deactivated: out of the list unless asked for, and out of the parent pickers.
    capture.ok("/api/organizations/active", &[("id", &usace.to_string()), ("active", "false")]).await;
    assert_eq!(organizations(&capture, &[("q", "huntsville")]).await.total, 0);
    assert_eq!(organizations(&capture, &[("q", "huntsville"), ("inactive", "true")]).await.total, 1);
}

#[tokio::test]
async fn contacts_are_searched_filtered_sorted_and_paged_and_duplicates_are_caught() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let army = new_org(&capture, &[("name", "Department of the Army")]).await;
    let army_text = army.to_string();
    let office = new_org(&capture, &[("name", "USACE Huntsville"), ("parent", &army_text)]).await;
    let office_text = office.to_string();
    let dana = new_contact(
        &capture,
        &[
            ("first_name", " Dana "),
            ("last_name", "Okafor"),
            ("organization", &office_text),
            ("title", "Contracting Officer"),
            ("email", "Dana.Okafor@usace.army.example"),
            ("contact_type", "contracting_officer"),
            ("relationship_strength", "4"),
            ("security_clearance", "secret"),
            ("last_contact_date", "2026-11-02"),
            ("tags", "cyber, Cyber, zero trust"),
        ],
    )
    .await;
    new_contact(
        &capture,
        &[("first_name", "Lee"), ("last_name", "Abrams"), ("organization", &army_text), ("relationship_strength", "2")],
    )
    .await;
    new_contact(&capture, &[("first_name", "Sam"), ("last_name", "Zimmer"), ("title", "Program Manager")]).await;

    let detail: ContactDetail = capture.answer("/api/contacts/get", &[("id", &dana.to_string())]).await;
    assert_eq!((detail.first_name.as_str(), detail.email.as_deref()), ("Dana", Some("dana.okafor@usace.army.example")));
    assert_eq!(
        detail.organization_path.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
        ["Department of the Army", "USACE Huntsville"]
    );
    assert_eq!(detail.tags, ["cyber", "zero trust"]);

    let names = |list: &ContactList| list.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    for (filter, expected) in [
        (vec![], vec!["Lee Abrams", "Dana Okafor", "Sam Zimmer"]),
        (vec![("q", "dana contracting")], vec!["Dana Okafor"]),
        (vec![("q", "huntsville")], vec!["Dana Okafor"]),
        (vec![("q", "usace.army")], vec!["Dana Okafor"]),
        (vec![("q", "_")], vec![]),
        (vec![("organization", army_text.as_str())], vec!["Lee Abrams", "Dana Okafor"]),
        (vec![("organization", office_text.as_str())], vec!["Dana Okafor"]),
        (vec![("kind", "contracting_officer")], vec!["Dana Okafor"]),
        (vec![("clearance", "secret")], vec!["Dana Okafor"]),
        (vec![("strength", "3")], vec!["Dana Okafor"]),
        (vec![("contacted", "never")], vec!["Lee Abrams", "Sam Zimmer"]),
        (vec![("sort", "strength")], vec!["Dana Okafor", "Lee Abrams", "Sam Zimmer"]),
        (vec![("sort", "organization")], vec!["Lee Abrams", "Dana Okafor", "Sam Zimmer"]),
        (vec![("page", "1")], vec![]),
    ] {
        let list = contacts(&capture, &filter).await;
        assert_eq!(names(&list), expected, "{filter:?}");
    }
    assert_eq!(
        contacts(&capture, &[("organization", &army_text)]).await.organizations,
        vec![(army, "Department of the Army".to_string())]
    );

    // The same e-mail, or the same name at the same organization: a warning with a link, unless confirmed.
    let before = app.count("SELECT count(*) FROM contacts").await;
    let (status, message, href) = exists(
        call(
            &capture,
            SAVE_CONTACT,
            None,
            "input",
            &[("first_name", "D."), ("last_name", "Okafor"), ("email", "DANA.OKAFOR@usace.army.example")],
        )
        .await,
    )
    .await;
    assert_eq!((status, href.as_str()), (409, format!("/contacts/{dana}").as_str()), "{message}");
    assert!(message.contains("Dana Okafor already has this e-mail address"), "{message}");
    let (status, message, _) = exists(
        call(
            &capture,
            SAVE_CONTACT,
            None,
            "input",
            &[("first_name", "dana"), ("last_name", "OKAFOR"), ("organization", &office_text)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(message.contains("at the same organization"), "{message}");
    assert_eq!(app.count("SELECT count(*) FROM contacts").await, before, "nothing was written");
    let mut form = fields("input", &[("first_name", "Dana"), ("last_name", "Okafor"), ("organization", &office_text)]);
    form.push(("allow_duplicate".into(), "true"));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let _twin: ContactId = capture.answer(SAVE_CONTACT, &form).await;

    // Editing Dana without touching who she is asks nothing; history names the changed field only.
    let dana_text = dana.to_string();
    let res = call(
        &capture,
        SAVE_CONTACT,
        Some(&dana_text),
        "input",
        &[
            ("first_name", "Dana"),
            ("last_name", "Okafor"),
            ("organization", &office_text),
            ("email", "dana.okafor@usace.army.example"),
            ("title", "Supervisory Contracting Officer"),
            ("contact_type", "contracting_officer"),
            ("relationship_strength", "4"),
            ("security_clearance", "secret"),
            ("last_contact_date", "2026-11-02"),
            ("tags", "cyber, zero trust"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let fields_changed: Vec<String> = {
        let owner = app.db.owner_pool().await;
        let mut tx = crate::common::owner_tx(&owner, tenant.id.as_uuid()).await;
        sqlx::query_scalar(
            "SELECT field_name FROM change_history WHERE entity_id = $1 AND old_value IS NOT NULL ORDER BY field_name",
        )
        .bind(dana.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!(fields_changed, ["title"]);

    // Bad input: every problem named, nothing written.
    let long = "x".repeat(100_000);
    for (pairs, says) in [
        (vec![("first_name", "A"), ("last_name", long.as_str())], "The last name can have at most 100 characters"),
        (vec![("first_name", "A"), ("last_name", "B"), ("relationship_strength", "6")], "from 1 to 5"),
        (vec![("first_name", "A"), ("last_name", "B"), ("decision_maker_level", "1.5")], "from 1 to 5"),
        (
            vec![("first_name", "A"), ("last_name", "B"), ("last_contact_date", "2999-01-01")],
            "between 1990-01-01 and 2100-12-31",
        ),
        (vec![("first_name", "A"), ("last_name", "B"), ("last_contact_date", "yesterday")], "is not a date"),
        (
            vec![("first_name", "A"), ("last_name", "B"), ("organization", &Uuid::new_v4().to_string())],
            "organization was not found",
        ),
        (
            vec![("first_name", "A"), ("last_name", "B"), ("linkedin_url", "javascript:alert(1)")],
            "is not a web address",
        ),
        (vec![("first_name", ""), ("last_name", "")], "The first name is required; The last name is required"),
    ] {
        let (status, message) = status_and_message(call(&capture, SAVE_CONTACT, None, "input", &pairs).await).await;
        assert_eq!(status, 422, "{says}: {message}");
        assert!(message.contains(says), "{says} missing from: {message}");
    }
    let (status, _) = status_and_message(capture.call("/api/contacts/list", &[("filter[strength]", "9")]).await).await;
    assert_eq!(status, 422, "a strength no address offers");

    // Deactivated: out of the list unless asked for; every link stays.
    capture.ok("/api/contacts/active", &[("id", &dana_text), ("active", "false")]).await;
    assert!(!names(&contacts(&capture, &[("q", "okafor")]).await).is_empty(), "her twin is still active");
    assert_eq!(contacts(&capture, &[("q", "supervisory")]).await.total, 0);
    assert_eq!(contacts(&capture, &[("q", "supervisory"), ("inactive", "true")]).await.total, 1);
}

#[tokio::test]
async fn another_tenants_organizations_and_contacts_are_not_found_and_a_viewer_only_reads() {
    let app = TestApp::new().await;
    let acme = app.with_tenant("acme").await;
    let other = app.with_tenant("initech").await;
    let acme_capture = acme.with_user(SystemRole::CaptureManager).await;
    let viewer = acme.with_user(SystemRole::Viewer).await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    let org = new_org(&theirs, &[("name", "Initech Federal"), ("sam_unique_id", "J7M9HPTGJ1S9")]).await;
    let contact =
        new_contact(&theirs, &[("first_name", "Bill"), ("last_name", "Lumbergh"), ("organization", &org.to_string())])
            .await;
    let (org_text, contact_text) = (org.to_string(), contact.to_string());

    for (path, form) in [
        ("/api/organizations/get", vec![("id", org_text.as_str())]),
        ("/api/organizations/form", vec![("id", org_text.as_str())]),
        ("/api/organizations/active", vec![("id", org_text.as_str()), ("active", "false")]),
        ("/api/organizations/save", vec![("id", org_text.as_str()), ("input[name]", "Mine now")]),
        ("/api/contacts/get", vec![("id", contact_text.as_str())]),
        ("/api/contacts/form", vec![("id", contact_text.as_str())]),
        ("/api/contacts/active", vec![("id", contact_text.as_str()), ("active", "false")]),
        (
            "/api/contacts/save",
            vec![("id", contact_text.as_str()), ("input[first_name]", "A"), ("input[last_name]", "B")],
        ),
    ] {
        let (status, message) = status_and_message(acme_capture.call(path, &form).await).await;
        assert_eq!(status, 404, "{path}: {message}");
    }
    // Their UEI is not a duplicate here, and their people are not in our lists or pickers.
    new_org(&acme_capture, &[("name", "Our Initech record"), ("sam_unique_id", "J7M9HPTGJ1S9")]).await;
    assert_eq!(contacts(&acme_capture, &[("q", "lumbergh")]).await.total, 0);
    let (status, message) = status_and_message(
        call(
            &acme_capture,
            SAVE_CONTACT,
            None,
            "input",
            &[("first_name", "A"), ("last_name", "B"), ("organization", &org_text)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("organization was not found"), "{message}");
    // Unchanged on their side.
    let detail: ContactDetail = theirs.answer("/api/contacts/get", &[("id", &contact_text)]).await;
    assert_eq!((detail.first_name.as_str(), detail.is_active), ("Bill", true));

    // A viewer reads and cannot write (the refusal is recorded).
    let list = organizations(&viewer, &[]).await;
    assert_eq!((list.total, list.may_write), (1, false));
    for (path, form) in [
        ("/api/organizations/save", vec![("input[name]", "Viewer Org")]),
        ("/api/contacts/save", vec![("input[first_name]", "V"), ("input[last_name]", "W")]),
        ("/api/organizations/form", vec![]),
    ] {
        let (status, message) = status_and_message(viewer.call(path, &form).await).await;
        assert_eq!(status, 403, "{path}: {message}");
    }
    assert_eq!(app.count("SELECT count(*) FROM organizations WHERE name = 'Viewer Org'").await, 0);
    assert!(app.count("SELECT count(*) FROM permission_audit WHERE permission_checked = 'contacts.write'").await >= 3);
}

async fn role_call(person: &Browser, path: &str, fixed: &[(&str, &str)], input: &[(&str, &str)]) -> reqwest::Response {
    let mut form: Vec<(String, &str)> = fixed.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    form.extend(fields("input", input));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    person.call(path, &form).await
}

#[tokio::test]
async fn people_get_roles_on_a_pursuit_with_influence_and_stance_and_only_there() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let [pursuit] = tenant.with_projects(1, PipelineStage::Phase2).await.try_into().unwrap();
    let office = new_org(&capture, &[("name", "USACE Huntsville")]).await;
    let dana = new_contact(
        &capture,
        &[
            ("first_name", "Dana"),
            ("last_name", "Okafor"),
            ("organization", &office.to_string()),
            ("relationship_strength", "4"),
        ],
    )
    .await;
    let (p, d) = (pursuit.to_string(), dana.to_string());

    // Dana holds two roles; the same role twice is refused.
    let co: PursuitContactId = {
        let res = role_call(
            &capture,
            "/api/projects/contacts/add",
            &[("project", &p)],
            &[
                ("contact", &d),
                ("relationship_type", "contracting_officer"),
                ("influence_level", "5"),
                ("stance", "supporter"),
                ("notes", "Signs the award"),
            ],
        )
        .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    };
    let res = role_call(
        &capture,
        "/api/projects/contacts/add",
        &[("project", &p)],
        &[("contact", &d), ("relationship_type", "technical_evaluator")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let (status, message) = status_and_message(
        role_call(
            &capture,
            "/api/projects/contacts/add",
            &[("project", &p)],
            &[("contact", &d), ("relationship_type", "contracting_officer")],
        )
        .await,
    )
    .await;
    assert_eq!((status, message.contains("already has that role")), (409, true), "{message}");

    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p)]).await;
    assert_eq!(tab.roles.len(), 2);
    let first = &tab.roles[0];
    assert_eq!(
        (first.name.as_str(), first.influence_level, first.stance, first.strength),
        ("Dana Okafor", Some(5), Stance::Supporter, Some(4))
    );
    assert_eq!(first.organization.as_ref().map(|(_, n)| n.as_str()), Some("USACE Huntsville"));
    assert!(first.added_by.is_some());
    assert!(tab.may_write && tab.choices.iter().any(|(id, label)| *id == dana && label.contains("USACE Huntsville")));
    // Her own page lists both roles.
    let detail: ContactDetail = capture.answer("/api/contacts/get", &[("id", &d)]).await;
    assert_eq!(detail.pursuits.len(), 2);

    // Changed: stance and notes; history names the fields that changed.
    let res = role_call(
        &capture,
        "/api/projects/contacts/update",
        &[("project", &p), ("role", &co.to_string())],
        &[
            ("contact", &d),
            ("relationship_type", "contracting_officer"),
            ("influence_level", "5"),
            ("stance", "champion"),
            ("notes", "Signs the award"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM change_history WHERE entity_id = '{co}' AND field_name = 'stance' AND new_value = '\"champion\"'")).await,
        1
    );

    // Bad input and unknown ids: named, nothing written.
    let before = app.count("SELECT count(*) FROM opportunity_project_contacts").await;
    for (input, says) in [
        (vec![("contact", d.as_str()), ("relationship_type", "spy")], "is not a valid relationship type"),
        (vec![("contact", d.as_str()), ("relationship_type", "end_user"), ("influence_level", "9")], "from 1 to 5"),
        (vec![("contact", "nobody"), ("relationship_type", "end_user")], "choose the person from the list"),
        (vec![("contact", &Uuid::new_v4().to_string()), ("relationship_type", "end_user")], "The person was not found"),
    ] {
        let (status, message) =
            status_and_message(role_call(&capture, "/api/projects/contacts/add", &[("project", &p)], &input).await)
                .await;
        assert_eq!(status, 422, "{says}: {message}");
        assert!(message.contains(says), "{says} missing from: {message}");
    }
    let long = "x".repeat(100_000);
    let (status, _) = status_and_message(
        role_call(
            &capture,
            "/api/projects/contacts/add",
            &[("project", &p)],
            &[("contact", &d), ("relationship_type", "end_user"), ("notes", &long)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_project_contacts").await, before);

    // Another tenant: their pursuit and their role are not found; our person cannot be put on their pursuit.
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    let [their_pursuit] = other.with_projects(1, PipelineStage::Phase1).await.try_into().unwrap();
    let tp = their_pursuit.to_string();
    for (path, fixed) in [
        ("/api/projects/contacts", vec![("project", tp.as_str())]),
        ("/api/projects/contacts/remove", vec![("project", p.as_str()), ("role", &Uuid::new_v4().to_string())]),
    ] {
        let (status, message) = status_and_message(capture.call(path, &fixed).await).await;
        assert_eq!(status, 404, "{path}: {message}");
    }
    let (status, _) = status_and_message(
        role_call(
            &capture,
            "/api/projects/contacts/add",
            &[("project", &tp)],
            &[("contact", &d), ("relationship_type", "end_user")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = status_and_message(
        role_call(
            &theirs,
            "/api/projects/contacts/add",
            &[("project", &tp)],
            &[("contact", &d), ("relationship_type", "end_user")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "our person is not theirs to add");
    let (status, _) = status_and_message(
        capture.call("/api/projects/contacts/remove", &[("project", &tp), ("role", &co.to_string())]).await,
    )
    .await;
    assert_eq!(status, 404, "a role is removed only through its own pursuit");

    // A viewer reads the tab and cannot change it.
    let tab: PursuitContacts = viewer.answer("/api/projects/contacts", &[("project", &p)]).await;
    assert!(!tab.may_write && tab.choices.is_empty() && tab.roles.len() == 2);
    let (status, _) = status_and_message(
        viewer.call("/api/projects/contacts/remove", &[("project", &p), ("role", &co.to_string())]).await,
    )
    .await;
    assert_eq!(status, 403);

    // Removed: the role goes, the person and the other role stay, the removal is in the trail.
    capture.ok("/api/projects/contacts/remove", &[("project", &p), ("role", &co.to_string())]).await;
    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p)]).await;
    assert_eq!(tab.roles.len(), 1);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM audit_logs WHERE entity_id = '{co}' AND action_type = 'delete'"))
            .await,
        1
    );
}

#[tokio::test]
async fn a_pursuits_team_has_one_prime_shares_of_at_most_100_percent_and_competitors() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let [pursuit] = tenant.with_projects(1, PipelineStage::Phase2).await.try_into().unwrap();
    let p = pursuit.to_string();
    let company = |name: &'static str, kind: &'static str| {
        let capture = &capture;
        async move { new_org(capture, &[("name", name), ("organization_type", kind)]).await.to_string() }
    };
    let prime = company("Acme Federal", "prime_contractor").await;
    let sub = company("Northwind Analytics", "subcontractor").await;
    let small = company("Bluebird 8a", "subcontractor").await;
    let rival = company("Incumbent Corp", "competitor").await;
    let add = |input: Vec<(&'static str, String)>| {
        let (capture, p) = (&capture, p.clone());
        async move {
            let input: Vec<(&str, &str)> = input.iter().map(|(k, v)| (*k, v.as_str())).collect();
            role_call(capture, "/api/projects/teaming/add", &[("project", &p)], &input).await
        }
    };
    let entry = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 200);
        res.json::<PursuitOrganizationId>().await.unwrap()
    };
    let prime_entry = entry(
        add(vec![
            ("organization", prime.clone()),
            ("teaming_role", "prime".into()),
            ("workshare_percent", "60".into()),
            ("agreement_status", "ta_signed".into()),
        ])
        .await,
    )
    .await;
    let sub_entry = entry(
        add(vec![
            ("organization", sub.clone()),
            ("teaming_role", "subcontractor".into()),
            ("workshare_percent", "30%".into()),
            ("agreement_status", "nda_signed".into()),
            ("notes", "TA draft with their counsel".into()),
        ])
        .await,
    )
    .await;
    entry(add(vec![("organization", rival.clone()), ("teaming_role", "competitor".into())]).await).await;

    // Refused, each with what to do, and nothing written.
    let rows = "SELECT count(*) FROM opportunity_project_organizations";
    let before = app.count(rows).await;
    let long = "x".repeat(100_000);
    for (input, status, says) in [
        (
            vec![
                ("organization", small.clone()),
                ("teaming_role", "subcontractor".into()),
                ("workshare_percent", "20".into()),
            ],
            422,
            "would add up to 110%: the rest of the team already has 90%, so at most 10% is left",
        ),
        (
            vec![("organization", small.clone()), ("teaming_role", "prime".into())],
            409,
            "Acme Federal is already the prime",
        ),
        (
            vec![("organization", sub.clone()), ("teaming_role", "subcontractor".into())],
            409,
            "already on this pursuit as subcontractor",
        ),
        (
            vec![
                ("organization", small.clone()),
                ("teaming_role", "competitor".into()),
                ("workshare_percent", "5".into()),
            ],
            422,
            "a competitor has no workshare",
        ),
        (vec![("organization", small.clone()), ("teaming_role", "ally".into())], 422, "is not a valid teaming role"),
        (
            vec![
                ("organization", small.clone()),
                ("teaming_role", "subcontractor".into()),
                ("workshare_percent", "ten".into()),
            ],
            422,
            "from 0 to 100",
        ),
        (
            vec![("organization", small.clone()), ("teaming_role", "subcontractor".into()), ("notes", long.clone())],
            422,
            "at most 2000",
        ),
        (
            vec![("organization", "acme".into()), ("teaming_role", "subcontractor".into())],
            422,
            "choose the organization",
        ),
        (
            vec![("organization", Uuid::new_v4().to_string()), ("teaming_role", "subcontractor".into())],
            422,
            "The organization was not found",
        ),
    ] {
        let (got, message) = status_and_message(add(input).await).await;
        assert_eq!(got, status, "{says}: {message}");
        assert!(message.contains(says), "{says} missing from: {message}");
    }
    assert_eq!(app.count(rows).await, before);

    // The tab: prime, subcontractor, competitor; the share adds up.
    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p)]).await;
    let places: Vec<(&str, TeamingRole, Option<String>)> = tab
        .team
        .iter()
        .map(|m| (m.name.as_str(), m.teaming_role, m.workshare_percent.map(|w| w.normalize().to_string())))
        .collect();
    assert_eq!(
        places,
        vec![
            ("Acme Federal", TeamingRole::Prime, Some("60".into())),
            ("Northwind Analytics", TeamingRole::Subcontractor, Some("30".into())),
            ("Incumbent Corp", TeamingRole::Competitor, None),
        ]
    );
    assert_eq!(team_workshare(&tab.team).normalize().to_string(), "90");
    assert!(tab.organization_choices.iter().any(|(id, _)| id.to_string() == small));

    // Changed: the subcontractor takes the last 10%; 41% is refused; an entry keeps its organization.
    let update = |entry: PursuitOrganizationId, input: Vec<(&'static str, String)>| {
        let (capture, p) = (&capture, p.clone());
        async move {
            let input: Vec<(&str, &str)> = input.iter().map(|(k, v)| (*k, v.as_str())).collect();
            role_call(
                capture,
                "/api/projects/teaming/update",
                &[("project", &p), ("entry", &entry.to_string())],
                &input,
            )
            .await
        }
    };
    let share = |s: &str| {
        vec![
            ("organization", sub.clone()),
            ("teaming_role", "subcontractor".into()),
            ("workshare_percent", s.to_string()),
            ("agreement_status", "ta_signed".into()),
        ]
    };
    let (status, message) = status_and_message(update(sub_entry, share("41")).await).await;
    assert_eq!((status, message.contains("at most 40% is left")), (422, true), "{message}");
    assert_eq!(update(sub_entry, share("40")).await.status(), 200);
    let history = format!(
        "SELECT count(*) FROM change_history WHERE entity_type = 'opportunity_project_organization' AND entity_id = '{sub_entry}' AND field_name = '{{field}}'"
    );
    assert_eq!(app.count(&history.replace("{field}", "workshare_percent")).await, 2, "added and changed");
    assert_eq!(app.count(&history.replace("{field}", "agreement_status")).await, 2);
    assert_eq!(app.count(&history.replace("{field}", "notes")).await, 2, "cleared notes are a change");
    let mut moved = share("40");
    moved[0].1 = small.clone();
    let (status, message) = status_and_message(update(sub_entry, moved).await).await;
    assert_eq!((status, message.contains("stays with its organization")), (422, true), "{message}");

    // The database refuses more than 100% from any writer.
    let owner = app.db.owner_pool().await;
    let mut tx = crate::common::owner_tx(&owner, tenant.id.as_uuid()).await;
    let err = sqlx::query(
        "INSERT INTO opportunity_project_organizations (tenant_id, opportunity_project_id, organization_id, teaming_role, \
            workshare_percent, created_by, updated_by) \
         SELECT tenant_id, $1, $2, 'subcontractor', 1, created_by, created_by FROM opportunity_project_organizations LIMIT 1",
    )
    .bind(pursuit)
    .bind(Uuid::parse_str(&small).unwrap())
    .execute(&mut *tx)
    .await
    .expect_err("over 100%");
    assert!(err.to_string().contains("would be 101"), "{err}");
    drop(tx);

    // Another tenant: their pursuit is not found, our organization is not theirs, our entry not through theirs.
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    let [their_pursuit] = other.with_projects(1, PipelineStage::Phase1).await.try_into().unwrap();
    let tp = their_pursuit.to_string();
    let input = [("organization", small.as_str()), ("teaming_role", "subcontractor")];
    let (status, _) =
        status_and_message(role_call(&capture, "/api/projects/teaming/add", &[("project", &tp)], &input).await).await;
    assert_eq!(status, 404);
    let (status, _) =
        status_and_message(role_call(&theirs, "/api/projects/teaming/add", &[("project", &tp)], &input).await).await;
    assert_eq!(status, 422, "our organization is not theirs to add");
    let (status, _) = status_and_message(
        theirs.call("/api/projects/teaming/remove", &[("project", &tp), ("entry", &prime_entry.to_string())]).await,
    )
    .await;
    assert_eq!(status, 404);

    // A viewer reads the team and cannot change it.
    let tab: PursuitContacts = viewer.answer("/api/projects/contacts", &[("project", &p)]).await;
    assert!(!tab.may_write && tab.team.len() == 3 && tab.organization_choices.is_empty());
    let (status, _) = status_and_message(
        viewer.call("/api/projects/teaming/remove", &[("project", &p), ("entry", &prime_entry.to_string())]).await,
    )
    .await;
    assert_eq!(status, 403);

    // Taken off: the entry goes (audited), the organization stays, its page no longer lists the pursuit.
    let detail: OrganizationDetail = capture.answer("/api/organizations/get", &[("id", &prime)]).await;
    assert!(detail.pursuits.iter().any(|l| l.id == pursuit && l.through.contains("Prime")), "{:?}", detail.pursuits);
    capture.ok("/api/projects/teaming/remove", &[("project", &p), ("entry", &prime_entry.to_string())]).await;
    assert_eq!(app.count(rows).await, before - 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_logs WHERE entity_id = '{prime_entry}' AND action_type IN ('create', 'delete')"
        ))
        .await,
        2
    );
    let detail: OrganizationDetail = capture.answer("/api/organizations/get", &[("id", &prime)]).await;
    assert!(detail.pursuits.is_empty());
}

#[tokio::test]
async fn a_merge_keeps_every_role_document_activity_note_and_the_duplicates_history() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let [p1, p2] = tenant.with_projects(2, PipelineStage::Phase2).await.try_into().unwrap();
    let office = new_org(&capture, &[("name", "NAVWAR")]).await.to_string();
    let keep = new_contact(
        &capture,
        &[
            ("first_name", "Dana"),
            ("last_name", "Okafor"),
            ("organization", &office),
            ("email", "dana.okafor@navy.mil"),
            ("relationship_strength", "2"),
            ("last_contact_date", "2026-03-01"),
            ("notes", "Met at the industry day"),
            ("tags", "navy"),
        ],
    )
    .await;
    // The same person typed again elsewhere, without an organization (no warning: nothing identifies them).
    let dup = new_contact(
        &capture,
        &[
            ("first_name", "dana"),
            ("last_name", "OKAFOR"),
            ("phone", "619-555-0101"),
            ("linkedin_url", "https://www.linkedin.com/in/dana-okafor"),
            ("relationship_strength", "4"),
            ("last_contact_date", "2026-09-15"),
            ("notes", "Prefers e-mail"),
            ("tags", "cloud, navy"),
        ],
    )
    .await;
    let (k, d) = (keep.to_string(), dup.to_string());
    let role = |contact: &str, project: &str, kind: &str, influence: &str, stance: &str, notes: &str| {
        let (contact, project, kind, influence, stance, notes) = (
            contact.to_string(),
            project.to_string(),
            kind.to_string(),
            influence.to_string(),
            stance.to_string(),
            notes.to_string(),
        );
        let capture = &capture;
        async move {
            let input = [
                ("contact", contact.as_str()),
                ("relationship_type", kind.as_str()),
                ("influence_level", influence.as_str()),
                ("stance", stance.as_str()),
                ("notes", notes.as_str()),
            ];
            let res = role_call(capture, "/api/projects/contacts/add", &[("project", &project)], &input).await;
            assert_eq!(res.status(), 200);
        }
    };
    let (p1s, p2s) = (p1.to_string(), p2.to_string());
    role(&k, &p1s, "contracting_officer", "3", "unknown", "Signs the award").await;
    role(&d, &p1s, "contracting_officer", "5", "champion", "Asked for our white paper").await;
    role(&d, &p2s, "program_manager", "4", "supporter", "").await;
    // A document linked to both (once each), an activity about the duplicate and one they took part in.
    let owner = app.db.owner_pool().await;
    let mut tx = crate::common::owner_tx(&owner, tenant.id.as_uuid()).await;
    sqlx::raw_sql(&format!(
        "WITH u AS (SELECT id FROM users LIMIT 1), \
              doc AS (INSERT INTO documents (tenant_id, opportunity_project_id, name, original_filename, mime_type, file_size_bytes, \
                          storage_key, access_level, uploaded_by) \
                      SELECT app_current_tenant_id(), '{p1}', 'Org chart', 'chart.pdf', 'application/pdf', 3, 'k/chart.pdf', 'public', id FROM u RETURNING id), \
              links AS (INSERT INTO document_associations (tenant_id, document_id, entity_type, entity_id, created_by) \
                      SELECT app_current_tenant_id(), doc.id, 'contact', c.id, u.id FROM doc, u, (VALUES ('{k}'::uuid), ('{d}'::uuid)) AS c (id)), \
              about AS (INSERT INTO activities (tenant_id, entity_type, entity_id, activity_type, subject, created_by) \
                      SELECT app_current_tenant_id(), 'contact', '{d}', 'call', 'Intro call', id FROM u), \
              meeting AS (INSERT INTO activities (tenant_id, entity_type, entity_id, activity_type, subject, created_by) \
                      SELECT app_current_tenant_id(), 'opportunity_project', '{p2}', 'meeting', 'Industry day', id FROM u RETURNING id) \
         INSERT INTO activity_participants (tenant_id, activity_id, participant_type, contact_id, added_by) \
         SELECT app_current_tenant_id(), meeting.id, 'contact', '{d}', u.id FROM meeting, u"
    ))
    .execute(&mut *tx)
    .await
    .expect("links");
    tx.commit().await.expect("commit");

    // The kept record's page offers the duplicate, with what it would bring.
    let detail: ContactDetail = capture.answer("/api/contacts/get", &[("id", &k)]).await;
    let offered = detail.duplicates.iter().find(|c| c.id == dup).expect("offered");
    assert_eq!(
        (offered.reason.as_str(), offered.roles, offered.documents, offered.activities),
        ("the same name", 2, 1, 2)
    );

    // Refused: a viewer, a record into itself, an unknown id, and (below) another tenant.
    let merge = |who: &Browser, keep: String, duplicate: String| {
        let who = who.clone();
        async move {
            status_and_message(who.call("/api/contacts/merge", &[("keep", &keep), ("duplicate", &duplicate)]).await)
                .await
        }
    };
    assert_eq!(merge(&viewer, k.clone(), d.clone()).await.0, 403);
    let (status, message) = merge(&capture, k.clone(), k.clone()).await;
    assert_eq!((status, message.contains("cannot be merged into itself")), (422, true), "{message}");
    assert_eq!(merge(&capture, k.clone(), Uuid::new_v4().to_string()).await.0, 404);
    assert_eq!(merge(&capture, k.clone(), "dana".into()).await.0, 422);
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    let stranger = new_contact(&theirs, &[("first_name", "Dana"), ("last_name", "Okafor")]).await.to_string();
    assert_eq!(merge(&theirs, stranger.clone(), d.clone()).await.0, 404, "our duplicate is not theirs");
    assert_eq!(merge(&capture, k.clone(), stranger.clone()).await.0, 404, "their person is not ours");
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE merged_into_id IS NOT NULL").await, 0);

    let done: MergeOutcome = capture.answer("/api/contacts/merge", &[("keep", &k), ("duplicate", &d)]).await;
    assert_eq!((done.roles_moved, done.roles_combined, done.documents_moved, done.activities_moved), (1, 1, 1, 2));
    assert_eq!(done.fields_filled, vec!["phone".to_string(), "linkedin_url".to_string()]);

    // Everything is on the kept record; nothing typed there was overwritten.
    let kept: ContactDetail = capture.answer("/api/contacts/get", &[("id", &k)]).await;
    assert_eq!(kept.phone.as_deref(), Some("619-555-0101"));
    assert_eq!(kept.relationship_strength, Some(2), "the kept record's own value stays");
    assert_eq!(kept.last_contact_date.map(|d| d.to_string()).as_deref(), Some("2026-09-15"), "the later contact");
    assert_eq!(
        kept.notes.as_deref(),
        Some("Met at the industry day\n\nFrom the merged record of dana OKAFOR:\nPrefers e-mail")
    );
    assert_eq!(kept.tags, vec!["navy".to_string(), "cloud".to_string()]);
    assert_eq!(kept.pursuits.len(), 2);
    assert_eq!(kept.documents.len(), 1);
    assert_eq!(kept.activities.len(), 2);
    assert_eq!(kept.merged_from.iter().map(|m| m.id).collect::<Vec<_>>(), vec![dup]);
    assert!(kept.duplicates.is_empty());
    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p1s)]).await;
    let one = &tab.roles[0];
    assert_eq!(tab.roles.len(), 1, "one role both held is one");
    assert_eq!(
        (one.contact, one.influence_level, one.stance, one.notes.as_deref()),
        (keep, Some(5), Stance::Champion, Some("Signs the award\nAsked for our white paper"))
    );

    // The duplicate stays, read-only, pointing at the kept record, with its history.
    let merged: ContactDetail = capture.answer("/api/contacts/get", &[("id", &d)]).await;
    assert_eq!((merged.is_active, merged.merged_into.as_ref().map(|m| m.id)), (false, Some(keep)));
    assert!(merged.pursuits.is_empty() && merged.duplicates.is_empty());
    let (status, message, href) =
        exists(capture.call("/api/contacts/active", &[("id", &d), ("active", "true")]).await).await;
    assert_eq!(
        (status, message.contains("was merged into Dana Okafor's"), href),
        (409, true, format!("/contacts/{k}"))
    );
    let (status, _) = status_and_message(
        call(&capture, SAVE_CONTACT, Some(&d), "input", &[("first_name", "Dana"), ("last_name", "Okafor")]).await,
    )
    .await;
    assert_eq!(status, 409);
    let (status, message) = merge(&capture, k.clone(), d.clone()).await;
    assert_eq!((status, message.contains("already merged")), (409, true), "{message}");
    let history = |id: &str, field: &str| {
        format!("SELECT count(*) FROM change_history WHERE entity_id = '{id}' AND field_name = '{field}'")
    };
    assert_eq!(app.count(&history(&k, "phone")).await, 1);
    assert_eq!(app.count(&history(&k, "relationship_strength")).await, 1, "only its creation");
    assert_eq!(app.count(&history(&d, "merged_into_id")).await, 1);
    assert!(app.count(&history(&d, "phone")).await >= 1, "the duplicate's own history stays");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM audit_logs WHERE action_type = 'merge' AND entity_id = '{k}'")).await,
        1
    );
}

#[tokio::test]
async fn a_notices_points_of_contact_become_contacts_of_its_office_once_and_never_overwrite() {
    let s = crate::sync::setup(|_| {}).await;
    let mut record =
        crate::sync::notice(1, "HC1028-27-R-0001", "097.DISA.DITCO", "Network operations", "2027-03-04T17:00:00-05:00");
    record["pointOfContact"] = serde_json::json!([
        {"type": "primary", "fullName": "ORTIZ, DANA", "title": "Contracting Officer", "email": "Dana.Ortiz@example.mil", "phone": "555-0100"},
        {"type": "secondary", "fullName": "Lee Park", "title": "Contract Specialist", "email": "lee.park@example.mil"},
        {"type": "secondary", "fullName": "No Address"},
        {"fullName": "Cher", "email": "cher@example.mil"}
    ]);
    s.feed.publish(vec![record]);
    s.stored().await;
    let tenant = s.app.tenant_at("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let opportunity: Uuid = s.scalar("SELECT id FROM external_opportunities").await;
    let project: app::ids::ProjectId =
        capture.answer("/api/opportunities/pursue", &[("id", &opportunity.to_string()), ("stage", "phase_1")]).await;
    let p = project.to_string();
    let office = new_org(&capture, &[("name", "DITCO"), ("agency_path_code", "097.disa.ditco")]).await;
    // Lee is already ours, typed by a person: their record stays as it is.
    let lee = new_contact(
        &capture,
        &[
            ("first_name", "Lee"),
            ("last_name", "Park"),
            ("email", "Lee.Park@example.mil"),
            ("title", "Senior Contract Specialist"),
        ],
    )
    .await;

    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p)]).await;
    let synced = tab.synced.expect("the notice's people");
    assert_eq!(synced.office, Some((office, "DITCO".to_string())));
    let people: Vec<(&str, &str, bool, bool)> = synced
        .people
        .iter()
        .map(|c| (c.full_name.as_str(), c.email.as_str(), c.existing.is_some(), c.has_role))
        .collect();
    assert_eq!(
        people,
        vec![
            ("ORTIZ, DANA", "dana.ortiz@example.mil", false, false),
            ("Lee Park", "lee.park@example.mil", true, false),
            ("Cher", "cher@example.mil", false, false),
        ],
        "one without an e-mail is not offered"
    );

    let add = |email: &'static str| {
        let (capture, p) = (&capture, p.clone());
        async move { capture.call("/api/projects/contacts/from_sync", &[("project", &p), ("email", email)]).await }
    };
    let dana: ContactId = add("dana.ortiz@example.mil").await.json().await.unwrap();
    let again: ContactId = add("DANA.ORTIZ@example.mil").await.json().await.unwrap();
    assert_eq!(dana, again, "never twice");
    let detail: ContactDetail = capture.answer("/api/contacts/get", &[("id", &dana.to_string())]).await;
    assert_eq!(
        (detail.first_name.as_str(), detail.last_name.as_str(), detail.title.as_deref(), detail.email.as_deref()),
        ("Dana", "Ortiz", Some("Contracting Officer"), Some("dana.ortiz@example.mil"))
    );
    assert_eq!(detail.organization_path.last().map(|(id, _)| *id), Some(office));
    let lee_again: ContactId = add("lee.park@example.mil").await.json().await.unwrap();
    assert_eq!(lee_again, lee);
    let lee_now: ContactDetail = capture.answer("/api/contacts/get", &[("id", &lee.to_string())]).await;
    assert_eq!(lee_now.title.as_deref(), Some("Senior Contract Specialist"), "never overwritten");
    let tab: PursuitContacts = capture.answer("/api/projects/contacts", &[("project", &p)]).await;
    let roles: Vec<(ContactId, Option<app::contacts::RelationshipType>)> =
        tab.roles.iter().map(|r| (r.contact, r.relationship_type)).collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&(dana, Some(app::contacts::RelationshipType::ContractingOfficer))));
    assert!(roles.contains(&(lee, Some(app::contacts::RelationshipType::ContractSpecialist))));
    assert!(tab.synced.unwrap().people.iter().take(2).all(|c| c.has_role));
    assert_eq!(
        s.app.count("SELECT count(*) FROM audit_logs WHERE operation_description LIKE '%from the points of contact of SAM.gov'").await,
        1
    );

    // Refused, each said, nothing written.
    let contacts_before = s.app.count("SELECT count(*) FROM contacts").await;
    for (who, email, status, says) in [
        (&capture, "cher@example.mil", 422, "cannot be split into first and last name"),
        (&capture, "someone@else.mil", 422, "names no point of contact with the e-mail"),
        (&capture, "", 422, "Choose a point of contact"),
        (&viewer, "dana.ortiz@example.mil", 403, ""),
    ] {
        let (got, message) = status_and_message(
            who.call("/api/projects/contacts/from_sync", &[("project", &p), ("email", email)]).await,
        )
        .await;
        assert_eq!(got, status, "{email}: {message}");
        assert!(message.contains(says), "{says} missing from {message}");
    }
    let long = "x".repeat(100_000);
    assert_eq!(
        status_and_message(
            capture.call("/api/projects/contacts/from_sync", &[("project", &p), ("email", &long)]).await
        )
        .await
        .0,
        422
    );
    let other = s.app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    let (status, _) = status_and_message(
        theirs.call("/api/projects/contacts/from_sync", &[("project", &p), ("email", "dana.ortiz@example.mil")]).await,
    )
    .await;
    assert_eq!(status, 404, "our pursuit is not theirs");
    assert_eq!(s.app.count("SELECT count(*) FROM contacts").await, contacts_before);
}

#[tokio::test]
async fn the_contacts_list_streams_as_csv_in_its_filter_and_order_defused_and_audited() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let office = new_org(&capture, &[("name", "NAVWAR Pacific")]).await.to_string();
    new_contact(
        &capture,
        &[
            ("first_name", "Zoë"),
            ("last_name", "Ångström"),
            ("organization", &office),
            ("title", "=HYPERLINK(\"http://evil\")"),
            ("security_clearance", "ts_sci"),
            ("tags", "navy, cloud"),
        ],
    )
    .await;
    // Enough people for several 64 KB chunks, typed in straight to the table.
    app.owner_exec(&format!(
        "INSERT INTO contacts (tenant_id, organization_id, first_name, last_name, title, email, created_by_system) \
         SELECT app_current_tenant_id(), '{office}', 'Person', 'Number ' || lpad(n::text, 5, '0'), \
                'Program Analyst with a long enough title to fill the lines', 'p' || n || '@navy.mil', 'demo_seed' \
           FROM generate_series(1, 1500) n WHERE app_current_tenant_id() = '{}'",
        tenant.id
    ))
    .await;
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    new_contact(&theirs, &[("first_name", "Not"), ("last_name", "Ours")]).await;

    let res = viewer.get(&format!("/contacts/export.csv?organization={office}&sort=name")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"contacts-"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("\u{feff}First name,Last name,Title,Organization,"), "{}", &body[..80]);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 1 + 1501, "the header and every person of the office, none of theirs");
    assert!(lines[1].starts_with("Person,Number 00001,"), "ordered by last name: {}", lines[1]);
    let zoe = lines.last().unwrap();
    assert!(zoe.starts_with("Zoë,Ångström,\"'=HYPERLINK(\"\"http://evil\"\")\",NAVWAR Pacific,"), "{zoe}");
    assert!(zoe.contains(",TS/SCI,") && zoe.contains("\"navy, cloud\""), "{zoe}");
    assert!(!body.contains("Ours"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'export' AND entity_type = 'contact' AND operation_description = 'Exported 1501 contacts as CSV'").await,
        1
    );
    // The search narrows it; an address the list could not produce is cut or refused.
    let one = viewer.get("/contacts/export.csv?q=%C3%A5ngstr%C3%B6m").await.text().await.unwrap();
    assert_eq!(one.lines().count(), 2);
    let long = viewer.get(&format!("/contacts/export.csv?q={}", "x".repeat(4_000))).await;
    assert_eq!((long.status().as_u16(), long.text().await.unwrap().lines().count()), (200, 1), "cut to 200, nobody");
    let res = viewer.get("/contacts/export.csv?q=a%00b").await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app.get_as(Some("acme"), "/contacts/export.csv").await;
    assert!(res.status() == 401 || res.status().is_redirection(), "signed out: {}", res.status());
}

#[tokio::test]
async fn the_organizations_list_streams_as_csv_in_its_filter_defused_and_audited() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let army =
        new_org(&capture, &[("name", "Department of the Army"), ("organization_type", "government_agency")]).await;
    new_org(
        &capture,
        &[("name", "USACE Huntsville"), ("parent", &army.to_string()), ("agency_path_code", "021.w2v6.w912dy")],
    )
    .await;
    new_org(
        &capture,
        &[
            ("name", "=cmd|' /C calc'!A0 Federal"),
            ("organization_type", "prime_contractor"),
            ("sam_unique_id", "NWF1234ABCD5"),
            ("business_size", "8a"),
            ("certifications[0]", "sdvosb"),
            ("certifications[1]", "8a"),
        ],
    )
    .await;
    app.owner_exec(&format!(
        "INSERT INTO organizations (tenant_id, name, created_by_system) \
         SELECT app_current_tenant_id(), 'Vendor ' || lpad(n::text, 5, '0'), 'demo_seed' \
           FROM generate_series(1, 1500) n WHERE app_current_tenant_id() = '{}'",
        tenant.id
    ))
    .await;
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    new_org(&theirs, &[("name", "Not Ours Inc")]).await;

    let res = viewer.get("/organizations/export.csv").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"organizations-")
    );
    let body = res.text().await.unwrap();
    assert!(body.starts_with("\u{feff}Name,Kind,Parent organization,UEI,CAGE code,"), "{}", &body[..80]);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 1 + 1503, "the header and every organization, none of theirs");
    assert!(
        lines[1].starts_with("'=cmd|' /C calc'!A0 Federal,Prime contractor,,NWF1234ABCD5,,,,8(a),\"8(a), SDVOSB\""),
        "{}",
        lines[1]
    );
    assert!(
        lines.iter().any(|l| l.starts_with("USACE Huntsville,,Department of the Army,,,,021.W2V6.W912DY,")),
        "{body:.300}"
    );
    assert!(!body.contains("Not Ours"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_logs WHERE action_type = 'export' AND entity_type = 'organization' \
                   AND operation_description = 'Exported 1503 organizations as CSV'"
        )
        .await,
        1
    );
    // The list's filter narrows it.
    let agencies = viewer.get("/organizations/export.csv?kind=government_agency").await.text().await.unwrap();
    assert_eq!(agencies.lines().count(), 2, "{agencies}");
    let res = viewer.get("/organizations/export.csv?q=a%00b").await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app.get_as(Some("acme"), "/organizations/export.csv").await;
    assert!(res.status() == 401 || res.status().is_redirection(), "signed out: {}", res.status());
}
