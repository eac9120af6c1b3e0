//! The `shared` crate depends one way only, from the leaves up (README, "Architecture"). This
//! test reads every file under `shared/src`, collects the crate paths each module names
//! (`use crate::…`, `use crate::{…}`, inline `crate::x::Y`, `super::…`), and fails when a module
//! names one of a higher layer, or when modules of one layer name each other in a circle.
//!
//! [`LAYERS`] is the one table of the architecture; the README's diagram mirrors it, and
//! [`readme_draws_the_same_layers`] keeps the two in step. A new module must be placed in it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may name modules of its own layer (without a circle) and of the layers
/// below it. A unit is a module path; a file belongs to the longest unit its module path starts
/// with, so `webhook::endpoint` is a leaf while the rest of `webhook` is the edge.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "leaves",
        &[
            "ids",
            "secret",
            "base_url",
            "retry",
            "error_text",
            "telemetry",
            "decision",
            "outcome",
            "webhook::endpoint",
            "http",
        ],
    ),
    ("clients", &["moodle", "zoho"]),
    ("domain", &["error", "sync"]),
    ("edge", &["capture", "config", "app", "webhook"]),
    ("test doubles", &["testkit"]),
];

#[test]
fn modules_import_only_downwards_and_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    assert!(files.len() > 20, "expected the crate's sources under {}, found {} files", src.display(), files.len());
    let root_items = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    let problems = check(&src, &files, &root_items);
    assert!(
        problems.is_empty(),
        "the layers of `shared` are broken (table: shared/tests/layers.rs, README \"Architecture\"):\n{}",
        problems.join("\n")
    );
}

#[test]
fn readme_draws_the_same_layers() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).expect("README.md");
    let section = readme.split("## Architecture").nth(1).expect("the README has an \"## Architecture\" section");
    let diagram = section.split("```").nth(1).expect("the architecture section draws the layers in a ``` block");
    for (layer, units) in LAYERS {
        let line = diagram
            .lines()
            .find(|l| l.trim_start().starts_with(layer))
            .unwrap_or_else(|| panic!("the README's architecture diagram has no line for the layer `{layer}`"));
        for unit in *units {
            assert!(line.contains(unit), "the README's `{layer}` line does not name `{unit}`: {line}");
        }
    }
}

