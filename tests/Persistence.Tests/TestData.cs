using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Persistence.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The audit chain under a fixed test key (the multi-process writers use the same one).</summary>
    public static readonly AuditChain Chain = new(AuditKey.DeriveFrom(new byte[32]));

    public static KubernetesOperation Scale(string name = "web", string? @namespace = "staging", int replicas = 3) => new()
    {
        OperationType = OperationType.Scale,
        ResourceType = ResourceType.Deployment,
        ResourceName = name,
        Namespace = @namespace,
        Parameters = new ScaleParameters { Replicas = replicas },
        Reason = "load is rising on the web tier",
        RequiresConfirmation = false,
    };

    public static KubernetesOperation Cordon(string node) => new()
    {
        OperationType = OperationType.CordonNode,
        ResourceType = ResourceType.Node,
        ResourceName = node,
        Namespace = null,
        Parameters = null,
        Reason = "node is being drained for maintenance",
        RequiresConfirmation = true,
    };

    public static KubernetesOperation UpdateSecretKey(string secret, string key, string value) => new()
    {
        OperationType = OperationType.UpdateConfig,
        ResourceType = ResourceType.Secret,
        ResourceName = secret,
        Namespace = "staging",
        Parameters = new UpdateConfigParameters { ConfigmapName = secret, Key = key, Value = value },
        Reason = "rotate the database password now",
        RequiresConfirmation = true,
    };

    public static string DeploymentJson(string name, int replicas = 2) =>
        """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"@NAME","namespace":"staging","labels":{"app.kubernetes.io/name":"@NAME"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-14T08:00:00Z"}},"spec":{"replicas":@REPLICAS,"paused":false,"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:1.2.3","ports":[{"containerPort":8080}],"resources":{"limits":{"cpu":"500m"}}}],"terminationGracePeriodSeconds":30}}}}"""
            .Replace("@NAME", name, StringComparison.Ordinal).Replace("@REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static SnapshotDocument Snapshot(
        string id,
        Guid? requestId = null,
        int operationIndex = 0,
        string name = "web",
        string? @namespace = "staging",
        DateTimeOffset? capturedAt = null,
        string kind = "Deployment") => new()
    {
        Id = id,
        RequestId = requestId ?? Guid.NewGuid(),
        OperationIndex = operationIndex,
        Operation = Scale(name, @namespace),
        Kind = kind,
        ApiVersion = "apps/v1",
        Namespace = @namespace,
        Name = name,
        ObjectJson = DeploymentJson(name),
        ResourceVersion = "4711",
        Existed = true,
        CapturedAt = capturedAt ?? T0,
    };

    /// <summary>A Secret whose value must never rest in clear text, in data (base64) and stringData (plain).</summary>
    public const string SecretValue = "hunter2-Sup3rS3cret-PaSsW0rd";

    public static string SecretValueBase64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SecretValue));

    public static SnapshotDocument SecretSnapshot(string id, Guid? requestId = null) => new()
    {
        Id = id,
        RequestId = requestId ?? Guid.NewGuid(),
        OperationIndex = 0,
        Operation = UpdateSecretKey("db-credentials", "password", SecretValue + "-next"),
        Kind = "Secret",
        ApiVersion = "v1",
        Namespace = "staging",
        Name = "db-credentials",
        ObjectJson = $$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-credentials","namespace":"staging"},"type":"Opaque","data":{"password":"{{{SecretValueBase64}}}"},"stringData":{"plain":"{{{SecretValue}}}"}}""",
        ResourceVersion = "99",
        CapturedAt = T0,
    };
}

/// <summary>Time that moves only when a test moves it.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
