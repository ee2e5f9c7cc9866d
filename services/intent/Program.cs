using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent;

// The intent service on its own: RequestSubmitted -> IntentParsed | IntentParsingFailed.
var builder = PlatformHost.CreateBuilder(args, "intent");
builder.AddIntentService();
return await builder.BuildPlatform().RunPlatformAsync();
