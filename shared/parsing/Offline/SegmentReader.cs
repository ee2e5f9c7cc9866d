using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>
/// Fills the slots of one segment, left to right. At each token the phrases that can start there are tried, the
/// longest and most specific first; a token no phrase takes is left "not understood", and any such token refuses the
/// segment. Nothing is filled by default here: defaults (a bare name is a deployment) are applied when the operation
/// is built, where they can be stated.
/// </summary>
internal static partial class SegmentReader
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
            || j + 1 < s.To && (IsTwoWordKind(t, j) || t.IsWord(j + 1, Word.Container) || t.Lex(j + 1).Kind is not null));
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
            case Word.State when t.Is(i, "going") && !last && t.IsWord(i + 1, Word.On):
                s.See(Keywords.State); // "what's going on with cart"
                return Take(t, i, 2, Slot.Keyword);
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
            case Word.In or Word.Within or Word.Into or Word.At when !last && t[i + 1].Kind == TokenKind.Word && IntroducesObject(t, s, i + 1):
                return Take(t, i, 1, Slot.Connector);
            case Word.On or Word.Of or Word.For or Word.From or Word.To or Word.With or Word.As when !last && t[i + 1].Kind == TokenKind.Word && !IsConnector(t.Lex(i + 1).Word):
                return Take(t, i, 1, Slot.Connector);
            case Word.And when s.Verb is Verb.Drain or Verb.Is or Verb.How or Verb.What:
                return Take(t, i, 1, Slot.Connector);
        }

        if (lex.Verb == Verb.Exec)
        {
            Refuse(s, $"{t.Chars(i)} (running commands inside a container) is not something I do; I change and read objects through the Kubernetes API only");
            return Take(t, i, 1, Slot.NotUnderstood);
        }

        if (lex.Verb == Verb.Is && s.Verb is Verb.Describe or Verb.Show or Verb.Is or Verb.How or Verb.What)
        {
            return Take(t, i, 1, Slot.Filler); // "check if cart is ready"
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
