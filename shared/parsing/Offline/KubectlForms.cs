using System.Globalization;
using System.Text.RegularExpressions;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>The kubectl command lines operators paste: the same subcommands and flags kubectl takes.</summary>
internal static partial class KubectlForms
{
    public static readonly string[] Examples =
    [
        "kubectl scale deployment/NAME --replicas=3 -n NAMESPACE",
        "kubectl rollout restart deployment/NAME -n NAMESPACE",
        "kubectl rollout undo deployment/NAME --to-revision=2 -n NAMESPACE",
        "kubectl set image deployment/NAME CONTAINER=registry.k8s.io/app:1.2.3 -n NAMESPACE",
        "kubectl delete deployment/NAME -n NAMESPACE",
        "kubectl get deployment/NAME -n NAMESPACE",
        "kubectl logs pod/NAME -c CONTAINER --tail=50 --since=10m -n NAMESPACE",
        "kubectl cordon NODE",
        "kubectl drain NODE --ignore-daemonsets --delete-emptydir-data --grace-period=30",
    ];

    private static readonly string[] Subcommands = ["scale", "rollout", "set", "delete", "get", "describe", "logs", "cordon", "uncordon", "drain"];

    /// <summary>True when the clause reads as a kubectl command line rather than English.</summary>
    public static bool Looks(Clause clause)
    {
        var words = clause.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 0 && (words[0].Equals("kubectl", StringComparison.OrdinalIgnoreCase)
            || Subcommands.Contains(words[0].ToLowerInvariant()) && (clause.Rest.Contains("--", StringComparison.Ordinal)
                || words.Skip(1).Take(2).Any(w => w.Contains('/', StringComparison.Ordinal))));
    }

    public static Reading Read(Clause clause)
    {
        var words = new Queue<string>(clause.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (words.Count > 0 && words.Peek().Equals("kubectl", StringComparison.OrdinalIgnoreCase))
        {
            words.Dequeue();
        }

        var positional = new List<string>();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (words.Count > 0)
        {
            var word = words.Dequeue();
            if (word.StartsWith('-'))
            {
                var eq = word.IndexOf('=', StringComparison.Ordinal);
                var name = (eq > 0 ? word[..eq] : word).TrimStart('-');
                if (eq > 0)
                {
                    flags[name] = word[(eq + 1)..];
                }
                else if (IsSwitch(name) || words.Count == 0 || words.Peek().StartsWith('-'))
                {
                    flags[name] = "true";
                }
                else
                {
                    flags[name] = words.Dequeue();
                }
            }
            else
            {
                positional.Add(word);
            }
        }

        if (positional.Count == 0)
        {
            return Reading.Fails($"no kubectl subcommand in \"{clause.Original}\"");
        }

        var command = positional[0].ToLowerInvariant();
        var args = positional.Skip(1).ToList();
        if (command is "rollout" or "set" && args.Count > 0)
        {
            command = $"{command} {args[0].ToLowerInvariant()}";
            args.RemoveAt(0);
        }

        var reading = command switch
        {
            "scale" => Scale(args, flags, clause),
            "rollout restart" => Simple(OperationType.Restart, args, clause, t => $"restart {t} (rolling restart)", null),
            "rollout undo" => Undo(args, flags, clause),
            "rollout status" or "get" or "describe" => Simple(OperationType.GetStatus, args, clause, t => $"show the status of {t}", null),
            "set image" => SetImage(args, clause),
            "delete" => Simple(OperationType.Delete, args, clause, t => $"delete {t}", null),
            "logs" => Logs(args, flags, clause),
            "cordon" => Node(OperationType.CordonNode, args, clause, null),
            "uncordon" => Node(OperationType.UncordonNode, args, clause, null),
            "drain" => Drain(args, flags, clause),
            "apply" or "create" or "replace" => Reading.Fails($"kubectl {command} is not something I can do from text; send the manifest as an apply_manifest intent (k8s-agent ask --intent FILE)"),
            _ => Reading.Fails($"kubectl {command} is not something I can do; I know: {string.Join(", ", Subcommands.Distinct())}"),
        };

        var known = KnownFlags(command);
        var unknown = flags.Keys.Where(f => !known.Contains(f)).ToList();
        return unknown.Count > 0 && reading.Operation is not null
            ? Reading.Fails($"unsupported flag{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(f => "--" + f))} for kubectl {command}")
            : reading;
    }

    private static bool IsSwitch(string flag) => flag is "ignore-daemonsets" or "delete-emptydir-data" or "force";

    private static HashSet<string> KnownFlags(string command) => command switch
    {
        "scale" => ["replicas"],
        "rollout undo" => ["to-revision"],
        "logs" => ["c", "container", "tail", "since"],
        "drain" => ["ignore-daemonsets", "delete-emptydir-data", "grace-period"],
        _ => [],
    };

    private static Reading Scale(List<string> args, Dictionary<string, string> flags, Clause clause)
    {
        if (!flags.TryGetValue("replicas", out var text) || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var replicas))
        {
            return Reading.Fails("kubectl scale needs --replicas=N with a whole number");
        }

        return Simple(OperationType.Scale, args, clause, t => $"scale {t} to {replicas} replicas", new ScaleParameters { Replicas = Vocabulary.ToInt(replicas) });
    }

