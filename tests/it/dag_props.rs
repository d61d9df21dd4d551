//! Fixed-seed property tests of the pipeline graph (issue 12): random acyclic pipelines validate
//! and order every stage after what it reads; random cycles are always reported, as real paths.
//! (The scheduler's own property test — jobs run only after their upstream finished — is a unit
//! test in `src/scheduler.rs`.)
use std::collections::BTreeMap;

use proptest::prelude::*;

/// A pipeline of `describe_waves` stages `s0..sN`; stage i reads `parent[i]`'s table, or the
/// ingest stage's when `parent[i]` is None.
fn pipeline(parents: &[Option<usize>]) -> String {
    let mut text = String::from(
        "[pipeline]\nname = \"p\"\nseed = 1\n\n[stages.ingest_waves]\nkind = \"ingest_waves\"\ninputs = { wave1 = \"data/raw/wave1.csv\" }\n",
    );
    for (i, parent) in parents.iter().enumerate() {
        let input = parent.map_or_else(
            || "ingest_waves.ties_raw".to_string(),
            |p| format!("s{p}.wave_summary"),
        );
        text.push_str(&format!(
            "\n[stages.s{i}]\nkind = \"describe_waves\"\ninputs = {{ ties = \"{input}\" }}\n"
        ));
    }
    text
}

fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/raw")).unwrap();
    std::fs::write(dir.path().join("data/raw/wave1.csv"), "x\n").unwrap();
    dir
}

/// Whether following parents from some stage comes back to it.
fn has_cycle(parents: &[Option<usize>]) -> bool {
    (0..parents.len()).any(|start| {
        let mut at = parents[start];
        for _ in 0..parents.len() {
            match at {
                Some(i) if i == start => return true,
                Some(i) => at = parents[i],
                None => return false,
            }
        }
        false
    })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn acyclic_pipelines_validate_in_dependency_order(
        raw in proptest::collection::vec(proptest::option::of(0usize..1000), 1..30)
    ) {
        // Parents only among earlier stages: acyclic by construction.
        let parents: Vec<Option<usize>> = raw
            .iter()
            .enumerate()
            .map(|(i, p)| p.filter(|_| i > 0).map(|p| p % i.max(1)))
            .collect();
        let dir = root();
        let pipeline = wecare::config::parse(dir.path(), &pipeline(&parents));
        let pipeline = match pipeline {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{:?}", e.problems))),
        };
        let order = pipeline.dag.topo_order();
        prop_assert_eq!(order.len(), parents.len() + 1);
        let at: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
        for (i, parent) in parents.iter().enumerate() {
            let me = at[format!("s{i}").as_str()];
            let up = parent.map_or("ingest_waves".to_string(), |p| format!("s{p}"));
            prop_assert!(at[up.as_str()] < me, "s{} ordered before {}", i, up);
        }
    }

    #[test]
    fn cycles_are_always_reported_with_their_path(
        raw in proptest::collection::vec(proptest::option::of(0usize..1000), 1..30),
        close in 0usize..1000,
    ) {
        let n = raw.len();
        let mut parents: Vec<Option<usize>> = raw.iter().map(|p| p.map(|p| p % n)).collect();
        // Make sure there is at least one cycle: stage `close` reads itself through a chain.
        let c = close % n;
        if !has_cycle(&parents) {
            parents[0] = Some(c);
            if c == 0 {
                parents[0] = Some(0);
            } else {
                parents[c] = Some(0);
            }
        }
        prop_assume!(has_cycle(&parents));
        let dir = root();
        let Err(err) = wecare::config::parse(dir.path(), &pipeline(&parents)) else {
            return Err(TestCaseError::fail("a cyclic pipeline validated"));
        };
        let cycles: Vec<&str> = err
            .problems
            .iter()
            .filter_map(|p| p.message.strip_prefix("cycle: "))
            .collect();
        let self_reads = err.problems.iter().filter(|p| p.message.contains("reads its own output")).count();
        prop_assert!(!cycles.is_empty() || self_reads > 0, "{:?}", err.problems);
        for cycle in cycles {
            let path: Vec<&str> = cycle.split(" → ").collect();
            prop_assert!(path.len() >= 3 && path.first() == path.last(), "{}", cycle);
            for pair in path.windows(2) {
                // Each step of the path is a real edge: the later stage reads the earlier one.
                let from: usize = pair[0][1..].parse().unwrap();
                let to: usize = pair[1][1..].parse().unwrap();
                prop_assert_eq!(parents[to], Some(from), "{} is not an edge", cycle);
            }
        }
    }
}
