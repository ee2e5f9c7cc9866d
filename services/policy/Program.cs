using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Policy;

// The policy service on its own: ValidateOperations -> OperationValidated (one per operation); RevalidateOperation -> OperationValidated.
var builder = PlatformHost.CreateBuilder(args, "policy");
builder.AddPolicyService();
return await builder.BuildPlatform().RunPlatformAsync();
