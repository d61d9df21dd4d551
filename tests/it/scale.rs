//! Issue 13: the size+mtime hash cache only skips rehashing; freshness is still decided by
//! content. An edit that keeps the size and sets the modification time back is still seen.
use std::time::{Duration, SystemTime};

use crate::common::Project;

fn set_mtime(path: &std::path::Path, when: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

/// Sets every file under `dir` an hour back, so that the cache may keep it.
fn age_all(dir: &std::path::Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    for entry in walk(dir) {
        set_mtime(&entry, old);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Rewrites `rel` with one byte changed (same size) and its old modification time.
fn sneaky_edit(p: &Project, rel: &str, at: usize) {
    let path = p.path().join(rel);
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at] = if bytes[at] == b'2' { b'3' } else { b'2' };
    std::fs::write(&path, &bytes).unwrap();
    set_mtime(&path, mtime);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
}

#[test]
fn issue13_the_hash_cache_never_hides_an_edit_that_keeps_size_and_mtime() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    age_all(&p.path().join("data"));
    age_all(&p.path().join("outputs"));
    assert!(p.stale().is_empty());
    let cache = p.read(".wecare/hash-cache");
    assert!(cache.starts_with("wecare hash cache v1\n"), "{cache}");
    for rel in [
        "data/raw/wave1.csv",
        "outputs/describe_waves/wave_summary.parquet",
    ] {
        assert!(
            cache.contains(&format!(" {rel}\n")),
            "{rel} not cached:\n{cache}"
        );
    }
    // A cached input edited in place: the intensity of its first tie, same size, same mtime.
    let wave1 = p.read("data/raw/wave1.csv");
    let at = wave1.find(",collaboration,2").unwrap() + ",collaboration,".len();
    sneaky_edit(&p, "data/raw/wave1.csv", at);
    let status = p.status();
    assert_eq!(status["ingest_waves"].0, "stale", "{status:?}");
    let reasons = serde_json::to_string(&status["ingest_waves"].1).unwrap();
    assert!(reasons.contains("wave1"), "{reasons}");
    p.ok(&["run"]);
    assert!(p.stale().is_empty());

    // A cached output edited in place (one byte of its footer's metadata, same size and mtime).
    age_all(&p.path().join("outputs"));
    p.ok(&["status"]);
    let rel = "outputs/describe_waves/wave_summary.parquet";
    let len = std::fs::metadata(p.path().join(rel)).unwrap().len() as usize;
    sneaky_edit(&p, rel, len / 2);
    let status = p.status();
    assert_eq!(status["describe_waves"].0, "stale", "{status:?}");
    let reasons = serde_json::to_string(&status["describe_waves"].1).unwrap();
    assert!(reasons.contains("wave_summary"), "{reasons}");
}

#[test]
fn issue13_a_corrupt_or_unwritable_hash_cache_changes_nothing() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    for junk in [
        "",
        "not a cache\n",
        "wecare hash cache v1\nxyz 1 2 3 4 5 data/raw/wave1.csv\n",
    ] {
        p.write(".wecare/hash-cache", junk);
        assert!(p.stale().is_empty());
        let run = p.ok(&["run"]);
        assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    }
    // A cache in the way of its own file (a directory): ignored, never an error.
    std::fs::remove_file(p.path().join(".wecare/hash-cache")).unwrap();
    std::fs::create_dir_all(p.path().join(".wecare/hash-cache")).unwrap();
    age_all(&p.path().join("data"));
    assert!(p.stale().is_empty());
    p.edit("data/raw/wave2.csv", "resources,1", "resources,2");
    assert_eq!(p.status()["ingest_waves"].0, "stale");
}

/// Runs until `run` has sealed its no-op verdict (the files must be two seconds old first).
fn sealed_noop(p: &Project) {
    std::thread::sleep(Duration::from_millis(2100));
    let run = p.ok(&["run"]);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert!(p.path().join(".wecare/fresh-seal").is_file());
    let again = p.ok(&["run", "-v"]);
    assert!(
        again.stdout.contains(".wecare/fresh-seal") && again.stdout.contains("nothing to do"),
        "{}",
        again.stdout
    );
}

#[test]
fn issue13_the_sealed_noop_never_hides_a_change() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    sealed_noop(&p);
    // An output edited in place, same size, its modification time set back.
    let rel = "outputs/describe_waves/wave_summary.parquet";
    let len = std::fs::metadata(p.path().join(rel)).unwrap().len() as usize;
    sneaky_edit(&p, rel, len / 2);
    let run = p.ok(&["run"]);
    assert_eq!(crate::common::stages_run(&run.stdout), ["describe_waves"]);
    assert!(!run.stdout.contains("fresh-seal"), "{}", run.stdout);

    // An input edited in place the same way: the stage that reads it runs again.
    sealed_noop(&p);
    let wave1 = p.read("data/raw/wave1.csv");
    let at = wave1.find(",collaboration,2").unwrap() + ",collaboration,".len();
    sneaky_edit(&p, "data/raw/wave1.csv", at);
    let run = p.ok(&["run"]);
    assert!(
        crate::common::stages_run(&run.stdout).contains(&"ingest_waves".to_string()),
        "{}",
        run.stdout
    );

    // A temporary file a killed run left deep under `outputs/`: found and removed.
    sealed_noop(&p);
    let dirs: Vec<_> = std::fs::read_dir(p.path().join("outputs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.is_dir())
        .collect();
    let tmp = dirs[0].join(".left.parquet.tmp-4242");
    std::fs::write(&tmp, b"half").unwrap();
    let run = p.ok(&["run"]);
    assert!(
        run.stdout.contains("removed 1 temporary file") && run.stdout.contains("nothing to do"),
        "{}",
        run.stdout
    );
    assert!(!tmp.exists());

    // A deleted output, a changed param, an edited lock: each means the full check.
    sealed_noop(&p);
    std::fs::remove_file(p.path().join(rel)).unwrap();
    let run = p.ok(&["run"]);
    assert_eq!(crate::common::stages_run(&run.stdout), ["describe_waves"]);
    sealed_noop(&p);
    let lock = p.read("pipeline.lock");
    p.write(
        "pipeline.lock",
        &lock.replacen("fingerprint = \"", "fingerprint = \"0", 1),
    );
    let run = p.ok(&["run"]);
    assert!(!run.stdout.contains("nothing to do"), "{}", run.stdout);
    // A seal whose stamps were tampered with is only a cache miss.
    sealed_noop(&p);
    let seal = p.read(".wecare/fresh-seal");
    let mut lines: Vec<&str> = seal.lines().collect();
    let zeros = "0".repeat(64);
    lines[2] = &zeros;
    p.write(".wecare/fresh-seal", &(lines.join("\n") + "\n"));
    let run = p.ok(&["run", "-v"]);
    assert!(
        run.stdout.contains("nothing to do") && !run.stdout.contains("fresh-seal"),
        "{}",
        run.stdout
    );
}
