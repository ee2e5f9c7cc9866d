using K8sAgentPlatform.KubeSandbox.Api;
using K8sAgentPlatform.KubeSandbox.Simulation.Controllers;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Simulation;

/// <summary>
/// The simulated control plane: deployment, replicaset, statefulset, daemonset, job and disruption
/// controllers, a scheduler, and a kubelet that "runs" pods, one class each under Controllers/, run
/// in passes by this loop. Every change goes through the store, so clients see it through
/// resourceVersions and watches like any other write.
/// </summary>
public sealed class Simulator
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string CrashAnnotation = "sandbox.k8s-agent.io/crash";

    private readonly SandboxOptions options;
    private readonly Lock reconciling = new();

    public Simulator(ObjectStore store, SandboxOptions options)
    {
        this.options = options;
        var context = new ControllerContext(store, options, new EventRecorder(store, options));
        // Specs flow down this list in the first half of a pass (a deployment scales its replicaset, which
        // creates pods, which are bound and then run in the same pass); statuses flow back up it in the second
        // half (a replicaset's status before the deployment's that sums it), ending with what only observes
        // pods: disruption budgets, endpoint slices, and the expiry of old events.
        Controllers =
        [
            new EventTtlController(context),
            new EndpointSliceController(context),
            new DisruptionBudgetController(context),
            new DeploymentController(context),
            new ReplicaSetController(context),
            new StatefulSetController(context),
            new DaemonSetController(context),
            new JobController(context),
            new Scheduler(context),
            new Kubelet(context),
        ];
    }

    /// <summary>The last failure of a reconcile pass (the loop keeps going), for diagnosis.</summary>
    public Exception? LastError { get; private set; }

    internal IReadOnlyList<Controller> Controllers { get; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ReconcileOnce();
            try
            {
                await Task.Delay(options.ControllerInterval, options.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass of every controller; conflicts with concurrent API writes are retried next pass.</summary>
    public void ReconcileOnce()
    {
        lock (reconciling)
        {
            foreach (var controller in Controllers)
            {
                Step(controller.Reconcile);
            }

            for (var i = Controllers.Count - 1; i >= 0; i--)
            {
                Step(Controllers[i].UpdateStatus);
            }
        }
    }

    private void Step(Action step)
    {
        try
        {
            step();
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Raced with an API write or delete; the next pass sees the new state.
        }
        catch (Exception e)
        {
            LastError = e;
        }
    }
}
