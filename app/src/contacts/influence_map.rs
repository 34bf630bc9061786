//! The influence map: one SVG, drawn on the server from the pursuit's roles and team (no chart library, no
//! download), of the customer's people by organization level (department, sub-tier, office, then companies)
//! and influence (a larger circle is more influence), where each stands toward us (colour and a sign, so it
//! reads without colour too), and our relationship strength to each (the weight of the line from our team).
//! Our team and the competitors stand on the left. Every person and organization is a link, reachable with
//! Tab, named in full by its `<title>` (which screen readers read and a mouse shows).

use super::{
    OrganizationType, Stance,
    pursuit::{PursuitContacts, PursuitRole},
    strength_label,
    teaming::{TeamMember, TeamingRole, team_workshare},
};
use crate::ids::{ContactId, OrganizationId};
use std::fmt::Write;

const WIDTH: i32 = 960;
/// The left panel: our team, then the competitors.
const TEAM_X: i32 = 16;
const TEAM_W: i32 = 214;
/// Where the customer's people start.
const MAIN_X: i32 = 270;
const SLOT_W: i32 = 112;
const ROW_H: i32 = 100;
const BAND_HEAD: i32 = 30;
const GROUP_HEAD: i32 = 22;

/// One person on the map (a person with two roles is one node, at their highest influence).
#[derive(Debug, Clone, PartialEq)]
struct Person {
    contact: ContactId,
    name: String,
    roles: Vec<&'static str>,
    organization: Option<(OrganizationId, String)>,
    influence: Option<i32>,
    stance: Stance,
    strength: Option<i32>,
}

/// The map's horizontal bands, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Department,
    SubTier,
    Office,
    Other,
}

impl Level {
    fn of(role: &PursuitRole) -> Self {
        match (role.organization_type, role.organization_depth) {
            (Some(OrganizationType::GovernmentAgency), Some(0) | None) => Self::Department,
            (Some(OrganizationType::GovernmentAgency), Some(1)) => Self::SubTier,
            (Some(OrganizationType::GovernmentAgency), Some(_)) => Self::Office,
            _ => Self::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Department => "Department or agency",
            Self::SubTier => "Sub-tier agency",
            Self::Office => "Office",
            Self::Other => "Companies and others",
        }
    }
}

/// A stance as a sign, for people who cannot tell the colours apart.
pub fn stance_sign(stance: Stance) -> &'static str {
    match stance {
        Stance::Champion => "++",
        Stance::Supporter => "+",
        Stance::Neutral => "=",
        Stance::Skeptic => "\u{2212}",
        Stance::Opponent => "\u{2212}\u{2212}",
        Stance::Unknown => "?",
    }
}

/// Text and attribute values, escaped for SVG inside HTML.
fn esc(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('\u{2026}');
        cut
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect::<String>().to_uppercase()
}

fn node_radius(influence: Option<i32>) -> i32 {
    influence.map_or(18, |i| 12 + 3 * i.clamp(1, 5))
}

/// The people of one organization (or of none).
type Group = (Option<(OrganizationId, String)>, Vec<Person>);

/// The customer's people (everyone not at an organization on our team), one node per person, in bands.
fn people_by_level(data: &PursuitContacts) -> Vec<(Level, Vec<Group>)> {
    let ours: Vec<OrganizationId> =
        data.team.iter().filter(|m| m.teaming_role.on_our_team()).map(|m| m.organization).collect();
    let mut people: Vec<(Level, Person)> = Vec::new();
    // Roles arrive most influential first, so a person's first role is their strongest.
    for role in &data.roles {
        if role.organization.as_ref().is_some_and(|(id, _)| ours.contains(id)) {
            continue;
        }
        let label = role.relationship_type.map(|t| t.label()).unwrap_or("Role not set");
        if let Some((_, p)) = people.iter_mut().find(|(_, p)| p.contact == role.contact) {
            if !p.roles.contains(&label) {
                p.roles.push(label);
            }
            continue;
        }
        people.push((
            Level::of(role),
            Person {
                contact: role.contact,
                name: role.name.clone(),
                roles: vec![label],
                organization: role.organization.clone(),
                influence: role.influence_level,
                stance: role.stance,
                strength: role.strength,
            },
        ));
    }
    let mut bands: Vec<(Level, Vec<Group>)> = Vec::new();
    for (level, person) in people {
        let i = bands.iter().position(|(l, _)| *l == level).unwrap_or_else(|| {
            bands.push((level, Vec::new()));
            bands.len() - 1
        });
        let band = &mut bands[i].1;
        match band.iter_mut().find(|(o, _)| *o == person.organization) {
            Some((_, group)) => group.push(person),
            None => band.push((person.organization.clone(), vec![person])),
        }
    }
    bands.sort_by_key(|(level, _)| *level);
    bands
}

