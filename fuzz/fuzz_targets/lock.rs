//! The lock reader: any text gives a lock whose every accepted entry is safe to act on (output
//! paths under the stage's own folder, stage names identifiers), and which survives a round trip.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wecare::lockfile::{is_stage_name, output_path_ok, Lock};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lock = Lock::parse(text);
    for (stage, entry) in &lock.stages {
        assert!(is_stage_name(stage), "{stage:?}");
        for (name, out) in &entry.outputs {
            assert!(output_path_ok(stage, name, &out.path, out.rows.is_some()));
            assert!(out.path.starts_with(&format!("outputs/{stage}/")));
            assert!(!out.path.split('/').any(|p| p == ".." || p.is_empty()));
        }
    }
    for problem in &lock.unreadable {
        let _ = problem.to_string();
    }
    let again = Lock::parse(&lock.render());
    assert_eq!(again.stages, lock.stages);
    assert!(again.unreadable.is_empty());
});
