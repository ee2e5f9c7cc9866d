using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>The object a segment names (kind and name, in every order operators use) and the node phrases.</summary>
internal static partial class SegmentReader
{
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
            if (s.Kind is not null || !s.Name.IsEmpty)
            {
                return 0; // a second object in one segment is not understood
            }

            SetKind(s, slashKind, slashLex.Plural);
            SetName(t, s, new Span(t[i].Start + slash + 1, chars.Length - slash - 1), i, bare: false);
            t.Mark(i, 1, Slot.Name);
            return 1;
        }

        var (kind, plural, width) = KindAt(t, s, i);
        if (kind is { } k)
        {
            if (s.Kind is not null)
            {
                return 0; // a second kind for one object is not understood
            }

            if (!s.Name.IsEmpty)
            {
                // "the cart deployment": the kind follows its name directly; anywhere else it names nothing.
                if (s.NameToken != i - 1 || !s.NameBare)
                {
                    return 0;
                }

                SetKind(s, k, plural);
                s.NameBare = false;
                return Take(t, i, width, Slot.Kind);
            }

            var j = i + width;
            if (j < s.To && t.IsWord(j, Word.Named) && j + 1 < s.To && IsNameAfterKind(t, j + 1))
            {
                SetKind(s, k, plural);
                SetName(t, s, t.SpanOf(j + 1), j + 1, bare: false);
                t.Mark(i, j + 1 - i, Slot.Kind);
                t.Mark(j + 1, 1, Slot.Name);
                return j + 2 - i;
            }

            if (j < s.To && IsNameAfterKind(t, j))
            {
                SetKind(s, k, plural);
                SetName(t, s, WithoutPossessive(t, j), j, bare: false);
                t.Mark(i, width, Slot.Kind);
                t.Mark(j, 1, Slot.Name);
                return width + 1;
            }

            SetKind(s, k, plural);
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
}
