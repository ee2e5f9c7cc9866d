using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Rollback;

// The rollback service on its own: RollbackRequested -> restore, verify -> RollbackCompleted | RollbackFailed.
var app = PlatformHost.Build(args, "rollback",
    builder => builder.Services.AddPersistence(builder.Configuration),
    bus => bus.AddRollbackService());
app.MapPlatformEndpoints();
await app.RunAsync();
