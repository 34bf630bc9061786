//! The pages benchmark's pgbench scripts, made from the app's own query functions (`gwm-crm pgbench-script
//! PAGE`): the SQL text is the app's, never a copy, so the SQL-only measurement cannot drift from what the
//! page runs. Each script has the app's transaction shape: the tenant (and user) set transaction-locally,
//! then the page's statements, prepared once per connection as sqlx does (same custom/generic plan choices)
//! and executed with no filter (the app writes only a filter's active conditions into the SQL). Not
//! included: the filter menus (a 30 s per-tenant cache, so about one page in a hundred runs them), and the
//! work before the page (tenant by address, session load and check), which the app/SQL ratio shows.
//! Variables (-D): tenants and users (arrays, one per tenant), ntenants, projects (per tenant), prepared=0.

use app::{
    auth::ssr::queries::GRANTS_SQL,
    contacts::{
        people::ContactFilter,
        queries::{contacts_page_sql, count_contacts_sql},
    },
    pipeline::{CARDS_PER_PAGE, queries as board},
    projects::{ProjectFilter, TABLE_PAGE_SIZE, TableQuery, project::queries as project, queries as table},
    search::{PER_KIND, queries::FIND_SQL},
};

/// One prepared statement of a page: its name, its parameters' types and the app's SQL.
pub struct Statement {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub sql: String,
    /// The EXECUTE arguments, in pgbench's variable syntax.
    pub args: String,
}

/// The pages the benchmark measures.
pub const PAGES: [&str; 6] = ["board", "table", "project", "contacts", "contact_search", "find"];

/// The contacts list filter's parameter types ($1–$6).
const CONTACT_FILTER_TYPES: &[&str] = &["boolean", "text", "uuid", "text", "text", "integer"];

/// One of FIND_TERMS, picked by the script's `q` (pgbench syntax).
fn find_term() -> String {
    format!("(ARRAY['{}'])[:q]", FIND_TERMS.join("', '"))
}

/// What find-anything is asked, by session and visit: the beginnings of names the bench data holds
/// (scripts/bench/pages-data.sql), so every search finds people, and some pursuits and organizations.
pub const FIND_TERMS: [&str; 8] = ["whit", "reye", "okaf", "chen", "morgan", "dana webb", "fisch", "park"];

/// The bench's project id of tenant `:t` (scripts/bench/pages-data.sql makes them md5(tenant || ':' || i)).
const PROJECT: &str = "md5((:tenants::text[])[:t] || ':' || :p)::uuid";

