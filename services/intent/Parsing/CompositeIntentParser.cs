using K8sAgentPlatform.Parsing.Offline;

namespace K8sAgentPlatform.Intent.Parsing;

/// <summary>
/// The offline parser when it understands the whole text; otherwise the model, when one is configured.
/// The result names the parser that produced it. A text the offline parser understood but that breaks a
/// bound is not sent to the model: the model could only reinterpret it.
/// </summary>
public sealed class CompositeIntentParser(OfflineIntentParser offline, IIntentParser? model) : IIntentParser
{
    public string Name => model is null ? offline.Name : $"{offline.Name}+{model.Name}";

    public async Task<IntentParseResult> ParseAsync(string text, ClusterContext context, CancellationToken cancellationToken = default)
    {
        var result = offline.Parse(text, context);
        if (result is IntentParseFailed { Kind: ParseFailureKind.NotUnderstood } failed)
        {
            if (model is not null)
            {
                return await model.ParseAsync(text, context, cancellationToken);
            }

            return failed with
            {
                Details = [.. failed.Details, "no model is configured for free-form requests (set OpenAI__ApiKey, or OPENAI_API_KEY)"],
            };
        }

        return result;
    }
}
