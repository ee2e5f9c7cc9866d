using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent.OpenAi;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;
using K8sAgentPlatform.Kubernetes;
using K8sAgentPlatform.Orchestrator;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence;
using K8sAgentPlatform.Policy;
using K8sAgentPlatform.Remediation;
using K8sAgentPlatform.Security;
using K8sAgentPlatform.WebApi;
using K8sAgentPlatform.WebApi.Auth;

namespace K8sAgentPlatform.Deploy.Tests;

/// <summary>
/// The environment variable names each service reads: every bindable property of the options sections it binds
/// (<c>Section__Property</c>, nested and indexed as the configuration binder reads them), plus the few keys read raw.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>Keys read directly from configuration, the file where that happens and the text that shows it.</summary>
    public static readonly IReadOnlyDictionary<string, (string Key, string Source, string Evidence)[]> Raw =
        new Dictionary<string, (string, string, string)[]>
        {
            ["orchestrator"] = [(OrchestratorExtensions.RequestsDatabaseKey, "services/orchestrator/OrchestratorExtensions.cs", "configuration[RequestsDatabaseKey]")],
        };

    /// <summary>Read by every service's host (PlatformHost, PlatformBus, PlatformTelemetry) or by ASP.NET Core and MassTransit themselves.</summary>
    public static readonly IReadOnlyList<string> Common =
        ["RABBITMQ_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "ASPNETCORE_URLS", "DOTNET_ENVIRONMENT", "MASSTRANSIT_USAGE_TELEMETRY"];

    public static readonly IReadOnlyDictionary<string, Type[]> Sections = new Dictionary<string, Type[]>
    {
        ["intent"] = [typeof(BusOptions), typeof(OpenAiOptions), typeof(IntentOptions)],
        ["policy"] = [typeof(BusOptions), typeof(PersistenceOptions), typeof(KubernetesOptions), typeof(PolicyOptions)],
        ["executor"] = [typeof(BusOptions), typeof(PersistenceOptions), typeof(KubernetesOptions), typeof(PolicyOptions), typeof(AuthorizationOptions), typeof(Executor.ExecutorOptions)],
        ["rollback"] = [typeof(BusOptions), typeof(PersistenceOptions), typeof(KubernetesOptions), typeof(PolicyOptions), typeof(AuthorizationOptions), typeof(Rollback.RollbackOptions)],
        ["orchestrator"] = [typeof(BusOptions), typeof(PersistenceOptions), typeof(AuthOptions), typeof(ApiOptions), typeof(BodyLimitOptions), typeof(AuthorizationOptions), typeof(OrchestratorOptions)],
        ["remediation"] = [typeof(BusOptions), typeof(PersistenceOptions), typeof(AuthOptions), typeof(BodyLimitOptions), typeof(RemediationOptions)],
    };

    public static IReadOnlyList<string> Services => [.. Sections.Keys];

    /// <summary>True when <paramref name="name"/> (an environment variable) is a key <paramref name="service"/> reads.</summary>
    public static bool IsRead(string service, string name)
    {
        if (Common.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var key = name.Replace("__", ":", StringComparison.Ordinal);
        if (Raw.GetValueOrDefault(service, []).Any(r => string.Equals(r.Key, key, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return Sections[service].SelectMany(Patterns).Any(p => p.IsMatch(key));
    }

    private static IEnumerable<Regex> Patterns(Type options)
    {
        var section = (string)options.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return Keys(options, Regex.Escape(section), depth: 0)
            .Select(pattern => new Regex($"^{pattern}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
    }

    private static IEnumerable<string> Keys(Type type, string prefix, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            var name = $"{prefix}:{Regex.Escape(property.Name)}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (property.CanWrite)
                {
                    yield return name;
                }
            }
            else if (propertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(propertyType) && propertyType.IsGenericType)
            {
                var item = propertyType.GetGenericArguments()[^1];
                if (IsScalar(item))
                {
                    yield return name + @":\d+";
                }
                else if (depth < 4)
                {
                    foreach (var key in Keys(item, name + @":\d+", depth + 1))
                    {
                        yield return key;
                    }
                }
            }
            else if (propertyType.IsClass && depth < 4)
            {
                foreach (var key in Keys(propertyType, name, depth + 1))
                {
                    yield return key;
                }
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTimeOffset) || type == typeof(Uri);
}