/// The statements `page` runs, in order (None for an unknown page).
pub fn statements(page: &str) -> Option<Vec<Statement>> {
    let user = "(:users::uuid[])[:t]";
    let grants =
        |args: String| Statement { name: "grants", params: &["uuid", "uuid"], sql: GRANTS_SQL.to_string(), args };
    let one = |name, sql: String, args: &str| Statement { name, params: &["uuid"], sql, args: args.to_string() };
    Some(match page {
        // `load_board`: authorize, the board's one pass (stage totals as window aggregates, the first
        // CARDS_PER_PAGE cards of each stage), the caller's saved views.
        "board" => vec![
            grants(format!("{user}, NULL")),
            Statement {
                name: "board",
                params: &["bigint"],
                sql: board::board_query(&ProjectFilter::default(), None).sql().to_string(),
                args: CARDS_PER_PAGE.to_string(),
            },
            one("saved_views", board::VIEWS_SQL.to_string(), user),
        ],
        // `load_table` at /projects?sort=due&page=2: authorize, then one page with the total as a window count.
        "table" => vec![
            grants(format!("{user}, NULL")),
            Statement {
                name: "table_page",
                params: &["bigint", "bigint"],
                sql: table::table_page_query(&TableQuery { page: 2, ..TableQuery::default() }, None).sql().to_string(),
                args: format!("{TABLE_PAGE_SIZE}, {TABLE_PAGE_SIZE}"),
            },
        ],
        // `load_project`: authorize on the project, facts, synced values (snapshot, then active overrides),
        // history and the project's own roles; one of the tenant's projects at random.
        "project" => vec![
            grants(format!("{user}, {PROJECT}")),
            one("facts", project::FACTS_SQL.to_string(), PROJECT),
            one("snapshot", project::SNAPSHOT_SQL.to_string(), PROJECT),
            one("overrides", project::OVERRIDES_SQL.to_string(), PROJECT),
            one("history", project::history_sql(), PROJECT),
            one("project_roles", project::PROJECT_ROLES_SQL.to_string(), PROJECT),
        ],
        // `load_contacts` at /contacts?page=2: authorize, one page of the list, then its total (a full page
        // does not show where the list ends).
        "contacts" => {
            let second = ContactFilter { page: 1, ..ContactFilter::default() };
            let filter = "false, '', NULL, NULL, NULL, NULL";
            vec![
                grants(format!("{user}, NULL")),
                Statement {
                    name: "contacts_page",
                    params: &["boolean", "text", "uuid", "text", "text", "integer", "bigint", "bigint"],
                    sql: contacts_page_sql(&second),
                    args: format!("{filter}, {per_page}, {per_page}", per_page = ContactFilter::PER_PAGE),
                },
                Statement {
                    name: "contacts_count",
                    params: CONTACT_FILTER_TYPES,
                    sql: count_contacts_sql(&second),
                    args: filter.into(),
                },
            ]
        }
        // `load_contacts` at /contacts?q=<one of FIND_TERMS>: the list's search, its first page with its total.
        "contact_search" => {
            let one_word = ContactFilter { q: "word".into(), ..ContactFilter::default() };
            let filter = format!("false, {}, NULL, NULL, NULL, NULL", find_term());
            vec![
                grants(format!("{user}, NULL")),
                Statement {
                    name: "contact_search_page",
                    params: &["boolean", "text", "uuid", "text", "text", "integer", "bigint", "bigint"],
                    sql: contacts_page_sql(&one_word),
                    args: format!("{filter}, {}, 0", ContactFilter::PER_PAGE),
                },
            ]
        }
        // `find_anything` (Ctrl-K): authorize, then the one search statement, for one of FIND_TERMS at random.
        "find" => vec![
            grants(format!("{user}, NULL")),
            Statement {
                name: "find",
                params: &["text", "text", "bigint", "boolean", "boolean"],
                sql: FIND_SQL.to_string(),
                args: {
                    let term = find_term();
                    format!("{term}, {term} || '%', {PER_KIND}, true, true")
                },
            },
        ],
        _ => return None,
    })
}

/// The pgbench script of `page`.
pub fn script(page: &str) -> Option<String> {
    let statements = statements(page)?;
    let mut out = format!(
        "-- The SQL of the {page} page for pgbench, made by `gwm-crm pgbench-script {page}` from the app's own query\n\
         -- functions (src/pgbench.rs says how): do not edit.\n\\if :prepared = 0\n"
    );
    for s in &statements {
        // One line per statement: pgbench ends a command at a semicolon and needs none inside.
        let sql = s.sql.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("PREPARE {}({}) AS {sql};\n", s.name, s.params.join(", ")));
    }
    out.push_str("\\set prepared 1\n\\endif\n");
    if page == "project" {
        out.push_str("\\set p random(1, :projects)\n");
    }
    if page == "find" || page == "contact_search" {
        out.push_str(&format!("\\set q random(1, {})\n", FIND_TERMS.len()));
    }
    out.push_str(
        "\\set t random(1, :ntenants)\nBEGIN;\nSELECT set_config('app.current_tenant_id', (:tenants::text[])[:t], true), \
         set_config('app.current_user_id', (:users::text[])[:t], true);\n",
    );
    for s in &statements {
        out.push_str(&format!("EXECUTE {}({});\n", s.name, s.args));
    }
    out.push_str("COMMIT;\n");
    Some(out)
}
