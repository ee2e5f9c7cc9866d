using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>An operation read from one segment, before it is checked as part of an intent.</summary>
internal sealed record DraftOperation(OperationType Operation, ResourceType Resource, string Name, string? Namespace, OperationParameters? Parameters, string Description);

/// <summary>
/// Turns a segment's slots into an operation: the verb and the keywords choose the operation type, every filled
/// slot must belong to it, and what the type needs and the text does not say is asked for, never assumed.
/// The only defaults are the ones operators rely on and the refusals name: a bare name is a deployment (a pod
/// after kubectl logs, a node after cordon/uncordon/drain).
/// </summary>
internal static class OperationBuilder
{
    public const string KnownForms =
        "forms I know include \"scale deployment NAME to 3 replicas in NAMESPACE\", \"restart deployment NAME in NAMESPACE\", " +
        "\"show the last 50 log lines of pod NAME in NAMESPACE\", \"cordon node NAME\" and kubectl command lines";

    public static string Example(OperationType type) => type switch
    {
        OperationType.Scale => "scale deployment NAME to 3 replicas in NAMESPACE",
        OperationType.Restart => "restart deployment NAME in NAMESPACE",
        OperationType.UpdateImage => "update the image of deployment NAME container CONTAINER to registry.k8s.io/app:1.2.3 in NAMESPACE",
        OperationType.UpdateConfig => "set KEY=VALUE in configmap NAME in NAMESPACE",
        OperationType.Delete => "delete deployment NAME in NAMESPACE",
        OperationType.Rollback => "roll back deployment NAME in NAMESPACE to revision 3",
        OperationType.GetLogs => "show the last 50 log lines of pod NAME in NAMESPACE",
        OperationType.GetStatus => "show the status of deployment NAME in NAMESPACE",
        OperationType.CordonNode => "cordon node NAME",
        OperationType.UncordonNode => "uncordon node NAME",
        OperationType.DrainNode => "drain node NAME ignoring daemonsets with a grace period of 30 seconds",
        _ => "k8s-agent ask --intent FILE",
    };

    /// <summary>The closest form for a verb whose operation the clause did not settle.</summary>
    public static string Example(Verb verb) => verb switch
    {
        Verb.Set => "set the replicas of deployment NAME to 3 in NAMESPACE\", \"set the image of deployment NAME container CONTAINER to IMAGE:TAG in NAMESPACE\" or \"set KEY=VALUE in configmap NAME in NAMESPACE",
        Verb.Deploy => Example(OperationType.UpdateImage),
        Verb.Roll => Example(OperationType.Rollback),
        Verb.Mark => "mark node NAME unschedulable",
        Verb.Take => "take node NAME out of scheduling",
        Verb.Put => "put node NAME back into scheduling",
        Verb.Run or Verb.Give => "run 3 replicas of deployment NAME in NAMESPACE",
        Verb.Bring => "bring deployment NAME up to 3 replicas in NAMESPACE",
        _ => Decide(verb, Keywords.None, null, false) is { } type ? Example(type) : KnownForms,
    };

    /// <summary>The operation a verb asks for, given the keywords beside it; null when the clause does not settle it.</summary>
    public static OperationType? Decide(Slots s) => Decide(s.Verb, s.Seen | Implied(s), s.Kind, s.SetImage);

    private static Keywords Implied(Slots s) =>
        (s.Replicas is not null ? Keywords.Replicas : Keywords.None)
        | (!s.Image.IsEmpty ? Keywords.Image : Keywords.None)
        | (s.Lines is not null || s.Since is not null ? Keywords.Logs : Keywords.None)
        | (s.Revision is not null ? Keywords.Back : Keywords.None);

