using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// Watches a workload after a change (polling with a deadline) until its rollout completes or has clearly
/// failed: new pods stuck in a state they will not leave (beyond a grace), ProgressDeadlineExceeded, or the
/// timeout. It does not wait for the progress deadline when the pods already say why they will never be ready.
/// </summary>
public sealed class RolloutVerifier(IKubernetes client, TimeProvider time)
{
    /// <summary>Container states that do not resolve by waiting.</summary>
    private static readonly HashSet<string> Hopeless = new(StringComparer.Ordinal)
    {
        "ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "InvalidImageName", "CreateContainerConfigError",
        "CreateContainerError", "ErrImageNeverPull", "RunContainerError",
    };

    public async Task<Verification> VerifyAsync(ResourceType type, string ns, string name, VerificationOptions options, CancellationToken cancellationToken,
        Func<string, Task>? progress = null)
    {
        string? lastReported = null;
        if (!ResourceKinds.IsWorkload(type))
        {
            return Verification.Done($"{WireNames.Of(type)}/{name} has no rollout to wait for");
        }

        var deadline = time.GetUtcNow() + options.Timeout;
        var firstSeen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (true)
        {
            var state = await ObserveAsync(type, ns, name, cancellationToken);
            if (progress is not null && state.Summary != lastReported)
            {
                lastReported = state.Summary;
                await progress(state.Summary);
            }

            if (state.Done)
            {
                return Verification.Done(state.Summary);
            }

            var now = time.GetUtcNow();
            if (state.Failed is { } failed)
            {
                return new Verification(false, failed, await EvidenceAsync(ns, state, cancellationToken));
            }

            foreach (var key in firstSeen.Keys.Except(state.Stuck.Select(s => s.Key)).ToArray())
            {
                firstSeen.Remove(key);
            }

            foreach (var stuck in state.Stuck)
            {
                firstSeen.TryAdd(stuck.Key, now);
            }

            var hopeless = state.Stuck.Where(s => now - firstSeen[s.Key] >= options.FailureGrace).ToArray();
            if (hopeless.Length > 0)
            {
                var reasons = string.Join(", ", hopeless.Select(s => s.Reason).Distinct());
                return new Verification(false,
                    $"{WireNames.Of(type)}/{name} will not become ready: new pods show {reasons} for longer than {options.FailureGrace.TotalSeconds:0.#} s ({state.Summary})",
                    await EvidenceAsync(ns, state, cancellationToken));
            }

            if (now >= deadline)
            {
                return new Verification(false,
                    $"{WireNames.Of(type)}/{name} did not finish rolling out within {options.Timeout.TotalSeconds:0.#} s ({state.Summary})",
                    await EvidenceAsync(ns, state, cancellationToken));
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }

    /// <summary>Waits until the object is gone (404), or fails at the deadline.</summary>
    public async Task<Verification> VerifyDeletedAsync(KubernetesObjects objects, ResourceType type, string? ns, string name, VerificationOptions options, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.Timeout;
        while (await objects.ReadAsync(type, ns, name, cancellationToken) is not null)
        {
            if (time.GetUtcNow() >= deadline)
            {
                return new Verification(false, $"{WireNames.Of(type)}/{name} still exists {options.Timeout.TotalSeconds:0.#} s after its deletion", []);
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }

        return Verification.Done($"{WireNames.Of(type)}/{name} is gone");
    }

    private sealed record Stuck(string Key, string Reason, string Text);

    private sealed record State(bool Done, string Summary, string? Failed, IReadOnlyList<Stuck> Stuck, IReadOnlyList<V1Pod> Pods, string? OwnerUid);

    private async Task<State> ObserveAsync(ResourceType type, string ns, string name, CancellationToken ct)
    {
        try
        {
            return type switch
            {
                ResourceType.Deployment => await DeploymentAsync(ns, name, ct),
                ResourceType.StatefulSet => await StatefulSetAsync(ns, name, ct),
                ResourceType.DaemonSet => await DaemonSetAsync(ns, name, ct),
                _ => await ReplicaSetAsync(ns, name, ct),
            };
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new State(false, "", $"{WireNames.Of(type)}/{name} was deleted while its rollout was being watched", [], [], null);
        }
    }

    private async Task<State> DeploymentAsync(string ns, string name, CancellationToken ct)
    {
        var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name: name, namespaceParameter: ns, cancellationToken: ct);
        var desired = d.Spec?.Replicas ?? 1;
        var status = d.Status;
        var updated = status?.UpdatedReplicas ?? 0;
        var ready = status?.ReadyReplicas ?? 0;
        var available = status?.AvailableReplicas ?? 0;
        var total = status?.Replicas ?? 0;
        var observed = (status?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
        var summary = $"desired {desired}, updated {updated}, ready {ready}, available {available}";
        var progressing = status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing");

        // The new replicaset is the one of the deployment's current revision; its pods are the new pods.
        var revision = d.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var r) == true ? r : null;
        // The deployment's selector narrows the list on the server (a namespace keeps every deployment's old replicasets); the owner decides.
        var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(namespaceParameter: ns, labelSelector: LabelSelectors.FromMatchLabels(d.Spec?.Selector?.MatchLabels), cancellationToken: ct)).Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == d.Metadata.Uid) == true)
            .ToArray();
        var newRs = sets.FirstOrDefault(rs => revision is not null && rs.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var v) == true && v == revision);
        var pods = newRs is null ? [] : await PodsOfAsync(ns, newRs.Spec.Selector, newRs.Metadata.Uid, ct);

        if (observed && progressing is { Reason: "ProgressDeadlineExceeded" })
        {
            return new State(false, summary, $"deployment/{name}: ProgressDeadlineExceeded: {progressing.Message} ({summary})", StuckOf(pods), pods, newRs?.Metadata.Uid);
        }

        var done = observed && newRs is not null && updated == desired && total == desired && available == desired;
        return new State(done, summary, null, StuckOf(pods), pods, newRs?.Metadata.Uid ?? d.Metadata.Uid);
    }

    private async Task<State> StatefulSetAsync(string ns, string name, CancellationToken ct)
    {
        var s = await client.AppsV1.ReadNamespacedStatefulSetAsync(name: name, namespaceParameter: ns, cancellationToken: ct);
        var desired = s.Spec?.Replicas ?? 1;
        var status = s.Status;
        var observed = (status?.ObservedGeneration ?? 0) >= (s.Metadata.Generation ?? 0);
        var rolling = s.Spec?.UpdateStrategy?.Type != "OnDelete";
        var updated = status?.UpdatedReplicas ?? 0;
        var ready = status?.ReadyReplicas ?? 0;
        var summary = $"desired {desired}, updated {updated}, ready {ready}";
        var pods = await PodsOfAsync(ns, s.Spec?.Selector, s.Metadata.Uid, ct);
        var fresh = status?.UpdateRevision is { } revision
            ? pods.Where(p => p.Metadata.Labels?.TryGetValue("controller-revision-hash", out var h) == true && h == revision).ToArray()
            : pods;
        var done = observed && (status?.Replicas ?? 0) == desired && ready == desired && (!rolling || updated == desired);
        return new State(done, summary, null, StuckOf(fresh), fresh, s.Metadata.Uid);
    }

    private async Task<State> DaemonSetAsync(string ns, string name, CancellationToken ct)
    {
        var d = await client.AppsV1.ReadNamespacedDaemonSetAsync(name: name, namespaceParameter: ns, cancellationToken: ct);
        var status = d.Status;
        var desired = status?.DesiredNumberScheduled ?? 0;
        var updated = status?.UpdatedNumberScheduled ?? 0;
        var available = status?.NumberAvailable ?? 0;
        var observed = (status?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
        var summary = $"desired {desired}, updated {updated}, available {available}";
        var pods = await PodsOfAsync(ns, d.Spec?.Selector, d.Metadata.Uid, ct);
        var done = observed && updated == desired && available == desired;
        return new State(done, summary, null, StuckOf(pods), pods, d.Metadata.Uid);
    }

    private async Task<State> ReplicaSetAsync(string ns, string name, CancellationToken ct)
    {
        var rs = await client.AppsV1.ReadNamespacedReplicaSetAsync(name: name, namespaceParameter: ns, cancellationToken: ct);
        var desired = rs.Spec?.Replicas ?? 1;
        var ready = rs.Status?.ReadyReplicas ?? 0;
        var total = rs.Status?.Replicas ?? 0;
        var observed = (rs.Status?.ObservedGeneration ?? 0) >= (rs.Metadata.Generation ?? 0);
        var pods = await PodsOfAsync(ns, rs.Spec?.Selector, rs.Metadata.Uid, ct);
        var done = observed && total == desired && ready == desired;
        return new State(done, $"desired {desired}, ready {ready}", null, StuckOf(pods), pods, rs.Metadata.Uid);
    }

    private async Task<IReadOnlyList<V1Pod>> PodsOfAsync(string ns, V1LabelSelector? selector, string ownerUid, CancellationToken ct)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(namespaceParameter: ns, labelSelector: LabelSelectors.FromMatchLabels(selector?.MatchLabels), cancellationToken: ct);
        return pods.Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Uid == ownerUid) == true)
            .ToArray();
    }

    private static IReadOnlyList<Stuck> StuckOf(IEnumerable<V1Pod> pods) =>
        pods.SelectMany(p => (p.Status?.InitContainerStatuses ?? []).Concat(p.Status?.ContainerStatuses ?? [])
                .Where(c => c.State?.Waiting?.Reason is { } reason && Hopeless.Contains(reason))
                .Select(c => new Stuck(
                    $"{p.Metadata.Uid}/{c.Name}",
                    c.State.Waiting.Reason,
                    $"pod/{p.Metadata.Name} container {c.Name}: {c.State.Waiting.Reason}{(string.IsNullOrEmpty(c.State.Waiting.Message) ? "" : $": {c.State.Waiting.Message}")}")))
            .ToArray();

    /// <summary>Pod reasons, then the warning events of those pods (newest first), a dozen lines at most.</summary>
    private async Task<IReadOnlyList<string>> EvidenceAsync(string ns, State state, CancellationToken ct)
    {
        var evidence = state.Stuck.Select(s => s.Text).Distinct().Take(6).ToList();
        foreach (var pod in state.Pods.Where(p => !state.Stuck.Any(s => s.Key.StartsWith(p.Metadata.Uid, StringComparison.Ordinal))).Take(3))
        {
            if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status != "True") is { } notReady)
            {
                evidence.Add($"pod/{pod.Metadata.Name}: {pod.Status.Phase}, not ready{(notReady.Reason is null ? "" : $" ({notReady.Reason})")}");
            }
        }

        try
        {
            var uids = state.Pods.Select(p => p.Metadata.Uid).Append(state.OwnerUid).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var events = await client.CoreV1.ListNamespacedEventAsync(namespaceParameter: ns, fieldSelector: "type=Warning", cancellationToken: ct);
            evidence.AddRange(events.Items
                .Where(e => e.InvolvedObject?.Uid is { } uid && uids.Contains(uid))
                .OrderByDescending(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)
                .Select(e => $"event {e.Reason} on {e.InvolvedObject.Kind?.ToLowerInvariant()}/{e.InvolvedObject.Name}: {e.Message}")
                .Distinct()
                .Take(6));
        }
        catch (HttpOperationException)
        {
            // Events are supporting evidence only; the pod reasons above already say why.
        }

        return evidence;
    }
}
