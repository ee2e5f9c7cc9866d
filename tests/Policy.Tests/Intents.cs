using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>Builds operations and intents without the contract's checks, so tests can hand policy anything a bus publisher could.</summary>
internal static class Intents
{
    public static KubernetesOperation Op(
        OperationType type,
        ResourceType resource = ResourceType.Deployment,
        string name = "web",
        string? ns = "staging",
        OperationParameters? parameters = null,
        bool confirm = false) => new()
        {
            OperationType = type,
            ResourceType = resource,
            ResourceName = name,
            Namespace = ns,
            Parameters = parameters,
            Reason = "operator asked for this change",
            RequiresConfirmation = confirm,
        };

    public static KubernetesOperation Scale(int replicas, string ns = "staging", string name = "web", ResourceType resource = ResourceType.Deployment) =>
        Op(OperationType.Scale, resource, name, ns, new ScaleParameters { Replicas = replicas });

    public static KubernetesOperation Image(string image, string tag, string ns = "staging", string container = "web") =>
        Op(OperationType.UpdateImage, ResourceType.Deployment, "web", ns, new UpdateImageParameters { ContainerName = container, Image = image, Tag = tag });

    public static KubernetesOperation Manifest(string yaml, string ns = "staging") =>
        Op(OperationType.ApplyManifest, ResourceType.Deployment, "web", ns, new ApplyManifestParameters { Manifest = yaml });

    public static KubernetesOperation Delete(ResourceType resource = ResourceType.Deployment, string name = "web", string? ns = "staging", bool confirm = false) =>
        Op(OperationType.Delete, resource, name, ns, confirm: confirm);

    public static KubernetesOperation Node(OperationType type, string name = "worker-1", OperationParameters? parameters = null, bool confirm = true) =>
        Op(type, ResourceType.Node, name, null, parameters, confirm);

    public static KubernetesIntent IntentOf(RiskLevel risk, params KubernetesOperation[] operations) => new()
    {
        OriginalRequest = "a test request",
        Operations = operations,
        EstimatedRiskLevel = risk,
        Summary = "a test intent with some operations",
    };

    public static KubernetesIntent IntentOf(params KubernetesOperation[] operations) => IntentOf(RiskLevel.Low, operations);
}
