using System.Globalization;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>
/// Fills the slots of one segment, left to right. At each token the phrases that can start there are tried, the
/// longest and most specific first; a token no phrase takes is left "not understood", and any such token refuses the
/// segment. Nothing is filled by default here: defaults (a bare name is a deployment) are applied when the operation
/// is built, where they can be stated.
/// </summary>
internal static class SegmentReader
{
    public static void Read(TokenStream t, Slots s)
    {
        var storeNamed = false;
        for (var i = s.From; i < s.To; i++)
        {
            if (t.Lex(i).Kind is ResourceType.ConfigMap or ResourceType.Secret)
            {
                storeNamed = true;
            }
        }

        var i0 = s.From;
        while (i0 < s.To)
        {
            if (t.SlotOf(i0) != Slot.Unread)
            {
                i0++;
                continue;
            }

            var taken = Flag(t, s, i0);
            if (taken == 0)
            {
                taken = Step(t, s, i0, storeNamed);
            }

            i0 += Math.Max(taken, 1);
        }
    }

    private static int Step(TokenStream t, Slots s, int i, bool storeNamed)
    {
        var lex = t.Lex(i);
        if (t.Is(i, "kubectl") && s.Verb == Verb.None)
        {
            s.Kubectl = true;
            return Take(t, i, 1, Slot.Kubectl);
        }

        if (s.Verb == Verb.None)
        {
            if (lex.Verb != Verb.None)
            {
                return VerbPhrase(t, s, i);
            }

            if (lex.Word is Word.Lead or Word.To or Word.Filler or Word.The or Word.A or Word.Me or Word.Also)
            {
                return Take(t, i, 1, Slot.Filler);
            }
        }

        int n;
        if ((n = Since(t, s, i)) > 0 || (n = Revision(t, s, i)) > 0 || (n = Lines(t, s, i)) > 0 || (n = Replicas(t, s, i)) > 0
            || (n = Namespace(t, s, i)) > 0 || (n = Container(t, s, i)) > 0 || (n = KeyValue(t, s, i, storeNamed)) > 0
            || (n = Image(t, s, i)) > 0 || (n = Target(t, s, i)) > 0 || (n = NodePhrase(t, s, i)) > 0)
        {
            return n;
        }

        return Keyword(t, s, i);
    }

    private static int Take(TokenStream t, int i, int count, Slot slot)
    {
        t.Mark(i, count, slot);
        return count;
    }

    private static void Refuse(Slots s, string problem) => s.Problem ??= problem;

    // ---- verbs -------------------------------------------------------------------------------------------------

    private static int VerbPhrase(TokenStream t, Slots s, int i)
    {
        var verb = t.Lex(i).Verb;
        var next = i + 1 < s.To ? i + 1 : -1;
        var taken = 1;
        // Verbs come first ("cart drain" or "of cart undo" are not requests); only "cart status" and "cart logs",
        // which read, may name the object before the verb.
        if (!IsNounVerb(t, i) && SaidBefore(t, s, i))
        {
            Refuse(s, $"say what to do first, as in \"{t.Chars(i)} ...\": I read \"{t.Between(s.From, i - 1)}\" before it");
        }

        switch (verb)
        {
            case Verb.Rolling when next >= 0 && t.Lex(next).Verb is Verb.Restart or Verb.Set:
                verb = Verb.Restart;
                taken = 2;
                break;
            case Verb.Rolling:
                verb = Verb.Restart;
                break;
            case Verb.Rollout when next >= 0 && t.Lex(next).Verb == Verb.Restart:
                verb = Verb.Restart;
                taken = 2;
                break;
            case Verb.Rollout when next >= 0 && t.Lex(next).Verb == Verb.Undo:
                verb = Verb.Undo;
                taken = 2;
                break;
            case Verb.Rollout when next >= 0 && t.Lex(next).Verb == Verb.Status:
                verb = Verb.Status;
                taken = 2;
                break;
            case Verb.Rollout:
                Refuse(s, next >= 0
                    ? $"rollout {t.Chars(next)} is not something I can do; I know rollout restart, rollout undo and rollout status"
                    : "rollout of what? I know rollout restart, rollout undo and rollout status");
                break;
            case Verb.Roll when next >= 0 && t.IsWord(next, Word.Back):
                verb = Verb.Undo;
                taken = 2;
                break;
            case Verb.Roll when next >= 0 && t.IsWord(next, Word.Out):
                verb = Verb.Deploy;
                taken = 2;
                break;
            case Verb.Scale or Verb.Bring when next >= 0 && t.Lex(next).Word is Word.Up or Word.Down or Word.Out:
                s.See(Keywords.Direction);
                taken = 2;
                break;
            case Verb.How or Verb.What when next >= 0 && t.Lex(next).Verb == Verb.Is:
                taken = 2;
                break;
            case Verb.How or Verb.What when t.Is(i, "how") || t.Is(i, "what"):
                Refuse(s, $"did not understand \"{t.Chars(i)}\" without \"is\"; ask e.g. \"how is deployment NAME doing in NAMESPACE\" or \"what is the status of deployment NAME in NAMESPACE\"");
                break;
            case Verb.Set when next >= 0 && t.IsWord(next, Word.Image) && next + 1 < s.To && LooksLikeObject(t, next + 1):
                s.SetImage = true;
                taken = 2;
                break;
            case Verb.Exec:
                Refuse(s, $"{t.Chars(i)} (running commands inside a container) is not something I do; I change and read objects through the Kubernetes API only");
                break;
            case Verb.Unsupported:
                var word = t.Chars(i).ToString().ToLowerInvariant();
                Refuse(s, word is "apply" or "create" or "replace"
                    ? $"{(s.Kubectl ? "kubectl " : "")}{word} is not something I can do from text; send the manifest as an apply_manifest intent (k8s-agent ask --intent FILE)"
                    : $"{(s.Kubectl ? "kubectl " : "")}{word} is not something I can do; I scale, restart, update images and config, roll back, delete, show status and logs, and cordon, uncordon and drain nodes");
                break;
        }

        s.Verb = verb;
        s.VerbToken = i;
        return Take(t, i, taken, Slot.Verb);
    }

