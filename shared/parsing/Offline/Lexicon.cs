using System.Collections.Frozen;
using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>What a verb asks for before the rest of its clause is read; some are settled only by their slots.</summary>
internal enum Verb : byte
{
    None,
    Scale,
    /// <summary>increase, decrease, reduce, resize: a scale that must say its target.</summary>
    Resize,
    /// <summary>bump: a scale or, with an image, an image update.</summary>
    Bump,
    /// <summary>bring up/down (scale) or bring back into scheduling (uncordon).</summary>
    Bring,
    /// <summary>run 3 replicas of ...</summary>
    Run,
    /// <summary>give cart 3 replicas / give me the logs.</summary>
    Give,
    /// <summary>set, change, update, switch: replicas, an image or a config key, by what the clause names.</summary>
    Set,
    Restart,
    /// <summary>rolling (restart).</summary>
    Rolling,
    /// <summary>rollout restart / undo / status.</summary>
    Rollout,
    /// <summary>roll back / roll out.</summary>
    Roll,
    Undo,
    Deploy,
    Delete,
    Show,
    Logs,
    Describe,
    Status,
    /// <summary>is / are: a question about state.</summary>
    Is,
    How,
    What,
    Cordon,
    Uncordon,
    Drain,
    /// <summary>mark / make node (un)schedulable.</summary>
    Mark,
    /// <summary>take node out of scheduling.</summary>
    Take,
    /// <summary>put node back into scheduling.</summary>
    Put,
    Exec,
    Unsupported,
}

/// <summary>The function words and keywords the slot filler looks for.</summary>
internal enum Word : byte
{
    None,
    In, On, Of, For, From, To, At, By, With, Within, Into, As,
    Back, Out, Up, Down,
    Since, Over, During, Last, Ago, Previous,
    The, A, Me,
    /// <summary>please, kindly, now, thanks...: dropped wherever they stand.</summary>
    Filler,
    /// <summary>can, could, you, want, need...: dropped before the verb only.</summary>
    Lead,
    Env, Replicas, Count, Container, Image, Revision, Lines, Log, Status,
    Named, Called, And, Then, Also,
    /// <summary>ready, healthy, running...: what a question asks about.</summary>
    State,
    All,
    Schedulable, Unschedulable, Again, Scheduling,
    Ignoring, Daemonsets, Deleting, Emptydir, Local, Data, Grace, Period,
    Key, Value, Rollout,
    /// <summary>half, quarter: a fraction.</summary>
    Fraction,
    /// <summary>double, triple, twice: a relative amount.</summary>
    Relative,
    /// <summary>it, them: something said before, which the parser does not resolve.</summary>
    Pronoun,
}

/// <summary>Everything the lexicon knows of one word; a word may be a verb and a kind at once ("deploy").</summary>
internal readonly record struct Lex(Verb Verb, Word Word, ResourceType? Kind, bool Plural, int Number, int UnitSeconds)
{
    public static readonly Lex Unknown = new(Verb.None, Word.None, null, false, -1, 0);

    public bool IsNumber => Number >= 0;

    public bool IsKnown => Verb != Verb.None || Word != Word.None || Kind is not null || Number >= 0 || UnitSeconds > 0;
}

/// <summary>The words operators use for operations, kinds, numbers, durations and politeness.</summary>
internal static class Lexicon
{
    private static readonly FrozenDictionary<string, Lex> Words = Build();
    private static readonly FrozenDictionary<string, Lex>.AlternateLookup<ReadOnlySpan<char>> Lookup = Words.GetAlternateLookup<ReadOnlySpan<char>>();

    public static Lex Find(ReadOnlySpan<char> word)
    {
        if (Lookup.TryGetValue(word, out var lex))
        {
            return lex;
        }

        return long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? Lex.Unknown with { Number = number > int.MaxValue ? int.MaxValue : (int)number }
            : Lex.Unknown;
    }

    /// <summary>A resource kind by any of its names; used for "kind/name" where the kind is a prefix.</summary>
    public static ResourceType? KindOf(ReadOnlySpan<char> word) => Lookup.TryGetValue(word, out var lex) ? lex.Kind : null;

