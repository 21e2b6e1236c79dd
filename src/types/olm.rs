//! Operator Lifecycle Manager kinds: `Subscription`, `ClusterServiceVersion`, `InstallPlan`,
//! `CatalogSource` (`operators.coreos.com/v1alpha1`), `OperatorGroup` (`operators.coreos.com/v1`,
//! also served as `v1alpha2`) and `PackageManifest` (`packages.operators.coreos.com/v1`).
//!
//! Written from operator-framework/api: `pkg/operators/v1alpha1/subscription_types.go`,
//! `clusterserviceversion_types.go`, `installplan_types.go`, `catalogsource_types.go`,
//! `pkg/operators/v1/operatorgroup_types.go` and `pkg/operators/v1alpha2/operatorgroup_types.go`,
//! checked against the CRDs generated from them (`crds/operators.coreos.com_*.yaml`). The
//! PackageManifest comes from operator-framework/operator-lifecycle-manager,
//! `pkg/package-server/apis/operators/v1/packagemanifest_types.go`.
//!
//! Notes on fidelity:
//! - Go string types that the CRDs leave unvalidated (approval, phases, install mode types,
//!   source types, ...) are "open" enums: known values are variants, other strings are kept in
//!   `Other`, and the schema is a plain string, so what a cluster accepts still deserializes.
//!   Where the CRD has an `enum`, the Rust enum is closed and the schema carries it.
//! - Core Kubernetes types come from k8s-openapi; their schemas are given the markers
//!   controller-gen writes for them (`crd_support::core_markers`).
//! - `PackageManifest` is no CRD: the package server (an aggregated API) serves it. It derives
//!   `CustomResource` for its schema and API metadata, and [`crds`] leaves it out.

// kube's `printcolumn(name = …, type_ = …)` repeats the same keys once per column.
#![allow(clippy::duplicated_attributes)]

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::RuleWithOperations;
use k8s_openapi::api::apps::v1::DeploymentSpec;
use k8s_openapi::api::core::v1::{
    Affinity, EnvFromSource, EnvVar, ObjectReference, ResourceRequirements, Toleration, Volume,
    VolumeMount,
};
use k8s_openapi::api::rbac::v1::PolicyRule;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSON,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, LabelSelector, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::{CustomResource, CustomResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::crd_support::{at, byte_string, core_markers, finish, go_int, open_enum};

/// The group of the OLM CRDs.
pub const GROUP: &str = "operators.coreos.com";
/// The group of the package server's API.
pub const PACKAGES_GROUP: &str = "packages.operators.coreos.com";

/// The CRDs OLM installs for these kinds, as a cluster has them: subscriptions,
/// clusterserviceversions, installplans, operatorgroups (`v1` stored, `v1alpha2` served too) and
/// catalogsources. Not PackageManifest, which no CRD defines.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let operator_groups = kube::core::crd::merge_crds(
        vec![OperatorGroup::crd(), v1alpha2::OperatorGroup::crd()],
        "v1",
    )
    .expect("both OperatorGroup versions share group, kind and scope");
    let mut operator_groups = finish(operator_groups, &["metadata"], &[]);
    for version in operator_groups
        .spec
        .versions
        .iter_mut()
        .filter(|v| v.name == "v1")
    {
        let root = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut());
        if let Some(spec) = root.and_then(|r| at(r, "spec")) {
            spec.default = Some(JSON(serde_json::json!({"upgradeStrategy": "Default"})));
        }
    }
    vec![
        finish(Subscription::crd(), &["metadata", "spec"], &[]),
        finish(ClusterServiceVersion::crd(), &["metadata", "spec"], &[]),
        finish(InstallPlan::crd(), &["metadata", "spec"], &[]),
        operator_groups,
        finish(CatalogSource::crd(), &["metadata", "spec"], &[]),
    ]
}

// ---------------------------------------------------------------------------------------------
// Shared small types

open_enum! {
    /// How an InstallPlan gets approved.
    pub enum Approval {
        /// OLM approves it as soon as it is created.
        Automatic = "Automatic",
        /// Someone must set `spec.approved` on the InstallPlan.
        Manual = "Manual",
    }
}

/// A named link (an operator's provider, a documentation page...).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppLink {
    /// Link text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Target URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Someone maintaining an operator.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Maintainer {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An icon, base64-encoded, with its media type.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct Icon {
    /// The image, base64-encoded.
    #[serde(rename = "base64data")]
    pub base64_data: String,
    /// Its media type, e.g. `image/svg+xml`.
    #[serde(rename = "mediatype")]
    pub media_type: String,
}

/// A group/version/kind triple.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct GroupVersionKind {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

// ---------------------------------------------------------------------------------------------
// Subscription

/// Keeps an operator installed from a catalog and up to date along a channel.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "operators.coreos.com",
    version = "v1alpha1",
    kind = "Subscription",
    plural = "subscriptions",
    namespaced,
    status = "SubscriptionStatus",
    shortname = "sub",
    shortname = "subs",
    category = "olm",
    printcolumn(
        name = "Package",
        type_ = "string",
        json_path = ".spec.name",
        description = "The package subscribed to"
    ),
    printcolumn(
        name = "Source",
        type_ = "string",
        json_path = ".spec.source",
        description = "The catalog source for the specified package"
    ),
    printcolumn(
        name = "Channel",
        type_ = "string",
        json_path = ".spec.channel",
        description = "The channel of updates to subscribe to"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "Subscribes the namespace to an operator package of a catalog: OLM installs the package's \
           current version on the chosen channel and follows the channel's updates."
)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSpec {
    /// Name of the CatalogSource that provides the package.
    pub source: String,
    /// Namespace of that CatalogSource.
    pub source_namespace: String,
    /// Name of the package.
    pub name: String,
    /// Channel to follow; the package's default channel when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The CSV to install first, instead of the channel's head.
    #[serde(
        rename = "startingCSV",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub starting_csv: Option<String>,
    /// Whether InstallPlans for this subscription are approved automatically (`Automatic`,
    /// the default) or by hand (`Manual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_plan_approval: Option<Approval>,
    /// Overrides applied to the operator's deployments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<SubscriptionConfig>,
}

/// Settings OLM applies to the pods of the operator a Subscription installs.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionConfig {
    /// Selects the pods to configure; it must match the pod template's labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub selector: Option<LabelSelector>,
    /// Node labels the pods must be scheduled on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Tolerations for the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub tolerations: Option<Vec<Toleration>>,
    /// Compute resources for the operator's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub resources: Option<ResourceRequirements>,
    /// Sources of environment variables for the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub env_from: Option<Vec<EnvFromSource>>,
    /// Environment variables set in the container (replacing ones of the same name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub env: Option<Vec<EnvVar>>,
    /// Volumes added to the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub volumes: Option<Vec<Volume>>,
    /// Volume mounts added to the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub volume_mounts: Option<Vec<VolumeMount>>,
    /// Scheduling constraints replacing the pod's; unset parts keep the pod's own, an empty
    /// object clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub affinity: Option<Affinity>,
    /// Annotations OLM adds to the operator's deployments, pods and APIServices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

open_enum! {
    /// Where a Subscription stands with respect to its channel.
    pub enum SubscriptionState {
        /// The channel has a newer version than the one installed.
        UpgradeAvailable = "UpgradeAvailable",
        /// An upgrade's InstallPlan waits for approval or is running.
        UpgradePending = "UpgradePending",
        /// The installed version is the latest the catalog knows.
        AtLatestKnown = "AtLatestKnown",
        /// An upgrade failed.
        UpgradeFailed = "UpgradeFailed",
    }
}

