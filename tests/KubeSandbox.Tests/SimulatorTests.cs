using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Simulation;
using K8sAgentPlatform.KubeSandbox.Simulation.Controllers;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Tests;

/// <summary>The simulator's loop and the controllers it runs: one per kind, none written and left out.</summary>
public sealed class SimulatorTests
{
    private static Simulator NewSimulator()
    {
        var options = new SandboxOptions();
        return new Simulator(new ObjectStore(options.TimeProvider), options);
    }

    [Fact]
    public void Every_controller_class_is_run_by_the_simulator_once()
    {
        var written = typeof(Controller).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Controller)) && !t.IsAbstract)
            .Select(t => t.Name)
            .Order();

        NewSimulator().Controllers.Select(c => c.GetType().Name).Order().ShouldBe(written);
    }

    [Fact]
    public void Each_kind_has_one_controller_and_pods_two_the_scheduler_and_the_kubelet()
    {
        var byKind = NewSimulator().Controllers.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Select(c => c.GetType().Name).Order().ToArray());

        foreach (var kind in new[] { ResourceTypes.Deployments, ResourceTypes.ReplicaSets, ResourceTypes.StatefulSets, ResourceTypes.DaemonSets, ResourceTypes.Jobs, ResourceTypes.PodDisruptionBudgets, ResourceTypes.EndpointSlices })
        {
            byKind.GetValueOrDefault(kind).ShouldNotBeNull($"no controller for {kind}").Length.ShouldBe(1, $"controllers for {kind}");
        }

        byKind[ResourceTypes.Pods].ShouldBe(["Kubelet", "Scheduler"]);
        byKind.Where(k => k.Key != ResourceTypes.Pods).ShouldAllBe(k => k.Value.Length == 1);
    }
}