/// How many nodes fit in one row of the customer's side.
fn per_row() -> i32 {
    (WIDTH - MAIN_X - 16) / SLOT_W
}

/// The map as an SVG element.
pub fn render(data: &PursuitContacts) -> String {
    let bands = people_by_level(data);
    let mut body = String::new();
    let mut nodes = String::new();
    let mut links = String::new();
    let anchor = (TEAM_X + TEAM_W, 44);

    // The customer's side.
    let mut y = 8;
    if bands.is_empty() {
        let _ = write!(
            body,
            r#"<text class="map-empty" x="{}" y="{}">No one at the customer has a role on this pursuit yet.</text>"#,
            MAIN_X,
            y + 40
        );
        y += 80;
    }
    for (level, groups) in &bands {
        let _ = write!(
            body,
            r#"<line class="map-band-rule" x1="{MAIN_X}" x2="{}" y1="{y}" y2="{y}"/><text class="map-band" x="{MAIN_X}" y="{}">{}</text>"#,
            WIDTH - 16,
            y + 20,
            esc(level.label())
        );
        y += BAND_HEAD;
        for (organization, people) in groups {
            let heading = match organization {
                Some((_, name)) => clip(name, 70),
                None => "No organization".to_string(),
            };
            let count = if people.len() == 1 { "1 person".to_string() } else { format!("{} people", people.len()) };
            let _ = write!(
                body,
                r#"<text class="map-group" x="{MAIN_X}" y="{}">{} <tspan class="map-muted">· {count}</tspan></text>"#,
                y + 14,
                esc(&heading)
            );
            y += GROUP_HEAD;
            for (i, person) in people.iter().enumerate() {
                let (column, row) = (i as i32 % per_row(), i as i32 / per_row());
                let cx = MAIN_X + column * SLOT_W + SLOT_W / 2;
                let cy = y + row * ROW_H + 34;
                node(&mut nodes, person, cx, cy);
                link(&mut links, anchor, (cx - node_radius(person.influence), cy), person.strength);
            }
            y += ((people.len() as i32 + per_row() - 1) / per_row()) * ROW_H;
        }
        y += 8;
    }

    // Our team and the competitors.
    let mut left = String::new();
    let share = team_workshare(&data.team);
    let ours: Vec<&TeamMember> = data.team.iter().filter(|m| m.teaming_role.on_our_team()).collect();
    let theirs: Vec<&TeamMember> = data.team.iter().filter(|m| m.teaming_role == TeamingRole::Competitor).collect();
    let summary = if ours.is_empty() {
        "No partners yet".to_string()
    } else {
        format!("{}% of the work assigned", share.normalize())
    };
    let _ = write!(
        left,
        r#"<g class="map-us"><rect x="{TEAM_X}" y="8" width="{TEAM_W}" height="64" rx="10"/><text class="map-us__title" x="{}" y="34">Our team</text><text class="map-us__note" x="{}" y="56">{}</text></g>"#,
        TEAM_X + 14,
        TEAM_X + 14,
        esc(&summary)
    );
    let mut ly = 88;
    for member in &ours {
        let share = member.workshare_percent.map(|s| format!(" · {}%", s.normalize())).unwrap_or_default();
        team_box(&mut left, member, ly, &format!("{}{share}", member.teaming_role.label()), "map-team");
        ly += 74;
    }
    if !theirs.is_empty() {
        let _ = write!(left, r#"<text class="map-band" x="{TEAM_X}" y="{}">Competitors</text>"#, ly + 18);
        ly += 28;
        for member in &theirs {
            team_box(&mut left, member, ly, "Competitor", "map-rival");
            ly += 74;
        }
    }

    let height = y.max(ly).max(120) + 8;
    let title = format!("Influence map of {}", data.project_name);
    format!(
        r#"<svg class="influence-map" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" aria-labelledby="influence-map-title influence-map-desc" data-testid="influence-map"><title id="influence-map-title">{}</title><desc id="influence-map-desc">The customer's people by organization level; a larger circle is more influence, the colour and sign are their stance toward us, and a heavier line from our team is a stronger relationship. Our team and the competitors are on the left.</desc>{body}<g class="map-links" aria-hidden="true">{links}</g>{left}{nodes}</svg>"#,
        esc(&title)
    )
}

fn link(out: &mut String, from: (i32, i32), to: (i32, i32), strength: Option<i32>) {
    let mid = (from.0 + to.0) / 2;
    let (class, width) = match strength {
        Some(s) => ("map-link", 0.8 + 0.9 * s.clamp(1, 5) as f32),
        None => ("map-link map-link--unrated", 1.0),
    };
    let _ = write!(
        out,
        r#"<path class="{class}" stroke-width="{width:.1}" d="M{} {} C{mid} {} {mid} {} {} {}"/>"#,
        from.0, from.1, from.1, to.1, to.0, to.1
    );
}

fn node(out: &mut String, p: &Person, cx: i32, cy: i32) {
    let r = node_radius(p.influence);
    let influence = p.influence.map(|i| format!("influence {i} of 5")).unwrap_or_else(|| "influence not rated".into());
    let at = p.organization.as_ref().map(|(_, o)| format!(" at {o}")).unwrap_or_default();
    let strength = p.strength.map(strength_label).unwrap_or("not rated");
    let label = format!(
        "{}, {}{at}; {influence}; {}; our relationship: {strength}",
        p.name,
        p.roles.join(" and ").to_lowercase(),
        p.stance.label().to_lowercase()
    );
    let ring = if p.influence.is_some() { "map-node" } else { "map-node map-node--unrated" };
    let _ = write!(
        out,
        r#"<a href="/contacts/{}" class="map-person" data-testid="map-person"><title>{}</title><circle class="{ring} map-stance--{}" cx="{cx}" cy="{cy}" r="{r}"/><text class="map-initials" x="{cx}" y="{}" text-anchor="middle">{}</text><circle class="map-sign" cx="{}" cy="{}" r="9"/><text class="map-sign__text" x="{}" y="{}" text-anchor="middle">{}</text><text class="map-name" x="{cx}" y="{}" text-anchor="middle">{}</text><text class="map-role" x="{cx}" y="{}" text-anchor="middle">{}</text></a>"#,
        p.contact,
        esc(&label),
        p.stance.as_str(),
        cy + 5,
        esc(&initials(&p.name)),
        cx + r - 2,
        cy - r + 2,
        cx + r - 2,
        cy - r + 6,
        stance_sign(p.stance),
        cy + 46,
        esc(&clip(&p.name, 17)),
        cy + 60,
        esc(&clip(p.roles.first().copied().unwrap_or_default(), 19)),
    );
}

fn team_box(out: &mut String, m: &TeamMember, y: i32, line: &str, class: &str) {
    let people = match m.people {
        0 => String::new(),
        1 => " · 1 person".to_string(),
        n => format!(" · {n} people"),
    };
    let label = format!("{}: {}{people}; {}", m.name, line.to_lowercase(), m.agreement_status.label().to_lowercase());
    let _ = write!(
        out,
        r#"<a href="/organizations/{}" class="{class}" data-testid="map-organization"><title>{}</title><rect x="{TEAM_X}" y="{y}" width="{TEAM_W}" height="64" rx="8"/><text class="map-team__name" x="{}" y="{}">{}</text><text class="map-team__line" x="{}" y="{}">{}</text><text class="map-team__line map-muted" x="{}" y="{}">{}</text></a>"#,
        m.organization,
        esc(&label),
        TEAM_X + 12,
        y + 21,
        esc(&clip(&m.name, 26)),
        TEAM_X + 12,
        y + 39,
        esc(&format!("{line}{people}")),
        TEAM_X + 12,
        y + 55,
        esc(&clip(m.agreement_status.label(), 30)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        contacts::{RelationshipType, teaming::AgreementStatus},
        ids::{ProjectId, PursuitContactId, PursuitOrganizationId},
    };
    use chrono::Utc;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    fn role(name: &str, org: (u128, &str, Option<OrganizationType>, i32), influence: Option<i32>) -> PursuitRole {
        PursuitRole {
            id: PursuitContactId::from_uuid(Uuid::new_v4()),
            contact: ContactId::from_uuid(Uuid::from_u128(name.len() as u128 * 7919 + name.as_bytes()[0] as u128)),
            name: name.into(),
            title: None,
            organization: Some((OrganizationId::from_uuid(Uuid::from_u128(org.0)), org.1.into())),
            organization_type: org.2,
            organization_depth: Some(org.3),
            relationship_type: Some(RelationshipType::ProgramManager),
            influence_level: influence,
            stance: Stance::Champion,
            strength: Some(4),
            notes: None,
            added_by: None,
            updated_at: Utc::now(),
        }
    }

    fn data(roles: Vec<PursuitRole>, team: Vec<TeamMember>) -> PursuitContacts {
        PursuitContacts {
            project: ProjectId::from_uuid(Uuid::nil()),
            project_name: "Cloud <Migration> & \"Ops\"".into(),
            roles,
            choices: Vec::new(),
            team,
            organization_choices: Vec::new(),
            synced: None,
            may_write: false,
        }
    }

    fn member(org: u128, name: &str, role: TeamingRole, share: Option<i64>) -> TeamMember {
        TeamMember {
            id: PursuitOrganizationId::from_uuid(Uuid::new_v4()),
            organization: OrganizationId::from_uuid(Uuid::from_u128(org)),
            name: name.into(),
            business_size: None,
            teaming_role: role,
            workshare_percent: share.map(Decimal::from),
            agreement_status: AgreementStatus::TaSigned,
            notes: None,
            people: 1,
            updated_by: None,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn people_sit_in_their_level_with_a_link_and_a_full_name_and_text_is_escaped() {
        let gov = Some(OrganizationType::GovernmentAgency);
        let mut second = role("Dana Okafor", (2, "DISA", gov, 1), Some(2));
        second.relationship_type = Some(RelationshipType::TechnicalEvaluator);
        let roles = vec![
            role("Dana Okafor", (2, "DISA", gov, 1), Some(5)),
            role("Lee <Script>", (3, "Office HC1028", gov, 2), None),
            role("Pat Partner", (9, "Northwind", Some(OrganizationType::Subcontractor), 0), Some(3)),
            role("Ira Incumbent", (8, "Incumbent Inc", Some(OrganizationType::Competitor), 0), Some(3)),
            second,
        ];
        let team = vec![
            member(9, "Northwind", TeamingRole::Subcontractor, Some(30)),
            member(1, "Acme Prime", TeamingRole::Prime, Some(60)),
            member(8, "Incumbent Inc", TeamingRole::Competitor, None),
        ];
        let svg = render(&data(roles, team));
        // One node per person: Dana's two roles are one link; our partner's person is on the team's box.
        assert_eq!(svg.matches(r#"data-testid="map-person""#).count(), 3, "{svg}");
        assert!(svg.contains(
            "<title>Dana Okafor, program manager and technical evaluator at DISA; influence 5 of 5; champion; our relationship: 4 — trusted</title>"
        ));
        assert!(!svg.contains("Pat Partner"));
        assert!(svg.contains("Lee &lt;Script&gt;") && !svg.contains("<Script>"));
        assert!(svg.contains("Influence map of Cloud &lt;Migration&gt; &amp; &quot;Ops&quot;"));
        // Bands top to bottom: sub-tier, office, companies.
        let at = |s: &str| svg.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at(">Sub-tier agency<") < at(">Office<") && at(">Office<") < at(">Companies and others<"));
        // The team's share and each organization a link.
        assert!(svg.contains("90% of the work assigned"));
        assert_eq!(svg.matches(r#"data-testid="map-organization""#).count(), 3);
        assert!(svg.contains(&format!("href=\"/organizations/{}\"", Uuid::from_u128(8))));
        // Influence sets the circle; not rated is dashed.
        assert!(svg.contains(r#"r="27""#) && svg.contains("map-node map-node--unrated"));
    }

    #[test]
    fn an_empty_pursuit_says_so_and_long_lists_wrap() {
        let svg = render(&data(Vec::new(), Vec::new()));
        assert!(svg.contains("No one at the customer has a role on this pursuit yet."));
        assert!(svg.contains("No partners yet"));
        let gov = Some(OrganizationType::GovernmentAgency);
        let many: Vec<PursuitRole> = (0..14)
            .map(|i| {
                let mut r = role(&format!("Person {i:02}"), (5, "Office", gov, 2), Some(3));
                r.contact = ContactId::from_uuid(Uuid::from_u128(1000 + i));
                r
            })
            .collect();
        let svg = render(&data(many, Vec::new()));
        assert_eq!(svg.matches(r#"data-testid="map-person""#).count(), 14);
        // Six to a row: three rows of people below the band and group headings.
        let height = 8 + BAND_HEAD + GROUP_HEAD + 3 * ROW_H + 8 + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 960 {height}\"")), "{}", &svg[..200]);
    }
}
