using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>A phrasing the offline parser knows, with the example it shows when a clause comes close.</summary>
internal sealed record Form(string Verbs, Regex Pattern, string Example, Func<Match, Clause, Reading> Build);

/// <summary>What a clause turned into: an operation, or a problem stated for the user.</summary>
internal sealed record Reading(DraftOperation? Operation, string? Problem)
{
    public static Reading Of(DraftOperation operation) => new(operation, null);
    public static Reading Fails(string problem) => new(null, problem);
}

/// <summary>The plain-English phrasings. Each names its parts; nothing is filled in by guesswork.</summary>
internal static class EnglishForms
{
    private const string The = @"(?:the\s+)?";
    private static readonly string Kind = $"(?:{Vocabulary.KindPattern})";
    // A name is taken as typed; the contract's DNS-1123 check then explains what is wrong with a bad one.
    private const string Name = @"[^\s=]+";
    private static readonly string Target = $@"{The}(?:(?<kind>{Kind})[\s/]+)?(?<name>{Name})(?:\s+(?<kind2>{Kind}))?";
    private static readonly string Count = $@"(?<n>-?{Vocabulary.NumberPattern})";

    public static readonly IReadOnlyList<Form> All =
    [
        new("scale", Re($@"^scale\s+(?:up\s+|down\s+|out\s+|in\s+)?{Target}\s+(?:to|=)\s+{Count}(?:\s+(?:replicas?|pods?|instances?|copies))?$"),
            "scale deployment NAME to 3 replicas in NAMESPACE", Scale),
        new("set", Re($@"^(?:set|change)\s+{The}(?:replicas?|replica\s+count)\s+(?:of|for|on)\s+{Target}\s+to\s+{Count}$"),
            "set the replicas of deployment NAME to 3 in NAMESPACE", Scale),
        new("restart bounce redeploy", Re($@"^(?:rolling\s+)?(?:restart|bounce|redeploy|rollout\s+restart)\s+{Target}$"),
            "restart deployment NAME in NAMESPACE", Restart),
        new("update change set bump", Re($@"^(?:update|change|set|bump)\s+{The}image\s+(?:of|for|on|in)\s+{Target}(?:\s+container\s+(?<c>{Name}))?\s+to\s+(?<image>\S+)$"),
            "update the image of deployment NAME container CONTAINER to registry.k8s.io/app:1.2.3 in NAMESPACE", UpdateImage),
        new("update change set", Re($@"^(?:update|change|set)\s+{The}(?:container\s+)?(?<c>{Name})\s+(?:container\s+)?(?:image\s+)?(?:of|in|on)\s+{Target}\s+to\s+(?<image>\S+)$"),
            "set container CONTAINER of deployment NAME to registry.k8s.io/app:1.2.3 in NAMESPACE", UpdateImage),
        new("deploy roll", Re($@"^(?:deploy|roll\s+out)\s+(?<image>\S+[:@]\S+)\s+to\s+{Target}(?:\s+container\s+(?<c>{Name}))?$"),
            "deploy registry.k8s.io/app:1.2.3 to deployment NAME container CONTAINER in NAMESPACE", UpdateImage),
        new("set", Re($@"^set\s+(?<key>[-._A-Za-z0-9]+)\s*(?:=|\s+to\s+)\s*(?<value>.*?)\s+(?:in|on|of)\s+{The}(?<store>configmap|config\s+map|cm|secret)\s+(?<name>{Name})$"),
            "set KEY=VALUE in configmap NAME in NAMESPACE", UpdateConfig),
        new("update change set", Re($@"^(?:update|change|set)\s+{The}(?<store>configmap|config\s+map|cm|secret)\s+(?<name>{Name})\s+(?:key\s+)?(?<key>[-._A-Za-z0-9]+)\s*(?:=|\s+to\s+)\s*(?<value>.*)$"),
            "update configmap NAME KEY=VALUE in NAMESPACE", UpdateConfig),
        new("delete remove", Re($@"^(?:delete|remove)\s+{Target}$"),
            "delete deployment NAME in NAMESPACE", Delete),
        new("roll rollback undo revert", Re($@"^(?:roll\s*back|rollback|undo|revert)\s+{The}(?:last\s+)?(?:rollout\s+(?:of\s+)?|deploy(?:ment)?\s+of\s+)?{Target}$"),
            "roll back deployment NAME in NAMESPACE to revision 3", Rollback),
        new("show get fetch print tail give", Re($@"^(?:show|get|fetch|print|tail|give)\s+(?:me\s+)?{The}(?:last\s+(?<lines>{Vocabulary.NumberPattern})\s+)?(?:log\s+lines|lines\s+of\s+logs?|logs?(?:\s+lines)?|lines)\s+(?:of|for|from)\s+{Target}(?:\s+container\s+(?<c>{Name}))?$"),
            "show the last 50 log lines of pod NAME in NAMESPACE", Logs),
        new("logs tail", Re($@"^(?:logs?|tail)\s+(?:(?<lines>{Vocabulary.NumberPattern})\s+(?:lines\s+)?)?(?:(?:of\s+)?logs?\s+)?(?:of|for|from)?\s*{Target}(?:\s+container\s+(?<c>{Name}))?$"),
            "logs of deployment NAME in NAMESPACE since 10 minutes ago", Logs),
        new("show get what check status", Re($@"^(?:(?:show|get|check|what\s+is|what's)\s+(?:me\s+)?)?{The}status\s+(?:of\s+)?{Target}$"),
            "show the status of deployment NAME in NAMESPACE", Status),
        new("how is", Re($@"^(?:how\s+is|is)\s+{Target}\s+(?:doing|healthy|ok|okay|running|up)$"),
            "how is deployment NAME doing in NAMESPACE", Status),
        new("describe get show check inspect", Re($@"^(?:describe|get|show|check|inspect)\s+{Target}$"),
            "describe deployment NAME in NAMESPACE", Status),
        new("cordon mark", Re($@"^(?:cordon\s+{The}(?:node\s+)?(?<name>{Name})(?:\s+node)?|mark\s+{The}node\s+(?<name>{Name})\s+(?:as\s+)?unschedulable)$"),
            "cordon node NAME", Cordon),
        new("uncordon mark make", Re($@"^(?:uncordon\s+{The}(?:node\s+)?(?<name>{Name})(?:\s+node)?|(?:mark|make)\s+{The}node\s+(?<name>{Name})\s+(?:as\s+)?schedulable(?:\s+again)?)$"),
            "uncordon node NAME", Uncordon),
        new("drain", Re($@"^drain\s+{The}(?:node\s+)?(?<name>{Name})(?:\s+node)?(?<options>(?:\s+.*)?)$"),
            "drain node NAME ignoring daemonsets with a grace period of 30 seconds", Drain),
    ];

