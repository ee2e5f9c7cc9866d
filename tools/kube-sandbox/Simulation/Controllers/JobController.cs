using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Starts the pods of every job up to its parallelism and completions, and reports its status.</summary>
internal sealed class JobController(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.Jobs;

    public override void Reconcile()
    {
        foreach (var job in All(ResourceTypes.Jobs))
        {
            var pods = Owned(ResourceTypes.Pods, job);
            var succeeded = pods.Count(p => p.Str("status", "phase") == "Succeeded");
            var active = pods.Count(Active);
            var completions = (int)(job.Long("spec", "completions") ?? 1);
            var parallelism = (int)(job.Long("spec", "parallelism") ?? 1);
            var toStart = Math.Min(parallelism - active, completions - succeeded - active);
            for (var i = 0; i < toStart && !job.Bool("spec", "suspend"); i++)
            {
                NewPod(job, $"{job.Name()}-{Admission.RandomSuffix()}", job.At("spec", "template"), null);
                active++;
            }
            var now = Now;
            Mutate(ResourceTypes.Jobs, job, j =>
            {
                var status = j.Obj("status");
                status["startTime"] ??= JsonExtensions.Timestamp(now);
                status["succeeded"] = succeeded;
                status["ready"] = pods.Count(Disruption.Healthy);
                if (active > 0)
                {
                    status["active"] = active;
                }
                else
                {
                    status.Remove("active");
                }
                if (succeeded >= completions && status["completionTime"] is null)
                {
                    status["completionTime"] = JsonExtensions.Timestamp(now);
                    var conditions = status.Arr("conditions");
                    foreach (var type in new[] { "SuccessCriteriaMet", "Complete" })
                    {
                        conditions.Add(new JsonObject
                        {
                            ["type"] = type,
                            ["status"] = "True",
                            ["lastProbeTime"] = JsonExtensions.Timestamp(now),
                            ["lastTransitionTime"] = JsonExtensions.Timestamp(now),
                            ["reason"] = "CompletionsReached",
                            ["message"] = "Reached expected number of succeeded pods",
                        });
                    }
                }
            });
        }
    }
}
