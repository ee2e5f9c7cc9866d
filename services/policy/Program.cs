using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Policy;

// The policy service on its own: IntentParsed -> OperationValidated (one per operation), RevalidateOperation.
var app = PlatformHost.Build(args, "policy",
    builder =>
    {
        builder.Services.AddKubernetesClient();
        builder.Services.AddPolicyService(o => o.PolicyFile = builder.Configuration["Policy:File"]);
    },
    bus => bus.AddPolicyService());
app.MapPlatformEndpoints();
await app.RunAsync();