/// What OLM reports about a Subscription.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStatus {
    /// The CSV the subscription is moving to.
    #[serde(
        rename = "currentCSV",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_csv: Option<String>,
    /// The CSV installed through the subscription.
    #[serde(
        rename = "installedCSV",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub installed_csv: Option<String>,
    /// The latest InstallPlan generated for the subscription (deprecated; see `installPlanRef`).
    #[serde(
        rename = "installplan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub install_plan: Option<InstallPlanReference>,
    /// Upgrade state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SubscriptionState>,
    /// Why the subscription is in its current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Generation of the current InstallPlan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub install_plan_generation: Option<i64>,
    /// The latest InstallPlan that contains the current CSV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub install_plan_ref: Option<ObjectReference>,
    /// Health of the catalogs the subscription resolves against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_health: Option<Vec<SubscriptionCatalogHealth>>,
    /// Observations about the subscription's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<SubscriptionCondition>>,
    /// When the status last changed.
    pub last_updated: Time,
}

/// An InstallPlan, by API version, kind, name and UID.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallPlanReference {
    /// API version of the InstallPlan.
    pub api_version: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its UID.
    pub uuid: String,
}

/// Health of one CatalogSource as a Subscription sees it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionCatalogHealth {
    /// The CatalogSource.
    #[schemars(transform = core_markers)]
    pub catalog_source_ref: ObjectReference,
    /// When its health last changed.
    pub last_updated: Time,
    /// Whether it is healthy.
    pub healthy: bool,
}

/// One observation about a Subscription (`CatalogSourcesUnhealthy`, `InstallPlanPending`,
/// `ResolutionFailed`, ...).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionCondition {
    /// Condition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// One-word CamelCase reason for the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable details of the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the condition was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

// ---------------------------------------------------------------------------------------------
// ClusterServiceVersion

/// One version of an operator: what it installs, owns and needs.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "operators.coreos.com",
    version = "v1alpha1",
    kind = "ClusterServiceVersion",
    plural = "clusterserviceversions",
    namespaced,
    status = "ClusterServiceVersionStatus",
    shortname = "csv",
    shortname = "csvs",
    category = "olm",
    printcolumn(
        name = "Display",
        type_ = "string",
        json_path = ".spec.displayName",
        description = "The name of the CSV"
    ),
    printcolumn(
        name = "Version",
        type_ = "string",
        json_path = ".spec.version",
        description = "The version of the CSV"
    ),
    printcolumn(
        name = "Release",
        type_ = "string",
        json_path = ".spec.release",
        description = "The release of this version of the CSV"
    ),
    printcolumn(
        name = "Replaces",
        type_ = "string",
        json_path = ".spec.replaces",
        description = "The name of a CSV that this one replaces"
    ),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    derive = "PartialEq",
    doc = "One version of an operator, as OLM installs it: its deployments and permissions, the \
           APIs it owns and requires, the install modes it supports, and display metadata. OLM \
           copies it into every namespace the operator watches."
)]
#[serde(rename_all = "camelCase")]
pub struct ClusterServiceVersionSpec {
    /// How to install the operator.
    pub install: NamedInstallStrategy,
    /// The operator's semantic version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Build of this version, for changes that leave the operator itself alone: dot-separated
    /// alphanumeric/hyphen identifiers, numbers without leading zeros, at most 20 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 20), extend("x-kubernetes-validations" = [
        {
            "rule": "self.matches('^[0-9A-Za-z-]+(\\\\.[0-9A-Za-z-]+)*$')",
            "message": "release version must be composed of dot-separated identifiers containing only alphanumerics and hyphens"
        },
        {
            "rule": "!self.split('.').exists(x, x.matches('^0[0-9]+$'))",
            "message": "numeric identifiers in release version must not have leading zeros"
        }
    ]))]
    pub release: Option<String>,
    /// Maturity of the operator (e.g. `alpha`, `stable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maturity: Option<String>,
    /// The custom resource definitions the operator owns and requires.
    #[serde(
        rename = "customresourcedefinitions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_resource_definitions: Option<CustomResourceDefinitions>,
    /// The aggregated APIs the operator serves and requires.
    #[serde(
        rename = "apiservicedefinitions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_service_definitions: Option<ApiServiceDefinitions>,
    /// Admission and conversion webhooks OLM deploys for the operator.
    #[serde(
        rename = "webhookdefinitions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_definitions: Option<Vec<WebhookDescription>>,
    /// Built-in APIs the operator needs the cluster to serve.
    #[serde(
        rename = "nativeAPIs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub native_apis: Option<Vec<GroupVersionKind>>,
    /// Lowest Kubernetes version the operator runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_kube_version: Option<String>,
    /// The operator's name for display.
    pub display_name: String,
    /// What the operator does: features, limits, use cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keywords describing the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Who maintains the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainers: Option<Vec<Maintainer>>,
    /// Who publishes the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<AppLink>,
    /// Links about the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<AppLink>>,
    /// The operator's icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Vec<Icon>>,
    /// Which OperatorGroup shapes the operator supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_modes: Option<Vec<InstallMode>>,
    /// Name of the CSV this one upgrades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Labels for organizing CSVs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Free-form annotations (OLM and the console read several, e.g. `alm-examples`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Selects resources related to the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub selector: Option<LabelSelector>,
    /// What to clean up when the CSV is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<CleanupSpec>,
    /// CSVs this one skips in the upgrade graph (catalog building only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skips: Option<Vec<String>>,
    /// Images the operator and its operands use, by digest (catalog building only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_images: Option<Vec<RelatedImage>>,
}

/// An install strategy: its name and details.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamedInstallStrategy {
    /// Strategy name; OLM knows `deployment`.
    pub strategy: String,
    /// The deployments and permissions to create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<StrategyDetailsDeployment>,
}

/// The `deployment` install strategy: deployments plus the RBAC they need.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyDetailsDeployment {
    /// Deployments to create.
    pub deployments: Vec<StrategyDeploymentSpec>,
    /// Namespaced permissions (Roles) for service accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<StrategyDeploymentPermissions>>,
    /// Cluster-wide permissions (ClusterRoles) for service accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_permissions: Option<Vec<StrategyDeploymentPermissions>>,
}

/// A deployment the strategy creates.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyDeploymentSpec {
    /// Deployment name.
    pub name: String,
    /// Deployment spec.
    #[schemars(transform = core_markers)]
    pub spec: DeploymentSpec,
    /// Labels for the Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<BTreeMap<String, String>>,
}

/// RBAC rules granted to one service account.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyDeploymentPermissions {
    /// The service account.
    pub service_account_name: String,
    /// The rules.
    #[schemars(transform = core_markers)]
    pub rules: Vec<PolicyRule>,
}

/// How a UI should show one field of a custom resource (spec, status or action).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Path of the field in the object.
    pub path: String,
    /// Label to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// UI hints (`urn:alm:descriptor:...`).
    #[serde(
        rename = "x-descriptors",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_descriptors: Option<Vec<String>>,
    /// A value, as base64-encoded JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "byte_string")]
    pub value: Option<ByteString>,
}

/// Describes a status field (a [`Descriptor`]).
pub type StatusDescriptor = Descriptor;
/// Describes a spec field (a [`Descriptor`]).
pub type SpecDescriptor = Descriptor;
/// Describes an action on a resource (a [`Descriptor`]).
pub type ActionDescriptor = Descriptor;

