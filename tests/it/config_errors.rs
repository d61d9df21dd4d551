//! Every bad `pipeline.toml` gives exit 2, a message naming the line, and touches nothing.
use crate::common::{fixtures, redact, Project};

fn check(name: &str) -> String {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let before = p.snapshot_files();
    let bad = std::fs::read_to_string(
        fixtures()
            .join("bad_pipelines")
            .join(format!("{name}.toml")),
    )
    .unwrap();
    p.write("pipeline.toml", &bad);
    for args in [&["run"][..], &["status"][..], &["dag"][..]] {
        let run = p.wecare(args);
        assert_eq!(
            run.code, 2,
            "{name}: wecare {args:?} should exit 2:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("pipeline.toml:"),
            "{name}: no line in\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("stack backtrace") && !run.stderr.contains("panicked"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        p.snapshot_files(),
        before,
        "{name}: outputs or pipeline.lock changed"
    );
    redact(&p.wecare(&["run"]).stderr, p.path())
}

macro_rules! bad_pipeline {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), check(stringify!($name)));
        }
    )*};
}

bad_pipeline!(
    cycle,
    unknown_stage,
    unknown_table,
    unknown_kind,
    unknown_param,
    unknown_nested_param,
    wrong_param_type,
    missing_file,
    path_outside,
    invalid_toml,
    duplicate_stage,
    missing_kind,
    unknown_slot,
    missing_required_slot,
    bad_pipeline_table,
    several_problems,
    file_in_table_slot,
);

#[test]
fn missing_pipeline_toml_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("-C")
        .arg(dir.path())
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(stderr, @r"
    error: no `pipeline.toml` in `[DIR]`
      hint: run inside a wecare project, pass `-C DIR`, or start one with `wecare new DIR`
    ");
}
