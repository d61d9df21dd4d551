//! The one integration-test binary: drives the real `wecare` binary on temporary copies of the
//! fixture projects under `tests/fixtures/`.
mod answers;
mod clean_actors;
mod common;
mod config_errors;
mod dag_props;
mod default_project;
mod engine;
mod hardening;
mod ingest;
mod interop;
mod metrics;
mod report;
mod resolution;
mod robustness;
mod scale;
mod sizes;
mod synth;
mod verify;
mod waves;
