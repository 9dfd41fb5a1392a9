//! `msikit streams` against 7-Zip's own compound-file reader (no code shared with msikit or
//! libmsi): for every compound file of the corpus, the same storages and streams, with the same
//! decoded names and the same sizes. msikit shows names the way 7-Zip does on purpose
//! (`!Table`, `[5]SummaryInformation`, `Storage/!Table`).

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{manifest, par_map, require, run_msikit};

/// Paths and sizes (None for storages) from `7zz l -tCompound -slt`.
fn seven_zip(path: &std::path::Path) -> Option<BTreeMap<String, Option<u64>>> {
    let out = Command::new("7zz")
        .args(["l", "-tCompound", "-slt"])
        .arg(path)
        .output()
        .expect("run 7zz");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let body = text.split("----------").nth(1)?;
    let mut map = BTreeMap::new();
    for block in body.split("\n\n") {
        let mut name = None;
        let mut size = None;
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("Path = ") {
                name = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("Size = ") {
                size = v.trim().parse::<u64>().ok();
            }
        }
        if let Some(n) = name {
            map.insert(n, size);
        }
    }
    Some(map)
}

#[test]
fn stream_lists_match_7zip() {
    require("7zz");
    let files: Vec<_> = manifest().into_iter().filter(|f| f.kind != "cab").collect();
    let compared: Vec<Result<bool, String>> = par_map(&files, |f| {
        let Some(expected) = seven_zip(&f.path) else {
            return Ok(false); // 7-Zip cannot read it either (a damaged file)
        };
        let out = run_msikit(&["streams".as_ref(), "--json".as_ref(), f.path.as_os_str()]);
        let Ok(list) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
            return Err(format!(
                "{}: no listing: {}",
                f.local,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        };
        let got: BTreeMap<String, Option<u64>> = list
            .as_array()
            .expect("array")
            .iter()
            .map(|s| {
                let storage = s["kind"] == "storage";
                (
                    s["name"].as_str().expect("name").to_string(),
                    (!storage).then(|| s["size"].as_u64().expect("size")),
                )
            })
            .collect();
        if got == expected {
            Ok(true)
        } else {
            let only_7z: Vec<_> = expected
                .iter()
                .filter(|(k, v)| got.get(*k) != Some(v))
                .collect();
            let only_us: Vec<_> = got
                .iter()
                .filter(|(k, v)| expected.get(*k) != Some(v))
                .collect();
            Err(format!(
                "{}: 7-Zip only {only_7z:?}; msikit only {only_us:?}",
                f.local
            ))
        }
    });
    let problems: Vec<&String> = compared.iter().filter_map(|r| r.as_ref().err()).collect();
    let same = compared.iter().filter(|r| matches!(r, Ok(true))).count();
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(same > 130, "only {same} files compared");
}
