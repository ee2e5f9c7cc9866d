using System.Text.Json;
using K8sAgentPlatform.Orchestrator.StateMachines;

namespace K8sAgentPlatform.Orchestrator.Persistence;

/// <summary>The stored form of a saga instance; copies are made through it so no two holders share lists.</summary>
public static class RequestStateJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(RequestState state) => JsonSerializer.Serialize(state, Options);

    public static RequestState Deserialize(string json) =>
        JsonSerializer.Deserialize<RequestState>(json, Options) ?? throw new InvalidDataException("A stored request is empty.");

    public static RequestState Copy(RequestState state) => Deserialize(Serialize(state));
}