    private static OperationType? Decide(Verb verb, Keywords seen, ResourceType? kind, bool setImage)
    {
        bool Has(Keywords k) => (seen & k) != 0;
        var store = kind is ResourceType.ConfigMap or ResourceType.Secret;
        return verb switch
        {
            Verb.Scale or Verb.Resize => OperationType.Scale,
            Verb.Bump => Has(Keywords.Image) ? OperationType.UpdateImage : OperationType.Scale,
            Verb.Bring when Has(Keywords.IntoScheduling) => OperationType.UncordonNode,
            Verb.Bring when Has(Keywords.Replicas) || Has(Keywords.Direction) => OperationType.Scale,
            Verb.Run or Verb.Give when Has(Keywords.Replicas) => OperationType.Scale,
            Verb.Give when Has(Keywords.Logs) => OperationType.GetLogs,
            Verb.Set when setImage => OperationType.UpdateImage,
            Verb.Set when store || Has(Keywords.Key) && !Has(Keywords.Image) => OperationType.UpdateConfig,
            Verb.Set when Has(Keywords.Image) || Has(Keywords.Container) => OperationType.UpdateImage,
            Verb.Set when Has(Keywords.Replicas) => OperationType.Scale,
            Verb.Restart => OperationType.Restart,
            Verb.Roll when Has(Keywords.Back) => OperationType.Rollback,
            Verb.Roll or Verb.Deploy when Has(Keywords.Image) => OperationType.UpdateImage,
            Verb.Undo => OperationType.Rollback,
            Verb.Delete => OperationType.Delete,
            Verb.Logs => OperationType.GetLogs,
            Verb.Show or Verb.Describe or Verb.Status or Verb.Is or Verb.How or Verb.What => Has(Keywords.Logs) ? OperationType.GetLogs : OperationType.GetStatus,
            Verb.Cordon => OperationType.CordonNode,
            Verb.Uncordon => OperationType.UncordonNode,
            Verb.Drain => OperationType.DrainNode,
            Verb.Mark when Has(Keywords.Unschedulable) => OperationType.CordonNode,
            Verb.Mark when Has(Keywords.Schedulable) => OperationType.UncordonNode,
            Verb.Take when Has(Keywords.OutOfScheduling) => OperationType.CordonNode,
            Verb.Put when Has(Keywords.IntoScheduling) => OperationType.UncordonNode,
            _ => null,
        };
    }

    /// <summary>The keywords an operation has a use for; any other keyword in its clause asked for something else.</summary>
    public static Keywords KeywordsOf(OperationType type) => Keywords.Again | type switch
    {
        OperationType.Scale => Keywords.Replicas | Keywords.Direction,
        OperationType.UpdateImage => Keywords.Image | Keywords.Container | Keywords.Out,
        OperationType.UpdateConfig => Keywords.Key,
        OperationType.Rollback => Keywords.Back | Keywords.Last | Keywords.Rollout,
        OperationType.GetLogs => Keywords.Logs | Keywords.Container | Keywords.Last,
        OperationType.GetStatus => Keywords.Status | Keywords.State | Keywords.Rollout,
        OperationType.CordonNode => Keywords.Unschedulable | Keywords.OutOfScheduling,
        OperationType.UncordonNode => Keywords.Schedulable | Keywords.IntoScheduling | Keywords.Back,
        _ => Keywords.None,
    };

    public static bool IsNodeVerb(Verb verb) => verb is Verb.Cordon or Verb.Uncordon or Verb.Drain or Verb.Mark or Verb.Take or Verb.Put;

