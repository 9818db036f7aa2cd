//! The model: a cluster's declared objects and files, the Secrets apply creates at bootstrap,
//! the cluster's identity (guard, ApplySet parent), and the validation types cannot express.

pub(crate) mod applied;
pub(crate) mod automation;
pub(crate) mod bootstrap;
pub(crate) mod cluster;
pub(crate) mod crd_rules;
pub(crate) mod encrypted;
pub(crate) mod files;
pub(crate) mod flux_api;
pub(crate) mod repository;
pub(crate) mod substitution;
pub(crate) mod target;
pub(crate) mod upstream;
pub(crate) mod validate;
