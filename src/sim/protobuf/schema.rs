//! The messages the protobuf decoder understands: every message reachable from the built-in kinds
//! the simulator serves (Namespace, ConfigMap, Secret, Service, ServiceAccount, Pod, Endpoints,
//! Event, apps/v1 Deployment) and autoscaling/v1 Scale.
//!
//! Derived field by field from the Kubernetes v1.35 sources (kubernetes/api and
//! kubernetes/apimachinery at tag v0.35.7; numbers are stable across releases):
//! - field numbers and protobuf types from `core/v1/generated.proto`, `apps/v1/generated.proto`,
//!   `autoscaling/v1/generated.proto` (kubernetes/api) and `pkg/apis/meta/v1/generated.proto`
//!   (kubernetes/apimachinery);
//! - JSON names and omission rules from the Go structs of the same packages (`types.go`): the
//!   `json:"name,omitempty"` tag gives [`OmitEmpty`] or [`Always`], a pointer field gives
//!   [`Pointer`], `json:",inline"` gives [`Inline`].
//!
//! Messages are declared in the order they are first reached, fields in `generated.proto`'s
//! order. `Time`, `MicroTime`, `FieldsV1` (meta/v1), `Quantity` (api/resource) and `IntOrString`
//! (util/intstr) have JSON forms of their own and are types here, not messages.

use super::{Message, Mode::*, Shape::*, Ty::*, f};