/// A kind the operator owns or requires, by CRD.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrdDescription {
    /// CRD name (`<plural>.<group>`).
    pub name: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the kind is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kinds an instance creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<ApiResourceReference>>,
    /// How to show status fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_descriptors: Option<Vec<StatusDescriptor>>,
    /// How to show spec fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_descriptors: Option<Vec<SpecDescriptor>>,
    /// Actions on instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptors: Option<Vec<ActionDescriptor>>,
}

/// An aggregated API the operator serves or requires.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiServiceDescription {
    /// APIService name.
    pub name: String,
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Deployment serving the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    /// Container port serving the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i32>,
    /// Name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the API is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kinds an instance creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<ApiResourceReference>>,
    /// How to show status fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_descriptors: Option<Vec<StatusDescriptor>>,
    /// How to show spec fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_descriptors: Option<Vec<SpecDescriptor>>,
    /// Actions on instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_descriptors: Option<Vec<ActionDescriptor>>,
}

/// A kind of resource, by name, kind and version.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceReference {
    /// Plural resource name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// API version.
    pub version: String,
}

/// The CRDs an operator owns and requires.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitions {
    /// CRDs the operator provides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned: Option<Vec<CrdDescription>>,
    /// CRDs another operator must provide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<CrdDescription>>,
}

/// The aggregated APIs an operator serves and requires.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiServiceDefinitions {
    /// APIs the operator serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned: Option<Vec<ApiServiceDescription>>,
    /// APIs another operator must serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<ApiServiceDescription>>,
}

/// Kind of a webhook OLM deploys.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum WebhookAdmissionType {
    /// A validating admission webhook.
    ValidatingAdmissionWebhook,
    /// A mutating admission webhook.
    MutatingAdmissionWebhook,
    /// A CRD conversion webhook.
    ConversionWebhook,
}

/// A webhook OLM configures for the operator, served by one of its deployments.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDescription {
    /// Base of the webhook configuration's name.
    pub generate_name: String,
    /// Kind of webhook.
    #[serde(rename = "type")]
    pub type_: WebhookAdmissionType,
    /// Deployment that serves the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    /// Port the Service exposes for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535), extend("default" = 443))]
    pub container_port: Option<i32>,
    /// Container port behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub target_port: Option<IntOrString>,
    /// Operations and resources it intercepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub rules: Option<Vec<RuleWithOperations>>,
    /// `Ignore` or `Fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<String>,
    /// `Exact` or `Equivalent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_policy: Option<String>,
    /// Objects it applies to, by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub object_selector: Option<LabelSelector>,
    /// `None`, `NoneOnDryRun`, ...
    pub side_effects: String,
    /// Timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    /// AdmissionReview versions it accepts.
    pub admission_review_versions: Vec<String>,
    /// `Never` or `IfNeeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reinvocation_policy: Option<String>,
    /// URL path of the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_path: Option<String>,
    /// CRDs a conversion webhook converts.
    #[serde(
        rename = "conversionCRDs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub conversion_crds: Option<Vec<String>>,
}

open_enum! {
    /// A shape of OperatorGroup an operator can belong to.
    pub enum InstallModeType {
        /// Watches only its own namespace.
        OwnNamespace = "OwnNamespace",
        /// Watches one namespace.
        SingleNamespace = "SingleNamespace",
        /// Watches several namespaces.
        MultiNamespace = "MultiNamespace",
        /// Watches every namespace.
        AllNamespaces = "AllNamespaces",
    }
}

/// Whether the operator supports one install mode.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallMode {
    /// The install mode.
    #[serde(rename = "type")]
    pub type_: InstallModeType,
    /// Whether it is supported.
    pub supported: bool,
}

/// Cleanup on deletion.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CleanupSpec {
    /// Delete the operator's custom resources when the CSV is deleted.
    pub enabled: bool,
}

/// An image the operator uses.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelatedImage {
    /// A name for it.
    pub name: String,
    /// The image reference.
    pub image: String,
}

open_enum! {
    /// Lifecycle phase of a CSV.
    pub enum ClusterServiceVersionPhase {
        /// Waiting for requirements.
        Pending = "Pending",
        /// Requirements met, about to install.
        InstallReady = "InstallReady",
        /// Creating its resources.
        Installing = "Installing",
        /// Installed and healthy.
        Succeeded = "Succeeded",
        /// Failed to install or became unhealthy.
        Failed = "Failed",
        /// State not known.
        Unknown = "Unknown",
        /// Being replaced by a newer CSV.
        Replacing = "Replacing",
        /// Being deleted.
        Deleting = "Deleting",
    }
}

/// What OLM reports about a CSV.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterServiceVersionStatus {
    /// Current phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ClusterServiceVersionPhase>,
    /// Human-readable details of the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// One-word CamelCase reason for the phase (`InstallSucceeded`, `RequirementsNotMet`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the status was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the phase last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// The phases the CSV went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<ClusterServiceVersionCondition>>,
    /// Whether each requirement (CRD, API, permission) is met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement_status: Option<Vec<RequirementStatus>>,
    /// When the webhook/APIService certificates were last renewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certs_last_updated: Option<Time>,
    /// When they are renewed next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certs_rotate_at: Option<Time>,
    /// Progress of the cleanup on deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<CleanupStatus>,
}

/// One phase transition of a CSV.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterServiceVersionCondition {
    /// The phase entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ClusterServiceVersionPhase>,
    /// Human-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// One-word CamelCase reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the phase was entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

/// Whether one requirement of a CSV is met.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequirementStatus {
    /// Group of the required object.
    pub group: String,
    /// Its version.
    pub version: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// `Present`, `NotPresent`, `PresentNotSatisfied`, ...
    pub status: String,
    /// Human-readable details.
    pub message: String,
    /// UID of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Objects this requirement depends on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependents: Option<Vec<DependentStatus>>,
}

/// Whether a dependent of a requirement is satisfied.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependentStatus {
    /// Group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// `Satisfied` or `NotSatisfied`.
    pub status: String,
    /// UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Human-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Resources still to delete before the CSV goes away.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CleanupStatus {
    /// Remaining resources, by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_deletion: Option<Vec<ResourceList>>,
}

/// Remaining resources of one kind.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceList {
    /// Group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// The objects.
    pub instances: Vec<ResourceInstance>,
}

/// One remaining object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInstance {
    /// Name.
    pub name: String,
    /// Namespace, for namespaced kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// InstallPlan

/// The resources OLM creates to install or upgrade operators.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "operators.coreos.com",
    version = "v1alpha1",
    kind = "InstallPlan",
    plural = "installplans",
    namespaced,
    status = "InstallPlanStatus",
    shortname = "ip",
    category = "olm",
    printcolumn(
        name = "CSV",
        type_ = "string",
        json_path = ".spec.clusterServiceVersionNames[0]",
        description = "The first CSV in the list of clusterServiceVersionNames"
    ),
    printcolumn(
        name = "Approval",
        type_ = "string",
        json_path = ".spec.approval",
        description = "The approval mode"
    ),
    printcolumn(name = "Approved", type_ = "boolean", json_path = ".spec.approved"),
    derive = "PartialEq",
    doc = "A set of resources (CSVs, CRDs, RBAC, ...) OLM resolved for one or more subscriptions \
           and installs once the plan is approved."
)]
#[serde(rename_all = "camelCase")]
pub struct InstallPlanSpec {
    /// CatalogSource the plan was resolved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// The CSVs the plan installs.
    pub cluster_service_version_names: Vec<String>,
    /// How the plan gets approved.
    pub approval: Approval,
    /// Whether it is approved; set this to run a `Manual` plan.
    pub approved: bool,
    /// Generation of the plan within its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub generation: Option<i64>,
}