    /// <summary>The operation, or the problem in words. <paramref name="type"/> is already decided.</summary>
    public static DraftOperation? Build(TokenStream t, Slots s, OperationType type, out string? problem)
    {
        problem = Misplaced(s, type);
        if (problem is not null)
        {
            return null;
        }

        var node = type is OperationType.CordonNode or OperationType.UncordonNode or OperationType.DrainNode;
        ResourceType kind;
        if (s.Kind is { } named)
        {
            kind = named;
            if (node && kind != ResourceType.Node)
            {
                problem = $"{WireNames.Of(type).Replace("_node", "", StringComparison.Ordinal)} applies to nodes, not to a {WireNames.Of(kind)}";
                return null;
            }
        }
        else if (node)
        {
            kind = ResourceType.Node;
        }
        else if (type == OperationType.UpdateConfig)
        {
            problem = $"which configmap or secret? e.g. \"{Example(type)}\"";
            return null;
        }
        else if (type == OperationType.Delete)
        {
            problem = s.Name.IsEmpty
                ? "say which object to delete, with its kind, e.g. \"delete deployment NAME in NAMESPACE\"; deletes are never guessed"
                : $"say what kind of object '{Text(t, s.Name)}' is, e.g. \"delete deployment {Text(t, s.Name)} in NAMESPACE\"; deletes are never guessed";
            return null;
        }
        else if (type == OperationType.GetLogs && (s.Kubectl || s.NameBare && s.VerbToken >= 0 && s.NameToken == s.VerbToken + 1 && t.Chars(s.VerbToken).StartsWith("log", StringComparison.OrdinalIgnoreCase)))
        {
            kind = ResourceType.Pod; // kubectl logs NAME means a pod
        }
        else if (s.Kubectl && type != OperationType.GetLogs)
        {
            problem = s.Name.IsEmpty
                ? "name the object, as TYPE/NAME (e.g. deployment/web)"
                : $"say what kind of object '{Text(t, s.Name)}' is, as TYPE/NAME or TYPE NAME (e.g. deployment/{Text(t, s.Name)})";
            return null;
        }
        else
        {
            kind = ResourceType.Deployment;
        }

        if (s.Name.IsEmpty)
        {
            problem = $"which {WireNames.Of(kind)}? Name it, e.g. \"{Example(type)}\"";
            return null;
        }

        var name = Fold(Text(t, s.Name));
        var kindName = WireNames.Of(kind);
        string? ns = null;
        if (kind.IsClusterScoped())
        {
            if (!s.Namespace.IsEmpty)
            {
                problem = kind == ResourceType.Node
                    ? $"nodes are not in a namespace; drop \"{Text(t, s.Namespace)}\""
                    : $"a namespace is not inside another namespace; drop \"{Text(t, s.Namespace)}\"";
                return null;
            }
        }
        else if (s.Namespace.IsEmpty)
        {
            problem = MissingNamespace(t.Between(s.From, s.To - 1));
            return null;
        }
        else
        {
            ns = Fold(Text(t, s.Namespace));
        }

        OperationParameters? parameters = null;
        string description;
        switch (type)
        {
            case OperationType.Scale:
                if (s.Replicas is not { } replicas)
                {
                    problem = $"how many replicas for {kindName} {name}? e.g. \"{Example(type)}\"";
                    return null;
                }

                parameters = new ScaleParameters { Replicas = ToInt(replicas) };
                description = $"scale {kindName} {name} to {replicas} replicas";
                break;
            case OperationType.Restart:
                description = $"restart {kindName} {name} (rolling restart)";
                break;
            case OperationType.UpdateImage:
                if (s.Container.IsEmpty)
                {
                    var image = s.Image.IsEmpty ? "registry.k8s.io/app:1.2.3" : Text(t, s.Image);
                    problem = $"which container of {kindName} {name}? Name it, e.g. \"... container app to {image}\"";
                    return null;
                }

                if (s.Image.IsEmpty)
                {
                    problem = $"which image for {kindName} {name}? Give it with its tag, e.g. \"{Example(type)}\"";
                    return null;
                }

                var reference = Text(t, s.Image);
                if (!ImageReference.TrySplit(reference, out var repository, out var tag, out problem))
                {
                    return null;
                }

                var container = Fold(Text(t, s.Container));
                parameters = new UpdateImageParameters { ContainerName = container, Image = repository, Tag = tag };
                description = $"update container {container} of {kindName} {name} to {reference}";
                break;
            case OperationType.UpdateConfig:
                if (s.Key.IsEmpty)
                {
                    problem = $"which key of {kindName} {name}? e.g. \"{Example(type)}\"";
                    return null;
                }

                var key = Text(t, s.Key);
                var value = Unquote(t.Text.AsSpan(s.Value.Start, s.Value.Length).Trim()).ToString();
                // A secret's value is never repeated in reasons, summaries or logs.
                var shown = kind == ResourceType.Secret ? "(hidden)" : $"'{value}'";
                parameters = new UpdateConfigParameters { ConfigmapName = name, Key = key, Value = value };
                description = $"set {key} to {shown} in {kindName} {name}";
                break;
            case OperationType.Delete:
                description = $"delete {kindName} {name}";
                break;
            case OperationType.Rollback:
                parameters = new RollbackParameters { Revision = s.Revision is { } r ? ToInt(r) : null };
                description = s.Revision is { } revision ? $"roll back {kindName} {name} to revision {revision}" : $"roll back {kindName} {name} to the previous revision";
                break;
            case OperationType.GetLogs:
                var logs = new GetLogsParameters
                {
                    ContainerName = s.Container.IsEmpty ? null : Fold(Text(t, s.Container)),
                    TailLines = s.Lines is { } lines ? ToInt(lines) : null,
                    SinceSeconds = s.Since is { } since ? ToInt(since) : null,
                };
                parameters = logs;
                description = s.Since is { } window
                    ? $"show the last {logs.EffectiveTailLines} log lines of {kindName} {name} from the last {window} seconds"
                    : $"show the last {logs.EffectiveTailLines} log lines of {kindName} {name}";
                break;
            case OperationType.GetStatus:
                description = $"show the status of {kindName} {name}";
                break;
            case OperationType.CordonNode:
                description = $"cordon node {name}";
                break;
            case OperationType.UncordonNode:
                description = $"uncordon node {name}";
                break;
            case OperationType.DrainNode:
                if (s.IgnoreDaemonsets is not null || s.DeleteEmptydirData is not null || s.GracePeriod is not null)
                {
                    parameters = new DrainNodeParameters
                    {
                        IgnoreDaemonsets = s.IgnoreDaemonsets,
                        DeleteEmptydirData = s.DeleteEmptydirData,
                        GracePeriodSeconds = s.GracePeriod is { } grace ? ToInt(grace) : null,
                    };
                }

                description = $"drain (evict its pods from) node {name}";
                break;
            default:
                problem = $"{WireNames.Of(type)} is not something I read from text";
                return null;
        }

        return new DraftOperation(type, kind, name, ns, parameters, description);
    }