    private static Regex Re(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static Reading Scale(Match m, Clause clause)
    {
        if (!TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem))
        {
            return Reading.Fails(problem);
        }

        if (Vocabulary.Number(m.Groups["n"].Value.TrimStart('-')) is not { } n)
        {
            return Reading.Fails($"'{m.Groups["n"].Value}' is not a replica count I can read; use digits or a number word up to twenty");
        }

        var replicas = m.Groups["n"].Value.StartsWith('-') ? -n : n;
        return Reading.Of(new DraftOperation(OperationType.Scale, kind, m.Groups["name"].Value, clause.Namespace,
            new ScaleParameters { Replicas = Vocabulary.ToInt(replicas) },
            $"scale {Describe(kind, m)} to {replicas} replicas"));
    }

    private static Reading Restart(Match m, Clause clause) =>
        TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem)
            ? Reading.Of(new DraftOperation(OperationType.Restart, kind, m.Groups["name"].Value, clause.Namespace, null, $"restart {Describe(kind, m)} (rolling restart)"))
            : Reading.Fails(problem);

    private static Reading UpdateImage(Match m, Clause clause)
    {
        if (!TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem))
        {
            return Reading.Fails(problem);
        }

        if (!m.Groups["c"].Success)
        {
            return Reading.Fails($"which container of {Describe(kind, m)}? Name it, e.g. \"... container app to {m.Groups["image"].Value}\"");
        }

        return ImageReference.TrySplit(m.Groups["image"].Value, out var image, out var tag, out var imageProblem)
            ? Reading.Of(new DraftOperation(OperationType.UpdateImage, kind, m.Groups["name"].Value, clause.Namespace,
                new UpdateImageParameters { ContainerName = m.Groups["c"].Value, Image = image, Tag = tag },
                $"update container {m.Groups["c"].Value} of {Describe(kind, m)} to {m.Groups["image"].Value}"))
            : Reading.Fails(imageProblem);
    }

    private static Reading UpdateConfig(Match m, Clause clause)
    {
        if (clause.Namespace is null)
        {
            return Reading.Fails(MissingNamespace(clause));
        }

        var store = m.Groups["store"].Value.StartsWith("secret", StringComparison.OrdinalIgnoreCase) ? ResourceType.Secret : ResourceType.ConfigMap;
        var name = m.Groups["name"].Value;
        var value = m.Groups["value"].Value.Trim().Trim('"', '\'');
        var key = m.Groups["key"].Value;
        // A secret's value is never repeated in reasons, summaries or logs.
        var shown = store == ResourceType.Secret ? "(hidden)" : $"'{value}'";
        return Reading.Of(new DraftOperation(OperationType.UpdateConfig, store, name, clause.Namespace,
            new UpdateConfigParameters { ConfigmapName = name, Key = key, Value = value },
            $"set {key} to {shown} in {WireNames.Of(store)} {name}"));
    }

    private static Reading Delete(Match m, Clause clause)
    {
        var kind = KindOf(m);
        if (kind is null)
        {
            return Reading.Fails($"say what kind of object '{m.Groups["name"].Value}' is, e.g. \"delete deployment {m.Groups["name"].Value} in NAMESPACE\"; deletes are never guessed");
        }

        var ns = kind == ResourceType.Namespace ? null : clause.Namespace;
        if (kind != ResourceType.Namespace && ns is null)
        {
            return Reading.Fails(MissingNamespace(clause));
        }

        return Reading.Of(new DraftOperation(OperationType.Delete, kind.Value, m.Groups["name"].Value, ns, null,
            $"delete {WireNames.Of(kind.Value)} {m.Groups["name"].Value}"));
    }

    private static Reading Rollback(Match m, Clause clause)
    {
        if (!TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem))
        {
            return Reading.Fails(problem);
        }

        var to = clause.Revision is { } r ? $"revision {r}" : "the previous revision";
        return Reading.Of(new DraftOperation(OperationType.Rollback, kind, m.Groups["name"].Value, clause.Namespace,
            new RollbackParameters { Revision = clause.Revision }, $"roll back {Describe(kind, m)} to {to}"));
    }

    private static Reading Logs(Match m, Clause clause)
    {
        if (!TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem))
        {
            return Reading.Fails(problem);
        }

        long? lines = m.Groups["lines"].Success ? Vocabulary.Number(m.Groups["lines"].Value) : null;
        var parameters = new GetLogsParameters
        {
            ContainerName = m.Groups["c"].Success ? m.Groups["c"].Value : null,
            TailLines = lines is { } l ? Vocabulary.ToInt(l) : null,
            SinceSeconds = clause.SinceSeconds is { } s ? Vocabulary.ToInt(s) : null,
        };
        var window = clause.SinceSeconds is { } since ? $" from the last {since} seconds" : "";
        return Reading.Of(new DraftOperation(OperationType.GetLogs, kind, m.Groups["name"].Value, clause.Namespace, parameters,
            $"show the last {parameters.EffectiveTailLines} log lines of {Describe(kind, m)}{window}"));
    }

    private static Reading Status(Match m, Clause clause) =>
        TryTarget(m, clause, ResourceType.Deployment, out var kind, out var problem, allowNode: true)
            ? Reading.Of(new DraftOperation(OperationType.GetStatus, kind, m.Groups["name"].Value, kind.IsClusterScoped() ? null : clause.Namespace, null,
                $"show the status of {Describe(kind, m)}"))
            : Reading.Fails(problem);

    private static Reading Cordon(Match m, Clause clause) => Node(OperationType.CordonNode, m, clause, null, "cordon");

    private static Reading Uncordon(Match m, Clause clause) => Node(OperationType.UncordonNode, m, clause, null, "uncordon");

    private static Reading Drain(Match m, Clause clause)
    {
        var options = m.Groups["options"].Value;
        var unknown = Regex.Replace(options, @"\b(?:and|with|a|the|of|while|ignor(?:e|ing)\s+daemon\s*sets?|(?:delet(?:e|ing)|evict(?:ing)?)\s+(?:local\s+|emptydir\s+)?(?:emptydir\s+)?data|grace\s+period(?:\s+of)?\s*\d+\s*(?:s|sec|secs|seconds?)?)\b", " ",
            RegexOptions.IgnoreCase).Trim(' ', ',');
        if (unknown.Length > 0)
        {
            return Reading.Fails($"did not understand \"{unknown}\" in the drain options; I know \"ignoring daemonsets\", \"deleting emptydir data\" and \"grace period of 30 seconds\"");
        }

        var grace = Regex.Match(options, @"grace\s+period(?:\s+of)?\s*(?<n>\d+)", RegexOptions.IgnoreCase);
        var parameters = new DrainNodeParameters
        {
            IgnoreDaemonsets = Regex.IsMatch(options, @"daemon\s*sets?", RegexOptions.IgnoreCase) ? true : null,
            DeleteEmptydirData = Regex.IsMatch(options, @"data\b", RegexOptions.IgnoreCase) ? true : null,
            GracePeriodSeconds = grace.Success ? Vocabulary.ToInt(long.Parse(grace.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)) : null,
        };
        return Node(OperationType.DrainNode, m, clause, parameters, "drain (evict its pods from)");
    }

    private static Reading Node(OperationType type, Match m, Clause clause, OperationParameters? parameters, string verb)
    {
        if (clause.Namespace is not null)
        {
            return Reading.Fails($"nodes are not in a namespace; drop \"{clause.Namespace}\" from \"{clause.Original}\"");
        }

        return Reading.Of(new DraftOperation(type, ResourceType.Node, m.Groups["name"].Value, null, parameters, $"{verb} node {m.Groups["name"].Value}"));
    }

    /// <summary>The kind named in the clause (before or after the name), or a bare name's default kind.</summary>
    private static bool TryTarget(Match m, Clause clause, ResourceType bareNameKind, out ResourceType kind, out string problem, bool allowNode = false)
    {
        kind = KindOf(m) ?? bareNameKind;
        problem = "";
        if (kind.IsClusterScoped() && allowNode)
        {
            return true;
        }

        if (clause.Namespace is null)
        {
            problem = MissingNamespace(clause);
            return false;
        }

        return true;
    }

    private static ResourceType? KindOf(Match m)
    {
        var word = m.Groups["kind"].Success ? m.Groups["kind"].Value : m.Groups["kind2"].Success ? m.Groups["kind2"].Value : null;
        return word is not null && Vocabulary.Kinds.TryGetValue(word, out var kind) ? kind : null;
    }

    private static string Describe(ResourceType kind, Match m) => $"{WireNames.Of(kind)} {m.Groups["name"].Value}";

    internal static string MissingNamespace(Clause clause) =>
        $"no namespace in \"{clause.Original}\": add \"in NAMESPACE\" (or -n NAMESPACE); the namespace is never guessed";
}
