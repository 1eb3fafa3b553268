//! Which kinds parity recognises, taken from k8s-openapi's `Resource` constants so the spelling
//! of groups and kinds comes from the Kubernetes API definitions rather than from memory.

use k8s_openapi::Resource;
use k8s_openapi::api::{
    admissionregistration, apps, autoscaling, batch, certificates, coordination, core, discovery,
    events, networking, node, policy, rbac, scheduling, storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;

/// What parity does with an object of a given kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A workload with a pod template: becomes a `Service` node.
    Workload(PodSpecAt),
    /// A ConfigMap: becomes a `ConfigSource`.
    ConfigMap,
    /// A Secret: becomes a `ConfigSource`.
    Secret,
    /// A Kubernetes Service: a `Resource` with selector and ports.
    KubeService,
    /// Any other kind built into Kubernetes: a plain `Resource`.
    BuiltIn,
    /// A kind Kubernetes does not ship (a CRD's kind): a plain `Resource` and a note.
    Unknown,
}

/// Where a workload kind keeps its pod spec, and its pod template's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PodSpecAt {
    /// `spec` itself (Pod): labels are the object's own.
    Spec,
    /// `spec.template.spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
    /// ReplicationController).
    Template,
    /// `spec.jobTemplate.spec.template.spec` (CronJob).
    JobTemplate,
}

/// `(group, kind)` of a resource type.
const fn id<T: Resource>() -> (&'static str, &'static str) {
    (T::GROUP, T::KIND)
}

/// Kinds built into current Kubernetes, by group.
const BUILT_IN: &[(&str, &str)] = &[
    id::<core::v1::Binding>(),
    id::<core::v1::ConfigMap>(),
    id::<core::v1::Endpoints>(),
    id::<core::v1::Event>(),
    id::<core::v1::LimitRange>(),
    id::<core::v1::Namespace>(),
    id::<core::v1::Node>(),
    id::<core::v1::PersistentVolume>(),
    id::<core::v1::PersistentVolumeClaim>(),
    id::<core::v1::Pod>(),
    id::<core::v1::PodTemplate>(),
    id::<core::v1::ReplicationController>(),
    id::<core::v1::ResourceQuota>(),
    id::<core::v1::Secret>(),
    id::<core::v1::Service>(),
    id::<core::v1::ServiceAccount>(),
    id::<apps::v1::ControllerRevision>(),
    id::<apps::v1::DaemonSet>(),
    id::<apps::v1::Deployment>(),
    id::<apps::v1::ReplicaSet>(),
    id::<apps::v1::StatefulSet>(),
    id::<batch::v1::CronJob>(),
    id::<batch::v1::Job>(),
    id::<autoscaling::v2::HorizontalPodAutoscaler>(),
    id::<networking::v1::Ingress>(),
    id::<networking::v1::IngressClass>(),
    id::<networking::v1::NetworkPolicy>(),
    id::<policy::v1::PodDisruptionBudget>(),
    id::<rbac::v1::ClusterRole>(),
    id::<rbac::v1::ClusterRoleBinding>(),
    id::<rbac::v1::Role>(),
    id::<rbac::v1::RoleBinding>(),
    id::<scheduling::v1::PriorityClass>(),
    id::<storage::v1::CSIDriver>(),
    id::<storage::v1::CSINode>(),
    id::<storage::v1::CSIStorageCapacity>(),
    id::<storage::v1::StorageClass>(),
    id::<storage::v1::VolumeAttachment>(),
    id::<admissionregistration::v1::MutatingWebhookConfiguration>(),
    id::<admissionregistration::v1::ValidatingWebhookConfiguration>(),
    id::<certificates::v1::CertificateSigningRequest>(),
    id::<coordination::v1::Lease>(),
    id::<discovery::v1::EndpointSlice>(),
    id::<events::v1::Event>(),
    id::<node::v1::RuntimeClass>(),
    id::<apiextensions::v1::CustomResourceDefinition>(),
    id::<apiregistration::v1::APIService>(),
];