    /// <summary>"in configmap x", "in the app container": "in" before a kind or a container, where it is not a namespace.</summary>
    private static bool IntroducesObject(TokenStream t, Slots s, int j)
    {
        if (j < s.To && t.IsWord(j, Word.The))
        {
            j++;
        }

        return j < s.To && (t.Lex(j).Kind is not null || t.Lex(j).Word is Word.Container or Word.Image
            || j + 1 < s.To && (IsTwoWordKind(t, j) || t.IsWord(j + 1, Word.Container)));
    }

    /// <summary>Articles and connectors: one of them must lead somewhere, not to another.</summary>
    private static bool IsGlue(Word word) => word is Word.The or Word.A || IsConnector(word);

    private static bool IsConnector(Word word) =>
        word is Word.In or Word.On or Word.Of or Word.For or Word.From or Word.To or Word.With or Word.As or Word.Within or Word.Into or Word.At;

    private static bool IsNounVerb(TokenStream t, int i) => t.Is(i, "status") || t.Is(i, "logs") || t.Is(i, "log");

    /// <summary>Whether anything but politeness, kubectl, flags or a namespace came before the verb.</summary>
    private static bool SaidBefore(TokenStream t, Slots s, int i)
    {
        for (var k = s.From; k < i; k++)
        {
            if (t.SlotOf(k) is not (Slot.Filler or Slot.Kubectl or Slot.Namespace or Slot.Separator))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"deployment/web" or "deploy web": what kubectl's "set image" takes before its pairs.</summary>
    private static bool LooksLikeObject(TokenStream t, int i) =>
        t.Lex(i).Kind is not null || t.Chars(i).IndexOf('/') is var slash and > 0 && Lexicon.KindOf(t.Chars(i)[..slash]) is not null;

    // ---- flags -------------------------------------------------------------------------------------------------

    private static int Flag(TokenStream t, Slots s, int i)
    {
        if (t[i].Kind != TokenKind.Flag)
        {
            return 0;
        }

        var text = t.Chars(i);
        var eq = text.IndexOf('=');
        var name = (eq > 0 ? text[..eq] : text).TrimStart('-');
        var inline = eq > 0 ? new Span(t[i].Start + eq + 1, t[i].Length - eq - 1) : Span.None;
        var taken = 1;

        Span Value(out bool ok)
        {
            if (!inline.IsEmpty)
            {
                ok = true;
                return inline;
            }

            if (i + 1 < s.To && t[i + 1].Kind == TokenKind.Word)
            {
                taken = 2;
                ok = true;
                return t.SpanOf(i + 1);
            }

            ok = false;
            return Span.None;
        }

        var flag = text[..(eq > 0 ? eq : text.Length)];
        switch (name)
        {
            case "n" or "namespace":
            {
                var value = Value(out var ok);
                if (!ok || taken == 2 && !IsNameAfterKind(t, i + 1))
                {
                    Refuse(s, $"{flag} needs a namespace, e.g. {flag} staging");
                    break;
                }

                SetNamespace(t, s, value, trailing: Closes(t, s, i + taken));
                t.Mark(i, taken, Slot.Namespace);
                return taken;
            }
            case "replicas":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var replicas))
                {
                    s.Replicas = replicas;
                }
                else
                {
                    Refuse(s, "--replicas needs a whole number, e.g. --replicas=3");
                }

                t.Mark(i, taken, Slot.Replicas);
                return taken;
            }
            case "to-revision":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var revision))
                {
                    s.Revision = revision == 0 ? null : revision; // kubectl's 0 means "the previous revision"
                    s.See(Keywords.Back);
                }
                else
                {
                    Refuse(s, $"--to-revision must be a whole number, got '{chars}'");
                }

                t.Mark(i, taken, Slot.Revision);
                return taken;
            }
            case "c" or "container":
            {
                var value = Value(out var ok);
                if (!ok)
                {
                    Refuse(s, $"{flag} needs a container name");
                }

                s.Container = value;
                s.See(Keywords.Container);
                t.Mark(i, taken, Slot.Container);
                return taken;
            }
            case "tail":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lines))
                {
                    s.Lines = lines;
                }
                else
                {
                    Refuse(s, $"--tail must be a whole number, got '{chars}'");
                }

                s.See(Keywords.Logs);
                t.Mark(i, taken, Slot.Lines);
                return taken;
            }
            case "since":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && Lexicon.CompactDuration(chars) is { } seconds)
                {
                    s.Since = seconds;
                }
                else
                {
                    Refuse(s, $"--since must be a duration such as 30s, 10m or 1h, got '{chars}'");
                }

                s.See(Keywords.Logs);
                t.Mark(i, taken, Slot.Since);
                return taken;
            }
            case "ignore-daemonsets" or "delete-emptydir-data" or "delete-local-data":
            {
                var on = inline.IsEmpty || !t.Text.AsSpan(inline.Start, inline.Length).Equals("false", StringComparison.OrdinalIgnoreCase);
                if (name is "ignore-daemonsets")
                {
                    s.IgnoreDaemonsets = on;
                }
                else
                {
                    s.DeleteEmptydirData = on;
                }

                t.Mark(i, 1, Slot.Option);
                return 1;
            }
            case "grace-period":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var grace))
                {
                    s.GracePeriod = grace < 0 ? null : grace; // kubectl's -1 means "the pod's own setting"
                }
                else
                {
                    Refuse(s, $"--grace-period must be a whole number of seconds, got '{chars}'");
                }

                t.Mark(i, taken, Slot.Option);
                return taken;
            }
            case "all" or "A" or "all-namespaces":
                Refuse(s, $"{flag} would act on every object; name each object (I never act on all of them at once)");
                break;
            case "f" or "filename" or "k" or "kustomize":
                Refuse(s, $"{flag} takes a manifest; send it as an apply_manifest intent (k8s-agent ask --intent FILE)");
                break;
            default:
                Refuse(s, $"unsupported flag {flag}; the flags I know are -n/--namespace, --replicas, --to-revision, -c/--container, --tail, --since, --ignore-daemonsets, --delete-emptydir-data and --grace-period");
                break;
        }

        return Take(t, i, 1, Slot.NotUnderstood);
    }

    // ---- phrases -----------------------------------------------------------------------------------------------

    /// <summary>"since 10 minutes ago", "for the last hour", "over the past 2 hours", "since 5m".</summary>
    private static int Since(TokenStream t, Slots s, int i)
    {
        var j = i;
        var lead = false;
        if (t.Lex(j).Word is Word.Since or Word.Over or Word.For or Word.In or Word.Within or Word.From or Word.During)
        {
            lead = true;
            j++;
        }

        if (j < s.To && t.IsWord(j, Word.The))
        {
            j++;
        }

        var last = false;
        if (j < s.To && t.IsWord(j, Word.Last))
        {
            last = true;
            j++;
        }

        if (j >= s.To || !(lead || last || t.Lex(j).IsNumber))
        {
            return 0;
        }

        if (Lexicon.CompactDuration(t.Chars(j)) is { } compact && (lead || last))
        {
            s.Since = compact;
            s.See(Keywords.Logs);
            return Take(t, i, j + 1 - i, Slot.Since);
        }

        long amount = 1;
        var fraction = false;
        if (Lexicon.Number(t.Chars(j)) is { } n)
        {
            amount = n;
            j++;
        }
        else if (Lexicon.IsFraction(t.Chars(j)) || t.IsWord(j, Word.Fraction))
        {
            fraction = true;
            j++;
        }

        if (j >= s.To || t.Lex(j).UnitSeconds == 0 || t.Lex(j).Kind is not null)
        {
            return 0;
        }

        var unit = t.Lex(j).UnitSeconds;
        j++;
        var ago = j < s.To && t.IsWord(j, Word.Ago);
        if (!(lead || last || ago))
        {
            return 0;
        }

        if (ago)
        {
            j++;
        }

        if (fraction)
        {
            Refuse(s, "durations are whole numbers of seconds, minutes, hours or days, e.g. \"since 90 minutes ago\"");
        }

        s.Since = amount * unit;
        s.See(Keywords.Logs);
        return Take(t, i, j - i, Slot.Since);
    }

    /// <summary>"to revision 3", "back to rev 2", "to the previous revision".</summary>
    private static int Revision(TokenStream t, Slots s, int i)
    {
        var j = i;
        if (t.IsWord(j, Word.Back) && j + 1 < s.To && t.IsWord(j + 1, Word.To))
        {
            j += 2;
        }
        else if (t.IsWord(j, Word.To))
        {
            j++;
        }

        if (j < s.To && t.IsWord(j, Word.The))
        {
            j++;
        }

        if (j + 1 < s.To && t.Lex(j).Word is Word.Previous or Word.Last && (t.IsWord(j + 1, Word.Revision) || t.Is(j + 1, "one")))
        {
            s.See(Keywords.Back);
            return Take(t, i, j + 2 - i, Slot.Revision);
        }

        if (j >= s.To || !t.IsWord(j, Word.Revision))
        {
            return 0;
        }

        j++;
        if (j < s.To && (t.Is(j, "#") || t.Is(j, "no") || t.Is(j, "no.") || t.Is(j, "number")))
        {
            j++;
        }

        if (j >= s.To)
        {
            return 0;
        }

        var chars = t.Chars(j).TrimStart('#');
        if (Lexicon.Number(chars) is not { } revision)
        {
            if (Lexicon.IsFraction(chars))
            {
                Refuse(s, "a revision is a whole number, e.g. \"to revision 3\"");
                return Take(t, i, j + 1 - i, Slot.Revision);
            }

            return 0;
        }

        s.Revision = revision;
        s.See(Keywords.Back);
        return Take(t, i, j + 1 - i, Slot.Revision);
    }

    /// <summary>"the last 50 log lines", "20 lines", "the last 50 logs", "100 lines of logs".</summary>
    private static int Lines(TokenStream t, Slots s, int i)
    {
        var j = i;
        if (t.IsWord(j, Word.The))
        {
            j++;
        }

        if (j < s.To && t.IsWord(j, Word.Last))
        {
            j++;
        }

        if (j >= s.To || Lexicon.Number(t.Chars(j)) is not { } lines || t.IsWord(j, Word.A))
        {
            return 0;
        }

        j++;
        var logs = false;
        if (j < s.To && t.IsWord(j, Word.Log))
        {
            logs = true;
            j++;
        }

        if (j < s.To && t.IsWord(j, Word.Lines))
        {
            j++;
            if (j + 1 < s.To && t.IsWord(j, Word.Of) && t.IsWord(j + 1, Word.Log))
            {
                j += 2;
            }
        }
        else if (!logs)
        {
            return 0;
        }

        s.Lines = lines;
        s.See(Keywords.Logs);
        return Take(t, i, j - i, Slot.Lines);
    }

    /// <summary>"to 3 replicas", "= 3", "5 pods", "by 2" (refused: relative), "to 2.5" (refused: a fraction).</summary>
    private static int Replicas(TokenStream t, Slots s, int i)
    {
        var lex = t.Lex(i);
        if (lex.Word is Word.To or Word.At || t.Is(i, "="))
        {
            var j = i + 1;
            if (j >= s.To)
            {
                return 0;
            }

            if (Lexicon.IsFraction(t.Chars(j)) || t.IsWord(j, Word.Fraction))
            {
                Refuse(s, $"'{t.Chars(j)}' is not a whole number; a replica count is a whole number from 0 to {Bounds.MaxReplicas}");
                return Take(t, i, 2, Slot.Replicas);
            }

            if (t.IsWord(j, Word.A) || Lexicon.Number(t.Chars(j)) is not { } n)
            {
                return 0;
            }

            if (j + 1 < s.To && (t.Lex(j + 1).UnitSeconds > 0 && t.Lex(j + 1).Kind is null || t.IsWord(j + 1, Word.Lines)))
            {
                return 0;
            }

            j++;
            if (j < s.To && IsReplicaUnit(t, j))
            {
                j++;
            }

            SetReplicas(s, n);
            return Take(t, i, j - i, Slot.Replicas);
        }

        if (lex.Word == Word.By && i + 1 < s.To && Lexicon.Number(t.Chars(i + 1)) is not null)
        {
            Refuse(s, "a change by an amount needs the current count, which I do not guess; say the target, e.g. \"scale NAME to 5 replicas in NAMESPACE\"");
            return Take(t, i, 2, Slot.Replicas);
        }

        if (lex.Word == Word.Relative)
        {
            Refuse(s, $"'{t.Chars(i)}' is relative to the current count, which I do not guess; say the target, e.g. \"scale NAME to 5 replicas in NAMESPACE\"");
            return Take(t, i, 1, Slot.Replicas);
        }

        if (lex.Word == Word.Fraction || Lexicon.IsFraction(t.Chars(i)))
        {
            Refuse(s, $"'{t.Chars(i)}' is not a whole number; replica counts, lines and revisions are whole numbers");
            return Take(t, i, 1, Slot.Replicas);
        }

        if (i + 1 < s.To && !t.IsWord(i, Word.A) && Lexicon.Number(t.Chars(i)) is { } count && IsReplicaUnit(t, i + 1))
        {
            SetReplicas(s, count);
            return Take(t, i, 2, Slot.Replicas);
        }

        return 0;
    }

    private static void SetReplicas(Slots s, long replicas)
    {
        if (s.Replicas is { } before && before != replicas)
        {
            Refuse(s, $"two replica counts ({before} and {replicas}) for one object; say one");
        }

        s.Replicas = replicas;
    }

    private static bool IsReplicaUnit(TokenStream t, int i) => t.IsWord(i, Word.Replicas);

    /// <summary>"in staging", "in the dev namespace", "in namespace dev", "on prod" (after the object), "in QA env".</summary>
    private static int Namespace(TokenStream t, Slots s, int i)
    {
        var word = t.Lex(i).Word;
        if (word is not (Word.In or Word.Within or Word.On or Word.From or Word.At or Word.Into))
        {
            return 0;
        }

        var j = i + 1;
        if (j < s.To && t.IsWord(j, Word.The))
        {
            j++;
        }

        if (j + 1 < s.To && t.Lex(j).Kind == ResourceType.Namespace && !t.Lex(j).Plural && IsNameAfterKind(t, j + 1))
        {
            SetNamespace(t, s, t.SpanOf(j + 1), trailing: Closes(t, s, j + 2));
            return Take(t, i, j + 2 - i, Slot.Namespace);
        }

        var k = j + 1;
        var named = k < s.To && (t.Lex(k).Kind == ResourceType.Namespace && !t.Lex(k).Plural || t.IsWord(k, Word.Env));
        // With the word "namespace" beside it any name will do; alone after "in" it must be a word the lexicon does not know.
        if (j >= s.To || !(named ? IsNameAfterKind(t, j) && t.Lex(j).Kind is null : IsNamespaceName(t, j)))
        {
            return 0;
        }

        // "in" always introduces a namespace; "on", "from" and "at" also introduce the object ("logs from web"), so
        // they name a namespace only when they say so or when they close a segment whose object is already named.
        if (!named && word is Word.On or Word.From or Word.At && !(k == s.To && !s.Name.IsEmpty))
        {
            return 0;
        }

        if (named)
        {
            k++;
        }

        SetNamespace(t, s, t.SpanOf(j), trailing: Closes(t, s, k));
        return Take(t, i, k - i, Slot.Namespace);
    }

    /// <summary>Whether only politeness or a question's state word follows: "restart cart and api in qa please", "... in qa ready?".</summary>
    private static bool Closes(TokenStream t, Slots s, int from)
    {
        for (var k = from; k < s.To; k++)
        {
            if (t.Lex(k).Word is not (Word.Filler or Word.State or Word.Again or Word.Me) && !(t.IsWord(k, Word.For) && k + 1 < s.To && t.IsWord(k + 1, Word.Me)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNamespaceName(TokenStream t, int i) =>
        t[i].Kind == TokenKind.Word && (!t.Lex(i).IsKnown || t.Lex(i).Word is Word.Data or Word.Local) && t.Chars(i).IndexOfAny('=', '/') < 0
        && !(i + 1 < t.Count && t[i + 1].Kind == TokenKind.Word && IsTwoWordKind(t, i));

    private static bool IsTwoWordKind(TokenStream t, int i) =>
        Pair(t, i, "stateful", t.Chars(i + 1), "set") || Pair(t, i, "daemon", t.Chars(i + 1), "set") || Pair(t, i, "replica", t.Chars(i + 1), "set")
        || Pair(t, i, "config", t.Chars(i + 1), "map") || Pair(t, i, "cron", t.Chars(i + 1), "job") || Pair(t, i, "pod", t.Chars(i + 1), "autoscaler");

    private static void SetNamespace(TokenStream t, Slots s, Span value, bool trailing)
    {
        if (!s.Namespace.IsEmpty)
        {
            var before = t.Text.AsSpan(s.Namespace.Start, s.Namespace.Length);
            var now = t.Text.AsSpan(value.Start, value.Length);
            if (!before.Equals(now, StringComparison.OrdinalIgnoreCase))
            {
                Refuse(s, $"two namespaces ('{before}' and '{now}') for one object; say one");
            }

            return;
        }

        s.Namespace = value;
        s.NamespaceTrailing = trailing;
    }

    /// <summary>"container app", "the app container", "container named app".</summary>
    private static int Container(TokenStream t, Slots s, int i)
    {
        if (t.IsWord(i, Word.Container))
        {
            var j = i + 1;
            if (j < s.To && t.IsWord(j, Word.Named))
            {
                j++;
            }

            if (j < s.To && IsNameAfterKind(t, j) && t.Lex(j).Kind is null)
            {
                s.Container = t.SpanOf(j);
                s.See(Keywords.Container);
                t.Mark(i, j - i, Slot.Keyword);
                t.Mark(j, 1, Slot.Container);
                return j + 1 - i;
            }

            return 0;
        }

        if (i + 1 < s.To && IsBareName(t, i) && t.IsWord(i + 1, Word.Container) && !(i + 2 < s.To && IsNameAfterKind(t, i + 2) && !t.IsWord(i + 2, Word.Image)))
        {
            s.Container = t.SpanOf(i);
            s.See(Keywords.Container);
            t.Mark(i, 1, Slot.Container);
            t.Mark(i + 1, 1, Slot.Keyword);
            return 2;
        }

        return 0;
    }

    /// <summary>
    /// KEY=VALUE, KEY = VALUE and (with a configmap or secret named) KEY to VALUE. A config value runs to the phrase
    /// that names the store or the namespace, so "warn and debug" stays one value. CONTAINER=IMAGE after kubectl set
    /// image, and replicas=N, are read as what they are.
    /// </summary>
    private static int KeyValue(TokenStream t, Slots s, int i, bool storeNamed)
    {
        if (t[i].Kind != TokenKind.Word || t.Lex(i).IsKnown && !t.IsWord(i, Word.Key))
        {
            return 0;
        }

        var chars = t.Chars(i);
        var keyAt = i;
        if (t.IsWord(i, Word.Key))
        {
            if (i + 1 >= s.To || !storeNamed)
            {
                return 0;
            }

            keyAt = i + 1;
            chars = t.Chars(keyAt);
        }

        var eq = chars.IndexOf('=');
        Span key;
        int valueFrom; // token index where the value's tokens start, or -1 when the value is inside the key's token
        Span inline = Span.None;
        if (eq > 0)
        {
            key = new Span(t[keyAt].Start, eq);
            if (eq < chars.Length - 1)
            {
                inline = new Span(t[keyAt].Start + eq + 1, chars.Length - eq - 1);
                valueFrom = keyAt + 1;
            }
            else
            {
                valueFrom = keyAt + 1;
            }
        }
        else if (keyAt + 1 < s.To && t.Chars(keyAt + 1).StartsWith("=") && t[keyAt + 1].Kind == TokenKind.Word)
        {
            key = t.SpanOf(keyAt);
            if (t[keyAt + 1].Length > 1)
            {
                inline = new Span(t[keyAt + 1].Start + 1, t[keyAt + 1].Length - 1);
            }

            valueFrom = keyAt + 2;
        }
        else if (storeNamed && s.Verb == Verb.Set && keyAt + 2 < s.To && t.IsWord(keyAt + 1, Word.To) && !t.Lex(keyAt).IsKnown)
        {
            key = t.SpanOf(keyAt);
            valueFrom = keyAt + 2;
            t.Mark(keyAt + 1, 1, Slot.Connector);
        }
        else
        {
            return 0;
        }

        var keyText = t.Text.AsSpan(key.Start, key.Length);
        if (keyText.Equals("replicas", StringComparison.OrdinalIgnoreCase) && !inline.IsEmpty
            && Lexicon.Number(t.Text.AsSpan(inline.Start, inline.Length)) is { } replicas)
        {
            s.Replicas = replicas;
            return Take(t, i, valueFrom - i, Slot.Replicas);
        }

        if (!inline.IsEmpty && (s.SetImage || !storeNamed && LooksLikeImage(t.Text.AsSpan(inline.Start, inline.Length))))
        {
            s.Container = key;
            s.Image = inline;
            s.See(Keywords.Container);
            t.Mark(i, valueFrom - i, Slot.Image);
            return valueFrom - i;
        }

        if (s.Verb is not (Verb.Set or Verb.None) && !storeNamed)
        {
            return 0;
        }

        // The value: the inline part plus every following token up to the store or namespace phrase.
        var last = valueFrom - 1;
        var j = valueFrom;
        while (j < s.To && !EndsValue(t, s, j))
        {
            last = j;
            j++;
        }

        var start = !inline.IsEmpty ? inline.Start : valueFrom <= last ? t[valueFrom].Start : -1;
        var end = last >= valueFrom ? t[last].End : inline.IsEmpty ? -1 : inline.Start + inline.Length;
        s.Key = key;
        s.Value = start < 0 ? new Span(t[keyAt].End, 0) : new Span(start, end - start);
        s.See(Keywords.Key);
        t.Mark(i, keyAt + 1 - i, Slot.Key);
        if (valueFrom - 1 > keyAt && t.SlotOf(keyAt + 1) == Slot.Unread)
        {
            t.Mark(keyAt + 1, 1, Slot.Keyword);
        }

        if (last >= valueFrom)
        {
            t.Mark(valueFrom, last + 1 - valueFrom, Slot.Value);
        }

        return Math.Max(j, valueFrom) - i;
    }

    /// <summary>A config value ends where the store or the namespace is named, or at a flag.</summary>
    private static bool EndsValue(TokenStream t, Slots s, int j)
    {
        if (t[j].Kind == TokenKind.Flag)
        {
            return true;
        }

        if (t.Lex(j).Word is not (Word.In or Word.On or Word.Of or Word.For or Word.From or Word.Within))
        {
            return false;
        }

        var k = j + 1;
        if (k < s.To && t.IsWord(k, Word.The))
        {
            k++;
        }

        return k < s.To && (t.Lex(k).Kind is not null || t.Is(k, "config") && k + 1 < s.To && t.Is(k + 1, "map"))
               || k == s.To - 1 || k + 1 == s.To - 1 && (t.Lex(k + 1).Kind == ResourceType.Namespace || t.IsWord(k + 1, Word.Env));
    }

    /// <summary>registry/repo:tag, repo@sha256:..., host:port/repo:tag: a reference with a tag or digest.</summary>
    internal static bool LooksLikeImage(ReadOnlySpan<char> text)
    {
        if (text.Length < 3 || !char.IsAsciiLetterOrDigit(text[0]) || text.ContainsAnyExcept(ImageChars))
        {
            return false;
        }

        var slash = text.LastIndexOf('/');
        return text[(slash + 1)..].IndexOfAny(':', '@') > 0;
    }

    private static readonly System.Buffers.SearchValues<char> ImageChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@");

    /// <summary>An image reference, or after "to" in an image change, the untagged repository (refused later, with why).</summary>
    private static int Image(TokenStream t, Slots s, int i)
    {
        if (t[i].Kind != TokenKind.Word)
        {
            return 0;
        }

        var chars = t.Chars(i);
        var tagged = LooksLikeImage(chars) && !(chars.IndexOf('/') is var slash and > 0 && Lexicon.KindOf(chars[..slash]) is not null);
        var untagged = !tagged && i > s.From && t.IsWord(i - 1, Word.To) && s.Image.IsEmpty
                       && (s.Has(Keywords.Image) || s.Verb is Verb.Deploy) && !t.Lex(i).IsKnown && chars.IndexOf('=') < 0;
        if (!tagged && !untagged)
        {
            return 0;
        }

        if (!s.Image.IsEmpty)
        {
            return 0;
        }

        s.Image = t.SpanOf(i);
        return Take(t, i, 1, Slot.Image);
    }

    /// <summary>"deployment/web", "deployment web", "the web deployment", "the deployment named web", "web's", "stateful set db".</summary>
    private static int Target(TokenStream t, Slots s, int i)
    {
        if (t[i].Kind != TokenKind.Word)
        {
            return 0;
        }

        var chars = t.Chars(i);
        var slash = chars.IndexOf('/');
        if (slash > 0 && slash < chars.Length - 1 && chars[(slash + 1)..].IndexOf('/') < 0 && Lexicon.Find(chars[..slash]) is { Kind: { } slashKind } slashLex)
        {
            SetKind(s, slashKind, slashLex.Plural);
            SetName(t, s, new Span(t[i].Start + slash + 1, chars.Length - slash - 1), i, bare: false);
            t.Mark(i, 1, Slot.Name);
            return 1;
        }

        var (kind, plural, width) = KindAt(t, s, i);
        if (kind is { } k)
        {
            var j = i + width;
            var adjacentName = s.NameToken >= 0 && s.NameBare && (s.NameToken == i - 1);
            if (!adjacentName && j < s.To && t.IsWord(j, Word.Named) && j + 1 < s.To && IsNameAfterKind(t, j + 1))
            {
                SetKind(s, k, plural);
                SetName(t, s, t.SpanOf(j + 1), j + 1, bare: false);
                t.Mark(i, j + 1 - i, Slot.Kind);
                t.Mark(j + 1, 1, Slot.Name);
                return j + 2 - i;
            }

            if (!adjacentName && j < s.To && IsNameAfterKind(t, j) && s.Name.IsEmpty)
            {
                SetKind(s, k, plural);
                SetName(t, s, WithoutPossessive(t, j), j, bare: false);
                t.Mark(i, width, Slot.Kind);
                t.Mark(j, 1, Slot.Name);
                return width + 1;
            }

            if (s.Kind is not null)
            {
                return 0; // a second kind for one object is not understood
            }

            SetKind(s, k, plural);
            if (adjacentName)
            {
                s.NameBare = false;
            }

            return Take(t, i, width, Slot.Kind);
        }

        if (chars.Length > 2 && (chars.EndsWith("'s") || chars.EndsWith("\u2019s")) && s.Name.IsEmpty && !t.Lex(i).IsKnown)
        {
            SetName(t, s, WithoutPossessive(t, i), i, bare: true);
            return Take(t, i, 1, Slot.Name);
        }

        return 0;
    }

    /// <summary>"zk's" names zk.</summary>
    private static Span WithoutPossessive(TokenStream t, int i)
    {
        var chars = t.Chars(i);
        return chars.Length > 2 && (chars.EndsWith("'s") || chars.EndsWith("\u2019s")) ? new Span(t[i].Start, chars.Length - 2) : t.SpanOf(i);
    }

    private static (ResourceType? Kind, bool Plural, int Width) KindAt(TokenStream t, Slots s, int i)
    {
        if (i + 1 < s.To)
        {
            var second = t.Chars(i + 1);
            var plural = second.EndsWith("s", StringComparison.OrdinalIgnoreCase);
            ResourceType? two =
                Pair(t, i, "stateful", second, "set") ? ResourceType.StatefulSet
                : Pair(t, i, "daemon", second, "set") ? ResourceType.DaemonSet
                : Pair(t, i, "replica", second, "set") ? ResourceType.ReplicaSet
                : Pair(t, i, "config", second, "map") ? ResourceType.ConfigMap
                : Pair(t, i, "cron", second, "job") ? ResourceType.CronJob
                : Pair(t, i, "pod", second, "autoscaler") ? ResourceType.HorizontalPodAutoscaler
                : null;
            if (two is not null)
            {
                return (two, plural, 2);
            }
        }

        var lex = t.Lex(i);
        if (lex.Kind is not { } kind)
        {
            return (null, false, 0);
        }

        // "deploy" opens a clause as a verb; "no" is kubectl's node only where kubectl is spoken.
        if (lex.Verb != Verb.None && s.Verb == Verb.None || kind == ResourceType.Node && t.Is(i, "no") && !s.Kubectl)
        {
            return (null, false, 0);
        }

        return (kind, lex.Plural, 1);
    }

    /// <summary>"stateful set", "config maps": a kind written as two words.</summary>
    private static bool Pair(TokenStream t, int i, string first, ReadOnlySpan<char> second, string noun) =>
        t.Is(i, first) && (second.Equals(noun, StringComparison.OrdinalIgnoreCase) || second.Length == noun.Length + 1
            && second.StartsWith(noun, StringComparison.OrdinalIgnoreCase) && (second[^1] is 's' or 'S'));

    private static void SetKind(Slots s, ResourceType kind, bool plural)
    {
        s.Kind = kind;
        s.KindPlural |= plural;
    }

    private static void SetName(TokenStream t, Slots s, Span name, int token, bool bare)
    {
        if (!s.Name.IsEmpty)
        {
            s.Unknown++;
            t.Mark(token, 1, Slot.NotUnderstood);
            return;
        }

        s.Name = name;
        s.NameToken = token;
        s.NameBare = bare;
    }

    /// <summary>Cordon/uncordon words and the drain options, in English.</summary>
    private static int NodePhrase(TokenStream t, Slots s, int i)
    {
        var word = t.Lex(i).Word;
        switch (word)
        {
            case Word.Unschedulable:
                s.See(Keywords.Unschedulable);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Schedulable:
                s.See(Keywords.Schedulable);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Out when i + 2 < s.To && t.IsWord(i + 1, Word.Of) && t.IsWord(i + 2, Word.Scheduling):
                s.See(Keywords.OutOfScheduling);
                return Take(t, i, 3, Slot.Keyword);
            case Word.Back when i + 2 < s.To && t.Lex(i + 1).Word is Word.Into or Word.In or Word.To or Word.On && t.IsWord(i + 2, Word.Scheduling):
                s.See(Keywords.IntoScheduling);
                return Take(t, i, 3, Slot.Keyword);
            case Word.Ignoring:
            {
                var j = i + 1;
                if (j < s.To && t.IsWord(j, Word.The))
                {
                    j++;
                }

                if (j < s.To && t.IsWord(j, Word.Daemonsets) || j < s.To && t.Lex(j).Kind == ResourceType.DaemonSet)
                {
                    s.IgnoreDaemonsets = true;
                    return Take(t, i, j + 1 - i, Slot.Option);
                }

                if (j + 1 < s.To && t.Is(j, "daemon") && t.Chars(j + 1).StartsWith("set", StringComparison.OrdinalIgnoreCase))
                {
                    s.IgnoreDaemonsets = true;
                    return Take(t, i, j + 2 - i, Slot.Option);
                }

                return 0;
            }
            case Word.Deleting:
            {
                var j = i + 1;
                var any = false;
                while (j < s.To && t.Lex(j).Word is Word.Local or Word.Emptydir or Word.Data)
                {
                    any = true;
                    j++;
                }

                if (!any)
                {
                    return 0;
                }

                s.DeleteEmptydirData = true;
                return Take(t, i, j - i, Slot.Option);
            }
            case Word.Grace when i + 1 < s.To && t.IsWord(i + 1, Word.Period):
            {
                var j = i + 2;
                if (j < s.To && t.IsWord(j, Word.Of))
                {
                    j++;
                }

                if (j < s.To && Lexicon.CompactDuration(t.Chars(j)) is { } compact)
                {
                    s.GracePeriod = compact;
                    return Take(t, i, j + 1 - i, Slot.Option);
                }

                if (j >= s.To || Lexicon.Number(t.Chars(j)) is not { } amount)
                {
                    return 0;
                }

                j++;
                var unit = 1;
                if (j < s.To && t.Lex(j).UnitSeconds > 0)
                {
                    unit = t.Lex(j).UnitSeconds;
                    j++;
                }

                s.GracePeriod = amount * unit;
                return Take(t, i, j - i, Slot.Option);
            }
        }

        return 0;
    }

    /// <summary>What is left: keywords that choose the operation, connectors, politeness, refusals and bare names.</summary>
    private static int Keyword(TokenStream t, Slots s, int i)
    {
        var lex = t.Lex(i);
        var last = i + 1 >= s.To;
        switch (lex.Word)
        {
            case Word.Log:
                s.See(Keywords.Logs);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Status:
                s.See(Keywords.Status);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Image:
                s.See(Keywords.Image);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Replicas or Word.Count:
                s.See(Keywords.Replicas);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Revision:
                s.See(Keywords.Back);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Back:
                s.See(Keywords.Back);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Out:
                s.See(Keywords.Out);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Up or Word.Down:
                s.See(s.Verb is Verb.Is or Verb.How or Verb.What ? Keywords.State : Keywords.Direction); // "is cart up?"
                return Take(t, i, 1, Slot.Keyword);
            case Word.Last or Word.Previous:
                s.See(Keywords.Last);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Rollout when s.Verb is Verb.Undo or Verb.Roll or Verb.Show or Verb.Status or Verb.Describe or Verb.Is or Verb.How or Verb.What:
                s.See(Keywords.Rollout);
                return Take(t, i, 1, Slot.Keyword);
            case Word.State:
                s.See(Keywords.State);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Again:
                s.See(Keywords.Again);
                return Take(t, i, 1, Slot.Keyword);
            case Word.Key or Word.Value:
                return Take(t, i, 1, Slot.Keyword);
            case Word.All:
                Refuse(s, $"'{t.Chars(i)}' would act on every matching object; name each object (I never act on all of them at once)");
                return Take(t, i, 1, Slot.NotUnderstood);
            case Word.Fraction:
                Refuse(s, $"'{t.Chars(i)}' is not a whole number; replica counts, lines and revisions are whole numbers");
                return Take(t, i, 1, Slot.NotUnderstood);
            case Word.Relative:
                Refuse(s, $"'{t.Chars(i)}' is relative to the current count, which I do not guess; say the target, e.g. \"scale NAME to 5 replicas in NAMESPACE\"");
                return Take(t, i, 1, Slot.NotUnderstood);
            case Word.The or Word.A when last || IsGlue(t.Lex(i + 1).Word):
                break; // "the" before nothing, or before another "the" or "of", introduces nothing
            case Word.Filler or Word.The or Word.A or Word.Me or Word.Also:
                return Take(t, i, 1, Slot.Filler);
            case Word.For when !last && t.IsWord(i + 1, Word.Me):
                return Take(t, i, 2, Slot.Filler);
            case Word.In or Word.Within or Word.Into or Word.At when !last && IntroducesObject(t, s, i + 1):
                return Take(t, i, 1, Slot.Connector);
            case Word.On or Word.Of or Word.For or Word.From or Word.To or Word.With or Word.As when !last && !IsConnector(t.Lex(i + 1).Word):
                return Take(t, i, 1, Slot.Connector);
            case Word.And when s.Verb is Verb.Drain or Verb.Is or Verb.How or Verb.What:
                return Take(t, i, 1, Slot.Connector);
        }

        if (lex.Verb == Verb.Exec)
        {
            Refuse(s, $"{t.Chars(i)} (running commands inside a container) is not something I do; I change and read objects through the Kubernetes API only");
            return Take(t, i, 1, Slot.NotUnderstood);
        }

        if (lex.Word == Word.Lead && t.Is(i, "you") && i > s.From && t.Is(i - 1, "thank"))
        {
            return Take(t, i, 1, Slot.Filler);
        }

        if (lex.IsNumber && !t.IsWord(i, Word.A))
        {
            if (s.Verb == Verb.Logs && s.Lines is null && Lexicon.Number(t.Chars(i)) is { } lines)
            {
                s.Lines = lines; // "tail 50 web"
                return Take(t, i, 1, Slot.Lines);
            }

            if (s.Verb is Verb.Scale or Verb.Resize && s.Replicas is null && Lexicon.Number(t.Chars(i)) is { } replicas)
            {
                s.Replicas = replicas; // "scale web 3"
                return Take(t, i, 1, Slot.Replicas);
            }
        }

        if (IsBareName(t, i) && s.Name.IsEmpty)
        {
            SetName(t, s, t.SpanOf(i), i, bare: true);
            return Take(t, i, 1, Slot.Name);
        }

        s.Unknown++;
        return Take(t, i, 1, Slot.NotUnderstood);
    }

    /// <summary>The keyword a Keyword-slot token stands for, as <see cref="Keyword"/> records it.</summary>
    internal static Keywords KeywordOf(Lex lex, Verb verb) => lex.Word switch
    {
        Word.Log => Keywords.Logs,
        Word.Status => Keywords.Status,
        Word.Image => Keywords.Image,
        Word.Replicas or Word.Count => Keywords.Replicas,
        Word.Revision or Word.Back => Keywords.Back,
        Word.Out => Keywords.Out,
        Word.Up or Word.Down => verb is Verb.Is or Verb.How or Verb.What ? Keywords.State : Keywords.Direction,
        Word.Last or Word.Previous => Keywords.Last,
        Word.Rollout => Keywords.Rollout,
        Word.State => Keywords.State,
        Word.Again => Keywords.Again,
        Word.Container => Keywords.Container,
        Word.Unschedulable => Keywords.Unschedulable,
        Word.Schedulable => Keywords.Schedulable,
        Word.Key => Keywords.Key,
        _ => Keywords.None,
    };

    /// <summary>A word that can be an object's name after its kind ("deployment restart" is a deployment named restart).</summary>
    private static bool IsNameAfterKind(TokenStream t, int i) =>
        t[i].Kind == TokenKind.Word && t.Lex(i).Word is not (Word.In or Word.On or Word.Of or Word.For or Word.From or Word.To or Word.At
            or Word.By or Word.With or Word.Within or Word.Into or Word.As or Word.Named or Word.And or Word.Then or Word.Since or Word.Over
            or Word.Ago or Word.Container or Word.Image or Word.Lines or Word.Log or Word.Revision or Word.Replicas or Word.Count
            or Word.State or Word.Ignoring or Word.Grace or Word.Last or Word.Unschedulable or Word.Schedulable or Word.The or Word.Status
            or Word.Back or Word.All or Word.Up or Word.Down or Word.Pronoun or Word.Filler)
        && t.Chars(i).IndexOf('=') < 0;

    /// <summary>A word that is nothing but a name: unknown to the lexicon.</summary>
    private static bool IsBareName(TokenStream t, int i) =>
        t[i].Kind == TokenKind.Word && !t.Lex(i).IsKnown && t.Chars(i).IndexOf('=') < 0 && !t.Chars(i).StartsWith("=");
}
