//! Reading and writing output files: deterministic Parquet bytes and atomic writes.
//!
//! Parquet bytes depend on chunking and writer options, so tables are rechunked and written with
//! every option fixed (zstd at its default level, full statistics, 64 Ki-row groups, 1 MiB pages, serial
//! column encoding, no key-value metadata): the same table gives the same bytes on any thread count.
use std::io::Write as _;
use std::path::Path;

use polars::prelude::*;

/// Serialises a table to Parquet bytes, deterministically.
///
/// # Errors
/// When polars cannot encode the table.
pub fn parquet_bytes(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    df.rechunk_mut();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::full())
        .with_row_group_size(Some(65_536))
        .with_data_page_size(Some(1 << 20))
        .set_parallel(false)
        .finish(df)?;
    Ok(buf)
}

/// Reads a Parquet file into a table.
///
/// # Errors
/// When the file cannot be opened or decoded.
pub fn read_parquet(path: &Path) -> PolarsResult<DataFrame> {
    let file = std::fs::File::open(path)?;
    ParquetReader::new(file).finish()
}

/// Decodes Parquet bytes already read (and hashed) into a table.
///
/// # Errors
/// When the bytes are not a Parquet file polars can decode.
pub fn read_parquet_bytes(bytes: Vec<u8>) -> PolarsResult<DataFrame> {
    ParquetReader::new(std::io::Cursor::new(bytes)).finish()
}

/// [`read_parquet_bytes`], keeping only the listed columns the file has (in the file's order).
///
/// # Errors
/// When the bytes are not a Parquet file polars can decode.
pub fn read_parquet_columns(bytes: Vec<u8>, columns: &[&str]) -> PolarsResult<DataFrame> {
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let schema = reader.schema()?;
    let keep: Vec<String> = schema
        .iter_names()
        .filter(|name| columns.contains(&name.as_str()))
        .map(ToString::to_string)
        .collect();
    reader.with_columns(Some(keep)).finish()
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader (or a crash) never sees a half-written file.
///
/// # Errors
/// When the directory or the file cannot be written.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
