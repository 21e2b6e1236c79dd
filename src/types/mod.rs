//! The kinds fedrun works with, as Rust types written from their real API definitions
//! (maistra/api, operator-framework/api, openshift/api, istio/api).
//!
//! One type gives both sides what they need, as kube-rs intends: fedrun reads and writes through
//! it, and the simulator installs the CustomResourceDefinitions generated from it (schemas,
//! printer columns, short names), so that what the simulator refuses is what a real cluster
//! refuses. Built-in kinds come from k8s-openapi, whose schemas come from the same derive.
//!
//! This module sits below `prims`, `kube` and `sim`; it imports none of them.

mod crd_support;
pub mod federation;
pub mod istio;
pub mod maistra;
pub mod olm;
pub mod openshift;
