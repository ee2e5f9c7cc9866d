using System.Collections.Frozen;
using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>The words operators use for kinds, numbers and durations.</summary>
internal static class Vocabulary
{
    public static readonly FrozenDictionary<string, ResourceType> Kinds = new Dictionary<string, ResourceType>(StringComparer.OrdinalIgnoreCase)
    {
        ["deployment"] = ResourceType.Deployment, ["deployments"] = ResourceType.Deployment, ["deploy"] = ResourceType.Deployment,
        ["deployments.apps"] = ResourceType.Deployment,
        ["statefulset"] = ResourceType.StatefulSet, ["statefulsets"] = ResourceType.StatefulSet, ["sts"] = ResourceType.StatefulSet,
        ["daemonset"] = ResourceType.DaemonSet, ["daemonsets"] = ResourceType.DaemonSet, ["ds"] = ResourceType.DaemonSet,
        ["replicaset"] = ResourceType.ReplicaSet, ["replicasets"] = ResourceType.ReplicaSet, ["rs"] = ResourceType.ReplicaSet,
        ["service"] = ResourceType.Service, ["services"] = ResourceType.Service, ["svc"] = ResourceType.Service,
        ["configmap"] = ResourceType.ConfigMap, ["configmaps"] = ResourceType.ConfigMap, ["cm"] = ResourceType.ConfigMap,
        ["secret"] = ResourceType.Secret, ["secrets"] = ResourceType.Secret,
        ["ingress"] = ResourceType.Ingress, ["ingresses"] = ResourceType.Ingress, ["ing"] = ResourceType.Ingress,
        ["horizontalpodautoscaler"] = ResourceType.HorizontalPodAutoscaler, ["hpa"] = ResourceType.HorizontalPodAutoscaler,
        ["namespace"] = ResourceType.Namespace, ["ns"] = ResourceType.Namespace,
        ["job"] = ResourceType.Job, ["jobs"] = ResourceType.Job,
        ["cronjob"] = ResourceType.CronJob, ["cronjobs"] = ResourceType.CronJob, ["cj"] = ResourceType.CronJob,
        ["pod"] = ResourceType.Pod, ["pods"] = ResourceType.Pod, ["po"] = ResourceType.Pod,
        ["node"] = ResourceType.Node, ["nodes"] = ResourceType.Node, ["no"] = ResourceType.Node,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>A regex alternation of every kind word, longest first so "deployments" beats "deploy".</summary>
    public static readonly string KindPattern =
        string.Join("|", Kinds.Keys.OrderByDescending(k => k.Length).Select(System.Text.RegularExpressions.Regex.Escape));

    private static readonly string[] NumberWords =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    ];

    public static readonly string NumberPattern = $@"\d+|{string.Join("|", NumberWords.Reverse())}|an?";

    /// <summary>Digits, or a number word up to twenty ("a"/"an" is one). Null when it is not a number we know.</summary>
    public static long? Number(string word)
    {
        if (long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        if (word.Equals("a", StringComparison.OrdinalIgnoreCase) || word.Equals("an", StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        var index = Array.FindIndex(NumberWords, w => w.Equals(word, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : null;
    }

    public const string UnitPattern = "seconds|second|secs|sec|s|minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d";

    public static long Seconds(long amount, string unit) => char.ToLowerInvariant(unit[0]) switch
    {
        's' => amount,
        'm' => amount * 60,
        'h' => amount * 3600,
        _ => amount * 86400,
    };

    /// <summary>Clamps to int for the model; an out-of-range value then fails the bound check with its real size.</summary>
    public static int ToInt(long value) => value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;
}
