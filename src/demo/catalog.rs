//! The demo tenant's fictional but realistic capture data.

use app::domain::ActivityType;

/// (agency, contracting office, solicitation prefix)
pub const AGENCIES: &[(&str, &str, &str)] = &[
    ("Department of the Army", "USACE Engineering and Support Center, Huntsville", "W912DY"),
    ("Department of the Navy", "NAVWAR Naval Information Warfare Center Pacific", "N66001"),
    ("Department of the Air Force", "AFLCMC Hanscom AFB", "FA8730"),
    ("Defense Information Systems Agency", "DITCO Scott AFB", "HC1028"),
    ("Department of Homeland Security", "CISA Office of the Chief Procurement Officer", "70RCSA"),
    ("Department of Veterans Affairs", "Technology Acquisition Center", "36C10B"),
    ("Department of Health and Human Services", "CMS Office of Acquisition and Grants Management", "75FCMC"),
    ("National Aeronautics and Space Administration", "Goddard Space Flight Center", "80GSFC"),
    ("General Services Administration", "FAS Information Technology Category", "47QTCA"),
    ("Department of Energy", "National Nuclear Security Administration", "89233A"),
    ("Department of Transportation", "Federal Aviation Administration", "693KA8"),
    ("Department of State", "Bureau of Information Resource Management", "19AQMM"),
];

pub const TITLES: &[&str] = &[
    "Enterprise Cloud Migration and Hosting Services",
    "Zero Trust Architecture Implementation",
    "Cybersecurity Operations Center Support",
    "Health IT Modernization and Interoperability",
    "Enterprise Data Analytics Platform",
    "Agile Software Development Services",
    "IT Service Desk and End-User Support",
    "Wide Area Network Modernization",
    "AI/ML Model Operations and Governance",
    "Financial Management System Sustainment",
    "Identity, Credential and Access Management",
    "Mission Systems Engineering and Integration",
    "Digital Services and Customer Experience",
    "Geospatial Intelligence Data Services",
    "Logistics Information System Modernization",
    "Continuous Monitoring and Vulnerability Management",
    "Records Management and Digitization",
    "Enterprise Architecture and Portfolio Support",
    "Training Simulation and Courseware Development",
    "Satellite Ground Systems Sustainment",
];

pub const NAICS: &[&str] = &["541512", "541511", "541519", "518210", "541330", "541611", "541715"];

pub const SET_ASIDES: &[&str] =
    &["Total Small Business", "8(a)", "SDVOSB", "WOSB", "HUBZone", "Full and Open", "Full and Open"];

pub const OPPORTUNITY_TYPES: &[&str] =
    &["Solicitation", "Presolicitation", "Sources Sought", "Combined Synopsis/Solicitation"];

pub const PLACES: &[&str] = &[
    "Huntsville, AL",
    "San Diego, CA",
    "Bedford, MA",
    "Scott AFB, IL",
    "Arlington, VA",
    "Washington, DC",
    "Baltimore, MD",
    "Greenbelt, MD",
    "Remote / contractor site",
    "Albuquerque, NM",
    "Oklahoma City, OK",
];

/// (first, last, email local part, title, system role)
pub const USERS: &[(&str, &str, &str, &str, app::roles::SystemRole)] = {
    use app::roles::SystemRole::*;
    &[
        ("Avery", "Morgan", "admin", "Director, Business Development", TenantAdmin),
        ("Jordan", "Reyes", "jordan.reyes", "Senior Capture Manager", CaptureManager),
        ("Priya", "Natarajan", "priya.natarajan", "Capture Manager", CaptureManager),
        ("Marcus", "Webb", "marcus.webb", "Capture Manager", CaptureManager),
        ("Elena", "Fischer", "elena.fischer", "Proposal Manager", ProposalManager),
        ("Sam", "Okafor", "sam.okafor", "Solutions Architect", Contributor),
        ("Taylor", "Brooks", "taylor.brooks", "Executive Sponsor", Viewer),
    ]
};

/// (name, type, business size)
/// Companies: name, kind, size, UEI, CAGE code (Northwind's UEI is the awardee's in the demo feed).
pub const COMPANIES: &[(&str, &str, &str, &str, &str)] = &[
    ("Northwind Federal LLC", "competitor", "large", "NWF1234ABCD5", "4NWF1"),
    ("Ironclad Systems Inc.", "competitor", "small", "RCS5678EFGH9", "7RCS2"),
    ("Bluewater Analytics", "partner", "sdvosb", "BLW2468JKLM3", "3BLW5"),
    ("Keystone Mission Solutions", "subcontractor", "8a", "KMS1357NPQR2", "8KMS6"),
    ("Summit Ridge Technologies", "partner", "wosb", "SRT9753STUV4", "2SRT9"),
];

pub const CONTACT_FIRST: &[&str] =
    &["Dana", "Chris", "Morgan", "Alex", "Jamie", "Robin", "Casey", "Lee", "Pat", "Quinn", "Drew", "Reese"];
pub const CONTACT_LAST: &[&str] = &[
    "Whitaker",
    "Alvarez",
    "Chen",
    "Hollis",
    "Park",
    "Donovan",
    "Ibrahim",
    "Kowalski",
    "Mendez",
    "Sato",
    "Burke",
    "Lindqvist",
];

/// (subject, type) of the activities every active pursuit gets.
pub const ACTIVITIES: &[(&str, ActivityType)] = &[
    ("Customer call with program office", ActivityType::Call),
    ("Capture strategy review", ActivityType::ShipleyStep),
    ("Industry day", ActivityType::Meeting),
    ("Bid/no-bid decision gate", ActivityType::Milestone),
    ("Competitor assessment update", ActivityType::Task),
    ("Teaming agreement with partner", ActivityType::Task),
    ("Pink team review", ActivityType::Milestone),
    ("Draft RFP comments due", ActivityType::Task),
];

/// How many of the 60 demo projects sit in each stage, in PipelineStage::ALL order.
pub const STAGE_COUNTS: [usize; 9] = [8, 9, 9, 7, 7, 6, 4, 6, 4];
