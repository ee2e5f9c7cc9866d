using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy;
using K8sAgentPlatform.Rollback;

// The rollback service on its own: RollbackRequested -> restore, verify -> RollbackCompleted | RollbackFailed.
var app = PlatformHost.Build(args, "rollback",
    builder =>
    {
        builder.Services.AddPersistence(builder.Configuration);
        // Registered before the service's own AddPolicyService (first registration wins), so restores are
        // checked against the same policy file as forward changes, not the built-in defaults.
        builder.Services.AddPolicyService(o => o.PolicyFile = builder.Configuration["Policy:File"]);
    },
    bus => bus.AddRollbackService());
app.MapPlatformEndpoints();
await app.RunAsync();
