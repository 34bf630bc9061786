//! The layering rule, checked: foundation modules never import a domain. Every top-level module is one or
//! the other (a new module must be added to a list here), and each `crate::…` or `super::…` path in a
//! foundation file, macro bodies included, must lead to a foundation module. `lib.rs` and `shell.rs`
//! compose the domains into the app and may use them all. And domain code never names the door's job
//! entries (`auth::ssr::door`): its transactions come from `Caller` or `Scope`, with a permission named.

use proc_macro2::{TokenStream, TokenTree};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Shared by every domain: errors, ids, the database door, tenancy, audit, identity, state, the request,
/// input parsing, the UI kit, storage, caches, closed sets, formatting.
const FOUNDATION: &[&str] = &[
    "audit",
    "auth",
    "cache",
    "closed_set",
    "csv_out",
    "db",
    "domain",
    "error",
    "format",
    "ids",
    "input",
    "outbound",
    "request",
    "roles",
    "search_words",
    "server_prelude",
    "state",
    "storage",
    "tenancy",
    "ui",
];
/// The product's areas: each may use the foundation and, where it must, another domain.
const DOMAINS: &[&str] = &[
    "account",
    "admin",
    "contacts",
    "dashboard",
    "documents",
    "imports",
    "notifications",
    "pipeline",
    "projects",
    "search",
    "sso",
    "sync",
];
/// The composition root.
const ROOT: &[&str] = &["lib", "shell", "layers"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: src/auth/ssr/caller.rs is ["auth", "ssr", "caller"]; mod.rs names its folder.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> =
        relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level module a path leads to, when it leaves the file's own top-level module.
fn target(module: &[String], segments: &[String]) -> Option<String> {
    match segments.first().map(String::as_str) {
        Some("crate") => segments.get(1).cloned(),
        Some("super") => {
            let ups = segments.iter().take_while(|s| *s == "super").count();
            // A file's own items are one level below its module path (a mod.rs is its module).
            if ups < module.len() { None } else { segments.get(ups).cloned() }
        }
        _ => None,
    }
}

struct Imports<'a> {
    module: &'a [String],
    found: Vec<String>,
    /// Paths through `door`.
    doors: usize,
}

impl Imports<'_> {
    fn note(&mut self, segments: Vec<String>) {
        if segments.iter().any(|s| s == "door") {
            self.doors += 1;
        }
        if let Some(top) = target(self.module, &segments) {
            self.found.push(top);
        }
    }

    /// Paths inside macro bodies (`view!`, `sqlx::query!` ...) are tokens: look for `crate :: name`.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Ident(ident) if ident == "door" => self.doors += 1,
                TokenTree::Ident(ident) if ident == "crate" => {
                    let colons = trees
                        .get(i + 1..i + 3)
                        .is_some_and(|t| t.iter().all(|p| matches!(p, TokenTree::Punct(p) if p.as_char() == ':')));
                    if let (true, Some(TokenTree::Ident(name))) = (colons, trees.get(i + 3)) {
                        self.found.push(name.to_string());
                    }
                }
                _ => {}
            }
        }
    }

    fn use_tree(&mut self, prefix: Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix;
                next.push(p.ident.to_string());
                self.use_tree(next, &p.tree);
            }
            syn::UseTree::Name(n) => self.note([prefix, vec![n.ident.to_string()]].concat()),
            syn::UseTree::Rename(r) => self.note([prefix, vec![r.ident.to_string()]].concat()),
            syn::UseTree::Glob(_) => self.note(prefix),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix.clone(), t)),
        }
    }
}

impl<'ast> Visit<'ast> for Imports<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.note(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Every (file, what it reaches) where a foundation file reaches a domain, or a domain file the door.
fn violations() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = Vec::new();
    for file in files {
        let module = module_path(&file);
        let top = module[0].as_str();
        assert!(
            FOUNDATION.contains(&top) || DOMAINS.contains(&top) || ROOT.contains(&top),
            "src/{top}: classify the new module as foundation or domain in src/layers.rs"
        );
        if ROOT.contains(&top) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source file");
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut imports = Imports { module: &module, found: Vec::new(), doors: 0 };
        imports.visit_file(&syntax);
        let name = file.strip_prefix(src()).expect("under src").display().to_string();
        if DOMAINS.contains(&top) {
            if imports.doors > 0 {
                found.push((name, "auth::ssr::door".to_string()));
            }
            continue;
        }
        for reached in imports.found {
            if DOMAINS.contains(&reached.as_str()) {
                found.push((name.clone(), reached));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn foundation_never_imports_a_domain_and_domains_never_use_the_door() {
    let found = violations();
    assert!(
        found.is_empty(),
        "foundation files that import a domain (move the shared piece down), or domain files that use the \
         door's job entries (start from Caller or Scope): {found:#?}"
    );
}

#[test]
fn the_check_sees_imports_in_every_form() {
    let module = vec!["state".to_string()];
    let mut imports = Imports { module: &module, found: Vec::new(), doors: 0 };
    let source = r#"
        use crate::{error::AppError, projects::{FilterChoices, ProjectFilter}};
        use crate::auth::ssr::{door, Caller};
        use super::admin as a;
        fn f(row: crate::documents::DocumentRow) {}
        fn g() { view! { <crate::sso::SsoPage/> } }
    "#;
    imports.visit_file(&syn::parse_file(source).expect("parses"));
    imports.found.sort();
    imports.found.dedup();
    assert_eq!(imports.found, ["admin", "auth", "documents", "error", "projects", "sso"]);
    assert_eq!(imports.doors, 1);
}
