using K8sAgentPlatform.Executor;
using K8sAgentPlatform.Hosting;

// The executor on its own: ExecuteOperation -> snapshot, apply, verify -> OperationExecuted.
var builder = PlatformHost.CreateBuilder(args, "executor");
builder.AddExecutorService();
return await builder.BuildPlatform().RunPlatformAsync();