open_enum! {
    /// Where an InstallPlan stands.
    pub enum InstallPlanPhase {
        /// Resolving what to install.
        Planning = "Planning",
        /// Waiting for approval.
        RequiresApproval = "RequiresApproval",
        /// Creating the resources.
        Installing = "Installing",
        /// Done.
        Complete = "Complete",
        /// Failed.
        Failed = "Failed",
    }
}

/// What OLM reports about an InstallPlan.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallPlanStatus {
    /// Current phase.
    pub phase: InstallPlanPhase,
    /// Observations (`Resolved`, `Installed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<InstallPlanCondition>>,
    /// CatalogSources used to resolve the plan.
    pub catalog_sources: Vec<String>,
    /// The steps, one per resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<Step>>,
    /// Bundles being pulled and unpacked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_lookups: Option<Vec<BundleLookup>>,
    /// Service account used for a scoped install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub attenuated_service_account_ref: Option<ObjectReference>,
    /// When OLM started applying the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// Human-readable details of the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One observation about an InstallPlan.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallPlanCondition {
    /// `Resolved` or `Installed`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `True`, `False` or `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// One-word CamelCase reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One resource of an InstallPlan.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The CSV this step belongs to.
    pub resolving: String,
    /// The resource.
    pub resource: StepResource,
    /// Whether the plan may succeed without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// `Unknown`, `NotPresent`, `Present`, `Created`, `WaitingForApi`, ...
    pub status: String,
}

/// A resource an InstallPlan creates.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepResource {
    /// CatalogSource it comes from.
    pub source_name: String,
    /// That CatalogSource's namespace.
    pub source_namespace: String,
    /// Group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// The manifest, as JSON text (or a reference to where it is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

/// A bundle being pulled and unpacked for an InstallPlan.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BundleLookup {
    /// Where the bundle is, typically an image reference.
    pub path: String,
    /// The bundle's name in its catalog (its CSV's name).
    pub identifier: String,
    /// The bundle it replaces.
    pub replaces: String,
    /// The CatalogSource it was resolved from.
    #[schemars(transform = core_markers)]
    pub catalog_source_ref: ObjectReference,
    /// State of the lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<BundleLookupCondition>>,
    /// The unpacked bundle's properties, as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<String>,
}

/// State of a bundle lookup (`BundleLookupPending`, `BundleLookupFailed`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BundleLookupCondition {
    /// Condition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// One-word CamelCase reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When it was last probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

// ---------------------------------------------------------------------------------------------
// OperatorGroup

/// How OLM moves operators in a namespace between versions.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum UpgradeStrategy {
    /// Upgrade only from a CSV that succeeded.
    #[default]
    Default,
    /// Also upgrade from failed CSVs and InstallPlans (unsafe, tech preview).
    TechPreviewUnsafeFailForward,
}

/// Selects the namespaces the operators in its namespace watch, and the identity they run as.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "operators.coreos.com",
    version = "v1",
    kind = "OperatorGroup",
    plural = "operatorgroups",
    namespaced,
    status = "OperatorGroupStatus",
    shortname = "og",
    category = "olm",
    derive = "PartialEq",
    derive = "Default",
    doc = "OLM's unit of multitenancy: the operators installed in its namespace watch the \
           namespaces it targets. A namespace holds at most one."
)]
#[serde(rename_all = "camelCase")]
pub struct OperatorGroupSpec {
    /// Selects the target namespaces by label (ignored when `targetNamespaces` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub selector: Option<LabelSelector>,
    /// The target namespaces; all namespaces when neither this nor `selector` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub target_namespaces: Option<Vec<String>>,
    /// Service account the group's operators are installed with (scoped installs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Stop OLM from updating the group's provided-APIs annotation.
    #[serde(
        rename = "staticProvidedAPIs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub static_provided_apis: Option<bool>,
    /// `Default`, or `TechPreviewUnsafeFailForward` to let upgrades move on from failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Default"))]
    pub upgrade_strategy: Option<UpgradeStrategy>,
}

/// What OLM reports about an OperatorGroup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorGroupStatus {
    /// The namespaces targeted (`""` alone means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub namespaces: Option<Vec<String>>,
    /// The service account named in the spec, once found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub service_account_ref: Option<ObjectReference>,
    /// When the status was last updated.
    pub last_updated: Time,
    /// Observations about the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub conditions: Option<Vec<Condition>>,
}

/// The `v1alpha2` OperatorGroup, still served (not stored): `v1` without upgrade strategy and
/// conditions.
pub mod v1alpha2 {
    use super::super::crd_support::core_markers;
    use k8s_openapi::api::core::v1::ObjectReference;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
    use kube::CustomResource;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// Selects the namespaces the operators in its namespace watch (older version).
    #[derive(
        CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema,
    )]
    #[kube(
        group = "operators.coreos.com",
        version = "v1alpha2",
        kind = "OperatorGroup",
        plural = "operatorgroups",
        namespaced,
        status = "OperatorGroupStatus",
        shortname = "og",
        category = "olm",
        derive = "PartialEq",
        derive = "Default",
        doc = "OLM's unit of multitenancy (v1alpha2): the operators installed in its namespace \
               watch the namespaces it targets."
    )]
    #[serde(rename_all = "camelCase")]
    pub struct OperatorGroupSpec {
        /// Selects the target namespaces by label (ignored when `targetNamespaces` is set).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(transform = core_markers)]
        pub selector: Option<LabelSelector>,
        /// The target namespaces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub target_namespaces: Option<Vec<String>>,
        /// Service account the group's operators are installed with.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub service_account_name: Option<String>,
        /// Stop OLM from updating the group's provided-APIs annotation.
        #[serde(
            rename = "staticProvidedAPIs",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        pub static_provided_apis: Option<bool>,
    }

    /// What OLM reports about an OperatorGroup.
    #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct OperatorGroupStatus {
        /// The namespaces targeted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub namespaces: Option<Vec<String>>,
        /// The service account named in the spec, once found.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(transform = core_markers)]
        pub service_account_ref: Option<ObjectReference>,
        /// When the status was last updated.
        pub last_updated: Time,
    }
}

// ---------------------------------------------------------------------------------------------
// CatalogSource

open_enum! {
    /// How a CatalogSource serves its content.
    pub enum SourceType {
        /// A registry server: from `image`, or already running at `address`.
        Grpc = "grpc",
        /// A registry server built from a ConfigMap.
        ConfigMap = "configmap",
        /// Deprecated name of `configmap`.
        Internal = "internal",
    }
}

/// A catalog of operator packages OLM resolves subscriptions against.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "operators.coreos.com",
    version = "v1alpha1",
    kind = "CatalogSource",
    plural = "catalogsources",
    namespaced,
    status = "CatalogSourceStatus",
    shortname = "catsrc",
    category = "olm",
    printcolumn(
        name = "Display",
        type_ = "string",
        json_path = ".spec.displayName",
        description = "The pretty name of the catalog"
    ),
    printcolumn(
        name = "Type",
        type_ = "string",
        json_path = ".spec.sourceType",
        description = "The type of the catalog"
    ),
    printcolumn(
        name = "Publisher",
        type_ = "string",
        json_path = ".spec.publisher",
        description = "The publisher of the catalog"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    doc = "A catalog of operator packages (CSVs, CRDs, channels), served by a registry pod OLM \
           runs or connects to."
)]
#[serde(rename_all = "camelCase")]
pub struct CatalogSourceSpec {
    /// How the catalog is served: `grpc`, `configmap` (or the older `internal`).
    pub source_type: SourceType,
    /// Weight in dependency resolution: higher wins; 0 when unset; ties go by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub priority: Option<i64>,
    /// ConfigMap holding the catalog (`configmap` sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    /// `host:port` of a running registry server (`grpc` sources without `image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Registry image to run (`grpc` sources; takes precedence over `address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Overrides for the registry pod (`grpc` sources with `image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_pod_config: Option<GrpcPodConfig>,
    /// How to discover updated catalog images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<UpdateStrategy>,
    /// Pull secrets for the catalog's content; keep the list short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
    /// Name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Icon>,
}

