using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Reports how many disruptions every PodDisruptionBudget allows.</summary>
internal sealed class DisruptionBudgetController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.PodDisruptionBudgets;

    public override void UpdateStatus()
    {
        foreach (var pdb in All(ResourceTypes.PodDisruptionBudgets))
        {
            var budget = Disruption.Evaluate(All(ResourceTypes.Pods, pdb.Namespace()), pdb);
            var now = Now;
            Mutate(ResourceTypes.PodDisruptionBudgets, pdb, b =>
            {
                var status = b.Obj("status");
                status["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1;
                status["expectedPods"] = budget.ExpectedPods;
                status["currentHealthy"] = budget.CurrentHealthy;
                status["desiredHealthy"] = budget.DesiredHealthy;
                status["disruptionsAllowed"] = budget.DisruptionsAllowed;
                var allowed = budget.DisruptionsAllowed > 0;
                var existing = status.Objects("conditions").FirstOrDefault(c => c.Str("type") == "DisruptionAllowed");
                if (existing?.Str("status") != (allowed ? "True" : "False"))
                {
                    status["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "DisruptionAllowed",
                        ["status"] = allowed ? "True" : "False",
                        ["reason"] = allowed ? "SufficientPods" : "InsufficientPods",
                        ["message"] = "",
                        ["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1,
                        ["lastTransitionTime"] = JsonExtensions.Timestamp(now),
                    });
                }
            });
        }
    }
}