/// Every violation, worded for the person who caused it.
fn check(src: &Path, files: &[PathBuf], root_items: &BTreeMap<String, String>) -> Vec<String> {
    let layer_of: BTreeMap<&str, usize> =
        LAYERS.iter().enumerate().flat_map(|(i, (_, units))| units.iter().map(move |u| (*u, i))).collect();
    let mut problems = Vec::new();
    // from → to → the first place that names it
    let mut edges: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
        if relative == "lib.rs" {
            continue;
        }
        let module = module_path(&relative);
        let Some(from) = unit_of(&module) else {
            problems.push(format!(
                "{relative}: module `{}` is in no layer; add it to LAYERS and the README",
                module.join("::")
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for reference in crate_paths(&text, &module) {
            let mut path = reference.path.clone();
            if let Some(first) = path.first()
                && unit_of(&path[..1]).is_none()
                && let Some(target) = root_items.get(first)
            {
                path[0] = target.clone();
            }
            let place = format!("shared/src/{relative}:{} names crate::{}", reference.line, reference.path.join("::"));
            let Some(to) = unit_of(&path) else {
                problems.push(format!("{place}, which is in no layer"));
                continue;
            };
            if to != from {
                edges.entry(from).or_default().entry(to).or_insert(place);
            }
        }
    }
    for (from, tos) in &edges {
        for (to, place) in tos {
            let (lf, lt) = (layer_of[from], layer_of[to]);
            if lt > lf {
                problems.push(format!(
                    "upward import: `{from}` ({}) imports `{to}` ({}): {place}",
                    LAYERS[lf].0, LAYERS[lt].0
                ));
            }
        }
    }
    // A circle across layers has an upward import in it, reported above; here the circles of one layer.
    let mut within: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for (from, tos) in &edges {
        for (to, place) in tos.iter().filter(|(to, _)| layer_of[**to] == layer_of[from]) {
            within.entry(*from).or_default().insert(*to, place.clone());
        }
    }
    for cycle in cycles(&within) {
        let steps: Vec<String> = cycle.windows(2).map(|w| format!("  {}", within[w[0]][w[1]])).collect();
        problems.push(format!(
            "cycle in layer `{}`: {}\n{}",
            LAYERS[layer_of[cycle[0]]].0,
            cycle.join(" → "),
            steps.join("\n")
        ));
    }
    problems
}

/// `webhook/endpoint.rs` → `[webhook, endpoint]`, `sync/mod.rs` → `[sync]`.
fn module_path(relative: &str) -> Vec<String> {
    let mut parts: Vec<String> = relative.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The longest unit of [`LAYERS`] that `path` starts with.
fn unit_of(path: &[String]) -> Option<&'static str> {
    LAYERS
        .iter()
        .flat_map(|(_, units)| units.iter().copied())
        .filter(|unit| {
            let segments: Vec<&str> = unit.split("::").collect();
            segments.len() <= path.len() && segments.iter().zip(path).all(|(a, b)| a == b)
        })
        .max_by_key(|unit| unit.split("::").count())
}

/// Names the crate root re-exports (`pub use app::App;` → `App` → `app`).
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    for line in lib.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub use ").and_then(|r| r.strip_suffix(';')) else { continue };
        let Some((module, names)) = rest.split_once("::") else { continue };
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.rsplit("::").next().unwrap_or("").trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                items.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    items
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A crate path named in a file, made absolute (without `crate`), with its line.
#[derive(Debug, PartialEq)]
struct Reference {
    path: Vec<String>,
    line: usize,
}

/// Every `crate::…` and `super::…` path in `text` (a file of module `module`), with use groups
/// expanded. Comments, strings and character literals are skipped; inline `mod x { … }` blocks
/// are followed, so `super` resolves as the compiler resolves it.
fn crate_paths(text: &str, module: &[String]) -> Vec<Reference> {
    let tokens = tokens(&strip_comments_and_literals(text));
    let mut references = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new(); // inline module, brace depth inside it
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = (&tokens[i].0, tokens[i].1);
        match token.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t.0 == "{") => {
                inline.push((tokens[i + 1].0.clone(), depth + 1));
            }
            "crate" | "super"
                if tokens.get(i + 1).is_some_and(|t| t.0 == "::")
                    && (i == 0 || (tokens[i - 1].0 != "::" && tokens[i - 1].0 != "$")) =>
            {
                let here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|(m, _)| m.clone())).collect();
                let (paths, next) = path_tree(&tokens, i);
                for path in paths {
                    if let Some(path) = absolute(&path, &here) {
                        references.push(Reference { path, line });
                    }
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    references
}

/// `crate::a::{b, c::d}` starting at `start` → `[[crate, a, b], [crate, a, c, d]]`, and the
/// index after it.
fn path_tree(tokens: &[(String, usize)], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut i = start;
    loop {
        let token = &tokens[i].0;
        if token == "{" {
            let mut paths = Vec::new();
            i += 1;
            while i < tokens.len() && tokens[i].0 != "}" {
                if tokens[i].0 == "," {
                    i += 1;
                    continue;
                }
                let (inner, next) = path_tree(tokens, i);
                paths.extend(inner.into_iter().map(|p| prefix.iter().cloned().chain(p).collect()));
                i = next;
            }
            return (paths, i + 1);
        }
        if !is_ident(token) {
            return (vec![prefix], i);
        }
        prefix.push(token.clone());
        i += 1;
        if tokens.get(i).is_some_and(|t| t.0 == "::") {
            i += 1;
        } else {
            // `as alias` ends a use item; the alias names nothing new.
            if tokens.get(i).is_some_and(|t| t.0 == "as") {
                i += 2;
            }
            return (vec![prefix], i);
        }
    }
}

/// The path from the crate root, or `None` for what stays inside the current module (`self`,
/// a `super` that only leaves an inline module).
fn absolute(path: &[String], here: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String>;
    let mut rest = path;
    if rest.first().is_some_and(|s| s == "crate") {
        base = Vec::new();
        rest = &rest[1..];
    } else {
        base = here.to_vec();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    let rest: Vec<String> = rest.iter().filter(|s| *s != "self").cloned().collect();
    base.extend(rest);
    (!base.is_empty()).then_some(base)
}

fn is_ident(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Identifiers, `::` and single punctuation characters, each with its line.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(("::".to_owned(), line));
            i += 2;
        } else {
            tokens.push((c.to_string(), line));
            i += 1;
        }
    }
    tokens
}

