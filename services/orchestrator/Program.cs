using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator;

// The orchestrator on its own: the request saga, its deadline sweeper and the HTTP API.
var builder = PlatformHost.CreateBuilder(args, "orchestrator");
builder.AddOrchestratorService();
return await builder.BuildPlatform().RunPlatformAsync();
