//! The one integration-test binary: drives the real `wecare` binary on temporary copies of the
//! fixture projects under `tests/fixtures/`.
mod answers;
mod clean_actors;
mod common;
mod config_errors;
mod default_project;
mod engine;
mod ingest;
mod interop;
mod metrics;
mod resolution;
mod robustness;
mod synth;
mod waves;
