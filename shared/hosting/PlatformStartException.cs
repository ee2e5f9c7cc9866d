namespace K8sAgentPlatform.Hosting;

/// <summary>
/// A host cannot start for a reason its operator must fix (an unreachable cluster, refused credentials); the message
/// says what and how, and the host stops with it instead of running without what it needs.
/// </summary>
public sealed class PlatformStartException(string message, Exception? inner = null) : Exception(message, inner);
