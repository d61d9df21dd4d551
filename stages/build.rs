//! Computes the code identity of every stage kind at build time.
//!
//! Each file under `src/` is hashed with blake3; `Cargo.lock` of the workspace is hashed too, so a
//! dependency upgrade also counts as a code change. The engine combines these into one identity per
//! kind (see `code_identity` in `lib.rs`). Nothing here looks at mtimes or absolute paths.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read stages/src")
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
    let lock = manifest.join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());

    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let mut code =
        String::from("/// (path under `stages/src`, blake3 of its bytes), sorted by path.\n");
    code.push_str("pub const SOURCE_HASHES: &[(&str, &str)] = &[\n");
    for (rel, path) in &files {
        let bytes = std::fs::read(path).expect("read source");
        // Normalise line endings so a checkout with CRLF gives the same identity.
        let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
        let hash = blake3::hash(text.as_bytes()).to_hex();
        let _ = writeln!(code, "    ({rel:?}, {:?}),", hash.as_str());
    }
    code.push_str("];\n");
    let lock_hash = std::fs::read(&lock)
        .map(|b| {
            blake3::hash(String::from_utf8_lossy(&b).replace("\r\n", "\n").as_bytes())
                .to_hex()
                .to_string()
        })
        .unwrap_or_else(|_| "no-cargo-lock".to_string());
    let _ = writeln!(code, "/// blake3 of the workspace `Cargo.lock`.\npub const CARGO_LOCK_HASH: &str = {lock_hash:?};");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("code_hashes.rs");
    std::fs::write(out, code).expect("write code_hashes.rs");
}
