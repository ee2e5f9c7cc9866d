using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>
/// A deterministic parser for what operators actually type: kubectl command lines and English in any common
/// order, several requests joined by "and", "then", ";" or sentences. A tokenizer and a lexicon feed slot filling
/// (operation, kind, name, namespace, replicas, container, image, revision, lines, since, key/value); a verb or a
/// trailing namespace is shared between the parts of a sentence only where the sentence makes that unambiguous.
/// It never guesses a resource or a namespace: when a part is not understood it says which part, and shows the
/// closest form it knows.
/// </summary>
public sealed class OfflineIntentParser : IIntentParser
{
    public const string ParserName = "offline";

    public string Name => ParserName;

    public Task<IntentParseResult> ParseAsync(string text, ClusterContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Parse(text, context));

    public IntentParseResult Parse(string text, ClusterContext context)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail(ParseFailureKind.NotUnderstood, "the request is empty; say what to do, e.g. \"scale deployment api to 3 replicas in staging\"", []);
        }

        if (text.Length > Bounds.MaxOriginalRequest)
        {
            // Refused before reading: the intent could not carry it, and reading it would cost for nothing.
            return Fail(ParseFailureKind.InvalidIntent, $"the request breaks a bound: original_request: must be at most {Bounds.MaxOriginalRequest} characters, got {text.Length}", []);
        }

        using var tokens = new TokenStream(text);
        return Parse(tokens, context, Read(tokens));
    }

    /// <summary>The parse, with every token and the slot it filled: what `k8s-agent parse --explain` shows.</summary>
    public ParseExplanation Explain(string text, ClusterContext context)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > Bounds.MaxOriginalRequest)
        {
            return new ParseExplanation([], Parse(text, context));
        }

        using var tokens = new TokenStream(text);
        var segments = Read(tokens);
        var result = Parse(tokens, context, segments);
        var explained = new List<ExplainedToken>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var segment = segments.FindIndex(s => i >= s.From && i < s.To);
            explained.Add(new ExplainedToken(tokens.Chars(i).ToString(), SlotName(tokens.SlotOf(i)), segment < 0 ? null : segment + 1));
        }

        return new ParseExplanation(explained, result);
    }

    private static string SlotName(Slot slot) => slot switch
    {
        Slot.Unread => "-",
        Slot.NotUnderstood => "NOT UNDERSTOOD",
        _ => slot.ToString().ToLowerInvariant(),
    };

    private static IntentParseResult Parse(TokenStream tokens, ClusterContext context, List<Slots> segments)
    {
        List<string>? problems = null;
        var drafts = new List<DraftOperation>(segments.Count);
        foreach (var segment in segments)
        {
            var draft = Build(tokens, segment, out var problem);
            if (draft is not null)
            {
                drafts.Add(draft);
                continue;
            }

            // "scale api to 3 in dev and frobnicate web": pointing at the part not understood beats quoting it all.
            problems ??= [];
            problems.Add(segments.Count > 1 ? $"in \"{tokens.Between(segment.From, segment.To - 1)}\": {problem}" : problem!);
        }

        if (problems is not null)
        {
            return Fail(ParseFailureKind.NotUnderstood, problems[0], problems);
        }

        if (drafts.Count == 0)
        {
            return Fail(ParseFailureKind.NotUnderstood, $"nothing to do in \"{tokens.Text.Trim()}\"; {OperationBuilder.KnownForms}", []);
        }

        var operations = new List<KubernetesOperation>(drafts.Count);
        var risk = RiskLevel.Low;
        foreach (var draft in drafts)
        {
            operations.Add(ToOperation(draft, context));
            var r = RiskOf(draft, context);
            risk = r > risk ? r : risk;
        }

        var intent = new KubernetesIntent
        {
            OriginalRequest = tokens.Text,
            Operations = operations,
            EstimatedRiskLevel = risk,
            Summary = Summary(drafts),
        };

        var errors = IntentValidator.Validate(intent);
        return errors.Count > 0
            ? Fail(ParseFailureKind.InvalidIntent, $"the request breaks a bound: {errors[0]}", errors.Select(e => e.ToString()).ToList())
            : new IntentParseSucceeded(intent, ParserName);
    }

    private static DraftOperation? Build(TokenStream tokens, Slots segment, out string? problem)
    {
        if (segment.Problem is not null)
        {
            problem = segment.Problem;
            return null;
        }

        if (segment.Verb == Verb.None)
        {
            problem = $"did not understand \"{Words(tokens, segment, Slot.Namespace, Slot.Since)}\"; {OperationBuilder.KnownForms}";
            return null;
        }

        // Node operations are critical: a list shares their verb only under an explicit plural ("cordon nodes a and b").
        if (segment.SharedFrom is { } first && OperationBuilder.IsNodeVerb(first.Verb) && !(first.KindPlural && first.Kind == ResourceType.Node))
        {
            problem = $"did not understand \"{tokens.Between(segment.From, segment.To - 1)}\"; give each node its own verb, e.g. \"cordon worker-1 and cordon worker-2\"";
            return null;
        }

        if (segment.Unknown > 0)
        {
            var unknown = segment.SharedFrom is not null && segment.NameBare
                ? Words(tokens, segment, Slot.Name, Slot.NotUnderstood, only: true)
                : Words(tokens, segment, Slot.NotUnderstood, Slot.NotUnderstood, only: true);
            var closest = OperationBuilder.Decide(segment) is { } type ? OperationBuilder.Example(type) : OperationBuilder.Example(segment.Verb);
            problem = $"did not understand \"{unknown}\" in \"{tokens.Between(segment.From, segment.To - 1)}\"; the closest form I know is \"{closest}\"";
            return null;
        }

        if (OperationBuilder.Decide(segment) is not { } operation)
        {
            problem = $"did not understand what to do in \"{tokens.Between(segment.From, segment.To - 1)}\"; the closest form I know is \"{OperationBuilder.Example(segment.Verb)}\"";
            return null;
        }

        var draft = OperationBuilder.Build(tokens, segment, operation, out problem);
        if (draft is null)
        {
            return null;
        }

        // "restart cart logs in qa": a keyword the operation has no use for asked for something else.
        var stray = segment.Seen & ~OperationBuilder.KeywordsOf(operation);
        if (stray != Keywords.None)
        {
            var words = StrayWords(tokens, segment, stray);
            problem = $"did not understand \"{(words.Length > 0 ? words : tokens.Between(segment.From, segment.To - 1))}\" for {WireNames.Of(operation)}; the closest form I know is \"{OperationBuilder.Example(operation)}\"";
            return null;
        }

        return draft;
    }

    private static string StrayWords(TokenStream tokens, Slots segment, Keywords stray)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = segment.From; i < segment.To; i++)
        {
            if (tokens.SlotOf(i) == Slot.Keyword && (SegmentReader.KeywordOf(tokens.Lex(i), segment.Verb) & stray) != Keywords.None)
            {
                builder.Append(builder.Length == 0 ? "" : " ").Append(tokens.Chars(i));
            }
        }

        return builder.ToString();
    }

    /// <summary>The segment's words, without (or, with <paramref name="only"/>, only) the tokens in two slots.</summary>
    private static string Words(TokenStream tokens, Slots segment, Slot a, Slot b, bool only = false)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = segment.From; i < segment.To; i++)
        {
            var slot = tokens.SlotOf(i);
            if ((slot == a || slot == b) == only && !tokens[i].IsSeparator)
            {
                builder.Append(builder.Length == 0 ? "" : " ").Append(tokens.Chars(i));
            }
        }

        return builder.ToString();
    }

    // ---- sentences, parts and segments -----------------------------------------------------------------------------

    /// <summary>
    /// Splits the request into sentences (at ';', '&amp;&amp;', line ends, '.', '?', "then"), each sentence into parts
    /// (at "and" and ','), and reads each part as a new verb's segment or, when it opens without a verb, as one more
    /// object for the verb before it ("restart cart and api in qa").
    /// </summary>
    private static List<Slots> Read(TokenStream t)
    {
        var segments = new List<Slots>(2);
        var i = 0;
        while (i < t.Count)
        {
            var end = i;
            while (end < t.Count && !IsSentenceEnd(t, end))
            {
                end++;
            }

            ReadSentence(t, i, end, segments);
            var width = end < t.Count && t.Is(end, "after") ? 2 : 1;
            if (end < t.Count)
            {
                t.Mark(end, width, Slot.Separator);
            }

            i = end + width;
        }

        return segments;
    }

    private static bool IsSentenceEnd(TokenStream t, int i) =>
        t[i].IsSeparator && t[i].Kind != TokenKind.Comma || t.IsWord(i, Word.Then)
        || t.Is(i, "after") && i + 1 < t.Count && t.Is(i + 1, "that");

    private static void ReadSentence(TokenStream t, int from, int to, List<Slots> segments)
    {
        var first = segments.Count;
        Slots? group = null;
        Span sentenceNamespace = Span.None;
        var start = from;
        while (start < to)
        {
            // Joining words between parts: "and", "and also", ",".
            if (IsJoin(t, start))
            {
                t.Mark(start, 1, Slot.Separator);
                start++;
                continue;
            }

            var opensVerb = OpensVerb(t, start, to);
            var groupVerb = opensVerb ? FirstVerb(t, start, to) : group?.Verb ?? Verb.None;
            var end = start + 1;
            while (end < to && !(IsJoin(t, end) && SplitsAt(t, start, end, to, groupVerb)))
            {
                end++;
            }

            if (NamespaceOnly(t, start, end) is { } ns)
            {
                sentenceNamespace = ns; // "In qa, restart cart": the prefix names the namespace for the whole sentence
            }
            else if (FillerOnly(t, start, end))
            {
                t.Mark(start, end - start, Slot.Filler);
            }
            else
            {
                var segment = new Slots(start, end);
                if (!opensVerb && group is not null)
                {
                    segment.SharedFrom = group;
                    segment.Verb = group.Verb;
                    segment.Kubectl = group.Kubectl;
                    segment.SetImage = group.SetImage;
                    segment.Seen = group.Seen;
                }

                SegmentReader.Read(t, segment);
                if (opensVerb || group is null)
                {
                    group = segment;
                }

                segments.Add(segment);
            }

            start = end;
        }

        Carry(segments, first, sentenceNamespace);
    }

    private static bool IsJoin(TokenStream t, int i) => t[i].Kind == TokenKind.Comma || t.IsWord(i, Word.And) || t.IsWord(i, Word.Also);

    /// <summary>Whether "and" or ',' at <paramref name="at"/> ends the part that began at <paramref name="start"/>.</summary>
    private static bool SplitsAt(TokenStream t, int start, int at, int to, Verb groupVerb)
    {
        var next = at + 1;
        while (next < to && IsJoin(t, next))
        {
            next++;
        }

        if (next >= to)
        {
            return true;
        }

        var nextLex = t.Lex(next);
        // Drain options and question states are lists of their own: "ignoring daemonsets and deleting emptydir data",
        // "up and running".
        if (groupVerb == Verb.Drain && nextLex.Word is Word.Deleting or Word.Ignoring or Word.Grace or Word.With)
        {
            return false;
        }

        if (groupVerb is Verb.Is or Verb.How or Verb.What && nextLex.Word == Word.State)
        {
            return false;
        }

        if (OpensVerb(t, next, to))
        {
            return true;
        }

        // A config value may hold "and" or ',': "set LOG_LEVEL=warn and debug in configmap app".
        if (groupVerb == Verb.Set)
        {
            for (var i = start; i < at; i++)
            {
                if (t.Chars(i).Contains('=') || t.IsWord(i, Word.Key))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A part opens a new verb when its first word (after politeness) is one, or when it is a kubectl line.</summary>
    private static bool OpensVerb(TokenStream t, int start, int to)
    {
        for (var i = start; i < to; i++)
        {
            if (t[i].Kind == TokenKind.Flag)
            {
                return FirstVerb(t, i, to) != Verb.None;
            }

            var lex = t.Lex(i);
            if (t.Is(i, "kubectl") || lex.Verb != Verb.None)
            {
                return true;
            }

            if (lex.Word is not (Word.Lead or Word.Filler or Word.To or Word.Also or Word.Me or Word.The or Word.A))
            {
                return false;
            }
        }

        return false;
    }

    private static Verb FirstVerb(TokenStream t, int start, int to)
    {
        for (var i = start; i < to; i++)
        {
            if (t[i].Kind == TokenKind.Word && t.Lex(i).Verb != Verb.None && !t.Is(i, "kubectl"))
            {
                return t.Lex(i).Verb is Verb.Rolling or Verb.Rollout or Verb.Roll ? Verb.Restart : t.Lex(i).Verb;
            }
        }

        return Verb.None;
    }

    /// <summary>"In qa" or "in the qa namespace" standing alone between commas.</summary>
    private static Span? NamespaceOnly(TokenStream t, int start, int end)
    {
        if (end - start < 2 || t.Lex(start).Word is not (Word.In or Word.Within or Word.On))
        {
            return null;
        }

        var probe = new Slots(start, end);
        var snapshot = new Slot[end - start];
        for (var i = start; i < end; i++)
        {
            snapshot[i - start] = t.SlotOf(i);
        }

        SegmentReader.Read(t, probe);
        var only = probe.Problem is null && probe.Unknown == 0 && !probe.Namespace.IsEmpty && probe.Name.IsEmpty && probe.Kind is null
                   && probe.Verb == Verb.None && probe.Seen == Keywords.None;
        if (!only)
        {
            for (var i = start; i < end; i++)
            {
                t.Mark(i, 1, snapshot[i - start]);
            }

            return null;
        }

        return probe.Namespace;
    }

    private static bool FillerOnly(TokenStream t, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (t.Lex(i).Word is not (Word.Filler or Word.Lead) && !t[i].IsSeparator)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Shares slots between the segments of a sentence where the sentence leaves no doubt: a trailing namespace (and
    /// a trailing replica count or time window) with the segments before it that have none; a plural or non-delete
    /// kind and the log window with the segments after it; a leading "In NS," with every segment that names none.
    /// </summary>
    private static void Carry(List<Slots> segments, int first, Span sentenceNamespace)
    {
        for (var k = segments.Count - 1; k > first; k--)
        {
            var later = segments[k];
            var earlier = segments[k - 1];
            if (later.SharedFrom is null)
            {
                continue; // a new verb: its own slots only
            }

            if (earlier.Namespace.IsEmpty && !later.Namespace.IsEmpty && later.NamespaceTrailing)
            {
                earlier.Namespace = later.Namespace;
                earlier.NamespaceTrailing = true;
                earlier.NamespaceCarried = true;
            }

            if (earlier.Replicas is null && later.Replicas is not null && earlier.Image.IsEmpty && earlier.Key.IsEmpty)
            {
                earlier.Replicas = later.Replicas;
            }

            earlier.Since ??= later.Since;
        }

        for (var k = first + 1; k < segments.Count; k++)
        {
            var segment = segments[k];
            if (segment.SharedFrom is not { } head)
            {
                continue;
            }

            if (segment.Kind is null && head.Kind is { } kind && (head.KindPlural || head.Verb != Verb.Delete))
            {
                segment.Kind = kind;
            }

            segment.Lines ??= head.Lines;
            segment.Since ??= head.Since;
            segment.Seen |= head.Seen & (Keywords.Logs | Keywords.Status | Keywords.Image | Keywords.Replicas | Keywords.Back);
        }

        if (!sentenceNamespace.IsEmpty)
        {
            for (var k = first; k < segments.Count; k++)
            {
                if (segments[k].Namespace.IsEmpty)
                {
                    segments[k].Namespace = sentenceNamespace;
                    segments[k].NamespaceCarried = true;
                }
                else if (!segments[k].NamespaceCarried)
                {
                    segments[k].Problem ??= "two namespaces for one object (one for the whole sentence, one for this part); say one";
                }
            }
        }
    }

    // ---- the intent ------------------------------------------------------------------------------------------------

    private static KubernetesOperation ToOperation(DraftOperation draft, ClusterContext context)
    {
        var risk = RiskOf(draft, context);
        var reason = draft.Namespace is null ? $"Operator asked to {draft.Description}." : $"Operator asked to {draft.Description} in {draft.Namespace}.";
        return new KubernetesOperation
        {
            OperationType = draft.Operation,
            ResourceType = draft.Resource,
            ResourceName = draft.Name,
            Namespace = draft.Namespace,
            Parameters = draft.Parameters,
            Reason = Clip(reason, Bounds.MaxReason),
            RequiresConfirmation = risk >= RiskLevel.Medium,
        };
    }

    /// <summary>The brief's scale: read-only is low; production raises every change; nodes and namespaces are critical.</summary>
    internal static RiskLevel RiskOf(DraftOperation draft, ClusterContext context)
    {
        var production = context.IsProduction(draft.Namespace) || draft.Resource == ResourceType.Namespace && context.IsProduction(draft.Name);
        return draft.Operation switch
        {
            OperationType.GetStatus or OperationType.GetLogs => RiskLevel.Low,
            OperationType.CordonNode or OperationType.UncordonNode or OperationType.DrainNode => RiskLevel.Critical,
            OperationType.Delete when production || draft.Resource == ResourceType.Namespace => RiskLevel.Critical,
            OperationType.Delete => RiskLevel.Medium,
            OperationType.Scale or OperationType.Restart => production ? RiskLevel.Medium : RiskLevel.Low,
            OperationType.UpdateConfig => production ? RiskLevel.High : RiskLevel.Medium,
            _ => production ? RiskLevel.High : RiskLevel.Medium,
        };
    }

    private static string Summary(List<DraftOperation> drafts)
    {
        var length = 1;
        foreach (var d in drafts)
        {
            length += d.Description.Length + (d.Namespace is null ? 0 : d.Namespace.Length + 4) + (length == 1 ? 0 : 7);
        }

        // Built in one allocation: this runs on every parse.
        var text = string.Create(length, drafts, static (span, drafts) =>
        {
            var at = 0;
            foreach (var d in drafts)
            {
                if (at > 0)
                {
                    "; then ".CopyTo(span[at..]);
                    at += 7;
                }

                d.Description.CopyTo(span[at..]);
                at += d.Description.Length;
                if (d.Namespace is not null)
                {
                    " in ".CopyTo(span[at..]);
                    d.Namespace.CopyTo(span[(at + 4)..]);
                    at += 4 + d.Namespace.Length;
                }
            }

            span[0] = char.ToUpperInvariant(span[0]);
            span[at] = '.';
        });
        return Clip(text, Bounds.MaxSummary);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static IntentParseFailed Fail(ParseFailureKind kind, string message, IReadOnlyList<string> details) =>
        new(kind, message, details, ParserName);
}

/// <summary>What `k8s-agent parse --explain` prints: every token, the slot it filled and the operation it belongs to.</summary>
public sealed record ParseExplanation(IReadOnlyList<ExplainedToken> Tokens, IntentParseResult Result);

/// <summary>One token of a request; <see cref="Operation"/> is the 1-based segment it was read in.</summary>
public sealed record ExplainedToken(string Text, string Slot, int? Operation);
