using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Rollback;

// The rollback service on its own: RollbackRequested -> policy re-check, restore, verify -> RollbackCompleted | RollbackFailed.
var builder = PlatformHost.CreateBuilder(args, "rollback");
builder.AddRollbackService();
return await builder.BuildPlatform().RunPlatformAsync();