    private static Reading Undo(List<string> args, Dictionary<string, string> flags, Clause clause)
    {
        int? revision = null;
        if (flags.TryGetValue("to-revision", out var text))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var r))
            {
                return Reading.Fails($"--to-revision must be a whole number, got '{text}'");
            }

            revision = r == 0 ? null : r; // kubectl's 0 means "the previous revision"
        }

        return Simple(OperationType.Rollback, args, clause, t => revision is { } r ? $"roll back {t} to revision {r}" : $"roll back {t} to the previous revision", new RollbackParameters { Revision = revision });
    }

    private static Reading SetImage(List<string> args, Clause clause)
    {
        if (args.Count != 2 || args[1].IndexOf('=', StringComparison.Ordinal) is var eq && eq <= 0)
        {
            return Reading.Fails("kubectl set image takes one object and one CONTAINER=IMAGE:TAG pair, e.g. \"kubectl set image deployment/web app=registry.k8s.io/web:1.2 -n staging\"");
        }

        var container = args[1][..eq];
        if (!ImageReference.TrySplit(args[1][(eq + 1)..], out var image, out var tag, out var problem))
        {
            return Reading.Fails(problem);
        }

        return Simple(OperationType.UpdateImage, args.Take(1).ToList(), clause, t => $"update container {container} of {t} to {args[1][(eq + 1)..]}",
            new UpdateImageParameters { ContainerName = container, Image = image, Tag = tag });
    }

    private static Reading Logs(List<string> args, Dictionary<string, string> flags, Clause clause)
    {
        if (args.Count == 1 && !args[0].Contains('/', StringComparison.Ordinal))
        {
            args = [$"pod/{args[0]}"]; // kubectl logs NAME means a pod
        }

        int? tail = null;
        if (flags.TryGetValue("tail", out var tailText))
        {
            if (!int.TryParse(tailText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t))
            {
                return Reading.Fails($"--tail must be a whole number, got '{tailText}'");
            }

            tail = t;
        }

        long? since = clause.SinceSeconds;
        if (flags.TryGetValue("since", out var sinceText))
        {
            if (ParseDuration(sinceText) is not { } seconds)
            {
                return Reading.Fails($"--since must be a duration such as 30s, 10m or 1h, got '{sinceText}'");
            }

            since = seconds;
        }

        var container = flags.GetValueOrDefault("c") ?? flags.GetValueOrDefault("container");
        return Simple(OperationType.GetLogs, args, clause, t => $"show the last {tail ?? Bounds.DefaultTailLines} log lines of {t}" + (since is { } w ? $" from the last {w} seconds" : ""), new GetLogsParameters
        {
            ContainerName = container,
            TailLines = tail,
            SinceSeconds = since is { } s ? Vocabulary.ToInt(s) : null,
        });
    }

    private static Reading Drain(List<string> args, Dictionary<string, string> flags, Clause clause)
    {
        int? grace = null;
        if (flags.TryGetValue("grace-period", out var text))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var g))
            {
                return Reading.Fails($"--grace-period must be a whole number of seconds, got '{text}'");
            }

            grace = g < 0 ? null : g; // kubectl's -1 means "the pod's own setting"
        }

        return Node(OperationType.DrainNode, args, clause, new DrainNodeParameters
        {
            IgnoreDaemonsets = flags.ContainsKey("ignore-daemonsets") ? flags["ignore-daemonsets"] != "false" : null,
            DeleteEmptydirData = flags.ContainsKey("delete-emptydir-data") ? flags["delete-emptydir-data"] != "false" : null,
            GracePeriodSeconds = grace,
        });
    }

    private static Reading Node(OperationType type, List<string> args, Clause clause, OperationParameters? parameters)
    {
        var names = args.Select(a => a.StartsWith("node/", StringComparison.OrdinalIgnoreCase) || a.StartsWith("nodes/", StringComparison.OrdinalIgnoreCase) ? a[(a.IndexOf('/') + 1)..] : a).ToList();
        if (names.Count != 1)
        {
            return Reading.Fails($"name exactly one node, e.g. \"kubectl {WireNames.Of(type).Replace("_node", "", StringComparison.Ordinal)} worker-1\"");
        }

        if (clause.Namespace is not null)
        {
            return Reading.Fails($"nodes are not in a namespace; drop \"-n {clause.Namespace}\"");
        }

        return Reading.Of(new DraftOperation(type, ResourceType.Node, names[0], null, parameters,
            $"{WireNames.Of(type).Replace("_node", "", StringComparison.Ordinal)} node {names[0]}"));
    }

    private static Reading Simple(OperationType type, List<string> args, Clause clause, Func<string, string> describe, OperationParameters? parameters)
    {
        string kindWord, name;
        if (args.Count == 1 && args[0].Split('/') is [var k, var n] && n.Length > 0)
        {
            (kindWord, name) = (k, n);
        }
        else if (args.Count == 2 && !args[0].Contains('/', StringComparison.Ordinal))
        {
            (kindWord, name) = (args[0], args[1]);
        }
        else
        {
            return Reading.Fails(args.Count == 0
                ? "name the object, as TYPE/NAME (e.g. deployment/web)"
                : $"name exactly one object, as TYPE/NAME or TYPE NAME; got \"{string.Join(' ', args)}\"");
        }

        if (!Vocabulary.Kinds.TryGetValue(kindWord, out var kind))
        {
            return Reading.Fails($"'{kindWord}' is not a kind of object I know (deployment, statefulset, pod, configmap, ...)");
        }

        var ns = kind.IsClusterScoped() ? null : clause.Namespace;
        if (ns is null && !kind.IsClusterScoped())
        {
            return Reading.Fails(EnglishForms.MissingNamespace(clause));
        }

        return Reading.Of(new DraftOperation(type, kind, name, ns, parameters, describe($"{WireNames.Of(kind)} {name}")));
    }

    internal static long? ParseDuration(string text)
    {
        var match = Duration().Match(text);
        if (!match.Success || match.Length != text.Length)
        {
            return null;
        }

        long total = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = part.Value[^1];
            total += Vocabulary.Seconds(long.Parse(part.Value[..^1], CultureInfo.InvariantCulture), unit.ToString());
        }

        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+[smhd])+$")]
    private static partial Regex Duration();
}
