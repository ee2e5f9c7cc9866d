namespace K8sAgentPlatform.Contracts;

/// <summary>Bus addresses that systems outside the platform publish to; part of the documented wire contract.</summary>
public static class Endpoints
{
    /// <summary>
    /// Queue and exchange (fanout, same name) that take a SubmitRequest as plain JSON from any publisher
    /// (<c>content_type: application/json</c>, no MassTransit envelope). See README "Submitting from any system".
    /// </summary>
    public const string SubmitRequestJson = "submit-request-json";

    /// <summary>The policy service's queue: <see cref="ValidateOperations"/> and <see cref="RevalidateOperation"/>, sent by the saga only.</summary>
    public const string Policy = "policy";

    /// <summary>The executor's queue: <see cref="ExecuteOperation"/>, sent by the saga only.</summary>
    public const string Executor = "executor";

    /// <summary>The rollback service's queue: <see cref="RollbackRequested"/>, sent by the saga only.</summary>
    public const string Rollback = "rollback";

    /// <summary>The address a command is sent to on any transport (in memory or RabbitMQ).</summary>
    public static Uri Queue(string name) => new($"queue:{name}");
}
