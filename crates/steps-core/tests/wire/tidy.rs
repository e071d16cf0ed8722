//! Every snapshot file belongs to a case, and every case has its file,
//! checked without cargo-insta so that CI needs nothing installed.

use std::collections::BTreeSet;
use std::path::Path;

use crate::quandela;
use crate::support::{case_names, OPERATIONS, V2_OPERATIONS};

#[test]
fn snapshots_are_neither_orphaned_nor_missing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wire/snapshots");
    let mut expected = BTreeSet::new();
    for op in OPERATIONS {
        expected.insert(format!("{op}.request.snap"));
        for case in case_names() {
            expected.insert(format!("{op}.response.{case}.snap"));
        }
    }
    for (op, extra) in V2_OPERATIONS {
        expected.insert(format!("v2.{op}.request.snap"));
        for case in case_names().into_iter().chain(extra.iter().copied()) {
            expected.insert(format!("v2.{op}.response.{case}.snap"));
        }
    }
    for (op, extra) in quandela::OPERATIONS {
        expected.insert(format!("{op}.request.snap"));
        if !quandela::JOB_TOKEN_ONLY.contains(&op) {
            expected.insert(format!("{op}.auth.request.snap"));
        }
        for case in quandela::case_names().into_iter().chain(extra.iter().copied()) {
            expected.insert(format!("{op}.response.{case}.snap"));
        }
    }
    let found: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("the snapshots directory exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".snap"))
        .collect();
    let orphaned: Vec<_> = found.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    assert!(orphaned.is_empty(), "snapshots with no test: {orphaned:?}");
    assert!(missing.is_empty(), "snapshots not committed: {missing:?}");
}
