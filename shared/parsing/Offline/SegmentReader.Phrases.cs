using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>The phrases that fill value slots: time windows, revisions, log lines, replicas, namespaces, containers, keys and values, images.</summary>
internal static partial class SegmentReader
{
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
        if (k < s.To && t.Lex(k).Kind is { } kind && kind != ResourceType.Namespace)
        {
            return 0; // "in the cart-config configmap" names the object, not a namespace
        }

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

        // "in configmap x", "in the x configmap", "in x" at the end, "in the x namespace" at the end.
        return k < s.To && (t.Lex(k).Kind is not null || t.Is(k, "config") && k + 1 < s.To && t.Is(k + 1, "map"))
               || k + 1 < s.To && t.Lex(k + 1).Kind is ResourceType.ConfigMap or ResourceType.Secret
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
}
