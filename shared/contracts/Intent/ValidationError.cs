namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>One violation, with the JSON path of the offending field (e.g. operations[0].parameters.replicas).</summary>
public sealed record ValidationError(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>An intent broke one or more bounds; <see cref="Errors"/> holds all of them.</summary>
public sealed class IntentValidationException(IReadOnlyList<ValidationError> errors)
    : Exception(FormatMessage(errors))
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;

    private static string FormatMessage(IReadOnlyList<ValidationError> errors) =>
        errors.Count == 1
            ? $"The intent is invalid: {errors[0]}"
            : $"The intent is invalid ({errors.Count} problems):{Environment.NewLine}" +
              string.Join(Environment.NewLine, errors.Select(e => $"  - {e}"));
}
