//! CSV/XLSX ingest: any bytes as a survey wave give tables or a located error, never a panic.
//! The first byte picks the file type (.csv or .xlsx); the rest is the file.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wecare_stages::{InputFile, StageInput};

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" };
        tempfile::Builder::new().prefix("wecare-fuzz-").tempdir_in(base).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let name = if kind & 1 == 0 { "wave1.csv" } else { "wave1.xlsx" };
    let path = dir().path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let params = wecare_stages::normalize_params("ingest_waves", &toml::Table::new()).unwrap();
    let mut input = StageInput {
        stage: "ingest_waves".into(),
        params,
        ..StageInput::default()
    };
    input.files.insert(
        "wave1".into(),
        InputFile {
            path,
            display: format!("data/raw/{name}"),
        },
    );
    match wecare_stages::run("ingest_waves", &input) {
        Ok(out) => {
            assert!(out.tables.contains_key("ties_raw"));
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("data/raw/wave1"), "unlocated error: {text}");
        }
    }
});
