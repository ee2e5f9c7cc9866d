using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing;
using K8sAgentPlatform.Parsing.Offline;

namespace K8sAgentPlatform.Intent.Tests;

/// <summary>
/// The phrasing corpus (Phrasings/corpus.txt): hundreds of requests as operators write them, by category, each with
/// the operations it must give or the reason it must be refused for.
/// </summary>
public sealed class OfflineParserCorpusTests
{
    private static readonly OfflineIntentParser Parser = new();
    private static readonly ClusterContext Context = new(["dev", "staging", "production", "prod-eu", "qa"], ["production"]);

    private static readonly IReadOnlyList<(string Category, string Text, string Expected)> Cases = PhrasingCorpus.Load();

    public static TheoryData<string, string, string> Corpus
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var (category, text, expected) in Cases)
            {
                data.Add(category, text, expected);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Each_phrasing_gives_its_operations_or_its_refusal(string category, string text, string expected)
    {
        _ = category;
        var result = Parser.Parse(text, Context);

        if (expected.StartsWith('!'))
        {
            var failed = result.ShouldBeOfType<IntentParseFailed>(result is IntentParseSucceeded ok ? OperationText.Of(ok.Intent.Operations) : null);
            string.Join("\n", failed.Details.Prepend(failed.Message)).ShouldContain(expected[1..].Trim());
            return;
        }

        var intent = result.ShouldBeOfType<IntentParseSucceeded>(result is IntentParseFailed f ? $"{f.Message} | {string.Join(" | ", f.Details)}" : null).Intent;
        OperationText.Of(intent.Operations).ShouldBe(expected);
        intent.OriginalRequest.ShouldBe(text);
        IntentValidator.Validate(intent).ShouldBeEmpty();
    }

    [Fact]
    public void The_corpus_holds_at_least_four_hundred_cases_in_every_category_the_parser_claims()
    {
        Cases.Count.ShouldBeGreaterThanOrEqualTo(400);
        Cases.Select(c => c.Category).Distinct().ShouldBe(
        [
            "kubectl command lines", "word order", "verbs and synonyms", "noun phrases", "conjunctions", "case",
            "politeness and punctuation", "scale", "restart", "image", "config", "delete", "logs", "status", "rollback",
            "nodes", "refusals",
        ], ignoreOrder: true);
        Cases.Count(c => c.Expected.StartsWith('!')).ShouldBeGreaterThanOrEqualTo(100);
    }

    [Fact]
    public void Every_token_of_an_understood_request_fills_a_slot_or_is_a_known_joining_or_filler_word()
    {
        foreach (var (_, text, expected) in Cases.Where(c => !c.Expected.StartsWith('!')))
        {
            var explanation = Parser.Explain(text, Context);

            explanation.Tokens.ShouldNotContain(t => t.Slot == "NOT UNDERSTOOD" || t.Slot == "-", text);
        }
    }

    [Fact]
    public void The_explanation_shows_the_slot_each_token_filled_and_its_operation()
    {
        var explanation = Parser.Explain("In qa, scale CART to 3 and api to 4 please", Context);

        explanation.Tokens.Select(t => $"{t.Text}:{t.Slot}:{t.Operation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}").ShouldBe(
        [
            "In:namespace:-", "qa:namespace:-", ",:separator:-", "scale:verb:1", "CART:name:1", "to:replicas:1", "3:replicas:1",
            "and:separator:-", "api:name:2", "to:replicas:2", "4:replicas:2", "please:filler:2",
        ]);
        OperationText.Of(explanation.Result.ShouldBeOfType<IntentParseSucceeded>().Intent.Operations)
            .ShouldBe("scale deployment/cart qa replicas=3 | scale deployment/api qa replicas=4");
    }

    [Fact]
    public void A_refused_request_is_explained_too_with_the_words_not_understood_marked()
    {
        var explanation = Parser.Explain("restart cart quickly-ish in qa", Context);

        explanation.Result.ShouldBeOfType<IntentParseFailed>().Message.ShouldContain("did not understand \"quickly-ish\"");
        explanation.Tokens.Single(t => t.Text == "quickly-ish").Slot.ShouldBe("NOT UNDERSTOOD");
    }

    [Fact]
    public void Random_word_salad_never_throws_and_never_names_what_the_text_does_not()
    {
        string[] words =
        [
            "scale", "restart", "delete", "show", "logs", "set", "image", "of", "to", "in", "and", "then", "the", "a", "cart", "api",
            "qa", "dev", "deployment", "sts", "cm", "pod", "node", "worker-1", "3", "three", "2.5", "-1", "500", "replicas", "container",
            "app", "registry.example.com/cart:1.2", "nginx", "KEY=value", "=", "since", "10", "minutes", "ago", "last", "lines",
            "revision", "back", "roll", "undo", "cordon", "drain", "ignoring", "daemonsets", "-n", "--replicas=2", "--tail",
            "kubectl", "please", ",", ";", ".", "?", "&&", "\n", "all", "it", "'s", "cart's", "\"quoted value\"", "'", "\"", "é", "in qa,",
            "named", "namespace", "--", "-", "/", "deploy/cart", "for", "the last hour", "grace", "period", "up", "is", "ready", "how",
        ];
        var random = new Random(15);
        for (var n = 0; n < 20_000; n++)
        {
            var text = string.Join(' ', Enumerable.Range(0, random.Next(1, 14)).Select(_ => words[random.Next(words.Length)]));

            var result = Parser.Parse(text, Context);

            if (result is IntentParseSucceeded ok)
            {
                foreach (var operation in ok.Intent.Operations)
                {
                    text.ShouldContain(operation.ResourceName, Case.Insensitive, text);
                    if (operation.Namespace is { } ns)
                    {
                        text.ShouldContain(ns, Case.Insensitive, text);
                    }
                }
            }
            else
            {
                result.ShouldBeOfType<IntentParseFailed>().Message.ShouldNotBeNullOrWhiteSpace(text);
            }

            Parser.Explain(text, Context).Tokens.ShouldNotBeNull();
        }
    }

    [Fact]
    public void A_request_longer_than_the_intent_can_carry_is_refused_before_it_is_read() =>
        Parser.Parse(string.Concat(Enumerable.Repeat("restart cart in qa and ", 100)), Context)
            .ShouldBeOfType<IntentParseFailed>().Message.ShouldContain("original_request: must be at most 2000 characters");
}