/// `k8s.io.api.core.v1.Namespace`.
#[rustfmt::skip]
pub(super) static CORE_NAMESPACE: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&CORE_NAMESPACE_SPEC)), OmitEmpty),
        f(3, "status", One(M(&CORE_NAMESPACE_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta`.
#[rustfmt::skip]
pub(super) static META_OBJECT_META: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
        f(2, "generateName", One(Str), OmitEmpty),
        f(3, "namespace", One(Str), OmitEmpty),
        f(4, "selfLink", One(Str), OmitEmpty),
        f(5, "uid", One(Str), OmitEmpty),
        f(6, "resourceVersion", One(Str), OmitEmpty),
        f(7, "generation", One(I64), OmitEmpty),
        f(8, "creationTimestamp", One(Time), OmitEmpty),
        f(9, "deletionTimestamp", One(Time), Pointer),
        f(10, "deletionGracePeriodSeconds", One(I64), Pointer),
        f(11, "labels", Map(Str), OmitEmpty),
        f(12, "annotations", Map(Str), OmitEmpty),
        f(13, "ownerReferences", Rep(M(&META_OWNER_REFERENCE)), OmitEmpty),
        f(14, "finalizers", Rep(Str), OmitEmpty),
        f(17, "managedFields", Rep(M(&META_MANAGED_FIELDS_ENTRY)), OmitEmpty),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference`.
#[rustfmt::skip]
pub(super) static META_OWNER_REFERENCE: Message = Message {
    fields: &[
        f(5, "apiVersion", One(Str), Always),
        f(1, "kind", One(Str), Always),
        f(3, "name", One(Str), Always),
        f(4, "uid", One(Str), Always),
        f(6, "controller", One(Bool), Pointer),
        f(7, "blockOwnerDeletion", One(Bool), Pointer),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry`.
#[rustfmt::skip]
pub(super) static META_MANAGED_FIELDS_ENTRY: Message = Message {
    fields: &[
        f(1, "manager", One(Str), OmitEmpty),
        f(2, "operation", One(Str), OmitEmpty),
        f(3, "apiVersion", One(Str), OmitEmpty),
        f(4, "time", One(Time), Pointer),
        f(6, "fieldsType", One(Str), OmitEmpty),
        f(7, "fieldsV1", One(FieldsV1), Pointer),
        f(8, "subresource", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.NamespaceSpec`.
#[rustfmt::skip]
pub(super) static CORE_NAMESPACE_SPEC: Message = Message {
    fields: &[
        f(1, "finalizers", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.NamespaceStatus`.
#[rustfmt::skip]
pub(super) static CORE_NAMESPACE_STATUS: Message = Message {
    fields: &[
        f(1, "phase", One(Str), OmitEmpty),
        f(2, "conditions", Rep(M(&CORE_NAMESPACE_CONDITION)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.NamespaceCondition`.
#[rustfmt::skip]
pub(super) static CORE_NAMESPACE_CONDITION: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(2, "status", One(Str), Always),
        f(4, "lastTransitionTime", One(Time), OmitEmpty),
        f(5, "reason", One(Str), OmitEmpty),
        f(6, "message", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ConfigMap`.
#[rustfmt::skip]
pub(super) static CORE_CONFIG_MAP: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(4, "immutable", One(Bool), Pointer),
        f(2, "data", Map(Str), OmitEmpty),
        f(3, "binaryData", Map(Bytes), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.Secret`.
#[rustfmt::skip]
pub(super) static CORE_SECRET: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(5, "immutable", One(Bool), Pointer),
        f(2, "data", Map(Bytes), OmitEmpty),
        f(4, "stringData", Map(Str), OmitEmpty),
        f(3, "type", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.Service`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&CORE_SERVICE_SPEC)), OmitEmpty),
        f(3, "status", One(M(&CORE_SERVICE_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ServiceSpec`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE_SPEC: Message = Message {
    fields: &[
        f(1, "ports", Rep(M(&CORE_SERVICE_PORT)), OmitEmpty),
        f(2, "selector", Map(Str), OmitEmpty),
        f(3, "clusterIP", One(Str), OmitEmpty),
        f(18, "clusterIPs", Rep(Str), OmitEmpty),
        f(4, "type", One(Str), OmitEmpty),
        f(5, "externalIPs", Rep(Str), OmitEmpty),
        f(7, "sessionAffinity", One(Str), OmitEmpty),
        f(8, "loadBalancerIP", One(Str), OmitEmpty),
        f(9, "loadBalancerSourceRanges", Rep(Str), OmitEmpty),
        f(10, "externalName", One(Str), OmitEmpty),
        f(11, "externalTrafficPolicy", One(Str), OmitEmpty),
        f(12, "healthCheckNodePort", One(I32), OmitEmpty),
        f(13, "publishNotReadyAddresses", One(Bool), OmitEmpty),
        f(14, "sessionAffinityConfig", One(M(&CORE_SESSION_AFFINITY_CONFIG)), Pointer),
        f(19, "ipFamilies", Rep(Str), OmitEmpty),
        f(17, "ipFamilyPolicy", One(Str), Pointer),
        f(20, "allocateLoadBalancerNodePorts", One(Bool), Pointer),
        f(21, "loadBalancerClass", One(Str), Pointer),
        f(22, "internalTrafficPolicy", One(Str), Pointer),
        f(23, "trafficDistribution", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ServicePort`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE_PORT: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
        f(2, "protocol", One(Str), OmitEmpty),
        f(6, "appProtocol", One(Str), Pointer),
        f(3, "port", One(I32), Always),
        f(4, "targetPort", One(IntOrString), OmitEmpty),
        f(5, "nodePort", One(I32), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.SessionAffinityConfig`.
#[rustfmt::skip]
pub(super) static CORE_SESSION_AFFINITY_CONFIG: Message = Message {
    fields: &[
        f(1, "clientIP", One(M(&CORE_CLIENT_IP_CONFIG)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ClientIPConfig`.
#[rustfmt::skip]
pub(super) static CORE_CLIENT_IP_CONFIG: Message = Message {
    fields: &[
        f(1, "timeoutSeconds", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ServiceStatus`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE_STATUS: Message = Message {
    fields: &[
        f(1, "loadBalancer", One(M(&CORE_LOAD_BALANCER_STATUS)), OmitEmpty),
        f(2, "conditions", Rep(M(&META_CONDITION)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.LoadBalancerStatus`.
#[rustfmt::skip]
pub(super) static CORE_LOAD_BALANCER_STATUS: Message = Message {
    fields: &[
        f(1, "ingress", Rep(M(&CORE_LOAD_BALANCER_INGRESS)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.LoadBalancerIngress`.
#[rustfmt::skip]
pub(super) static CORE_LOAD_BALANCER_INGRESS: Message = Message {
    fields: &[
        f(1, "ip", One(Str), OmitEmpty),
        f(2, "hostname", One(Str), OmitEmpty),
        f(3, "ipMode", One(Str), Pointer),
        f(4, "ports", Rep(M(&CORE_PORT_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PortStatus`.
#[rustfmt::skip]
pub(super) static CORE_PORT_STATUS: Message = Message {
    fields: &[
        f(1, "port", One(I32), Always),
        f(2, "protocol", One(Str), Always),
        f(3, "error", One(Str), Pointer),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.Condition`.
#[rustfmt::skip]
pub(super) static META_CONDITION: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(2, "status", One(Str), Always),
        f(3, "observedGeneration", One(I64), OmitEmpty),
        f(4, "lastTransitionTime", One(Time), Always),
        f(5, "reason", One(Str), Always),
        f(6, "message", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ServiceAccount`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE_ACCOUNT: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "secrets", Rep(M(&CORE_OBJECT_REFERENCE)), OmitEmpty),
        f(3, "imagePullSecrets", Rep(M(&CORE_LOCAL_OBJECT_REFERENCE)), OmitEmpty),
        f(4, "automountServiceAccountToken", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ObjectReference`.
#[rustfmt::skip]
pub(super) static CORE_OBJECT_REFERENCE: Message = Message {
    fields: &[
        f(1, "kind", One(Str), OmitEmpty),
        f(2, "namespace", One(Str), OmitEmpty),
        f(3, "name", One(Str), OmitEmpty),
        f(4, "uid", One(Str), OmitEmpty),
        f(5, "apiVersion", One(Str), OmitEmpty),
        f(6, "resourceVersion", One(Str), OmitEmpty),
        f(7, "fieldPath", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.LocalObjectReference`.
#[rustfmt::skip]
pub(super) static CORE_LOCAL_OBJECT_REFERENCE: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.Pod`.
#[rustfmt::skip]
pub(super) static CORE_POD: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&CORE_POD_SPEC)), OmitEmpty),
        f(3, "status", One(M(&CORE_POD_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodSpec`.
#[rustfmt::skip]
pub(super) static CORE_POD_SPEC: Message = Message {
    fields: &[
        f(1, "volumes", Rep(M(&CORE_VOLUME)), OmitEmpty),
        f(20, "initContainers", Rep(M(&CORE_CONTAINER)), OmitEmpty),
        f(2, "containers", Rep(M(&CORE_CONTAINER)), Always),
        f(34, "ephemeralContainers", Rep(M(&CORE_EPHEMERAL_CONTAINER)), OmitEmpty),
        f(3, "restartPolicy", One(Str), OmitEmpty),
        f(4, "terminationGracePeriodSeconds", One(I64), Pointer),
        f(5, "activeDeadlineSeconds", One(I64), Pointer),
        f(6, "dnsPolicy", One(Str), OmitEmpty),
        f(7, "nodeSelector", Map(Str), OmitEmpty),
        f(8, "serviceAccountName", One(Str), OmitEmpty),
        f(9, "serviceAccount", One(Str), OmitEmpty),
        f(21, "automountServiceAccountToken", One(Bool), Pointer),
        f(10, "nodeName", One(Str), OmitEmpty),
        f(11, "hostNetwork", One(Bool), OmitEmpty),
        f(12, "hostPID", One(Bool), OmitEmpty),
        f(13, "hostIPC", One(Bool), OmitEmpty),
        f(27, "shareProcessNamespace", One(Bool), Pointer),
        f(14, "securityContext", One(M(&CORE_POD_SECURITY_CONTEXT)), Pointer),
        f(15, "imagePullSecrets", Rep(M(&CORE_LOCAL_OBJECT_REFERENCE)), OmitEmpty),
        f(16, "hostname", One(Str), OmitEmpty),
        f(17, "subdomain", One(Str), OmitEmpty),
        f(18, "affinity", One(M(&CORE_AFFINITY)), Pointer),
        f(19, "schedulerName", One(Str), OmitEmpty),
        f(22, "tolerations", Rep(M(&CORE_TOLERATION)), OmitEmpty),
        f(23, "hostAliases", Rep(M(&CORE_HOST_ALIAS)), OmitEmpty),
        f(24, "priorityClassName", One(Str), OmitEmpty),
        f(25, "priority", One(I32), Pointer),
        f(26, "dnsConfig", One(M(&CORE_POD_DNS_CONFIG)), Pointer),
        f(28, "readinessGates", Rep(M(&CORE_POD_READINESS_GATE)), OmitEmpty),
        f(29, "runtimeClassName", One(Str), Pointer),
        f(30, "enableServiceLinks", One(Bool), Pointer),
        f(31, "preemptionPolicy", One(Str), Pointer),
        f(32, "overhead", Map(Quantity), OmitEmpty),
        f(33, "topologySpreadConstraints", Rep(M(&CORE_TOPOLOGY_SPREAD_CONSTRAINT)), OmitEmpty),
        f(35, "setHostnameAsFQDN", One(Bool), Pointer),
        f(36, "os", One(M(&CORE_POD_OS)), Pointer),
        f(37, "hostUsers", One(Bool), Pointer),
        f(38, "schedulingGates", Rep(M(&CORE_POD_SCHEDULING_GATE)), OmitEmpty),
        f(39, "resourceClaims", Rep(M(&CORE_POD_RESOURCE_CLAIM)), OmitEmpty),
        f(40, "resources", One(M(&CORE_RESOURCE_REQUIREMENTS)), Pointer),
        f(41, "hostnameOverride", One(Str), Pointer),
        f(42, "workloadRef", One(M(&CORE_WORKLOAD_REFERENCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.Volume`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "", One(M(&CORE_VOLUME_SOURCE)), Inline),
    ],
};

/// `k8s.io.api.core.v1.VolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "hostPath", One(M(&CORE_HOST_PATH_VOLUME_SOURCE)), Pointer),
        f(2, "emptyDir", One(M(&CORE_EMPTY_DIR_VOLUME_SOURCE)), Pointer),
        f(3, "gcePersistentDisk", One(M(&CORE_GCE_PERSISTENT_DISK_VOLUME_SOURCE)), Pointer),
        f(4, "awsElasticBlockStore", One(M(&CORE_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE)), Pointer),
        f(5, "gitRepo", One(M(&CORE_GIT_REPO_VOLUME_SOURCE)), Pointer),
        f(6, "secret", One(M(&CORE_SECRET_VOLUME_SOURCE)), Pointer),
        f(7, "nfs", One(M(&CORE_NFS_VOLUME_SOURCE)), Pointer),
        f(8, "iscsi", One(M(&CORE_ISCSI_VOLUME_SOURCE)), Pointer),
        f(9, "glusterfs", One(M(&CORE_GLUSTERFS_VOLUME_SOURCE)), Pointer),
        f(10, "persistentVolumeClaim", One(M(&CORE_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE)), Pointer),
        f(11, "rbd", One(M(&CORE_RBD_VOLUME_SOURCE)), Pointer),
        f(12, "flexVolume", One(M(&CORE_FLEX_VOLUME_SOURCE)), Pointer),
        f(13, "cinder", One(M(&CORE_CINDER_VOLUME_SOURCE)), Pointer),
        f(14, "cephfs", One(M(&CORE_CEPH_FS_VOLUME_SOURCE)), Pointer),
        f(15, "flocker", One(M(&CORE_FLOCKER_VOLUME_SOURCE)), Pointer),
        f(16, "downwardAPI", One(M(&CORE_DOWNWARD_API_VOLUME_SOURCE)), Pointer),
        f(17, "fc", One(M(&CORE_FC_VOLUME_SOURCE)), Pointer),
        f(18, "azureFile", One(M(&CORE_AZURE_FILE_VOLUME_SOURCE)), Pointer),
        f(19, "configMap", One(M(&CORE_CONFIG_MAP_VOLUME_SOURCE)), Pointer),
        f(20, "vsphereVolume", One(M(&CORE_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE)), Pointer),
        f(21, "quobyte", One(M(&CORE_QUOBYTE_VOLUME_SOURCE)), Pointer),
        f(22, "azureDisk", One(M(&CORE_AZURE_DISK_VOLUME_SOURCE)), Pointer),
        f(23, "photonPersistentDisk", One(M(&CORE_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE)), Pointer),
        f(26, "projected", One(M(&CORE_PROJECTED_VOLUME_SOURCE)), Pointer),
        f(24, "portworxVolume", One(M(&CORE_PORTWORX_VOLUME_SOURCE)), Pointer),
        f(25, "scaleIO", One(M(&CORE_SCALE_IO_VOLUME_SOURCE)), Pointer),
        f(27, "storageos", One(M(&CORE_STORAGE_OS_VOLUME_SOURCE)), Pointer),
        f(28, "csi", One(M(&CORE_CSI_VOLUME_SOURCE)), Pointer),
        f(29, "ephemeral", One(M(&CORE_EPHEMERAL_VOLUME_SOURCE)), Pointer),
        f(30, "image", One(M(&CORE_IMAGE_VOLUME_SOURCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.HostPathVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_HOST_PATH_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "path", One(Str), Always),
        f(2, "type", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EmptyDirVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_EMPTY_DIR_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "medium", One(Str), OmitEmpty),
        f(2, "sizeLimit", One(Quantity), Pointer),
    ],
};

/// `k8s.io.api.core.v1.GCEPersistentDiskVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_GCE_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "pdName", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "partition", One(I32), OmitEmpty),
        f(4, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.AWSElasticBlockStoreVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumeID", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "partition", One(I32), OmitEmpty),
        f(4, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.GitRepoVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_GIT_REPO_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "repository", One(Str), Always),
        f(2, "revision", One(Str), OmitEmpty),
        f(3, "directory", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.SecretVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_SECRET_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "secretName", One(Str), OmitEmpty),
        f(2, "items", Rep(M(&CORE_KEY_TO_PATH)), OmitEmpty),
        f(3, "defaultMode", One(I32), Pointer),
        f(4, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.KeyToPath`.
#[rustfmt::skip]
pub(super) static CORE_KEY_TO_PATH: Message = Message {
    fields: &[
        f(1, "key", One(Str), Always),
        f(2, "path", One(Str), Always),
        f(3, "mode", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.NFSVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_NFS_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "server", One(Str), Always),
        f(2, "path", One(Str), Always),
        f(3, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ISCSIVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_ISCSI_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "targetPortal", One(Str), Always),
        f(2, "iqn", One(Str), Always),
        f(3, "lun", One(I32), Always),
        f(4, "iscsiInterface", One(Str), OmitEmpty),
        f(5, "fsType", One(Str), OmitEmpty),
        f(6, "readOnly", One(Bool), OmitEmpty),
        f(7, "portals", Rep(Str), OmitEmpty),
        f(8, "chapAuthDiscovery", One(Bool), OmitEmpty),
        f(11, "chapAuthSession", One(Bool), OmitEmpty),
        f(10, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(12, "initiatorName", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.GlusterfsVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_GLUSTERFS_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "endpoints", One(Str), Always),
        f(2, "path", One(Str), Always),
        f(3, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "claimName", One(Str), Always),
        f(2, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.RBDVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_RBD_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "monitors", Rep(Str), Always),
        f(2, "image", One(Str), Always),
        f(3, "fsType", One(Str), OmitEmpty),
        f(4, "pool", One(Str), OmitEmpty),
        f(5, "user", One(Str), OmitEmpty),
        f(6, "keyring", One(Str), OmitEmpty),
        f(7, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(8, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.FlexVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_FLEX_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "driver", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(4, "readOnly", One(Bool), OmitEmpty),
        f(5, "options", Map(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.CinderVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_CINDER_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumeID", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "readOnly", One(Bool), OmitEmpty),
        f(4, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.CephFSVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_CEPH_FS_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "monitors", Rep(Str), Always),
        f(2, "path", One(Str), OmitEmpty),
        f(3, "user", One(Str), OmitEmpty),
        f(4, "secretFile", One(Str), OmitEmpty),
        f(5, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(6, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.FlockerVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_FLOCKER_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "datasetName", One(Str), OmitEmpty),
        f(2, "datasetUUID", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_DOWNWARD_API_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "items", Rep(M(&CORE_DOWNWARD_API_VOLUME_FILE)), OmitEmpty),
        f(2, "defaultMode", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIVolumeFile`.
#[rustfmt::skip]
pub(super) static CORE_DOWNWARD_API_VOLUME_FILE: Message = Message {
    fields: &[
        f(1, "path", One(Str), Always),
        f(2, "fieldRef", One(M(&CORE_OBJECT_FIELD_SELECTOR)), Pointer),
        f(3, "resourceFieldRef", One(M(&CORE_RESOURCE_FIELD_SELECTOR)), Pointer),
        f(4, "mode", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ObjectFieldSelector`.
#[rustfmt::skip]
pub(super) static CORE_OBJECT_FIELD_SELECTOR: Message = Message {
    fields: &[
        f(1, "apiVersion", One(Str), OmitEmpty),
        f(2, "fieldPath", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ResourceFieldSelector`.
#[rustfmt::skip]
pub(super) static CORE_RESOURCE_FIELD_SELECTOR: Message = Message {
    fields: &[
        f(1, "containerName", One(Str), OmitEmpty),
        f(2, "resource", One(Str), Always),
        f(3, "divisor", One(Quantity), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.FCVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_FC_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "targetWWNs", Rep(Str), OmitEmpty),
        f(2, "lun", One(I32), Pointer),
        f(3, "fsType", One(Str), OmitEmpty),
        f(4, "readOnly", One(Bool), OmitEmpty),
        f(5, "wwids", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.AzureFileVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_AZURE_FILE_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "secretName", One(Str), Always),
        f(2, "shareName", One(Str), Always),
        f(3, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_CONFIG_MAP_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "items", Rep(M(&CORE_KEY_TO_PATH)), OmitEmpty),
        f(3, "defaultMode", One(I32), Pointer),
        f(4, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.VsphereVirtualDiskVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumePath", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "storagePolicyName", One(Str), OmitEmpty),
        f(4, "storagePolicyID", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.QuobyteVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_QUOBYTE_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "registry", One(Str), Always),
        f(2, "volume", One(Str), Always),
        f(3, "readOnly", One(Bool), OmitEmpty),
        f(4, "user", One(Str), OmitEmpty),
        f(5, "group", One(Str), OmitEmpty),
        f(6, "tenant", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.AzureDiskVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_AZURE_DISK_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "diskName", One(Str), Always),
        f(2, "diskURI", One(Str), Always),
        f(3, "cachingMode", One(Str), Pointer),
        f(4, "fsType", One(Str), Pointer),
        f(5, "readOnly", One(Bool), Pointer),
        f(6, "kind", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PhotonPersistentDiskVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "pdID", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ProjectedVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_PROJECTED_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "sources", Rep(M(&CORE_VOLUME_PROJECTION)), Always),
        f(2, "defaultMode", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.VolumeProjection`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_PROJECTION: Message = Message {
    fields: &[
        f(1, "secret", One(M(&CORE_SECRET_PROJECTION)), Pointer),
        f(2, "downwardAPI", One(M(&CORE_DOWNWARD_API_PROJECTION)), Pointer),
        f(3, "configMap", One(M(&CORE_CONFIG_MAP_PROJECTION)), Pointer),
        f(4, "serviceAccountToken", One(M(&CORE_SERVICE_ACCOUNT_TOKEN_PROJECTION)), Pointer),
        f(5, "clusterTrustBundle", One(M(&CORE_CLUSTER_TRUST_BUNDLE_PROJECTION)), Pointer),
        f(6, "podCertificate", One(M(&CORE_POD_CERTIFICATE_PROJECTION)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.SecretProjection`.
#[rustfmt::skip]
pub(super) static CORE_SECRET_PROJECTION: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "items", Rep(M(&CORE_KEY_TO_PATH)), OmitEmpty),
        f(4, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIProjection`.
#[rustfmt::skip]
pub(super) static CORE_DOWNWARD_API_PROJECTION: Message = Message {
    fields: &[
        f(1, "items", Rep(M(&CORE_DOWNWARD_API_VOLUME_FILE)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapProjection`.
#[rustfmt::skip]
pub(super) static CORE_CONFIG_MAP_PROJECTION: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "items", Rep(M(&CORE_KEY_TO_PATH)), OmitEmpty),
        f(4, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ServiceAccountTokenProjection`.
#[rustfmt::skip]
pub(super) static CORE_SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = Message {
    fields: &[
        f(1, "audience", One(Str), OmitEmpty),
        f(2, "expirationSeconds", One(I64), Pointer),
        f(3, "path", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ClusterTrustBundleProjection`.
#[rustfmt::skip]
pub(super) static CORE_CLUSTER_TRUST_BUNDLE_PROJECTION: Message = Message {
    fields: &[
        f(1, "name", One(Str), Pointer),
        f(2, "signerName", One(Str), Pointer),
        f(3, "labelSelector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(5, "optional", One(Bool), Pointer),
        f(4, "path", One(Str), Always),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector`.
#[rustfmt::skip]
pub(super) static META_LABEL_SELECTOR: Message = Message {
    fields: &[
        f(1, "matchLabels", Map(Str), OmitEmpty),
        f(2, "matchExpressions", Rep(M(&META_LABEL_SELECTOR_REQUIREMENT)), OmitEmpty),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement`.
#[rustfmt::skip]
pub(super) static META_LABEL_SELECTOR_REQUIREMENT: Message = Message {
    fields: &[
        f(1, "key", One(Str), Always),
        f(2, "operator", One(Str), Always),
        f(3, "values", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodCertificateProjection`.
#[rustfmt::skip]
pub(super) static CORE_POD_CERTIFICATE_PROJECTION: Message = Message {
    fields: &[
        f(1, "signerName", One(Str), OmitEmpty),
        f(2, "keyType", One(Str), OmitEmpty),
        f(3, "maxExpirationSeconds", One(I32), Pointer),
        f(4, "credentialBundlePath", One(Str), OmitEmpty),
        f(5, "keyPath", One(Str), OmitEmpty),
        f(6, "certificateChainPath", One(Str), OmitEmpty),
        f(7, "userAnnotations", Map(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PortworxVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_PORTWORX_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumeID", One(Str), Always),
        f(2, "fsType", One(Str), OmitEmpty),
        f(3, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ScaleIOVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_SCALE_IO_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "gateway", One(Str), Always),
        f(2, "system", One(Str), Always),
        f(3, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(4, "sslEnabled", One(Bool), OmitEmpty),
        f(5, "protectionDomain", One(Str), OmitEmpty),
        f(6, "storagePool", One(Str), OmitEmpty),
        f(7, "storageMode", One(Str), OmitEmpty),
        f(8, "volumeName", One(Str), OmitEmpty),
        f(9, "fsType", One(Str), OmitEmpty),
        f(10, "readOnly", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.StorageOSVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_STORAGE_OS_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumeName", One(Str), OmitEmpty),
        f(2, "volumeNamespace", One(Str), OmitEmpty),
        f(3, "fsType", One(Str), OmitEmpty),
        f(4, "readOnly", One(Bool), OmitEmpty),
        f(5, "secretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.CSIVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_CSI_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "driver", One(Str), Always),
        f(2, "readOnly", One(Bool), Pointer),
        f(3, "fsType", One(Str), Pointer),
        f(4, "volumeAttributes", Map(Str), OmitEmpty),
        f(5, "nodePublishSecretRef", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EphemeralVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_EPHEMERAL_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "volumeClaimTemplate", One(M(&CORE_PERSISTENT_VOLUME_CLAIM_TEMPLATE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimTemplate`.
#[rustfmt::skip]
pub(super) static CORE_PERSISTENT_VOLUME_CLAIM_TEMPLATE: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&CORE_PERSISTENT_VOLUME_CLAIM_SPEC)), Always),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimSpec`.
#[rustfmt::skip]
pub(super) static CORE_PERSISTENT_VOLUME_CLAIM_SPEC: Message = Message {
    fields: &[
        f(1, "accessModes", Rep(Str), OmitEmpty),
        f(4, "selector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(2, "resources", One(M(&CORE_VOLUME_RESOURCE_REQUIREMENTS)), OmitEmpty),
        f(3, "volumeName", One(Str), OmitEmpty),
        f(5, "storageClassName", One(Str), Pointer),
        f(6, "volumeMode", One(Str), Pointer),
        f(7, "dataSource", One(M(&CORE_TYPED_LOCAL_OBJECT_REFERENCE)), Pointer),
        f(8, "dataSourceRef", One(M(&CORE_TYPED_OBJECT_REFERENCE)), Pointer),
        f(9, "volumeAttributesClassName", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.VolumeResourceRequirements`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_RESOURCE_REQUIREMENTS: Message = Message {
    fields: &[
        f(1, "limits", Map(Quantity), OmitEmpty),
        f(2, "requests", Map(Quantity), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.TypedLocalObjectReference`.
#[rustfmt::skip]
pub(super) static CORE_TYPED_LOCAL_OBJECT_REFERENCE: Message = Message {
    fields: &[
        f(1, "apiGroup", One(Str), Pointer),
        f(2, "kind", One(Str), Always),
        f(3, "name", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.TypedObjectReference`.
#[rustfmt::skip]
pub(super) static CORE_TYPED_OBJECT_REFERENCE: Message = Message {
    fields: &[
        f(1, "apiGroup", One(Str), Pointer),
        f(2, "kind", One(Str), Always),
        f(3, "name", One(Str), Always),
        f(4, "namespace", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ImageVolumeSource`.
#[rustfmt::skip]
pub(super) static CORE_IMAGE_VOLUME_SOURCE: Message = Message {
    fields: &[
        f(1, "reference", One(Str), OmitEmpty),
        f(2, "pullPolicy", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.Container`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "image", One(Str), OmitEmpty),
        f(3, "command", Rep(Str), OmitEmpty),
        f(4, "args", Rep(Str), OmitEmpty),
        f(5, "workingDir", One(Str), OmitEmpty),
        f(6, "ports", Rep(M(&CORE_CONTAINER_PORT)), OmitEmpty),
        f(19, "envFrom", Rep(M(&CORE_ENV_FROM_SOURCE)), OmitEmpty),
        f(7, "env", Rep(M(&CORE_ENV_VAR)), OmitEmpty),
        f(8, "resources", One(M(&CORE_RESOURCE_REQUIREMENTS)), OmitEmpty),
        f(23, "resizePolicy", Rep(M(&CORE_CONTAINER_RESIZE_POLICY)), OmitEmpty),
        f(24, "restartPolicy", One(Str), Pointer),
        f(25, "restartPolicyRules", Rep(M(&CORE_CONTAINER_RESTART_RULE)), OmitEmpty),
        f(9, "volumeMounts", Rep(M(&CORE_VOLUME_MOUNT)), OmitEmpty),
        f(21, "volumeDevices", Rep(M(&CORE_VOLUME_DEVICE)), OmitEmpty),
        f(10, "livenessProbe", One(M(&CORE_PROBE)), Pointer),
        f(11, "readinessProbe", One(M(&CORE_PROBE)), Pointer),
        f(22, "startupProbe", One(M(&CORE_PROBE)), Pointer),
        f(12, "lifecycle", One(M(&CORE_LIFECYCLE)), Pointer),
        f(13, "terminationMessagePath", One(Str), OmitEmpty),
        f(20, "terminationMessagePolicy", One(Str), OmitEmpty),
        f(14, "imagePullPolicy", One(Str), OmitEmpty),
        f(15, "securityContext", One(M(&CORE_SECURITY_CONTEXT)), Pointer),
        f(16, "stdin", One(Bool), OmitEmpty),
        f(17, "stdinOnce", One(Bool), OmitEmpty),
        f(18, "tty", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ContainerPort`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_PORT: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
        f(2, "hostPort", One(I32), OmitEmpty),
        f(3, "containerPort", One(I32), Always),
        f(4, "protocol", One(Str), OmitEmpty),
        f(5, "hostIP", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.EnvFromSource`.
#[rustfmt::skip]
pub(super) static CORE_ENV_FROM_SOURCE: Message = Message {
    fields: &[
        f(1, "prefix", One(Str), OmitEmpty),
        f(2, "configMapRef", One(M(&CORE_CONFIG_MAP_ENV_SOURCE)), Pointer),
        f(3, "secretRef", One(M(&CORE_SECRET_ENV_SOURCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapEnvSource`.
#[rustfmt::skip]
pub(super) static CORE_CONFIG_MAP_ENV_SOURCE: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.SecretEnvSource`.
#[rustfmt::skip]
pub(super) static CORE_SECRET_ENV_SOURCE: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EnvVar`.
#[rustfmt::skip]
pub(super) static CORE_ENV_VAR: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "value", One(Str), OmitEmpty),
        f(3, "valueFrom", One(M(&CORE_ENV_VAR_SOURCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EnvVarSource`.
#[rustfmt::skip]
pub(super) static CORE_ENV_VAR_SOURCE: Message = Message {
    fields: &[
        f(1, "fieldRef", One(M(&CORE_OBJECT_FIELD_SELECTOR)), Pointer),
        f(2, "resourceFieldRef", One(M(&CORE_RESOURCE_FIELD_SELECTOR)), Pointer),
        f(3, "configMapKeyRef", One(M(&CORE_CONFIG_MAP_KEY_SELECTOR)), Pointer),
        f(4, "secretKeyRef", One(M(&CORE_SECRET_KEY_SELECTOR)), Pointer),
        f(5, "fileKeyRef", One(M(&CORE_FILE_KEY_SELECTOR)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapKeySelector`.
#[rustfmt::skip]
pub(super) static CORE_CONFIG_MAP_KEY_SELECTOR: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "key", One(Str), Always),
        f(3, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.SecretKeySelector`.
#[rustfmt::skip]
pub(super) static CORE_SECRET_KEY_SELECTOR: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_LOCAL_OBJECT_REFERENCE)), Inline),
        f(2, "key", One(Str), Always),
        f(3, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.FileKeySelector`.
#[rustfmt::skip]
pub(super) static CORE_FILE_KEY_SELECTOR: Message = Message {
    fields: &[
        f(1, "volumeName", One(Str), Always),
        f(2, "path", One(Str), Always),
        f(3, "key", One(Str), Always),
        f(4, "optional", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ResourceRequirements`.
#[rustfmt::skip]
pub(super) static CORE_RESOURCE_REQUIREMENTS: Message = Message {
    fields: &[
        f(1, "limits", Map(Quantity), OmitEmpty),
        f(2, "requests", Map(Quantity), OmitEmpty),
        f(3, "claims", Rep(M(&CORE_RESOURCE_CLAIM)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ResourceClaim`.
#[rustfmt::skip]
pub(super) static CORE_RESOURCE_CLAIM: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "request", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ContainerResizePolicy`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_RESIZE_POLICY: Message = Message {
    fields: &[
        f(1, "resourceName", One(Str), Always),
        f(2, "restartPolicy", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ContainerRestartRule`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_RESTART_RULE: Message = Message {
    fields: &[
        f(1, "action", One(Str), OmitEmpty),
        f(2, "exitCodes", One(M(&CORE_CONTAINER_RESTART_RULE_ON_EXIT_CODES)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ContainerRestartRuleOnExitCodes`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_RESTART_RULE_ON_EXIT_CODES: Message = Message {
    fields: &[
        f(1, "operator", One(Str), OmitEmpty),
        f(2, "values", Rep(I32), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.VolumeMount`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_MOUNT: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "readOnly", One(Bool), OmitEmpty),
        f(7, "recursiveReadOnly", One(Str), Pointer),
        f(3, "mountPath", One(Str), Always),
        f(4, "subPath", One(Str), OmitEmpty),
        f(5, "mountPropagation", One(Str), Pointer),
        f(6, "subPathExpr", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.VolumeDevice`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_DEVICE: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "devicePath", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.Probe`.
#[rustfmt::skip]
pub(super) static CORE_PROBE: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_PROBE_HANDLER)), Inline),
        f(2, "initialDelaySeconds", One(I32), OmitEmpty),
        f(3, "timeoutSeconds", One(I32), OmitEmpty),
        f(4, "periodSeconds", One(I32), OmitEmpty),
        f(5, "successThreshold", One(I32), OmitEmpty),
        f(6, "failureThreshold", One(I32), OmitEmpty),
        f(7, "terminationGracePeriodSeconds", One(I64), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ProbeHandler`.
#[rustfmt::skip]
pub(super) static CORE_PROBE_HANDLER: Message = Message {
    fields: &[
        f(1, "exec", One(M(&CORE_EXEC_ACTION)), Pointer),
        f(2, "httpGet", One(M(&CORE_HTTP_GET_ACTION)), Pointer),
        f(3, "tcpSocket", One(M(&CORE_TCP_SOCKET_ACTION)), Pointer),
        f(4, "grpc", One(M(&CORE_GRPC_ACTION)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ExecAction`.
#[rustfmt::skip]
pub(super) static CORE_EXEC_ACTION: Message = Message {
    fields: &[
        f(1, "command", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.HTTPGetAction`.
#[rustfmt::skip]
pub(super) static CORE_HTTP_GET_ACTION: Message = Message {
    fields: &[
        f(1, "path", One(Str), OmitEmpty),
        f(2, "port", One(IntOrString), Always),
        f(3, "host", One(Str), OmitEmpty),
        f(4, "scheme", One(Str), OmitEmpty),
        f(5, "httpHeaders", Rep(M(&CORE_HTTP_HEADER)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.HTTPHeader`.
#[rustfmt::skip]
pub(super) static CORE_HTTP_HEADER: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "value", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.TCPSocketAction`.
#[rustfmt::skip]
pub(super) static CORE_TCP_SOCKET_ACTION: Message = Message {
    fields: &[
        f(1, "port", One(IntOrString), Always),
        f(2, "host", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.GRPCAction`.
#[rustfmt::skip]
pub(super) static CORE_GRPC_ACTION: Message = Message {
    fields: &[
        f(1, "port", One(I32), Always),
        f(2, "service", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.Lifecycle`.
#[rustfmt::skip]
pub(super) static CORE_LIFECYCLE: Message = Message {
    fields: &[
        f(1, "postStart", One(M(&CORE_LIFECYCLE_HANDLER)), Pointer),
        f(2, "preStop", One(M(&CORE_LIFECYCLE_HANDLER)), Pointer),
        f(3, "stopSignal", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.LifecycleHandler`.
#[rustfmt::skip]
pub(super) static CORE_LIFECYCLE_HANDLER: Message = Message {
    fields: &[
        f(1, "exec", One(M(&CORE_EXEC_ACTION)), Pointer),
        f(2, "httpGet", One(M(&CORE_HTTP_GET_ACTION)), Pointer),
        f(3, "tcpSocket", One(M(&CORE_TCP_SOCKET_ACTION)), Pointer),
        f(4, "sleep", One(M(&CORE_SLEEP_ACTION)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.SleepAction`.
#[rustfmt::skip]
pub(super) static CORE_SLEEP_ACTION: Message = Message {
    fields: &[
        f(1, "seconds", One(I64), Always),
    ],
};

/// `k8s.io.api.core.v1.SecurityContext`.
#[rustfmt::skip]
pub(super) static CORE_SECURITY_CONTEXT: Message = Message {
    fields: &[
        f(1, "capabilities", One(M(&CORE_CAPABILITIES)), Pointer),
        f(2, "privileged", One(Bool), Pointer),
        f(3, "seLinuxOptions", One(M(&CORE_SE_LINUX_OPTIONS)), Pointer),
        f(10, "windowsOptions", One(M(&CORE_WINDOWS_SECURITY_CONTEXT_OPTIONS)), Pointer),
        f(4, "runAsUser", One(I64), Pointer),
        f(8, "runAsGroup", One(I64), Pointer),
        f(5, "runAsNonRoot", One(Bool), Pointer),
        f(6, "readOnlyRootFilesystem", One(Bool), Pointer),
        f(7, "allowPrivilegeEscalation", One(Bool), Pointer),
        f(9, "procMount", One(Str), Pointer),
        f(11, "seccompProfile", One(M(&CORE_SECCOMP_PROFILE)), Pointer),
        f(12, "appArmorProfile", One(M(&CORE_APP_ARMOR_PROFILE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.Capabilities`.
#[rustfmt::skip]
pub(super) static CORE_CAPABILITIES: Message = Message {
    fields: &[
        f(1, "add", Rep(Str), OmitEmpty),
        f(2, "drop", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.SELinuxOptions`.
#[rustfmt::skip]
pub(super) static CORE_SE_LINUX_OPTIONS: Message = Message {
    fields: &[
        f(1, "user", One(Str), OmitEmpty),
        f(2, "role", One(Str), OmitEmpty),
        f(3, "type", One(Str), OmitEmpty),
        f(4, "level", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.WindowsSecurityContextOptions`.
#[rustfmt::skip]
pub(super) static CORE_WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = Message {
    fields: &[
        f(1, "gmsaCredentialSpecName", One(Str), Pointer),
        f(2, "gmsaCredentialSpec", One(Str), Pointer),
        f(3, "runAsUserName", One(Str), Pointer),
        f(4, "hostProcess", One(Bool), Pointer),
    ],
};

/// `k8s.io.api.core.v1.SeccompProfile`.
#[rustfmt::skip]
pub(super) static CORE_SECCOMP_PROFILE: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(2, "localhostProfile", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.AppArmorProfile`.
#[rustfmt::skip]
pub(super) static CORE_APP_ARMOR_PROFILE: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(2, "localhostProfile", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EphemeralContainer`.
#[rustfmt::skip]
pub(super) static CORE_EPHEMERAL_CONTAINER: Message = Message {
    fields: &[
        f(1, "", One(M(&CORE_EPHEMERAL_CONTAINER_COMMON)), Inline),
        f(2, "targetContainerName", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.EphemeralContainerCommon`.
#[rustfmt::skip]
pub(super) static CORE_EPHEMERAL_CONTAINER_COMMON: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "image", One(Str), OmitEmpty),
        f(3, "command", Rep(Str), OmitEmpty),
        f(4, "args", Rep(Str), OmitEmpty),
        f(5, "workingDir", One(Str), OmitEmpty),
        f(6, "ports", Rep(M(&CORE_CONTAINER_PORT)), OmitEmpty),
        f(19, "envFrom", Rep(M(&CORE_ENV_FROM_SOURCE)), OmitEmpty),
        f(7, "env", Rep(M(&CORE_ENV_VAR)), OmitEmpty),
        f(8, "resources", One(M(&CORE_RESOURCE_REQUIREMENTS)), OmitEmpty),
        f(23, "resizePolicy", Rep(M(&CORE_CONTAINER_RESIZE_POLICY)), OmitEmpty),
        f(24, "restartPolicy", One(Str), Pointer),
        f(25, "restartPolicyRules", Rep(M(&CORE_CONTAINER_RESTART_RULE)), OmitEmpty),
        f(9, "volumeMounts", Rep(M(&CORE_VOLUME_MOUNT)), OmitEmpty),
        f(21, "volumeDevices", Rep(M(&CORE_VOLUME_DEVICE)), OmitEmpty),
        f(10, "livenessProbe", One(M(&CORE_PROBE)), Pointer),
        f(11, "readinessProbe", One(M(&CORE_PROBE)), Pointer),
        f(22, "startupProbe", One(M(&CORE_PROBE)), Pointer),
        f(12, "lifecycle", One(M(&CORE_LIFECYCLE)), Pointer),
        f(13, "terminationMessagePath", One(Str), OmitEmpty),
        f(20, "terminationMessagePolicy", One(Str), OmitEmpty),
        f(14, "imagePullPolicy", One(Str), OmitEmpty),
        f(15, "securityContext", One(M(&CORE_SECURITY_CONTEXT)), Pointer),
        f(16, "stdin", One(Bool), OmitEmpty),
        f(17, "stdinOnce", One(Bool), OmitEmpty),
        f(18, "tty", One(Bool), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodSecurityContext`.
#[rustfmt::skip]
pub(super) static CORE_POD_SECURITY_CONTEXT: Message = Message {
    fields: &[
        f(1, "seLinuxOptions", One(M(&CORE_SE_LINUX_OPTIONS)), Pointer),
        f(8, "windowsOptions", One(M(&CORE_WINDOWS_SECURITY_CONTEXT_OPTIONS)), Pointer),
        f(2, "runAsUser", One(I64), Pointer),
        f(6, "runAsGroup", One(I64), Pointer),
        f(3, "runAsNonRoot", One(Bool), Pointer),
        f(4, "supplementalGroups", Rep(I64), OmitEmpty),
        f(12, "supplementalGroupsPolicy", One(Str), Pointer),
        f(5, "fsGroup", One(I64), Pointer),
        f(7, "sysctls", Rep(M(&CORE_SYSCTL)), OmitEmpty),
        f(9, "fsGroupChangePolicy", One(Str), Pointer),
        f(10, "seccompProfile", One(M(&CORE_SECCOMP_PROFILE)), Pointer),
        f(11, "appArmorProfile", One(M(&CORE_APP_ARMOR_PROFILE)), Pointer),
        f(13, "seLinuxChangePolicy", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.Sysctl`.
#[rustfmt::skip]
pub(super) static CORE_SYSCTL: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "value", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.Affinity`.
#[rustfmt::skip]
pub(super) static CORE_AFFINITY: Message = Message {
    fields: &[
        f(1, "nodeAffinity", One(M(&CORE_NODE_AFFINITY)), Pointer),
        f(2, "podAffinity", One(M(&CORE_POD_AFFINITY)), Pointer),
        f(3, "podAntiAffinity", One(M(&CORE_POD_ANTI_AFFINITY)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.NodeAffinity`.
#[rustfmt::skip]
pub(super) static CORE_NODE_AFFINITY: Message = Message {
    fields: &[
        f(1, "requiredDuringSchedulingIgnoredDuringExecution", One(M(&CORE_NODE_SELECTOR)), Pointer),
        f(2, "preferredDuringSchedulingIgnoredDuringExecution", Rep(M(&CORE_PREFERRED_SCHEDULING_TERM)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.NodeSelector`.
#[rustfmt::skip]
pub(super) static CORE_NODE_SELECTOR: Message = Message {
    fields: &[
        f(1, "nodeSelectorTerms", Rep(M(&CORE_NODE_SELECTOR_TERM)), Always),
    ],
};

/// `k8s.io.api.core.v1.NodeSelectorTerm`.
#[rustfmt::skip]
pub(super) static CORE_NODE_SELECTOR_TERM: Message = Message {
    fields: &[
        f(1, "matchExpressions", Rep(M(&CORE_NODE_SELECTOR_REQUIREMENT)), OmitEmpty),
        f(2, "matchFields", Rep(M(&CORE_NODE_SELECTOR_REQUIREMENT)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.NodeSelectorRequirement`.
#[rustfmt::skip]
pub(super) static CORE_NODE_SELECTOR_REQUIREMENT: Message = Message {
    fields: &[
        f(1, "key", One(Str), Always),
        f(2, "operator", One(Str), Always),
        f(3, "values", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PreferredSchedulingTerm`.
#[rustfmt::skip]
pub(super) static CORE_PREFERRED_SCHEDULING_TERM: Message = Message {
    fields: &[
        f(1, "weight", One(I32), Always),
        f(2, "preference", One(M(&CORE_NODE_SELECTOR_TERM)), Always),
    ],
};

/// `k8s.io.api.core.v1.PodAffinity`.
#[rustfmt::skip]
pub(super) static CORE_POD_AFFINITY: Message = Message {
    fields: &[
        f(1, "requiredDuringSchedulingIgnoredDuringExecution", Rep(M(&CORE_POD_AFFINITY_TERM)), OmitEmpty),
        f(2, "preferredDuringSchedulingIgnoredDuringExecution", Rep(M(&CORE_WEIGHTED_POD_AFFINITY_TERM)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodAffinityTerm`.
#[rustfmt::skip]
pub(super) static CORE_POD_AFFINITY_TERM: Message = Message {
    fields: &[
        f(1, "labelSelector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(2, "namespaces", Rep(Str), OmitEmpty),
        f(3, "topologyKey", One(Str), Always),
        f(4, "namespaceSelector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(5, "matchLabelKeys", Rep(Str), OmitEmpty),
        f(6, "mismatchLabelKeys", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.WeightedPodAffinityTerm`.
#[rustfmt::skip]
pub(super) static CORE_WEIGHTED_POD_AFFINITY_TERM: Message = Message {
    fields: &[
        f(1, "weight", One(I32), Always),
        f(2, "podAffinityTerm", One(M(&CORE_POD_AFFINITY_TERM)), Always),
    ],
};

/// `k8s.io.api.core.v1.PodAntiAffinity`.
#[rustfmt::skip]
pub(super) static CORE_POD_ANTI_AFFINITY: Message = Message {
    fields: &[
        f(1, "requiredDuringSchedulingIgnoredDuringExecution", Rep(M(&CORE_POD_AFFINITY_TERM)), OmitEmpty),
        f(2, "preferredDuringSchedulingIgnoredDuringExecution", Rep(M(&CORE_WEIGHTED_POD_AFFINITY_TERM)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.Toleration`.
#[rustfmt::skip]
pub(super) static CORE_TOLERATION: Message = Message {
    fields: &[
        f(1, "key", One(Str), OmitEmpty),
        f(2, "operator", One(Str), OmitEmpty),
        f(3, "value", One(Str), OmitEmpty),
        f(4, "effect", One(Str), OmitEmpty),
        f(5, "tolerationSeconds", One(I64), Pointer),
    ],
};

/// `k8s.io.api.core.v1.HostAlias`.
#[rustfmt::skip]
pub(super) static CORE_HOST_ALIAS: Message = Message {
    fields: &[
        f(1, "ip", One(Str), Always),
        f(2, "hostnames", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodDNSConfig`.
#[rustfmt::skip]
pub(super) static CORE_POD_DNS_CONFIG: Message = Message {
    fields: &[
        f(1, "nameservers", Rep(Str), OmitEmpty),
        f(2, "searches", Rep(Str), OmitEmpty),
        f(3, "options", Rep(M(&CORE_POD_DNS_CONFIG_OPTION)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodDNSConfigOption`.
#[rustfmt::skip]
pub(super) static CORE_POD_DNS_CONFIG_OPTION: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
        f(2, "value", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PodReadinessGate`.
#[rustfmt::skip]
pub(super) static CORE_POD_READINESS_GATE: Message = Message {
    fields: &[
        f(1, "conditionType", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.TopologySpreadConstraint`.
#[rustfmt::skip]
pub(super) static CORE_TOPOLOGY_SPREAD_CONSTRAINT: Message = Message {
    fields: &[
        f(1, "maxSkew", One(I32), Always),
        f(2, "topologyKey", One(Str), Always),
        f(3, "whenUnsatisfiable", One(Str), Always),
        f(4, "labelSelector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(5, "minDomains", One(I32), Pointer),
        f(6, "nodeAffinityPolicy", One(Str), Pointer),
        f(7, "nodeTaintsPolicy", One(Str), Pointer),
        f(8, "matchLabelKeys", Rep(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodOS`.
#[rustfmt::skip]
pub(super) static CORE_POD_OS: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.PodSchedulingGate`.
#[rustfmt::skip]
pub(super) static CORE_POD_SCHEDULING_GATE: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.PodResourceClaim`.
#[rustfmt::skip]
pub(super) static CORE_POD_RESOURCE_CLAIM: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(3, "resourceClaimName", One(Str), Pointer),
        f(4, "resourceClaimTemplateName", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.WorkloadReference`.
#[rustfmt::skip]
pub(super) static CORE_WORKLOAD_REFERENCE: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "podGroup", One(Str), Always),
        f(3, "podGroupReplicaKey", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodStatus`.
#[rustfmt::skip]
pub(super) static CORE_POD_STATUS: Message = Message {
    fields: &[
        f(17, "observedGeneration", One(I64), OmitEmpty),
        f(1, "phase", One(Str), OmitEmpty),
        f(2, "conditions", Rep(M(&CORE_POD_CONDITION)), OmitEmpty),
        f(3, "message", One(Str), OmitEmpty),
        f(4, "reason", One(Str), OmitEmpty),
        f(11, "nominatedNodeName", One(Str), OmitEmpty),
        f(5, "hostIP", One(Str), OmitEmpty),
        f(16, "hostIPs", Rep(M(&CORE_HOST_IP)), OmitEmpty),
        f(6, "podIP", One(Str), OmitEmpty),
        f(12, "podIPs", Rep(M(&CORE_POD_IP)), OmitEmpty),
        f(7, "startTime", One(Time), Pointer),
        f(10, "initContainerStatuses", Rep(M(&CORE_CONTAINER_STATUS)), OmitEmpty),
        f(8, "containerStatuses", Rep(M(&CORE_CONTAINER_STATUS)), OmitEmpty),
        f(9, "qosClass", One(Str), OmitEmpty),
        f(13, "ephemeralContainerStatuses", Rep(M(&CORE_CONTAINER_STATUS)), OmitEmpty),
        f(14, "resize", One(Str), OmitEmpty),
        f(15, "resourceClaimStatuses", Rep(M(&CORE_POD_RESOURCE_CLAIM_STATUS)), OmitEmpty),
        f(18, "extendedResourceClaimStatus", One(M(&CORE_POD_EXTENDED_RESOURCE_CLAIM_STATUS)), Pointer),
        f(19, "allocatedResources", Map(Quantity), OmitEmpty),
        f(20, "resources", One(M(&CORE_RESOURCE_REQUIREMENTS)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PodCondition`.
#[rustfmt::skip]
pub(super) static CORE_POD_CONDITION: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(7, "observedGeneration", One(I64), OmitEmpty),
        f(2, "status", One(Str), Always),
        f(3, "lastProbeTime", One(Time), OmitEmpty),
        f(4, "lastTransitionTime", One(Time), OmitEmpty),
        f(5, "reason", One(Str), OmitEmpty),
        f(6, "message", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.HostIP`.
#[rustfmt::skip]
pub(super) static CORE_HOST_IP: Message = Message {
    fields: &[
        f(1, "ip", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.PodIP`.
#[rustfmt::skip]
pub(super) static CORE_POD_IP: Message = Message {
    fields: &[
        f(1, "ip", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ContainerStatus`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_STATUS: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "state", One(M(&CORE_CONTAINER_STATE)), OmitEmpty),
        f(3, "lastState", One(M(&CORE_CONTAINER_STATE)), OmitEmpty),
        f(4, "ready", One(Bool), Always),
        f(5, "restartCount", One(I32), Always),
        f(6, "image", One(Str), Always),
        f(7, "imageID", One(Str), Always),
        f(8, "containerID", One(Str), OmitEmpty),
        f(9, "started", One(Bool), Pointer),
        f(10, "allocatedResources", Map(Quantity), OmitEmpty),
        f(11, "resources", One(M(&CORE_RESOURCE_REQUIREMENTS)), Pointer),
        f(12, "volumeMounts", Rep(M(&CORE_VOLUME_MOUNT_STATUS)), OmitEmpty),
        f(13, "user", One(M(&CORE_CONTAINER_USER)), Pointer),
        f(14, "allocatedResourcesStatus", Rep(M(&CORE_RESOURCE_STATUS)), OmitEmpty),
        f(15, "stopSignal", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ContainerState`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_STATE: Message = Message {
    fields: &[
        f(1, "waiting", One(M(&CORE_CONTAINER_STATE_WAITING)), Pointer),
        f(2, "running", One(M(&CORE_CONTAINER_STATE_RUNNING)), Pointer),
        f(3, "terminated", One(M(&CORE_CONTAINER_STATE_TERMINATED)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ContainerStateWaiting`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_STATE_WAITING: Message = Message {
    fields: &[
        f(1, "reason", One(Str), OmitEmpty),
        f(2, "message", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ContainerStateRunning`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_STATE_RUNNING: Message = Message {
    fields: &[
        f(1, "startedAt", One(Time), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ContainerStateTerminated`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_STATE_TERMINATED: Message = Message {
    fields: &[
        f(1, "exitCode", One(I32), Always),
        f(2, "signal", One(I32), OmitEmpty),
        f(3, "reason", One(Str), OmitEmpty),
        f(4, "message", One(Str), OmitEmpty),
        f(5, "startedAt", One(Time), OmitEmpty),
        f(6, "finishedAt", One(Time), OmitEmpty),
        f(7, "containerID", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.VolumeMountStatus`.
#[rustfmt::skip]
pub(super) static CORE_VOLUME_MOUNT_STATUS: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "mountPath", One(Str), Always),
        f(3, "readOnly", One(Bool), OmitEmpty),
        f(4, "recursiveReadOnly", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.ContainerUser`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_USER: Message = Message {
    fields: &[
        f(1, "linux", One(M(&CORE_LINUX_CONTAINER_USER)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.LinuxContainerUser`.
#[rustfmt::skip]
pub(super) static CORE_LINUX_CONTAINER_USER: Message = Message {
    fields: &[
        f(1, "uid", One(I64), Always),
        f(2, "gid", One(I64), Always),
        f(3, "supplementalGroups", Rep(I64), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ResourceStatus`.
#[rustfmt::skip]
pub(super) static CORE_RESOURCE_STATUS: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "resources", Rep(M(&CORE_RESOURCE_HEALTH)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.ResourceHealth`.
#[rustfmt::skip]
pub(super) static CORE_RESOURCE_HEALTH: Message = Message {
    fields: &[
        f(1, "resourceID", One(Str), Always),
        f(2, "health", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.PodResourceClaimStatus`.
#[rustfmt::skip]
pub(super) static CORE_POD_RESOURCE_CLAIM_STATUS: Message = Message {
    fields: &[
        f(1, "name", One(Str), Always),
        f(2, "resourceClaimName", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PodExtendedResourceClaimStatus`.
#[rustfmt::skip]
pub(super) static CORE_POD_EXTENDED_RESOURCE_CLAIM_STATUS: Message = Message {
    fields: &[
        f(1, "requestMappings", Rep(M(&CORE_CONTAINER_EXTENDED_RESOURCE_REQUEST)), Always),
        f(2, "resourceClaimName", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.ContainerExtendedResourceRequest`.
#[rustfmt::skip]
pub(super) static CORE_CONTAINER_EXTENDED_RESOURCE_REQUEST: Message = Message {
    fields: &[
        f(1, "containerName", One(Str), Always),
        f(2, "resourceName", One(Str), Always),
        f(3, "requestName", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.Endpoints`.
#[rustfmt::skip]
pub(super) static CORE_ENDPOINTS: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "subsets", Rep(M(&CORE_ENDPOINT_SUBSET)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.EndpointSubset`.
#[rustfmt::skip]
pub(super) static CORE_ENDPOINT_SUBSET: Message = Message {
    fields: &[
        f(1, "addresses", Rep(M(&CORE_ENDPOINT_ADDRESS)), OmitEmpty),
        f(2, "notReadyAddresses", Rep(M(&CORE_ENDPOINT_ADDRESS)), OmitEmpty),
        f(3, "ports", Rep(M(&CORE_ENDPOINT_PORT)), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.EndpointAddress`.
#[rustfmt::skip]
pub(super) static CORE_ENDPOINT_ADDRESS: Message = Message {
    fields: &[
        f(1, "ip", One(Str), Always),
        f(3, "hostname", One(Str), OmitEmpty),
        f(4, "nodeName", One(Str), Pointer),
        f(2, "targetRef", One(M(&CORE_OBJECT_REFERENCE)), Pointer),
    ],
};

/// `k8s.io.api.core.v1.EndpointPort`.
#[rustfmt::skip]
pub(super) static CORE_ENDPOINT_PORT: Message = Message {
    fields: &[
        f(1, "name", One(Str), OmitEmpty),
        f(2, "port", One(I32), Always),
        f(3, "protocol", One(Str), OmitEmpty),
        f(4, "appProtocol", One(Str), Pointer),
    ],
};

/// `k8s.io.api.core.v1.Event`.
#[rustfmt::skip]
pub(super) static CORE_EVENT: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), Always),
        f(2, "involvedObject", One(M(&CORE_OBJECT_REFERENCE)), Always),
        f(3, "reason", One(Str), OmitEmpty),
        f(4, "message", One(Str), OmitEmpty),
        f(5, "source", One(M(&CORE_EVENT_SOURCE)), OmitEmpty),
        f(6, "firstTimestamp", One(Time), OmitEmpty),
        f(7, "lastTimestamp", One(Time), OmitEmpty),
        f(8, "count", One(I32), OmitEmpty),
        f(9, "type", One(Str), OmitEmpty),
        f(10, "eventTime", One(MicroTime), OmitEmpty),
        f(11, "series", One(M(&CORE_EVENT_SERIES)), Pointer),
        f(12, "action", One(Str), OmitEmpty),
        f(13, "related", One(M(&CORE_OBJECT_REFERENCE)), Pointer),
        f(14, "reportingComponent", One(Str), Always),
        f(15, "reportingInstance", One(Str), Always),
    ],
};

/// `k8s.io.api.core.v1.EventSource`.
#[rustfmt::skip]
pub(super) static CORE_EVENT_SOURCE: Message = Message {
    fields: &[
        f(1, "component", One(Str), OmitEmpty),
        f(2, "host", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.core.v1.EventSeries`.
#[rustfmt::skip]
pub(super) static CORE_EVENT_SERIES: Message = Message {
    fields: &[
        f(1, "count", One(I32), OmitEmpty),
        f(2, "lastObservedTime", One(MicroTime), OmitEmpty),
    ],
};

/// `k8s.io.api.apps.v1.Deployment`.
#[rustfmt::skip]
pub(super) static APPS_DEPLOYMENT: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&APPS_DEPLOYMENT_SPEC)), OmitEmpty),
        f(3, "status", One(M(&APPS_DEPLOYMENT_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.api.apps.v1.DeploymentSpec`.
#[rustfmt::skip]
pub(super) static APPS_DEPLOYMENT_SPEC: Message = Message {
    fields: &[
        f(1, "replicas", One(I32), Pointer),
        f(2, "selector", One(M(&META_LABEL_SELECTOR)), Pointer),
        f(3, "template", One(M(&CORE_POD_TEMPLATE_SPEC)), Always),
        f(4, "strategy", One(M(&APPS_DEPLOYMENT_STRATEGY)), OmitEmpty),
        f(5, "minReadySeconds", One(I32), OmitEmpty),
        f(6, "revisionHistoryLimit", One(I32), Pointer),
        f(7, "paused", One(Bool), OmitEmpty),
        f(9, "progressDeadlineSeconds", One(I32), Pointer),
    ],
};

/// `k8s.io.api.core.v1.PodTemplateSpec`.
#[rustfmt::skip]
pub(super) static CORE_POD_TEMPLATE_SPEC: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&CORE_POD_SPEC)), OmitEmpty),
    ],
};

/// `k8s.io.api.apps.v1.DeploymentStrategy`.
#[rustfmt::skip]
pub(super) static APPS_DEPLOYMENT_STRATEGY: Message = Message {
    fields: &[
        f(1, "type", One(Str), OmitEmpty),
        f(2, "rollingUpdate", One(M(&APPS_ROLLING_UPDATE_DEPLOYMENT)), Pointer),
    ],
};

/// `k8s.io.api.apps.v1.RollingUpdateDeployment`.
#[rustfmt::skip]
pub(super) static APPS_ROLLING_UPDATE_DEPLOYMENT: Message = Message {
    fields: &[
        f(1, "maxUnavailable", One(IntOrString), Pointer),
        f(2, "maxSurge", One(IntOrString), Pointer),
    ],
};

/// `k8s.io.api.apps.v1.DeploymentStatus`.
#[rustfmt::skip]
pub(super) static APPS_DEPLOYMENT_STATUS: Message = Message {
    fields: &[
        f(1, "observedGeneration", One(I64), OmitEmpty),
        f(2, "replicas", One(I32), OmitEmpty),
        f(3, "updatedReplicas", One(I32), OmitEmpty),
        f(7, "readyReplicas", One(I32), OmitEmpty),
        f(4, "availableReplicas", One(I32), OmitEmpty),
        f(5, "unavailableReplicas", One(I32), OmitEmpty),
        f(9, "terminatingReplicas", One(I32), Pointer),
        f(6, "conditions", Rep(M(&APPS_DEPLOYMENT_CONDITION)), OmitEmpty),
        f(8, "collisionCount", One(I32), Pointer),
    ],
};

/// `k8s.io.api.apps.v1.DeploymentCondition`.
#[rustfmt::skip]
pub(super) static APPS_DEPLOYMENT_CONDITION: Message = Message {
    fields: &[
        f(1, "type", One(Str), Always),
        f(2, "status", One(Str), Always),
        f(6, "lastUpdateTime", One(Time), OmitEmpty),
        f(7, "lastTransitionTime", One(Time), OmitEmpty),
        f(4, "reason", One(Str), OmitEmpty),
        f(5, "message", One(Str), OmitEmpty),
    ],
};

/// `k8s.io.api.autoscaling.v1.Scale`.
#[rustfmt::skip]
pub(super) static AUTOSCALING_SCALE: Message = Message {
    fields: &[
        f(1, "metadata", One(M(&META_OBJECT_META)), OmitEmpty),
        f(2, "spec", One(M(&AUTOSCALING_SCALE_SPEC)), OmitEmpty),
        f(3, "status", One(M(&AUTOSCALING_SCALE_STATUS)), OmitEmpty),
    ],
};

/// `k8s.io.api.autoscaling.v1.ScaleSpec`.
#[rustfmt::skip]
pub(super) static AUTOSCALING_SCALE_SPEC: Message = Message {
    fields: &[
        f(1, "replicas", One(I32), OmitEmpty),
    ],
};

/// `k8s.io.api.autoscaling.v1.ScaleStatus`.
#[rustfmt::skip]
pub(super) static AUTOSCALING_SCALE_STATUS: Message = Message {
    fields: &[
        f(1, "replicas", One(I32), Always),
        f(2, "selector", One(Str), OmitEmpty),
    ],
};
