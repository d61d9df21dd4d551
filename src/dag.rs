//! The stage graph: built from the validated stages and their `stage.table` inputs, on petgraph.
//! Topological order breaks ties by stage name, so every listing and every run order is stable.
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

/// The DAG of stages (edges point from upstream to downstream).
#[derive(Debug, Default)]
pub struct Dag {
    graph: DiGraph<String, ()>,
    index: BTreeMap<String, NodeIndex>,
}

/// How `wecare dag` prints the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DagFormat {
    /// An indented list, one stage per line with what it reads from.
    Text,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart (renders on GitHub and in Jupyter).
    Mermaid,
}

impl Dag {
    /// Builds the graph; duplicate edges are merged.
    pub fn build(
        nodes: impl IntoIterator<Item = String>,
        edges: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut dag = Dag::default();
        for name in nodes {
            let idx = dag.graph.add_node(name.clone());
            dag.index.insert(name, idx);
        }
        let unique: BTreeSet<(String, String)> = edges.into_iter().collect();
        for (from, to) in unique {
            if let (Some(&a), Some(&b)) = (dag.index.get(&from), dag.index.get(&to)) {
                dag.graph.add_edge(a, b, ());
            }
        }
        dag
    }

    /// Every cycle, each as the list of stages along it starting from its smallest name.
    #[must_use]
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for scc in petgraph::algo::tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let start = *scc
                .iter()
                .min_by_key(|&&n| &self.graph[n])
                .expect("non-empty scc");
            out.push(self.cycle_through(start, &members));
        }
        out.sort();
        out
    }

    /// A shortest cycle from `start` back to itself inside `members` (breadth first, by name).
    fn cycle_through(&self, start: NodeIndex, members: &BTreeSet<NodeIndex>) -> Vec<String> {
        let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = BTreeSet::from([start]);
        while let Some(node) = queue.pop_front() {
            for next in self.sorted_neighbors(node, Direction::Outgoing) {
                if next == start {
                    let mut path = vec![node];
                    let mut cur = node;
                    while let Some(&p) = parent.get(&cur) {
                        path.push(p);
                        cur = p;
                    }
                    path.reverse();
                    return path.into_iter().map(|n| self.graph[n].clone()).collect();
                }
                if members.contains(&next) && seen.insert(next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![self.graph[start].clone()]
    }

    fn sorted_neighbors(&self, node: NodeIndex, dir: Direction) -> Vec<NodeIndex> {
        let mut n: Vec<NodeIndex> = self.graph.neighbors_directed(node, dir).collect();
        n.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
        n.dedup();
        n
    }

    /// All stages in topological order, ties broken by name (Kahn's algorithm on a sorted set).
    #[must_use]
    pub fn topo_order(&self) -> Vec<String> {
        let mut indegree: BTreeMap<NodeIndex, usize> = self
            .graph
            .node_indices()
            .map(|n| {
                (
                    n,
                    self.graph
                        .neighbors_directed(n, Direction::Incoming)
                        .count(),
                )
            })
            .collect();
        let mut ready: BTreeSet<(&String, NodeIndex)> = indegree
            .iter()
            .filter(|(_, &d)| d == 0)
            .map(|(&n, _)| (&self.graph[n], n))
            .collect();
        let mut out = Vec::with_capacity(self.graph.node_count());
        while let Some((name, node)) = ready.pop_first() {
            out.push(name.clone());
            for next in self.graph.neighbors_directed(node, Direction::Outgoing) {
                let d = indegree.get_mut(&next).expect("node has a degree");
                *d -= 1;
                if *d == 0 {
                    ready.insert((&self.graph[next], next));
                }
            }
        }
        out
    }

    /// Direct upstream stages of `stage`, sorted.
    #[must_use]
    pub fn upstream(&self, stage: &str) -> Vec<String> {
        self.index.get(stage).map_or_else(Vec::new, |&n| {
            self.sorted_neighbors(n, Direction::Incoming)
                .into_iter()
                .map(|n| self.graph[n].clone())
                .collect()
        })
    }

    /// `stages` and everything they depend on.
    #[must_use]
    pub fn with_ancestors(&self, stages: &BTreeSet<String>) -> BTreeSet<String> {
        self.closure(stages, Direction::Incoming)
    }

    /// `stages` and everything that depends on them.
    #[must_use]
    pub fn with_descendants(&self, stages: &BTreeSet<String>) -> BTreeSet<String> {
        self.closure(stages, Direction::Outgoing)
    }

    fn closure(&self, stages: &BTreeSet<String>, dir: Direction) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = stages
            .iter()
            .filter_map(|s| self.index.get(s).copied())
            .collect();
        while let Some(n) = stack.pop() {
            if out.insert(self.graph[n].clone()) {
                stack.extend(self.graph.neighbors_directed(n, dir));
            }
        }
        out
    }

    /// Renders the graph. `label` gives the text shown for each stage (its kind, say).
    #[must_use]
    pub fn render(&self, format: DagFormat, label: impl Fn(&str) -> String) -> String {
        let order = self.topo_order();
        let mut out = String::new();
        match format {
            DagFormat::Text => {
                for stage in &order {
                    let ups = self.upstream(stage);
                    if ups.is_empty() {
                        let _ = writeln!(out, "{stage}  [{}]", label(stage));
                    } else {
                        let _ = writeln!(out, "{stage}  [{}]  <- {}", label(stage), ups.join(", "));
                    }
                }
            }
            DagFormat::Dot => {
                out.push_str("digraph pipeline {\n  rankdir=LR;\n  node [shape=box];\n");
                for stage in &order {
                    let _ = writeln!(out, "  \"{stage}\" [label=\"{stage}\\n{}\"];", label(stage));
                }
                for stage in &order {
                    for up in self.upstream(stage) {
                        let _ = writeln!(out, "  \"{up}\" -> \"{stage}\";");
                    }
                }
                out.push_str("}\n");
            }
            DagFormat::Mermaid => {
                out.push_str("flowchart LR\n");
                for stage in &order {
                    let _ = writeln!(
                        out,
                        "  {stage}[\"{stage}<br/><small>{}</small>\"]",
                        label(stage)
                    );
                }
                for stage in &order {
                    for up in self.upstream(stage) {
                        let _ = writeln!(out, "  {up} --> {stage}");
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dag(edges: &[(&str, &str)], nodes: &[&str]) -> Dag {
        Dag::build(
            nodes.iter().map(ToString::to_string),
            edges
                .iter()
                .map(|(a, b)| ((*a).to_string(), (*b).to_string())),
        )
    }

    #[test]
    fn topo_order_breaks_ties_by_name() {
        let d = dag(
            &[("b", "d"), ("a", "d"), ("d", "c")],
            &["d", "c", "b", "a", "e"],
        );
        assert_eq!(d.topo_order(), ["a", "b", "d", "c", "e"]);
    }

    #[test]
    fn cycles_are_reported_as_paths() {
        let d = dag(
            &[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")],
            &["a", "b", "c", "d"],
        );
        assert_eq!(
            d.cycles(),
            vec![vec!["a".to_string(), "b".to_string(), "c".to_string()]]
        );
        assert!(dag(&[("a", "b")], &["a", "b"]).cycles().is_empty());
    }

    #[test]
    fn closures_follow_edges() {
        let d = dag(&[("a", "b"), ("b", "c"), ("x", "c")], &["a", "b", "c", "x"]);
        let set = |s: &[&str]| s.iter().map(ToString::to_string).collect::<BTreeSet<_>>();
        assert_eq!(d.with_ancestors(&set(&["c"])), set(&["a", "b", "c", "x"]));
        assert_eq!(d.with_descendants(&set(&["b"])), set(&["b", "c"]));
    }
}