/// Security context a registry pod gets.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SecurityConfig {
    /// No security context set; runs only in `baseline`/`privileged` namespaces.
    Legacy,
    /// Fit for Pod Security `restricted` namespaces.
    Restricted,
}

/// Overrides for a CatalogSource's registry pod.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrpcPodConfig {
    /// Node labels the pod must be scheduled on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub tolerations: Option<Vec<Toleration>>,
    /// Affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    pub affinity: Option<Affinity>,
    /// Priority class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// `legacy` or `restricted`; unset, it follows the namespace's Pod Security enforcement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context_config: Option<SecurityConfig>,
    /// Soft memory limit for the server (sets `GOMEMLIMIT` and the memory request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("pattern" = super::crd_support::QUANTITY_PATTERN))]
    pub memory_target: Option<Quantity>,
    /// Serve a file-based catalog extracted from the image with a known `opm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract_content: Option<ExtractContentConfig>,
}

/// Where a file-based catalog sits in the image.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtractContentConfig {
    /// Directory of the pre-computed cache, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<String>,
    /// Directory of the catalog.
    pub catalog_dir: String,
}

/// How a CatalogSource finds newer images.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// Poll the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_poll: Option<RegistryPoll>,
}

/// Registry polling.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPoll {
    /// Interval between polls, a Go duration (`15m`); 15 minutes if it does not parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// What OLM reports about a CatalogSource.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogSourceStatus {
    /// Human-readable details of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why the source is in its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the registry image was last polled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_image_registry_poll: Option<Time>,
    /// The ConfigMap backing a `configmap` source (deprecated).
    #[serde(
        rename = "configMapReference",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub config_map_reference: Option<ConfigMapResourceReference>,
    /// The registry Service.
    #[serde(
        rename = "registryService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registry_service: Option<RegistryServiceStatus>,
    /// The connection to the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_state: Option<GrpcConnectionState>,
    /// Observations about the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = core_markers)]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Option<Vec<Condition>>,
}

/// The ConfigMap behind a `configmap` CatalogSource.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapResourceReference {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Resource version last read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// When it was last read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
}

/// The Service OLM runs for a registry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistryServiceStatus {
    /// Protocol (`grpc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Service namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_namespace: Option<String>,
    /// Port, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// When the Service was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Time>,
}

/// State of OLM's connection to a registry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrpcConnectionState {
    /// Address connected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Last gRPC connectivity state seen (`READY`, `CONNECTING`, `TRANSIENT_FAILURE`, ...).
    pub last_observed_state: String,
    /// When the connection was last attempted.
    #[serde(
        rename = "lastConnect",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_connect: Option<Time>,
}

// ---------------------------------------------------------------------------------------------
// PackageManifest

/// A package of a catalog, as the package server lists it (`oc get packagemanifests`).
///
/// Not a CRD: OLM's package server serves it. [`crds`] leaves it out; `PackageManifest::crd()`
/// still describes its shape.
#[derive(
    CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema,
)]
#[kube(
    group = "packages.operators.coreos.com",
    version = "v1",
    kind = "PackageManifest",
    plural = "packagemanifests",
    namespaced,
    status = "PackageManifestStatus",
    printcolumn(
        name = "Catalog",
        type_ = "string",
        json_path = ".status.catalogSourceDisplayName",
        description = "The source catalog for this package"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "An operator package available from a catalog: its channels and, for each, the current \
           CSV. Served read-only by OLM's package server in each CatalogSource's namespace (and \
           the global catalog namespace)."
)]
pub struct PackageManifestSpec {}

/// A package's catalog and channels.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageManifestStatus {
    /// Name of the CatalogSource the package comes from.
    pub catalog_source: String,
    /// That catalog's display name.
    pub catalog_source_display_name: String,
    /// That catalog's publisher.
    pub catalog_source_publisher: String,
    /// That catalog's namespace.
    pub catalog_source_namespace: String,
    /// Provider of the default channel's CSV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<AppLink>,
    /// The package name (what a Subscription's `spec.name` names).
    pub package_name: String,
    /// Set when the package is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation: Option<Deprecation>,
    /// The package's channels.
    pub channels: Vec<PackageChannel>,
    /// Channel a Subscription follows when it names none (the only channel, if there is one).
    pub default_channel: String,
}

/// Why something is deprecated.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deprecation {
    /// Human-readable explanation.
    pub message: String,
}

/// A channel of a package.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageChannel {
    /// Channel name (`stable`, ...).
    pub name: String,
    /// The channel's head CSV.
    #[serde(rename = "currentCSV")]
    pub current_csv: String,
    /// Description of that CSV.
    #[serde(
        rename = "currentCSVDesc",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_csv_desc: Option<CsvDescription>,
    /// Set when the channel is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation: Option<Deprecation>,
    /// The channel's bundles with their upgrade edges.
    pub entries: Vec<ChannelEntry>,
}

/// A bundle in a channel.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelEntry {
    /// Bundle (CSV) name.
    pub name: String,
    /// Its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Set when the bundle is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation: Option<Deprecation>,
}

