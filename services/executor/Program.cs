using K8sAgentPlatform.Executor;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;

// The executor on its own: ExecuteOperation -> snapshot, apply, verify -> OperationExecuted.
var app = PlatformHost.Build(args, "executor",
    builder => builder.Services.AddPersistence(builder.Configuration),
    bus => bus.AddExecutorService());
app.MapPlatformEndpoints();
await app.RunAsync();