    /// <summary>A slot the operation has no use for means the text asked for something else: say so, do not drop it.</summary>
    private static string? Misplaced(Slots s, OperationType type)
    {
        string? what =
            s.Replicas is not null && type != OperationType.Scale ? "a replica count"
            : !s.Image.IsEmpty && type != OperationType.UpdateImage ? "an image"
            : !s.Container.IsEmpty && type is not (OperationType.UpdateImage or OperationType.GetLogs) ? "a container"
            : s.Revision is not null && type != OperationType.Rollback ? "a revision"
            : (s.Lines is not null || s.Since is not null) && type != OperationType.GetLogs ? "log lines or a time window"
            : !s.Key.IsEmpty && type != OperationType.UpdateConfig ? "a key and value"
            : (s.IgnoreDaemonsets is not null || s.DeleteEmptydirData is not null || s.GracePeriod is not null) && type != OperationType.DrainNode ? "drain options"
            : null;
        return what is null ? null : $"{what} does not fit {WireNames.Of(type)}; the closest form I know is \"{Example(type)}\"";
    }

    public static string MissingNamespace(string segment) =>
        $"no namespace in \"{segment}\": add \"in NAMESPACE\" (or -n NAMESPACE); the namespace is never guessed";

    public static string Text(TokenStream t, Span span) => Unquote(t.Text.AsSpan(span.Start, span.Length)).ToString();

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> text) =>
        text.Length >= 2 && (text[0] is '"' or '\'') && text[^1] == text[0] ? text[1..^1] : text;

    /// <summary>Names are DNS-1123, so "CART" can only mean cart; folded here, just before the bound check, and only here.</summary>
    private static string Fold(string name)
    {
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return name.ToLowerInvariant();
            }
        }

        return name;
    }

    /// <summary>Clamps to int for the model; an out-of-range value then fails the bound check with its real size.</summary>
    private static int ToInt(long value) => value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;
}
