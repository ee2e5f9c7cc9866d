using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Orchestrator;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.Orchestrator.Remediation;
using K8sAgentPlatform.Persistence;

// The orchestrator on its own: the request saga, the confirmation sweeper, the HTTP API and, when Remediation:RulesFile is set, the Alertmanager webhook.
var app = PlatformHost.Build(args, "orchestrator",
    builder =>
    {
        builder.Services.AddPersistence(builder.Configuration);
        builder.Services.AddRequestStore(builder.Configuration);
        builder.Services.AddOrchestratorCore();
        builder.Services.AddRequestApi(builder.Configuration);
        builder.Services.AddRemediation(builder.Configuration);
    },
    bus => bus.AddRequestSaga());
app.MapRequestApi();
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
