//! The committed default project is reproducible: what is in `outputs/` and `pipeline.lock`
//! is fresh for the code in this checkout, and rerunning every stage gives the same bytes.
use crate::common::{copy_dir, Project};

fn default_project() -> Project {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for item in ["data", "outputs"] {
        copy_dir(&root.join(item), &dir.path().join(item));
    }
    for item in ["pipeline.toml", "pipeline.lock"] {
        std::fs::copy(root.join(item), dir.path().join(item)).unwrap();
    }
    Project { dir }
}

#[test]
fn committed_outputs_are_fresh_and_reproduce_byte_for_byte_on_one_thread() {
    let p = default_project();
    let status = p.status();
    for (name, (state, reasons)) in &status {
        assert_eq!(state, "fresh", "committed stage `{name}` is stale: {reasons:?}; rerun `wecare run` and commit outputs/ and pipeline.lock");
    }
    let committed = p.snapshot_files();
    // The committed outputs were made with every core; rebuild them on one thread.
    p.ok_with_threads(&["run", "--force"], 1);
    let rerun = p.snapshot_files();
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        rerun.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &committed {
        assert!(
            bytes == &rerun[name],
            "{name} is not reproduced byte for byte"
        );
    }
}
