//! Computes the engine's code identity at build time.
//!
//! Output bytes depend on engine code as well as on the stage kinds (the Parquet writer options,
//! how inputs are handed to a stage, how params are normalised), so every engine source file that
//! can change what a stage writes is hashed with blake3, the same way `stages/build.rs` hashes the
//! stage crate. Files that only print or parse the command line are left out (`PRESENTATION`), so
//! rewording a message does not make every stage stale. No mtime or absolute path is hashed.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Engine files that cannot change an output byte: the command line, printing, messages, the
/// read-only commands and verification (which runs the same runner).
const PRESENTATION: &[&str] = &[
    "cli.rs",
    "commands.rs",
    "diagnostic.rs",
    "dirty_reason.rs",
    "error.rs",
    "fresh_seal.rs",
    "hash_cache.rs",
    "main.rs",
    "printer.rs",
    "project_lock.rs",
    "show.rs",
    "status.rs",
    "synth.rs",
    "verify.rs",
];

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let src = manifest.join("src");
    println!("cargo:rerun-if-changed=src");
    // Link the binaries as position-dependent executables on Linux: a PIE of this size carries
    // ~150,000 relative relocations that the loader applies at every start (≈ 3 ms of a 4 ms
    // no-op). The objects are position-independent either way; only the final link changes.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64")
    {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let mut hasher = blake3::Hasher::new_derive_key("wecare engine code identity v1");
    let mut listed = String::new();
    for (rel, path) in &files {
        if PRESENTATION.contains(&rel.as_str()) {
            continue;
        }
        let bytes = std::fs::read(path).expect("read source");
        // Normalise line endings so a checkout with CRLF gives the same identity.
        let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
        let hash = blake3::hash(text.as_bytes());
        for part in [rel.as_bytes(), hash.as_bytes().as_slice()] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let _ = write!(listed, "{rel} ");
    }
    let code = format!(
        "/// blake3 over the engine sources that can change an output byte: {}\npub const ENGINE_CODE: &str = {:?};\n",
        listed.trim_end(),
        hasher.finalize().to_hex().as_str()
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("engine_code.rs");
    std::fs::write(out, code).expect("write engine_code.rs");
}