/// An icon as the package server gives it (both parts optional, unlike a CSV's).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct PackageIcon {
    /// The image, base64-encoded.
    #[serde(
        rename = "base64data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub base64_data: Option<String>,
    /// Its media type.
    #[serde(rename = "mediatype", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// The parts of a CSV the package server shows.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CsvDescription {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Vec<PackageIcon>>,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<AppLink>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<AppLink>>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainers: Option<Vec<Maintainer>>,
    /// Maturity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maturity: Option<String>,
    /// Long description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Supported install modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_modes: Option<Vec<InstallMode>>,
    /// CRDs owned and required.
    #[serde(
        rename = "customresourcedefinitions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_resource_definitions: Option<CustomResourceDefinitions>,
    /// APIs served and required.
    #[serde(
        rename = "apiservicedefinitions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_service_definitions: Option<ApiServiceDefinitions>,
    /// Built-in APIs needed.
    #[serde(
        rename = "nativeApis",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub native_apis: Option<Vec<GroupVersionKind>>,
    /// Lowest Kubernetes version supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_kube_version: Option<String>,
    /// Related images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_images: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
        CustomResourceColumnDefinition, JSONSchemaProps, JSONSchemaPropsOrBool,
    };
    use serde_json::{Value, json};

    /// Generating the CSV's schema takes a while: once for all tests.
    static CRDS: std::sync::LazyLock<Vec<CustomResourceDefinition>> =
        std::sync::LazyLock::new(crds);

    fn crd(plural: &str) -> CustomResourceDefinition {
        CRDS.iter()
            .find(|c| c.spec.names.plural == plural)
            .cloned()
            .unwrap_or_else(|| panic!("no CRD for {plural}"))
    }

    fn schema(c: &CustomResourceDefinition, version: &str) -> JSONSchemaProps {
        let v = c.spec.versions.iter().find(|v| v.name == version).unwrap();
        v.schema.clone().unwrap().open_api_v3_schema.unwrap()
    }

    fn prop(root: &JSONSchemaProps, path: &str) -> JSONSchemaProps {
        let mut root = root.clone();
        super::super::crd_support::at(&mut root, path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone()
    }

    fn keys(s: &JSONSchemaProps) -> Vec<String> {
        s.properties
            .iter()
            .flat_map(|p| p.keys().cloned())
            .collect()
    }

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    fn columns(c: &CustomResourceDefinition) -> Vec<(String, String, String)> {
        let cols: &[CustomResourceColumnDefinition] = c.spec.versions[0]
            .additional_printer_columns
            .as_deref()
            .unwrap_or_default();
        cols.iter()
            .map(|c| (c.name.clone(), c.type_.clone(), c.json_path.clone()))
            .collect()
    }

    fn cols(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    }

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(original: Value) -> T {
        let typed: T = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), original);
        typed
    }

    #[test]
    fn names_short_names_and_columns_match_the_real_crds() {
        let names: Vec<_> = CRDS
            .iter()
            .map(|c| c.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "subscriptions.operators.coreos.com",
                "clusterserviceversions.operators.coreos.com",
                "installplans.operators.coreos.com",
                "operatorgroups.operators.coreos.com",
                "catalogsources.operators.coreos.com",
            ]
        );
        let expect = [
            ("subscriptions", "Subscription", &["sub", "subs"][..]),
            (
                "clusterserviceversions",
                "ClusterServiceVersion",
                &["csv", "csvs"][..],
            ),
            ("installplans", "InstallPlan", &["ip"][..]),
            ("operatorgroups", "OperatorGroup", &["og"][..]),
            ("catalogsources", "CatalogSource", &["catsrc"][..]),
        ];
        for (plural, kind, short) in expect {
            let c = crd(plural);
            let n = &c.spec.names;
            assert_eq!(
                (c.spec.group.as_str(), c.spec.scope.as_str()),
                (GROUP, "Namespaced")
            );
            assert_eq!(n.kind, kind);
            assert_eq!(n.list_kind.as_deref(), Some(format!("{kind}List").as_str()));
            assert_eq!(n.short_names, strings(short), "{plural}");
            assert_eq!(n.categories, strings(&["olm"]), "{plural}");
            for v in &c.spec.versions {
                assert!(v.subresources.as_ref().unwrap().status.is_some());
                let root = v
                    .schema
                    .as_ref()
                    .unwrap()
                    .open_api_v3_schema
                    .as_ref()
                    .unwrap();
                assert_eq!(
                    keys(root),
                    ["apiVersion", "kind", "metadata", "spec", "status"]
                );
            }
        }
        assert_eq!(
            columns(&crd("subscriptions")),
            cols(&[
                ("Package", "string", ".spec.name"),
                ("Source", "string", ".spec.source"),
                ("Channel", "string", ".spec.channel")
            ])
        );
        assert_eq!(
            columns(&crd("clusterserviceversions")),
            cols(&[
                ("Display", "string", ".spec.displayName"),
                ("Version", "string", ".spec.version"),
                ("Release", "string", ".spec.release"),
                ("Replaces", "string", ".spec.replaces"),
                ("Phase", "string", ".status.phase")
            ])
        );
        assert_eq!(
            columns(&crd("installplans")),
            cols(&[
                ("CSV", "string", ".spec.clusterServiceVersionNames[0]"),
                ("Approval", "string", ".spec.approval"),
                ("Approved", "boolean", ".spec.approved")
            ])
        );
        assert_eq!(
            columns(&crd("catalogsources")),
            cols(&[
                ("Display", "string", ".spec.displayName"),
                ("Type", "string", ".spec.sourceType"),
                ("Publisher", "string", ".spec.publisher"),
                ("Age", "date", ".metadata.creationTimestamp")
            ])
        );
        assert_eq!(
            crd("operatorgroups").spec.versions[0].additional_printer_columns,
            None
        );
    }

    #[test]
    fn walkthrough_subscriptions_round_trip() {
        let docs = include_str!("../../tests/walkthrough/operators.yaml");
        let subs: Vec<Subscription> = serde_yaml::Deserializer::from_str(docs)
            .map(|d| {
                let v: Value = serde_yaml::with::singleton_map_recursive::deserialize(d).unwrap();
                round_trip(v)
            })
            .collect();
        let names: Vec<_> = subs.iter().map(|s| s.spec.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "elasticsearch-operator",
                "jaeger-product",
                "kiali-ossm",
                "servicemeshoperator"
            ]
        );
        let mesh = &subs[3].spec;
        assert_eq!(mesh.channel.as_deref(), Some("stable"));
        assert_eq!(
            (mesh.source.as_str(), mesh.source_namespace.as_str()),
            ("redhat-operators", "openshift-marketplace")
        );
        assert_eq!(mesh.install_plan_approval, Some(Approval::Automatic));

        let manual: SubscriptionSpec =
            serde_json::from_value(json!({"name": "servicemeshoperator",
            "source": "redhat-operators", "sourceNamespace": "openshift-marketplace",
            "installPlanApproval": "Manual", "startingCSV": "servicemeshoperator.v2.5.2"}))
            .unwrap();
        assert_eq!(manual.install_plan_approval, Some(Approval::Manual));
        assert_eq!(
            manual.starting_csv.as_deref(),
            Some("servicemeshoperator.v2.5.2")
        );
        // OLM treats anything but Manual as Automatic, and the CRD accepts any string: keep it.
        let odd: Approval = serde_json::from_value(json!("manual")).unwrap();
        assert_eq!(odd, Approval::Other("manual".into()));
        assert_eq!(serde_json::to_value(odd).unwrap(), json!("manual"));
    }

    #[test]
    fn subscription_schema() {
        let c = crd("subscriptions");
        let s = schema(&c, "v1alpha1");
        assert_eq!(s.required, strings(&["metadata", "spec"]));
        let spec = prop(&s, "spec");
        assert_eq!(
            spec.required,
            strings(&["name", "source", "sourceNamespace"])
        );
        let approval = prop(&s, "spec.installPlanApproval");
        assert_eq!(
            (approval.type_.as_deref(), approval.enum_),
            (Some("string"), None)
        );
        let status = prop(&s, "status");
        assert!(!keys(&status).contains(&"installPlanApproval".to_string()));
        assert_eq!(status.required, strings(&["lastUpdated"]));
        assert_eq!(prop(&s, "status.installPlanGeneration").format, None);
        assert_eq!(
            prop(&s, "status.installPlanRef")
                .x_kubernetes_map_type
                .as_deref(),
            Some("atomic")
        );
        // OLM's own list of EnvVar carries no list markers; the Container's inside a CSV does.
        assert_eq!(prop(&s, "spec.config.env").x_kubernetes_list_type, None);
        assert_eq!(
            prop(&s, "spec.config.env[].valueFrom.secretKeyRef").required,
            strings(&["key"])
        );

        let status: SubscriptionStatus = serde_json::from_value(json!({
            "state": "AtLatestKnown", "currentCSV": "servicemeshoperator.v2.5.2",
            "installedCSV": "servicemeshoperator.v2.5.2", "lastUpdated": "2024-05-01T10:00:00Z",
            "installPlanRef": {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
                "name": "install-x7k2p", "namespace": "openshift-operators"},
            "conditions": [{"type": "CatalogSourcesUnhealthy", "status": "False",
                "reason": "AllCatalogSourcesHealthy"}]}))
        .unwrap();
        assert_eq!(status.state, Some(SubscriptionState::AtLatestKnown));
        assert!(
            serde_json::from_value::<SubscriptionStatus>(json!({"state": "AtLatestKnown"}))
                .is_err()
        );
    }

    fn sample_csv() -> Value {
        json!({
            "apiVersion": "operators.coreos.com/v1alpha1",
            "kind": "ClusterServiceVersion",
            "metadata": {"name": "servicemeshoperator.v2.5.2", "namespace": "openshift-operators"},
            "spec": {
                "displayName": "Red Hat OpenShift Service Mesh",
                "version": "2.5.2-0",
                "replaces": "servicemeshoperator.v2.5.1",
                "maturity": "stable",
                "provider": {"name": "Red Hat, Inc."},
                "keywords": ["istio", "maistra", "servicemesh"],
                "installModes": [
                    {"type": "OwnNamespace", "supported": false},
                    {"type": "SingleNamespace", "supported": false},
                    {"type": "MultiNamespace", "supported": false},
                    {"type": "AllNamespaces", "supported": true}
                ],
                "customresourcedefinitions": {"owned": [
                    {"name": "servicemeshpeers.federation.maistra.io", "version": "v1",
                        "kind": "ServiceMeshPeer", "displayName": "Service Mesh Peer"},
                    {"name": "servicemeshcontrolplanes.maistra.io", "version": "v2",
                        "kind": "ServiceMeshControlPlane",
                        "specDescriptors": [{"path": "version", "displayName": "Control Plane Version",
                            "x-descriptors": ["urn:alm:descriptor:com.tectonic.ui:text"]}]}
                ]},
                "install": {"strategy": "deployment", "spec": {
                    "deployments": [{"name": "istio-operator", "spec": {
                        "replicas": 1,
                        "selector": {"matchLabels": {"name": "istio-operator"}},
                        "template": {
                            "metadata": {"labels": {"name": "istio-operator"}},
                            "spec": {
                                "serviceAccountName": "istio-operator",
                                "containers": [{
                                    "name": "istio-operator",
                                    "image": "registry.redhat.io/openshift-service-mesh/istio-rhel8-operator:2.5.2",
                                    "ports": [{"containerPort": 11999, "name": "validation"}],
                                    "env": [{"name": "WATCH_NAMESPACE", "value": ""}],
                                    "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}}
                                }]
                            }
                        }
                    }}],
                    "permissions": [{"serviceAccountName": "istio-operator", "rules": [
                        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
                    ]}],
                    "clusterPermissions": [{"serviceAccountName": "istio-operator", "rules": [
                        {"apiGroups": ["federation.maistra.io"], "resources": ["*"], "verbs": ["*"]}
                    ]}]
                }},
                "webhookdefinitions": [{
                    "generateName": "smcp.validation.maistra.io", "type": "ValidatingAdmissionWebhook",
                    "deploymentName": "istio-operator", "containerPort": 443, "targetPort": 11999,
                    "sideEffects": "None", "admissionReviewVersions": ["v1"],
                    "failurePolicy": "Fail", "webhookPath": "/validate-smcp",
                    "rules": [{"apiGroups": ["maistra.io"], "apiVersions": ["v2"],
                        "operations": ["CREATE", "UPDATE"], "resources": ["servicemeshcontrolplanes"]}]
                }],
                "relatedImages": [{"name": "istio-operator",
                    "image": "registry.redhat.io/openshift-service-mesh/istio-rhel8-operator:2.5.2"}]
            },
            "status": {"phase": "Succeeded", "reason": "InstallSucceeded", "message": "install strategy completed with no errors",
                "lastUpdateTime": "2024-05-01T10:01:00Z", "lastTransitionTime": "2024-05-01T10:01:00Z",
                "requirementStatus": [{"group": "operators.coreos.com", "version": "v1alpha1",
                    "kind": "ClusterServiceVersion", "name": "servicemeshoperator.v2.5.2",
                    "status": "Present", "message": "CSV minKubeVersion (1.23.0) less than server version"}]}
        })
    }

    #[test]
    fn a_service_mesh_csv_round_trips() {
        let csv: ClusterServiceVersion = round_trip(sample_csv());
        let spec = &csv.spec;
        let modes = spec.install_modes.as_ref().unwrap();
        assert_eq!(modes[3].type_, InstallModeType::AllNamespaces);
        assert!(modes[3].supported);
        let strategy = spec.install.spec.as_ref().unwrap();
        let deployment = &strategy.deployments[0];
        assert_eq!(deployment.spec.replicas, Some(1));
        let pod = deployment.spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.containers[0].name, "istio-operator");
        assert_eq!(
            strategy.cluster_permissions.as_ref().unwrap()[0].rules[0].verbs,
            ["*"]
        );
        let hook = &spec.webhook_definitions.as_ref().unwrap()[0];
        assert_eq!(hook.type_, WebhookAdmissionType::ValidatingAdmissionWebhook);
        assert_eq!(hook.target_port, Some(IntOrString::Int(11999)));
        let owned = spec
            .custom_resource_definitions
            .as_ref()
            .unwrap()
            .owned
            .as_ref()
            .unwrap();
        assert_eq!(owned[0].kind, "ServiceMeshPeer");
        assert_eq!(
            csv.status.as_ref().unwrap().phase,
            Some(ClusterServiceVersionPhase::Succeeded)
        );
    }

    #[test]
    fn csv_schema_types_the_install_strategy() {
        let c = crd("clusterserviceversions");
        let s = schema(&c, "v1alpha1");
        assert_eq!(
            prop(&s, "spec").required,
            strings(&["displayName", "install"])
        );
        assert_eq!(prop(&s, "spec.install").required, strings(&["strategy"]));
        let deployments = "spec.install.spec.deployments[]";
        assert_eq!(prop(&s, deployments).required, strings(&["name", "spec"]));
        let pod = format!("{deployments}.spec.template.spec");
        let containers = prop(&s, &format!("{pod}.containers"));
        assert_eq!(containers.x_kubernetes_list_type.as_deref(), Some("map"));
        assert_eq!(containers.x_kubernetes_list_map_keys, strings(&["name"]));
        assert!(keys(&prop(&s, &format!("{pod}.containers[]"))).contains(&"image".to_string()));
        let requests = prop(&s, &format!("{pod}.containers[].resources.requests"));
        let JSONSchemaPropsOrBool::Schema(quantity) = requests.additional_properties.unwrap()
        else {
            panic!("requests values have a schema")
        };
        assert_eq!(quantity.x_kubernetes_int_or_string, Some(true));
        assert_eq!(
            quantity.pattern.as_deref(),
            Some(super::super::crd_support::QUANTITY_PATTERN)
        );
        let meta = prop(&s, &format!("{deployments}.spec.template.metadata"));
        assert_eq!(
            (meta.properties, meta.x_kubernetes_preserve_unknown_fields),
            (None, Some(true))
        );
        assert_eq!(
            prop(&s, "spec.install.spec.permissions[]").required,
            strings(&["rules", "serviceAccountName"])
        );
        let hook = prop(&s, "spec.webhookdefinitions[]");
        assert_eq!(
            hook.required,
            strings(&[
                "admissionReviewVersions",
                "generateName",
                "sideEffects",
                "type"
            ])
        );
        let kind = prop(&s, "spec.webhookdefinitions[].type");
        assert_eq!(kind.enum_.unwrap().len(), 3);
        let port = prop(&s, "spec.webhookdefinitions[].containerPort");
        assert_eq!((port.minimum, port.maximum), (Some(1.0), Some(65535.0)));
        assert_eq!(port.default, Some(JSON(json!(443))));
        let release = prop(&s, "spec.release");
        assert_eq!(release.max_length, Some(20));
        assert_eq!(release.x_kubernetes_validations.unwrap().len(), 2);
        assert_eq!(
            prop(&s, "spec.installModes[]").required,
            strings(&["supported", "type"])
        );
        assert_eq!(
            prop(&s, "spec.relatedImages[]").required,
            strings(&["image", "name"])
        );
    }

    #[test]
    fn install_plans_need_approval() {
        let c = crd("installplans");
        let s = schema(&c, "v1alpha1");
        assert_eq!(
            prop(&s, "spec").required,
            strings(&["approval", "approved", "clusterServiceVersionNames"])
        );
        assert_eq!(
            prop(&s, "status").required,
            strings(&["catalogSources", "phase"])
        );
        let plan: InstallPlan = round_trip(json!({
            "apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
            "metadata": {"name": "install-x7k2p", "namespace": "openshift-operators"},
            "spec": {"approval": "Manual", "approved": false,
                "clusterServiceVersionNames": ["servicemeshoperator.v2.5.2"], "generation": 2},
            "status": {"phase": "RequiresApproval", "catalogSources": ["redhat-operators"],
                "plan": [{"resolving": "servicemeshoperator.v2.5.2", "status": "Unknown",
                    "resource": {"group": "operators.coreos.com", "version": "v1alpha1",
                        "kind": "ClusterServiceVersion", "name": "servicemeshoperator.v2.5.2",
                        "sourceName": "redhat-operators", "sourceNamespace": "openshift-marketplace"}}]}
        }));
        assert_eq!(plan.spec.approval, Approval::Manual);
        assert_eq!(
            plan.status.unwrap().phase,
            InstallPlanPhase::RequiresApproval
        );
    }

    #[test]
    fn operator_groups_serve_two_versions() {
        let c = crd("operatorgroups");
        let versions: Vec<_> = c
            .spec
            .versions
            .iter()
            .map(|v| (v.name.as_str(), v.served, v.storage))
            .collect();
        assert_eq!(versions, [("v1", true, true), ("v1alpha2", true, false)]);
        let v1 = schema(&c, "v1");
        assert_eq!(v1.required, strings(&["metadata"]));
        assert_eq!(
            prop(&v1, "spec").default,
            Some(JSON(json!({"upgradeStrategy": "Default"})))
        );
        let strategy = prop(&v1, "spec.upgradeStrategy");
        assert_eq!(
            strategy.enum_,
            Some(vec![
                JSON(json!("Default")),
                JSON(json!("TechPreviewUnsafeFailForward"))
            ])
        );
        assert_eq!(
            prop(&v1, "spec.targetNamespaces")
                .x_kubernetes_list_type
                .as_deref(),
            Some("set")
        );
        assert_eq!(prop(&v1, "status").required, strings(&["lastUpdated"]));
        let reason = prop(&v1, "status.conditions[].reason");
        assert_eq!(
            (reason.min_length, reason.max_length),
            (Some(1), Some(1024))
        );
        let v1alpha2 = schema(&c, "v1alpha2");
        assert_eq!(
            keys(&prop(&v1alpha2, "status")),
            ["lastUpdated", "namespaces", "serviceAccountRef"]
        );

        let og: OperatorGroup = round_trip(json!({
            "apiVersion": "operators.coreos.com/v1", "kind": "OperatorGroup",
            "metadata": {"name": "openshift-operators", "namespace": "openshift-operators"},
            "spec": {"upgradeStrategy": "Default"},
            "status": {"namespaces": [""], "lastUpdated": "2024-05-01T09:00:00Z"}}));
        assert_eq!(og.spec.upgrade_strategy, Some(UpgradeStrategy::Default));
        let single: OperatorGroup = serde_json::from_value(json!({
            "apiVersion": "operators.coreos.com/v1", "kind": "OperatorGroup",
            "metadata": {"name": "bookinfo", "namespace": "bookinfo"},
            "spec": {"targetNamespaces": ["bookinfo"]}}))
        .unwrap();
        assert_eq!(single.spec.target_namespaces, strings(&["bookinfo"]));
    }

    #[test]
    fn catalog_sources_round_trip() {
        let src: CatalogSource = round_trip(json!({
            "apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
            "metadata": {"name": "redhat-operators", "namespace": "openshift-marketplace"},
            "spec": {"sourceType": "grpc", "image": "registry.redhat.io/redhat/redhat-operator-index:v4.14",
                "displayName": "Red Hat Operators", "publisher": "Red Hat", "priority": -100,
                "updateStrategy": {"registryPoll": {"interval": "10m"}},
                "grpcPodConfig": {"securityContextConfig": "restricted", "memoryTarget": "30Mi",
                    "extractContent": {"catalogDir": "/configs", "cacheDir": "/tmp/cache"}}},
            "status": {"connectionState": {"address": "redhat-operators.openshift-marketplace.svc:50051",
                "lastObservedState": "READY", "lastConnect": "2024-05-01T08:00:00Z"},
                "registryService": {"protocol": "grpc", "serviceName": "redhat-operators",
                    "serviceNamespace": "openshift-marketplace", "port": "50051"}}
        }));
        assert_eq!(src.spec.source_type, SourceType::Grpc);
        let pod = src.spec.grpc_pod_config.as_ref().unwrap();
        assert_eq!(
            pod.security_context_config,
            Some(SecurityConfig::Restricted)
        );
        let c = crd("catalogsources");
        let s = schema(&c, "v1alpha1");
        assert_eq!(prop(&s, "spec").required, strings(&["sourceType"]));
        let memory = prop(&s, "spec.grpcPodConfig.memoryTarget");
        assert_eq!(
            memory.pattern.as_deref(),
            Some(super::super::crd_support::QUANTITY_PATTERN)
        );
        assert_eq!(memory.any_of.map(|a| a.len()), Some(2));
        let conditions = prop(&s, "status.conditions");
        assert_eq!(conditions.x_kubernetes_list_map_keys, strings(&["type"]));
    }

    #[test]
    fn package_manifests_are_typed_but_no_crd() {
        assert!(CRDS.iter().all(|c| c.spec.group != PACKAGES_GROUP));
        let c = PackageManifest::crd();
        assert_eq!(
            c.metadata.name.as_deref(),
            Some("packagemanifests.packages.operators.coreos.com")
        );
        assert_eq!(c.spec.scope, "Namespaced");
        assert_eq!(
            columns(&c),
            cols(&[
                ("Catalog", "string", ".status.catalogSourceDisplayName"),
                ("Age", "date", ".metadata.creationTimestamp")
            ])
        );
        let pm: PackageManifest = round_trip(json!({
            "apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
            "metadata": {"name": "servicemeshoperator", "namespace": "openshift-marketplace"},
            "spec": {},
            "status": {"catalogSource": "redhat-operators", "catalogSourceDisplayName": "Red Hat Operators",
                "catalogSourcePublisher": "Red Hat", "catalogSourceNamespace": "openshift-marketplace",
                "packageName": "servicemeshoperator", "defaultChannel": "stable",
                "channels": [{"name": "stable", "currentCSV": "servicemeshoperator.v2.5.2",
                    "currentCSVDesc": {"displayName": "Red Hat OpenShift Service Mesh", "version": "2.5.2-0",
                        "installModes": [{"type": "AllNamespaces", "supported": true}],
                        "nativeApis": [{"group": "", "version": "v1", "kind": "Service"}]},
                    "entries": [{"name": "servicemeshoperator.v2.5.2", "version": "2.5.2-0"}]}]}
        }));
        let status = pm.status.unwrap();
        assert_eq!(status.channels[0].current_csv, "servicemeshoperator.v2.5.2");
    }
}