/// Groups whose old versions Kubernetes served in the past (`extensions/v1beta1` Deployments,
/// `policy/v1beta1` PodSecurityPolicies): objects there are built in even when the kind is gone
/// from current API definitions, so they get no "not modelled" note.
const LEGACY_GROUPS: &[&str] = &["", "extensions", "apps", "batch", "policy", "autoscaling"];

/// The group part of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> the core group `""`).
pub(crate) fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _version)) => group,
        None => "",
    }
}

/// What parity does with `kind` in `api_version`.
pub(crate) fn role_of(api_version: &str, kind: &str) -> Role {
    let group = group_of(api_version);
    // Workloads are recognised in every group that ever served them, so old manifests
    // (`extensions/v1beta1` Deployment, `batch/v1beta1` CronJob) still become services.
    let workload_group = matches!(group, "" | "apps" | "extensions" | "batch");
    match (group, kind) {
        ("", "Pod") => return Role::Workload(PodSpecAt::Spec),
        ("", "ReplicationController") => return Role::Workload(PodSpecAt::Template),
        ("", "ConfigMap") => return Role::ConfigMap,
        ("", "Secret") => return Role::Secret,
        ("", "Service") => return Role::KubeService,
        (_, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job")
            if workload_group =>
        {
            return Role::Workload(PodSpecAt::Template);
        }
        (_, "CronJob") if workload_group => return Role::Workload(PodSpecAt::JobTemplate),
        _ => {}
    }
    let known = BUILT_IN.iter().any(|&(g, k)| g == group && k == kind);
    if known || is_built_in_group(group) {
        Role::BuiltIn
    } else {
        Role::Unknown
    }
}

/// Custom resources must live in a dotted group of their own (`cert-manager.io`), so a group
/// without a dot is Kubernetes' own even for kinds it has since removed.
fn is_built_in_group(group: &str) -> bool {
    LEGACY_GROUPS.contains(&group)
}

/// Whether `kind` is a list kind as `kubectl get -o yaml` prints it (`List`, `DeploymentList`).
pub(crate) fn is_list_kind(kind: &str) -> bool {
    kind == "List" || kind.len() > 4 && kind.ends_with("List")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_kinds_and_where_their_pod_spec_is() {
        assert_eq!(
            role_of("apps/v1", "Deployment"),
            Role::Workload(PodSpecAt::Template)
        );
        assert_eq!(
            role_of("extensions/v1beta1", "Deployment"),
            Role::Workload(PodSpecAt::Template)
        );
        assert_eq!(
            role_of("batch/v1", "CronJob"),
            Role::Workload(PodSpecAt::JobTemplate)
        );
        assert_eq!(role_of("v1", "Pod"), Role::Workload(PodSpecAt::Spec));
        assert_eq!(
            role_of("v1", "ReplicationController"),
            Role::Workload(PodSpecAt::Template)
        );
        // A custom resource that happens to be called Deployment is not a workload.
        assert_eq!(role_of("example.com/v1", "Deployment"), Role::Unknown);
    }

    #[test]
    fn built_in_and_unknown_kinds() {
        assert_eq!(role_of("v1", "ConfigMap"), Role::ConfigMap);
        assert_eq!(role_of("v1", "Secret"), Role::Secret);
        assert_eq!(role_of("v1", "Service"), Role::KubeService);
        assert_eq!(role_of("networking.k8s.io/v1", "Ingress"), Role::BuiltIn);
        assert_eq!(
            role_of("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
            Role::BuiltIn
        );
        assert_eq!(
            role_of("policy/v1beta1", "PodSecurityPolicy"),
            Role::BuiltIn
        );
        assert_eq!(role_of("cert-manager.io/v1", "Certificate"), Role::Unknown);
        // Gateway API kinds are CRDs, even though their group ends in `.k8s.io`.
        assert_eq!(
            role_of("gateway.networking.k8s.io/v1", "HTTPRoute"),
            Role::Unknown
        );
        assert_eq!(
            role_of("networking.k8s.io/v1beta1", "Ingress"),
            Role::BuiltIn
        );
    }

    #[test]
    fn list_kinds() {
        assert!(is_list_kind("List"));
        assert!(is_list_kind("DeploymentList"));
        assert!(!is_list_kind("Deployment"));
        assert!(!is_list_kind("Lis"));
    }
}
