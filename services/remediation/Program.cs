using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Remediation;

// Alert-driven remediation on its own: the Alertmanager webhook, the rules, and the requests it submits over the bus.
var builder = PlatformHost.CreateBuilder(args, "remediation");
builder.AddRemediationService();
return await builder.BuildPlatform().RunPlatformAsync();
