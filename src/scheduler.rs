//! Runs the jobs of a DAG on a fixed number of plain worker threads, each job as soon as every
//! job it depends on has finished.
//!
//! Stages are not run as rayon tasks: a rayon worker that waits for polars' pool steals other
//! tasks while it waits, so with many independent stages the stack nests one stage inside another
//! until it overflows. Here every stage runs at the bottom of its own worker's stack, so the
//! depth never grows with the number of stages, and a stage's own parallel work still goes to
//! the thread pools as before. The calling thread coordinates: it hands out ready jobs (in the
//! order given, which is the topological order) and sees every result, in completion order.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Stack of each worker thread: as much as the main thread gets.
const WORKER_STACK: usize = 16 << 20;

/// Runs `work(node)` for every node of `nodes` (given in a topological order) once all of its
/// `upstream(node)` that are in `nodes` are done, on at most `jobs` threads. `done(node, result)`
/// runs on the calling thread as each job finishes; `None` means the job panicked.
///
/// # Panics
/// When no worker thread can be started.
pub fn schedule<T: Send>(
    nodes: &[String],
    upstream: impl Fn(&str) -> Vec<String>,
    jobs: usize,
    work: impl Fn(&str) -> T + Sync,
    mut done: impl FnMut(&str, Option<T>),
) {
    if nodes.is_empty() {
        return;
    }
    let index: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut waiting: Vec<usize> = vec![0; nodes.len()];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        let ups: BTreeSet<usize> = upstream(node)
            .iter()
            .filter_map(|u| index.get(u.as_str()).copied())
            .collect();
        waiting[i] = ups.len();
        for u in ups {
            downstream[u].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..nodes.len()).filter(|&i| waiting[i] == 0).collect();
    let jobs = jobs.clamp(1, nodes.len());
    let (job_tx, job_rx) = mpsc::channel::<usize>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (result_tx, result_rx) = mpsc::channel::<(usize, Option<T>)>();
    std::thread::scope(|scope| {
        for n in 0..jobs {
            let job_rx = Arc::clone(&job_rx);
            let result_tx = result_tx.clone();
            let work = &work;
            std::thread::Builder::new()
                .name(format!("wecare-stage-{n}"))
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || loop {
                    let next = job_rx
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    let Ok(i) = next else { break };
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&nodes[i])))
                            .ok();
                    if result_tx.send((i, result)).is_err() {
                        break;
                    }
                })
                .expect("start a worker thread");
        }
        drop(result_tx);
        let mut running = 0usize;
        let mut finished = 0usize;
        let mut job_tx = Some(job_tx);
        while finished < nodes.len() {
            // Hand out every ready job; the workers take them in this (topological) order.
            while let Some(i) = ready.pop_first() {
                if let Some(tx) = &job_tx {
                    if tx.send(i).is_ok() {
                        running += 1;
                    }
                }
            }
            if running == 0 {
                break;
            }
            let Ok((i, result)) = result_rx.recv() else {
                break;
            };
            running -= 1;
            finished += 1;
            done(&nodes[i], result);
            for &d in &downstream[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        job_tx.take();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A random DAG on `n` nodes: an edge i → j only when i < j (so it is acyclic), nodes named
    /// so that their names do not sort in the edge order.
    fn dag(n: usize, edges: &[(usize, usize)]) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
        let name = |i: usize| format!("s{:03}", (i * 37) % 1000);
        let names: Vec<String> = (0..n).map(name).collect();
        let mut ups: BTreeMap<String, Vec<String>> =
            names.iter().map(|n| (n.clone(), Vec::new())).collect();
        for &(a, b) in edges {
            let (a, b) = (a % n, b % n);
            if a < b {
                ups.get_mut(&name(b)).unwrap().push(name(a));
            }
        }
        (names, ups)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Every job runs exactly once, and only after every job it depends on has finished.
        #[test]
        fn jobs_run_in_dependency_order(
            n in 1usize..40,
            edges in proptest::collection::vec((0usize..40, 0usize..40), 0..120),
            jobs in 1usize..6,
        ) {
            let (names, ups) = dag(n, &edges);
            let clock = AtomicUsize::new(0);
            let log: Mutex<BTreeMap<String, (usize, usize)>> = Mutex::new(BTreeMap::new());
            let mut seen = Vec::new();
            schedule(
                &names,
                |s| ups[s].clone(),
                jobs,
                |s| {
                    let start = clock.fetch_add(1, Ordering::SeqCst);
                    std::thread::yield_now();
                    let end = clock.fetch_add(1, Ordering::SeqCst);
                    log.lock().unwrap().insert(s.to_string(), (start, end));
                    s.len()
                },
                |s, r| {
                    assert_eq!(r, Some(s.len()));
                    seen.push(s.to_string());
                },
            );
            let log = log.into_inner().unwrap();
            prop_assert_eq!(seen.len(), names.len());
            let unique: BTreeSet<&String> = seen.iter().collect();
            prop_assert_eq!(unique.len(), names.len());
            for (node, node_ups) in &ups {
                for up in node_ups {
                    prop_assert!(log[up].1 < log[node].0, "{} started before {} ended", node, up);
                }
            }
        }
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_rest_still_run() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(ToString::to_string).collect();
        let mut results = BTreeMap::new();
        schedule(
            &names,
            |s| {
                if s == "c" {
                    vec!["a".into()]
                } else {
                    Vec::new()
                }
            },
            2,
            |s| {
                assert_ne!(s, "b", "boom");
                1
            },
            |s, r| {
                results.insert(s.to_string(), r);
            },
        );
        assert_eq!(results["a"], Some(1));
        assert_eq!(results["b"], None);
        assert_eq!(results["c"], Some(1));
    }

    #[test]
    fn thousands_of_independent_jobs_do_not_nest() {
        let names: Vec<String> = (0..3000).map(|i| format!("s{i}")).collect();
        let count = AtomicUsize::new(0);
        schedule(
            &names,
            |_| Vec::new(),
            4,
            |_| count.fetch_add(1, Ordering::SeqCst),
            |_, _| {},
        );
        assert_eq!(count.load(Ordering::SeqCst), 3000);
    }
}
