//! Content hashes and stage fingerprints.
//!
//! A fingerprint is blake3 (in derive-key mode, so it cannot collide with a plain content hash)
//! over a canonical, length-prefixed encoding of: tool version, the engine's code identity (its
//! sources that can change an output byte, hashed by `build.rs`), the stage's code identity, kind,
//! seed, canonical params and the content hash of every input (for an upstream table, the hash of
//! its Parquet bytes, so a rebuilt upstream with identical output does not invalidate its
//! children). Fields are never joined into strings, and no mtime or absolute path is ever hashed.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

mod engine_code {
    include!(concat!(env!("OUT_DIR"), "/engine_code.rs"));
}

/// The engine's code identity: blake3 over its sources that can change an output byte.
pub const ENGINE_CODE: &str = engine_code::ENGINE_CODE;

/// The components a fingerprint is computed from.
#[derive(Debug, Clone)]
pub struct FingerprintParts<'a> {
    /// `CARGO_PKG_VERSION` of the engine.
    pub tool_version: &'a str,
    /// The engine's code identity.
    pub engine: &'a str,
    /// The stage kind's code identity.
    pub code: &'a str,
    /// The stage kind.
    pub kind: &'a str,
    /// The stage's seed.
    pub seed: u64,
    /// Canonical params.
    pub params: &'a toml::Table,
    /// Slot → content hash of what fills it.
    pub inputs: &'a BTreeMap<String, String>,
}

/// Writes `bytes` with a length prefix, so that field boundaries can never shift.
fn field(hasher: &mut blake3::Hasher, tag: u8, bytes: &[u8]) {
    hasher.update(&[tag]);
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn encode_value(hasher: &mut blake3::Hasher, value: &toml::Value) {
    match value {
        toml::Value::String(s) => field(hasher, b's', s.as_bytes()),
        toml::Value::Integer(i) => field(hasher, b'i', &i.to_le_bytes()),
        // Floats by their bits: 0.1 and 0.10 are the same value, -0.0 and 0.0 are not.
        toml::Value::Float(f) => field(hasher, b'f', &f.to_bits().to_le_bytes()),
        toml::Value::Boolean(b) => field(hasher, b'b', &[u8::from(*b)]),
        toml::Value::Datetime(d) => field(hasher, b'd', d.to_string().as_bytes()),
        toml::Value::Array(items) => {
            field(hasher, b'a', &(items.len() as u64).to_le_bytes());
            for item in items {
                encode_value(hasher, item);
            }
        }
        toml::Value::Table(table) => encode_table(hasher, table),
    }
}

fn encode_table(hasher: &mut blake3::Hasher, table: &toml::Table) {
    field(hasher, b't', &(table.len() as u64).to_le_bytes());
    // toml::Table is a BTreeMap: iteration is sorted by key.
    for (key, value) in table {
        field(hasher, b'k', key.as_bytes());
        encode_value(hasher, value);
    }
}

/// The fingerprint of a stage, as 64 hex digits.
#[must_use]
pub fn fingerprint(parts: &FingerprintParts<'_>) -> String {
    let mut h = blake3::Hasher::new_derive_key("wecare stage fingerprint v1");
    field(&mut h, b'v', parts.tool_version.as_bytes());
    field(&mut h, b'e', parts.engine.as_bytes());
    field(&mut h, b'c', parts.code.as_bytes());
    field(&mut h, b'K', parts.kind.as_bytes());
    field(&mut h, b'S', &parts.seed.to_le_bytes());
    encode_table(&mut h, parts.params);
    field(&mut h, b'n', &(parts.inputs.len() as u64).to_le_bytes());
    for (slot, hash) in parts.inputs {
        field(&mut h, b'I', slot.as_bytes());
        field(&mut h, b'H', hash.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// The seed of one stage: derived from the pipeline seed and the stage name.
#[must_use]
pub fn stage_seed(pipeline_seed: u64, stage: &str) -> u64 {
    let mut h = blake3::Hasher::new_derive_key("wecare stage seed v1");
    field(&mut h, b's', &pipeline_seed.to_le_bytes());
    field(&mut h, b'n', stage.as_bytes());
    let bytes = h.finalize();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// blake3 of a byte slice, as 64 hex digits.
#[must_use]
pub fn hash_bytes(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// blake3 of a file's content and its size in bytes.
///
/// # Errors
/// When the file cannot be read.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    // Never a device, a FIFO or a directory: `/dev/zero` would hash forever.
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    hash_reader(&mut file)
}

/// blake3 of everything `reader` yields, and how many bytes that was.
///
/// # Errors
/// When reading fails.
pub fn hash_reader(reader: &mut impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hasher.finalize().to_hex().to_string(), total))
}

/// The first 12 hex digits of a hash, for messages.
#[must_use]
pub fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(params: &toml::Table, inputs: &BTreeMap<String, String>) -> String {
        fingerprint(&FingerprintParts {
            tool_version: "1",
            engine: "e",
            code: "c",
            kind: "k",
            seed: 7,
            params,
            inputs,
        })
    }

    #[test]
    fn fields_cannot_shift_into_each_other() {
        let inputs = BTreeMap::new();
        let a: toml::Table = toml::from_str("x = \"ab\"\ny = \"c\"").unwrap();
        let b: toml::Table = toml::from_str("x = \"a\"\ny = \"bc\"").unwrap();
        assert_ne!(fp(&a, &inputs), fp(&b, &inputs));
        let one: BTreeMap<String, String> = [("ab".to_string(), "c".to_string())].into();
        let two: BTreeMap<String, String> = [("a".to_string(), "bc".to_string())].into();
        let empty = toml::Table::new();
        assert_ne!(fp(&empty, &one), fp(&empty, &two));
    }

    #[test]
    fn equal_values_give_equal_fingerprints() {
        let inputs = BTreeMap::new();
        let a: toml::Table = toml::from_str("t = 0.1\nu = 1").unwrap();
        let b: toml::Table = toml::from_str("u = 1\nt = 0.10").unwrap();
        assert_eq!(fp(&a, &inputs), fp(&b, &inputs));
        let c: toml::Table = toml::from_str("t = 0.1\nu = 1.0").unwrap();
        assert_ne!(
            fp(&a, &inputs),
            fp(&c, &inputs),
            "integer 1 and float 1.0 differ"
        );
    }

    #[test]
    fn the_engine_code_identity_is_part_of_the_fingerprint() {
        let (params, inputs) = (toml::Table::new(), BTreeMap::new());
        let parts = |engine| FingerprintParts {
            tool_version: "1",
            engine,
            code: "c",
            kind: "k",
            seed: 7,
            params: &params,
            inputs: &inputs,
        };
        assert_ne!(fingerprint(&parts("e1")), fingerprint(&parts("e2")));
        assert_eq!(ENGINE_CODE.len(), 64);
    }

    #[test]
    fn seeds_differ_by_stage() {
        assert_ne!(stage_seed(2017, "a"), stage_seed(2017, "b"));
        assert_eq!(stage_seed(2017, "a"), stage_seed(2017, "a"));
    }
}
