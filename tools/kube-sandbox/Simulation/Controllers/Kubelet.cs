using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation.Controllers;

/// <summary>Runs the pods bound to a node: container states (pulling, running, crash loops, completion), IPs, conditions and events.</summary>
internal sealed class Kubelet(ControllerContext context) : Controller(context)
{
    public override ResourceType Kind => ResourceTypes.Pods;

    public override void Reconcile()
    {
        var nodes = All(ResourceTypes.Nodes);
        var activePods = All(ResourceTypes.Pods).Where(Active).ToList();
        var usedIps = activePods.Select(p => p.Str("status", "podIP")).OfType<string>().ToHashSet();
        foreach (var pod in activePods)
        {
            var nodeName = pod.Str("spec", "nodeName");
            var node = nodes.FirstOrDefault(n => n.Name() == nodeName);
            if (node is null)
            {
                continue;
            }
            var created = pod.Time("metadata", "creationTimestamp") ?? Now;
            var startAt = created + Options.PodReadyDelay;
            var now = Now;
            var started = now >= startAt;
            var runsToCompletion = pod.Str("spec", "restartPolicy") is "Never" or "OnFailure";
            var crash = pod.Annotation(Simulator.CrashAnnotation) == "true";
            var nodeIndex = nodes.IndexOf(node) + 1;
            var ip = pod.Str("status", "podIP") ?? NextPodIp(nodeIndex, usedIps);
            var statuses = new JsonArray();
            var phase = "Pending";
            var allReady = true;
            var anyRunning = false;
            var allCompleted = true;
            foreach (var c in pod.Objects("spec", "containers"))
            {
                var name = c.Str("name") ?? "";
                var image = c.Str("image") ?? "";
                var crashes = crash || c.Objects("env").Any(e => e.Str("name") == "CRASH" && e.Str("value") == "1");
                var status = new JsonObject
                {
                    ["name"] = name,
                    ["image"] = image,
                    ["imageID"] = "",
                    ["ready"] = false,
                    ["restartCount"] = 0,
                    ["started"] = false,
                };
                if (!started)
                {
                    status["state"] = Waiting("ContainerCreating", null);
                    allCompleted = false;
                }
                else if (Options.ImagePullFails(image))
                {
                    status["state"] = Waiting("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
                    Event(pod, "Normal", "Pulling", $"Pulling image \"{image}\"");
                    Event(pod, "Warning", "Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found");
                    Event(pod, "Warning", "Failed", "Error: ErrImagePull");
                    Event(pod, "Normal", "BackOff", $"Back-off pulling image \"{image}\"");
                    Event(pod, "Warning", "Failed", "Error: ImagePullBackOff");
                    allReady = false;
                    allCompleted = false;
                }
                else
                {
                    status["imageID"] = $"docker.io/library/{image}@sha256:{Templates.HashText(image)}";
                    status["containerID"] = $"containerd://{pod.Uid().Replace("-", "")}{name}";
                    Event(pod, "Normal", "Pulled", $"Successfully pulled image \"{image}\"");
                    Event(pod, "Normal", "Created", $"Created container: {name}");
                    Event(pod, "Normal", "Started", $"Started container {name}");
                    if (crashes)
                    {
                        var restarts = 1 + (int)((now - startAt) / Options.CrashLoopInterval);
                        var finished = startAt + (Options.CrashLoopInterval * (restarts - 1));
                        status["restartCount"] = restarts;
                        status["state"] = Waiting("CrashLoopBackOff", $"back-off {Math.Min(300, 10 << Math.Min(5, restarts - 1))}s restarting failed container={name} pod={pod.Name()}_{pod.Namespace()}({pod.Uid()})");
                        status["lastState"] = new JsonObject
                        {
                            ["terminated"] = new JsonObject
                            {
                                ["exitCode"] = 1,
                                ["reason"] = "Error",
                                ["startedAt"] = JsonExtensions.Timestamp(finished),
                                ["finishedAt"] = JsonExtensions.Timestamp(finished),
                                ["containerID"] = status["containerID"]?.ToString(),
                            },
                        };
                        Event(pod, "Warning", "BackOff", $"Back-off restarting failed container {name} in pod {pod.Name()}_{pod.Namespace()}({pod.Uid()})", count: restarts);
                        allReady = false;
                        allCompleted = false;
                        anyRunning = true;
                    }
                    else if (runsToCompletion && now >= startAt + Options.PodReadyDelay)
                    {
                        status["state"] = new JsonObject
                        {
                            ["terminated"] = new JsonObject
                            {
                                ["exitCode"] = 0,
                                ["reason"] = "Completed",
                                ["startedAt"] = JsonExtensions.Timestamp(startAt),
                                ["finishedAt"] = JsonExtensions.Timestamp(startAt + Options.PodReadyDelay),
                            },
                        };
                        allReady = false;
                    }
                    else
                    {
                        status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = JsonExtensions.Timestamp(startAt) } };
                        status["ready"] = true;
                        status["started"] = true;
                        anyRunning = true;
                        allCompleted = false;
                    }
                }
                if (!status.Bool("ready"))
                {
                    allReady = false;
                }
                statuses.Add(status);
            }
            if (anyRunning)
            {
                phase = "Running";
            }
            else if (started && allCompleted && statuses.Count > 0)
            {
                phase = "Succeeded";
                allReady = false;
            }
            Mutate(ResourceTypes.Pods, pod, p =>
            {
                var status = p.Obj("status");
                status["phase"] = phase;
                status["hostIP"] = node.Objects("status", "addresses").FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address");
                status["podIP"] = ip;
                status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
                status["startTime"] = JsonExtensions.Timestamp(created);
                status["containerStatuses"] = statuses;
                var readyValue = allReady ? "True" : "False";
                var readyReason = allReady ? null : phase == "Succeeded" ? "PodCompleted" : "ContainersNotReady";
                SetPodCondition(status, "PodScheduled", "True", created);
                SetPodCondition(status, "Initialized", "True", created, phase == "Succeeded" ? "PodCompleted" : null);
                SetPodCondition(status, "ContainersReady", readyValue, allReady ? startAt : created, readyReason);
                SetPodCondition(status, "Ready", readyValue, allReady ? startAt : created, readyReason);
            });
        }
    }

    private static string NextPodIp(int nodeIndex, HashSet<string> used)
    {
        for (var host = 2; host < 255; host++)
        {
            var candidate = $"10.244.{nodeIndex}.{host}";
            if (used.Add(candidate))
            {
                return candidate;
            }
        }
        return $"10.244.{nodeIndex}.254";
    }

    private static JsonObject Waiting(string reason, string? message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            waiting["message"] = message;
        }
        return new JsonObject { ["waiting"] = waiting };
    }
}
