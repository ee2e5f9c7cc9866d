using K8sAgentPlatform.Intent.Parsing;

namespace K8sAgentPlatform.Cli.Commands;

/// <summary>The model-backed parser, when the environment configures one.</summary>
internal static class ModelParser
{
    public static IIntentParser? FromEnvironment() => null;
}
