//! The layer rule of the README's "How it is built": folders follow the data path, and a module
//! never uses one from a higher layer. This test reads every source file under `src/` and fails on
//! the first `crate::…` path (or `msikit::…` in the binary) that points upward, and on a file
//! that belongs to no layer.

use std::path::{Path, PathBuf};

/// The layers, lowest first. `error` is the one type every layer shares.
const LAYERS: &[(&str, &[&str])] = &[
    ("error", &["error"]),
    ("formats", &["formats"]),
    ("database", &["database"]),
    ("views", &["views"]),
    ("machine", &["machine"]),
    ("jobs", &["jobs"]),
    ("cli", &["cli", "main"]),
];

/// Files that only declare the layers.
const ROOTS: &[&str] = &["lib.rs"];

fn layer_of_top(top: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, tops)| tops.contains(&top))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every top-level module named after `prefix::` in the text, including those inside
/// `prefix::{a, b::c}` groups.
fn referenced_tops(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let top: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !top.is_empty() {
                        found.push((n + 1, top));
                    }
                }
            } else {
                let top: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !top.is_empty() {
                    found.push((n + 1, top));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "expected the whole tree, found {}",
        files.len()
    );
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        if ROOTS.contains(&rel_text.as_str()) {
            continue;
        }
        let top = rel_text
            .split('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".rs");
        let Some(own) = layer_of_top(top) else {
            problems.push(format!(
                "{rel_text}: in no layer (add it to a layer's folder)"
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read source");
        // The library speaks of itself as `crate::`, the binary of the library as `msikit::`.
        let prefix = if LAYERS[own].0 == "cli" {
            "msikit::"
        } else {
            "crate::"
        };
        for (line, used) in referenced_tops(&text, prefix) {
            match layer_of_top(&used) {
                Some(l) if l > own => problems.push(format!(
                    "{rel_text}:{line}: the {} layer uses `{used}` of the higher {} layer",
                    LAYERS[own].0, LAYERS[l].0
                )),
                Some(_) => {}
                // Re-exports at the crate root (`crate::Error`, `msikit::Result`) are the error layer.
                None if ["Error", "ErrorKind", "Result"].contains(&used.as_str()) => {}
                None => problems.push(format!(
                    "{rel_text}:{line}: `{prefix}{used}` is in no layer"
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layer violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_finds_an_upward_use() {
    let text = "use crate::jobs::locks;\nuse crate::{formats::tables, views::paths};\n// crate::cli in a comment\n";
    let tops: Vec<String> = referenced_tops(text, "crate::")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(tops, ["jobs", "formats", "views"]);
    assert!(layer_of_top("jobs") > layer_of_top("views"));
}

/// The README's map of the tree ("How it is built") names every folder and file at the top of
/// `src/` and of `src/formats/`, and everything it names exists.
#[test]
fn the_readme_map_matches_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme
        .find("## How it is built")
        .expect("README has 'How it is built'");
    let block = readme[start..]
        .split("```")
        .nth(1)
        .expect("a code block with the map");
    let mut named = Vec::new();
    let mut parent = String::new();
    for line in block.lines() {
        let Some(first) = line.split_whitespace().next() else {
            continue;
        };
        if let Some(rest) = first.strip_prefix("src/") {
            parent = rest.trim_end_matches('/').to_string();
            named.push(format!("src/{}", rest.trim_end_matches('/')));
        } else if line.starts_with("  ") && !line.starts_with("   ") {
            named.push(format!("src/{parent}/{}", first.trim_end_matches('/')));
        }
    }
    let mut problems = Vec::new();
    for n in &named {
        if !root.join(n).exists() {
            problems.push(format!("the README names {n}, which does not exist"));
        }
    }
    for dir in ["src", "src/formats"] {
        for e in std::fs::read_dir(root.join(dir)).expect("read src") {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let path = format!("{dir}/{name}");
            let is_decl = ["lib.rs", "main.rs", "mod.rs"].contains(&name.as_str());
            if !is_decl && !named.iter().any(|n| n == &path) {
                problems.push(format!("{path} is not in the README's map"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