    /// <summary>Digits (with a sign, for the bound check to report) or a number word. Null when it is neither.</summary>
    public static long? Number(ReadOnlySpan<char> word)
    {
        if (long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        if (word.IndexOf('-') is var dash and > 0 && Number(word[..dash]) is { } tens and >= 20 and <= 90 && tens % 10 == 0
            && Number(word[(dash + 1)..]) is { } ones and >= 1 and <= 9)
        {
            return tens + ones; // twenty-five
        }

        return Lookup.TryGetValue(word, out var lex) && lex.IsNumber ? lex.Number : null;
    }

    /// <summary>True for a number written with a decimal point or a slash: "2.5", "1/2".</summary>
    public static bool IsFraction(ReadOnlySpan<char> word)
    {
        var mark = word.IndexOfAny('.', '/');
        return mark > 0 && mark < word.Length - 1 && IsDigits(word[..mark].TrimStart('-')) && IsDigits(word[(mark + 1)..]);
    }

    private static bool IsDigits(ReadOnlySpan<char> text) => text.Length > 0 && !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>"5m", "1h30m", "90s": kubectl's compact durations, in seconds. Null when the word is not one.</summary>
    public static long? CompactDuration(ReadOnlySpan<char> word)
    {
        if (word.Length < 2 || !char.IsAsciiDigit(word[0]))
        {
            return null;
        }

        long total = 0, amount = 0;
        var digits = false;
        foreach (var c in word)
        {
            if (char.IsAsciiDigit(c))
            {
                amount = amount * 10 + (c - '0');
                digits = true;
                if (amount > int.MaxValue)
                {
                    return null;
                }
            }
            else if (digits && UnitOf(c) is var unit and > 0)
            {
                total += amount * unit;
                amount = 0;
                digits = false;
            }
            else
            {
                return null;
            }
        }

        return digits ? null : total;
    }

    private static int UnitOf(char c) => char.ToLowerInvariant(c) switch
    {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => 0,
    };

    private static FrozenDictionary<string, Lex> Build()
    {
        var words = new Dictionary<string, Lex>(StringComparer.OrdinalIgnoreCase);

        void Verbs(Verb verb, params string[] names)
        {
            foreach (var name in names)
            {
                words[name] = Get(name) with { Verb = verb };
            }
        }

        void Words(Word word, params string[] names)
        {
            foreach (var name in names)
            {
                words[name] = Get(name) with { Word = word };
            }
        }

        void Kind(ResourceType kind, string[] singular, params string[] plural)
        {
            foreach (var name in singular)
            {
                words[name] = Get(name) with { Kind = kind };
            }

            foreach (var name in plural)
            {
                words[name] = Get(name) with { Kind = kind, Plural = true };
            }
        }

        Lex Get(string name) => words.TryGetValue(name, out var lex) ? lex : Lex.Unknown;

        Verbs(Verb.Scale, "scale", "rescale");
        Verbs(Verb.Resize, "increase", "decrease", "reduce", "resize", "raise", "lower", "grow", "shrink");
        Verbs(Verb.Bump, "bump");
        Verbs(Verb.Bring, "bring");
        Verbs(Verb.Run, "run");
        Verbs(Verb.Give, "give");
        Verbs(Verb.Set, "set", "change", "update", "switch", "modify", "adjust");
        Verbs(Verb.Restart, "restart", "bounce", "redeploy", "recycle", "cycle", "reboot", "kick");
        Verbs(Verb.Rolling, "rolling");
        Verbs(Verb.Rollout, "rollout");
        Verbs(Verb.Roll, "roll");
        Verbs(Verb.Undo, "undo", "rollback", "revert");
        Verbs(Verb.Deploy, "deploy", "ship", "release");
        Verbs(Verb.Delete, "delete", "remove", "kill", "destroy", "rm", "del");
        Verbs(Verb.Show, "show", "get", "fetch", "print", "display", "pull", "see", "view", "read");
        Verbs(Verb.Logs, "logs", "log", "tail");
        Verbs(Verb.Describe, "describe", "check", "inspect", "examine");
        Verbs(Verb.Status, "status");
        Verbs(Verb.Is, "is", "are", "isn't", "aren't");
        Verbs(Verb.How, "how", "how's", "hows");
        Verbs(Verb.What, "what", "what's", "whats");
        Verbs(Verb.Cordon, "cordon");
        Verbs(Verb.Uncordon, "uncordon");
        Verbs(Verb.Drain, "drain", "evacuate");
        Verbs(Verb.Mark, "mark", "make");
        Verbs(Verb.Take, "take");
        Verbs(Verb.Put, "put", "return");
        Verbs(Verb.Exec, "exec", "ssh", "attach", "shell", "port-forward", "cp");
        Verbs(Verb.Unsupported, "apply", "create", "replace", "edit", "patch", "label", "annotate", "expose", "autoscale", "taint", "install", "upgrade");

        Words(Word.In, "in", "inside");
        Words(Word.On, "on");
        Words(Word.Of, "of");
        Words(Word.For, "for");
        Words(Word.From, "from");
        Words(Word.To, "to");
        Words(Word.At, "at");
        Words(Word.By, "by");
        Words(Word.With, "with", "using");
        Words(Word.Within, "within");
        Words(Word.Into, "into");
        Words(Word.As, "as");
        Words(Word.Back, "back");
        Words(Word.Out, "out");
        Words(Word.Up, "up");
        Words(Word.Down, "down");
        Words(Word.Since, "since");
        Words(Word.Over, "over", "during", "across");
        Words(Word.Last, "last", "past", "latest", "recent");
        Words(Word.Ago, "ago");
        Words(Word.Previous, "previous", "prior", "earlier");
        Words(Word.The, "the", "my", "our", "your");
        Words(Word.Pronoun, "it", "its", "them", "they", "this", "that", "these", "those", "their");
        Words(Word.A, "a", "an");
        Words(Word.Me, "me", "us");
        Words(Word.Filler, "please", "pls", "plz", "kindly", "now", "thanks", "thank", "thx", "asap", "just", "quickly", "immediately", "hey", "hi", "ok", "okay", "cheers", "currently", "right", "if", "whether");
        Words(Word.Lead, "can", "could", "would", "will", "you", "i", "we", "want", "need", "like", "i'd", "let's", "lets", "go", "ahead", "help", "try", "do", "perform", "trigger", "issue");
        Words(Word.Env, "environment", "env");
        Words(Word.Replicas, "replicas", "replica", "instances", "instance", "copies", "copy", "pods");
        Words(Word.Count, "count", "number");
        Words(Word.Container, "container", "containers");
        Words(Word.Image, "image", "images");
        Words(Word.Revision, "revision", "rev", "version");
        Words(Word.Lines, "lines", "line", "entries", "rows");
        Words(Word.Log, "logs", "log", "output");
        Words(Word.Status, "status", "state", "health");
        Words(Word.Rollout, "rollout", "rollouts", "deploy", "deployment", "release", "update", "change");
        Words(Word.Named, "named", "called");
        Words(Word.And, "and", "plus", "but");
        Words(Word.Then, "then", "afterwards");
        Words(Word.Also, "also");
        Words(Word.State, "ready", "healthy", "running", "doing", "fine", "available", "alive", "working", "going", "looking");
        Words(Word.All, "all", "every", "everything", "each", "entire", "whole", "any", "*");
        Words(Word.Schedulable, "schedulable");
        Words(Word.Unschedulable, "unschedulable");
        Words(Word.Again, "again");
        Words(Word.Scheduling, "scheduling", "rotation", "service");
        Words(Word.Ignoring, "ignoring", "ignore", "skip", "skipping", "leaving", "leave");
        Words(Word.Daemonsets, "daemonsets", "daemonset", "ds");
        Words(Word.Deleting, "deleting", "delete", "evicting", "evict", "removing", "dropping", "discarding", "discard");
        Words(Word.Emptydir, "emptydir");
        Words(Word.Local, "local");
        Words(Word.Data, "data");
        Words(Word.Grace, "grace");
        Words(Word.Period, "period");
        Words(Word.Key, "key");
        Words(Word.Value, "value");
        Words(Word.Fraction, "half", "quarter", "third", "halves", "fraction");
        Words(Word.Relative, "double", "triple", "twice", "halve", "quadruple", "more", "less", "fewer", "extra", "another", "additional");

        Kind(ResourceType.Deployment, ["deployment", "deploy", "deployment.apps"], "deployments", "deploys", "deployments.apps");
        Kind(ResourceType.StatefulSet, ["statefulset", "sts", "statefulset.apps"], "statefulsets", "statefulsets.apps");
        Kind(ResourceType.DaemonSet, ["daemonset", "ds", "daemonset.apps"], "daemonsets", "daemonsets.apps");
        Kind(ResourceType.ReplicaSet, ["replicaset", "rs"], "replicasets");
        Kind(ResourceType.Service, ["service", "svc"], "services");
        Kind(ResourceType.ConfigMap, ["configmap", "cm"], "configmaps");
        Kind(ResourceType.Secret, ["secret"], "secrets");
        Kind(ResourceType.Ingress, ["ingress", "ing"], "ingresses");
        Kind(ResourceType.HorizontalPodAutoscaler, ["horizontalpodautoscaler", "hpa", "autoscaler"], "horizontalpodautoscalers", "hpas", "autoscalers");
        Kind(ResourceType.Namespace, ["namespace", "ns"], "namespaces");
        Kind(ResourceType.Job, ["job"], "jobs");
        Kind(ResourceType.CronJob, ["cronjob", "cj"], "cronjobs");
        Kind(ResourceType.Pod, ["pod", "po"], "pods");
        Kind(ResourceType.Node, ["node", "no"], "nodes");

        string[] numbers =
        [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        ];
        for (var n = 0; n < numbers.Length; n++)
        {
            words[numbers[n]] = Get(numbers[n]) with { Number = n };
        }

        string[] tens = ["thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
        for (var t = 0; t < tens.Length; t++)
        {
            words[tens[t]] = Get(tens[t]) with { Number = (t + 3) * 10 };
        }

        words["hundred"] = Get("hundred") with { Number = 100 };
        words["a"] = Get("a") with { Number = 1 };
        words["an"] = Get("an") with { Number = 1 };
        words["single"] = Get("single") with { Number = 1 };

        foreach (var (names, seconds) in new (string[], int)[]
                 {
                     (["second", "seconds", "sec", "secs", "s"], 1),
                     (["minute", "minutes", "min", "mins", "m"], 60),
                     (["hour", "hours", "hr", "hrs", "h"], 3600),
                     (["day", "days", "d"], 86400),
                 })
        {
            foreach (var name in names)
            {
                words[name] = Get(name) with { UnitSeconds = seconds };
            }
        }

        return words.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
