//! The release profile each Lambda function is built with, as `sam build` builds it: cargo runs
//! in the function's `CodeUri` directory, so a `.cargo/config.toml` there or in a parent
//! directory overrides the workspace `[profile.release]`. The four webhook functions answer Zoho
//! while it waits and keep opt-level 3; the worker (retry queue and schedule, off the webhook
//! path) links all four functions' processing and is built for size, so that its arm64 zip stays
//! under 5 MB (`make package` measures it; docs/DEPLOY.md, "Packaging check").

use std::path::{Path, PathBuf};

use serde_yaml::Value;
use shared::webhook::Function;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("shared/ sits in the workspace root").to_path_buf()
}

fn toml_at(path: &Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.parse().unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display())))
}

/// `profile.release.<key>` of a manifest or a cargo configuration file.
fn release_setting<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    table.get("profile")?.get("release")?.get(key)
}

/// The opt-level cargo uses for `--release` when started in `dir`: the workspace manifest's,
/// overridden by the cargo configuration files from the workspace root down to `dir` (the
/// deeper file wins, as in cargo's own discovery).
fn effective_release_opt_level(dir: &Path) -> toml::Value {
    let root = root();
    let manifest = toml_at(&root.join("Cargo.toml")).expect("the workspace Cargo.toml");
    let mut opt_level = release_setting(&manifest, "opt-level").cloned().expect("[profile.release] sets opt-level");
    let relative = dir.strip_prefix(&root).expect("a directory inside the workspace");
    let mut dirs = vec![root.clone()];
    let mut current = root.clone();
    for part in relative.components() {
        current = current.join(part);
        dirs.push(current.clone());
    }
    for d in dirs {
        for name in ["config.toml", "config"] {
            if let Some(config) = toml_at(&d.join(".cargo").join(name))
                && let Some(level) = release_setting(&config, "opt-level")
            {
                opt_level = level.clone();
            }
        }
    }
    opt_level
}

/// (binary, CodeUri directory) of every function in template.yaml.
fn sam_functions() -> Vec<(String, PathBuf)> {
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let template: Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    let resources = template["Resources"].as_mapping().expect("Resources is a mapping");
    resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|r| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().expect("BuildProperties.Binary");
            let code_uri = r["Properties"]["CodeUri"].as_str().expect("CodeUri");
            (binary.to_owned(), root().join(code_uri.trim_start_matches("./")))
        })
        .collect()
}

#[test]
fn webhook_functions_keep_opt_level_3_and_the_worker_is_built_for_size() {
    let functions = sam_functions();
    for function in Function::ALL {
        let (_, dir) = functions
            .iter()
            .find(|(binary, _)| binary == function.name())
            .unwrap_or_else(|| panic!("template.yaml builds no {}", function.name()));
        assert_eq!(
            effective_release_opt_level(dir),
            toml::Value::Integer(3),
            "{} is on the webhook path: `sam build` must build it at opt-level 3",
            function.name()
        );
    }
    let (_, worker_dir) =
        functions.iter().find(|(binary, _)| binary == "worker").expect("template.yaml builds the worker");
    assert_eq!(worker_dir, &root().join("functions/worker"), "the worker's size profile lives in its CodeUri");
    assert_eq!(
        effective_release_opt_level(worker_dir),
        toml::Value::String("s".into()),
        "the worker is built for size (functions/worker/.cargo/config.toml)"
    );
}

#[test]
fn no_package_override_lowers_the_webhook_functions_opt_level() {
    // A `[profile.release.package.<crate>]` override in the manifest applies to every binary
    // that links the crate, the webhook functions included; the worker's size setting must stay
    // in its own directory's cargo configuration instead.
    let manifest = toml_at(&root().join("Cargo.toml")).expect("the workspace Cargo.toml");
    let overrides = release_setting(&manifest, "package").and_then(toml::Value::as_table);
    for (package, settings) in overrides.into_iter().flatten() {
        assert!(
            settings.get("opt-level").is_none(),
            "[profile.release.package.{package}] sets opt-level, which would change what the webhook functions link"
        );
    }
    assert_eq!(release_setting(&manifest, "lto").and_then(toml::Value::as_str), Some("fat"));
}
