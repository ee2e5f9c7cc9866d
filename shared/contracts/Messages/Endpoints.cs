namespace K8sAgentPlatform.Contracts;

/// <summary>Bus addresses that systems outside the platform publish to; part of the documented wire contract.</summary>
public static class Endpoints
{
    /// <summary>
    /// Queue and exchange (fanout, same name) that take a SubmitRequest as plain JSON from any publisher
    /// (<c>content_type: application/json</c>, no MassTransit envelope). See README "Submitting from any system".
    /// </summary>
    public const string SubmitRequestJson = "submit-request-json";
}
