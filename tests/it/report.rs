//! Issue 11: the evaluation report (`render_report`) on the default data — notebook validity
//! (Python `nbformat` under `-W error`), self-contained HTML that passes the Nu HTML checker, a
//! real headless Chromium (no console output, every figure has a size, screenshots under
//! `target/`), narrative snapshots in both languages, byte-identical re-renders on 1 and 8
//! threads, and the provenance record's effect on staleness.
//!
//! The external tools are found through environment variables, else at the paths `.ci/run`
//! installs them to: `WECARE_PYTHON` (a Python with `nbformat`; default `target/ci-venv`, created
//! here with `python3 -m venv` and pip when missing), `WECARE_VNU_JAR` (default
//! `target/ci-npm/node_modules/vnu-jar/build/dist/vnu.jar`), `WECARE_CHROMIUM` (default
//! `chromium` on the PATH). A test whose tool is missing fails when `WECARE_REQUIRE_REPORT_TOOLS`
//! is set (`.ci/run` sets it) and is skipped with a message otherwise.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{copy_dir, Project};

const PAGES: [&str; 2] = ["index.html", "index.it.html"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the committed default project with the report re-rendered by this build.
fn rendered(threads: usize) -> Project {
    let dir = tempfile::tempdir().unwrap();
    for item in ["data", "outputs"] {
        copy_dir(&root().join(item), &dir.path().join(item));
    }
    for item in ["pipeline.toml", "pipeline.lock"] {
        std::fs::copy(root().join(item), dir.path().join(item)).unwrap();
    }
    let p = Project { dir };
    let run = p.ok_with_threads(&["run", "--force", "render_report"], threads);
    assert!(
        run.stdout.contains("1 run, 10 fresh, 0 failed"),
        "{}",
        run.stdout
    );
    p
}

fn report_files(p: &Project) -> BTreeMap<String, Vec<u8>> {
    p.snapshot_files()
        .into_iter()
        .filter(|(k, _)| k.starts_with("outputs/render_report/"))
        .collect()
}

/// A missing tool: fail in CI, skip with a note elsewhere.
fn missing(tool: &str) {
    let message = format!("{tool} is not available; `.ci/run` installs it");
    assert!(
        std::env::var_os("WECARE_REQUIRE_REPORT_TOOLS").is_none(),
        "{message}"
    );
    eprintln!("skipped: {message}");
}

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WECARE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = root().join("target").join("ci-venv");
    let python = venv.join("bin").join("python");
    let has_nbformat = |py: &Path| {
        Command::new(py)
            .args(["-c", "import nbformat"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_nbformat(&python) {
        return Some(python);
    }
    // Create the virtual environment as `.ci/run` does; a failure here is a failure, not a skip.
    let Ok(made) = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
    else {
        missing("python3");
        return None;
    };
    assert!(
        made.status.success(),
        "python3 -m venv failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pip = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "nbformat"])
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install nbformat failed:\n{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    assert!(
        has_nbformat(&python),
        "nbformat does not import after pip install"
    );
    Some(python)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

#[test]
fn notebooks_validate_with_nbformat_as_version_4_5() {
    let p = rendered(2);
    let Some(python) = python() else { return };
    for nb in ["report.ipynb", "report.it.ipynb"] {
        let path = p.path().join("outputs/render_report").join(nb);
        let script = "import sys, nbformat\n\
                      nb = nbformat.read(sys.argv[1], as_version=4)\n\
                      nbformat.validate(nb)\n\
                      assert (nb.nbformat, nb.nbformat_minor) == (4, 5), (nb.nbformat, nb.nbformat_minor)\n\
                      ids = [c['id'] for c in nb.cells]\n\
                      assert len(ids) == len(set(ids)), 'duplicate cell ids'\n\
                      kinds = {o['data'].keys().__iter__().__next__() for c in nb.cells if c['cell_type'] == 'code' for o in c['outputs']}\n\
                      print(len(nb.cells), sorted(kinds))\n";
        let out = Command::new(&python)
            .args(["-W", "error", "-c", script])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{nb} does not validate:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            printed.contains("image/svg+xml") && printed.contains("text/html"),
            "{printed}"
        );
    }
}

/// Every value of `src=`, `href=` and `url(` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["src=", "href=", "url("] {
        let mut rest = html;
        while let Some(i) = rest.find(key) {
            rest = &rest[i + key.len()..];
            let value: String = rest
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' ' | '>'))
                .collect();
            out.push(value);
        }
    }
    out
}

#[test]
fn pages_are_self_contained_and_pass_the_nu_html_checker() {
    let p = rendered(2);
    let dir = p.path().join("outputs/render_report");
    for page in PAGES {
        let html = std::fs::read_to_string(dir.join(page)).unwrap();
        let refs = references(&html);
        assert!(
            !refs.is_empty(),
            "{page}: the table of contents links its sections"
        );
        for r in &refs {
            assert!(r.starts_with('#'), "{page}: external reference `{r}`");
        }
        for tag in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "@import",
            "@font-face",
        ] {
            assert!(!html.contains(tag), "{page} contains {tag}");
        }
        assert!(html.contains("<svg"), "{page} has inline figures");
    }
    assert_eq!(
        references("<a href=\"http://x\"><img src='y.png'> url(z.woff)"),
        ["y.png", "http://x", "z.woff"]
    );
    let jar = std::env::var_os("WECARE_VNU_JAR").map_or_else(
        || root().join("target/ci-npm/node_modules/vnu-jar/build/dist/vnu.jar"),
        PathBuf::from,
    );
    if !jar.is_file() {
        missing("vnu.jar (npm package vnu-jar)");
        return;
    }
    if which("java").is_none() {
        missing("java");
        return;
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg("--errors-only")
        .args(PAGES.iter().map(|page| dir.join(page)))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
        "the Nu HTML checker found errors:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chromium() -> Option<PathBuf> {
    std::env::var_os("WECARE_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| which("chromium"))
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Opens each page in headless Chromium: the page itself must log nothing to the console; a
/// measuring copy of it (the page plus one script that writes every figure's rendered size into
/// the DOM, read back with `--dump-dom`) must show a non-zero size for every figure; and a
/// screenshot of the top of each page goes to `target/report-screenshot{,.it}.png`.
#[test]
fn pages_render_in_headless_chromium_with_every_figure_sized() {
    let p = rendered(2);
    let Some(browser) = chromium() else {
        missing("chromium");
        return;
    };
    let dir = p.path().join("outputs/render_report");
    let target = root().join("target");
    std::fs::create_dir_all(&target).unwrap();
    for page in PAGES {
        let html = std::fs::read_to_string(dir.join(page)).unwrap();
        let figures = html.matches("<figure>").count();
        assert!(figures > 60, "{page}: {figures} figures");
        // 1. The page as shipped: a screenshot, and nothing on the console.
        let profile = tempfile::tempdir().unwrap();
        let shot = target.join(
            page.replace("index", "report-screenshot")
                .replace(".html", ".png"),
        );
        let _ = std::fs::remove_file(&shot);
        let out = headless(&browser, profile.path())
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--window-size=1280,2400")
            .arg(format!("file://{}", dir.join(page).display()))
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "chromium failed on {page}:\n{log}");
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{page} wrote to the console: {console:#?}"
        );
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.len() > 10_000 && png.starts_with(b"\x89PNG"),
            "{} is not a screenshot",
            shot.display()
        );
        // 2. A measuring copy: every inline SVG's rendered box.
        let probe = "<script>const r=[...document.querySelectorAll('figure svg')].map(s=>{const b=s.getBoundingClientRect();return [Math.round(b.width),Math.round(b.height)]});const p=document.createElement('pre');p.id='wecare-sizes';p.textContent=JSON.stringify(r);document.body.appendChild(p);</script>";
        let measured = p.path().join(format!("measure-{page}"));
        std::fs::write(
            &measured,
            html.replace("</body>", &format!("{probe}</body>")),
        )
        .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let out = headless(&browser, profile.path())
            .args([
                "--window-size=1280,2400",
                "--virtual-time-budget=3000",
                "--dump-dom",
            ])
            .arg(format!("file://{}", measured.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        let sizes = dom
            .split("<pre id=\"wecare-sizes\">")
            .nth(1)
            .and_then(|s| s.split("</pre>").next())
            .unwrap_or_else(|| panic!("{page}: no measurement in the dumped DOM"));
        let sizes: Vec<(u32, u32)> = serde_json::from_str(sizes).unwrap();
        assert_eq!(sizes.len(), figures, "{page}: every figure holds one SVG");
        for (i, (w, h)) in sizes.iter().enumerate() {
            assert!(
                *w > 100 && *h > 100,
                "{page}: figure {i} renders at {w}×{h}"
            );
        }
    }
}

/// The narrative of a notebook: Markdown cells and the plain-text form of every output, with
/// hashes and the tool version masked (they change with any code change).
fn narrative(notebook: &str) -> String {
    let nb: serde_json::Value = serde_json::from_str(notebook).unwrap();
    let text = |v: &serde_json::Value| -> String {
        match v {
            serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
            serde_json::Value::String(s) => s.clone(),
            _ => String::new(),
        }
    };
    let mut out = String::new();
    for cell in nb["cells"].as_array().unwrap() {
        let id = cell["id"].as_str().unwrap();
        if cell["cell_type"] == "markdown" {
            out.push_str(&format!("<{id}>\n{}\n\n", text(&cell["source"])));
        } else {
            for o in cell["outputs"].as_array().unwrap() {
                out.push_str(&format!(
                    "<{id} output>\n{}\n\n",
                    text(&o["data"]["text/plain"])
                ));
            }
        }
    }
    out
}

fn mask_hashes(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 12 && run.chars().any(|c| c.is_ascii_digit()) {
            out.push_str("[hash]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.replace(
        &format!("wecare {}", env!("CARGO_PKG_VERSION")),
        "wecare [version]",
    )
}

#[test]
fn narrative_snapshots_in_english_and_italian() {
    let p = rendered(2);
    for (name, nb) in [
        ("narrative_en", "report.ipynb"),
        ("narrative_it", "report.it.ipynb"),
    ] {
        let text = mask_hashes(&narrative(&p.read(&format!("outputs/render_report/{nb}"))));
        insta::assert_snapshot!(name, text);
    }
    let it = p.read("outputs/render_report/index.it.html");
    assert!(it.contains("<html lang=\"it\">"));
    assert!(it.contains("I dati di questo rapporto sono sintetici"));
    assert!(it.contains("0,"), "decimal comma");
    let en = p.read("outputs/render_report/index.html");
    assert!(en.contains("The data behind this report are synthetic"));
}

#[test]
fn rendering_twice_and_on_one_or_eight_threads_gives_the_same_bytes() {
    let one = rendered(1);
    let files = report_files(&one);
    assert!(files.len() > 100, "{} files", files.len());
    let eight = rendered(8);
    assert_eq!(files, report_files(&eight), "1 and 8 threads differ");
    eight.ok_with_threads(&["run", "--force", "render_report"], 8);
    assert_eq!(files, report_files(&eight), "a second render differs");
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(&*one.path().to_string_lossy()),
            "{name} holds a temporary path"
        );
    }
}

/// The report's provenance covers params: an upstream param change whose outputs come out the
/// same still makes the report stale (through its `provenance` input), and only the report.
#[test]
fn an_upstream_param_change_with_unchanged_outputs_restales_only_the_report() {
    let p = rendered(2);
    // No default cell comes near 1000 characters: ingest's outputs do not change.
    p.edit(
        "pipeline.toml",
        "[stages.ingest_waves.params]\n",
        "[stages.ingest_waves.params]\nmax_cell_chars = 2000\n",
    );
    p.ok(&["run", "ingest_waves"]);
    let status = p.status();
    let stale: Vec<&String> = status
        .iter()
        .filter(|(_, (s, _))| s == "stale")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(stale, ["render_report"], "{status:?}");
    let reasons = format!("{:?}", status["render_report"].1);
    assert!(reasons.contains("provenance"), "{reasons}");
    let run = p.ok(&["run"]);
    assert!(run.stdout.contains("1 run, 11 fresh"), "{}", run.stdout);
    assert!(p.stale().is_empty());
}

/// A programme of thousands of projects does not get thousands of sociograms: at most
/// `sociogram_projects` projects are drawn (the first by id), and both languages say how many
/// were left out and where every network is.
#[test]
fn sociograms_are_capped_and_the_report_says_how_many_were_left_out() {
    let p = rendered(2);
    p.edit(
        "pipeline.toml",
        "params = { layer = \"collaboration\", sociograms = true }",
        "params = { layer = \"collaboration\", sociograms = true, sociogram_projects = 5 }",
    );
    p.ok(&["run", "render_report"]);
    let figures: Vec<String> = std::fs::read_dir(p.path().join("outputs/render_report/figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("sociogram-"))
        .collect();
    // 5 projects × 3 waves × 2 languages, the first five by id.
    assert_eq!(figures.len(), 30, "{figures:?}");
    assert!(figures
        .iter()
        .all(|f| ["WCR-01", "WCR-02", "WCR-03", "WCR-04", "WCR-05"]
            .iter()
            .any(|p| f.contains(p))));
    let en = p.read("outputs/render_report/index.html");
    assert!(
        en.contains("first 5 of the 22 projects with ties"),
        "English note missing"
    );
    let it = p.read("outputs/render_report/index.it.html");
    assert!(
        it.contains("primi 5 dei 22 progetti con legami"),
        "Italian note missing"
    );
    // The lock lists exactly the files on disk: no entry for a sociogram no longer drawn.
    let lock = p.read("pipeline.lock");
    assert_eq!(
        lock.matches("outputs/render_report/figures/sociogram-")
            .count(),
        30
    );
    assert!(p.stale().is_empty());
}
