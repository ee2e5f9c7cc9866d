using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent;

// The intent service on its own: RequestSubmitted -> IntentParsed | IntentParsingFailed.
var app = PlatformHost.Build(args, "intent",
    builder => builder.Services.AddIntentParsing(builder.Configuration),
    bus => bus.AddIntentConsumers());
app.MapPlatformEndpoints();
await app.RunAsync();