/// The text with comments, string literals and character literals blanked (newlines kept, so
/// line numbers stay right). Lifetimes (`'a`) are kept.
fn strip_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| out.extend(s.iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && !prev_ident
            && matches!(next, Some('"') | Some('#'))
            && raw_string_end(&chars, i).is_some()
        {
            i = raw_string_end(&chars, i).unwrap();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c);
            i += 1;
            continue;
        }
        let end = i.min(chars.len());
        blank(&mut out, &chars[start..end]);
        i = end;
    }
    out
}

/// For `r"…"` / `r#"…"#` starting at `start` (the `r`), the index after its end.
fn raw_string_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(chars.len())
}

/// The circles among units (each once, from its smallest unit), found by a depth-first search.
fn cycles<'a>(edges: &BTreeMap<&'a str, BTreeMap<&'a str, String>>) -> Vec<Vec<&'a str>> {
    fn walk<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeMap<&'a str, String>>,
        stack: &mut Vec<&'a str>,
        found: &mut BTreeSet<Vec<&'a str>>,
    ) {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            let mut cycle: Vec<&str> = stack[at..].to_vec();
            let smallest = cycle.iter().enumerate().min_by_key(|(_, n)| **n).map(|(i, _)| i).unwrap();
            cycle.rotate_left(smallest);
            cycle.push(cycle[0]);
            found.insert(cycle);
            return;
        }
        stack.push(node);
        for next in edges.get(node).into_iter().flat_map(|tos| tos.keys()) {
            walk(next, edges, stack, found);
        }
        stack.pop();
    }
    let mut found = BTreeSet::new();
    for node in edges.keys() {
        walk(node, edges, &mut Vec::new(), &mut found);
    }
    found.into_iter().collect()
}

#[test]
fn the_scanner_reads_paths_as_the_compiler_does() {
    let module = vec!["sync".to_owned(), "class".to_owned()];
    let text = r##"
        //! A doc comment naming crate::app::App is not an import.
        use crate::{error::SyncError, moodle::{self, MoodleError}};
        use super::Context as Ctx;
        fn f() -> &'static str { let _ = crate::capture::Store::Dead; "crate::config::Settings" }
        /* crate::webhook::handle */
        const C: char = '"';
        const R: &str = r#"crate::app::App"#;
        #[cfg(test)]
        mod tests {
            use super::*;
            use super::super::params::Params;
        }
        fn g() { crate::retry::Retry::Now; }
    "##;
    let found: Vec<(String, usize)> =
        crate_paths(text, &module).into_iter().map(|r| (r.path.join("::"), r.line)).collect();
    assert_eq!(
        found,
        [
            ("error::SyncError".to_owned(), 3),
            ("moodle".to_owned(), 3),
            ("moodle::MoodleError".to_owned(), 3),
            ("sync::Context".to_owned(), 4),
            ("capture::Store::Dead".to_owned(), 5),
            ("sync::class".to_owned(), 11),
            ("sync::params::Params".to_owned(), 12),
            ("retry::Retry::Now".to_owned(), 14),
        ]
    );
}
