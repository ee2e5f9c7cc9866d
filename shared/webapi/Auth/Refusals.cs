using K8sAgentPlatform.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Builder;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>How every refused call is answered: counted, audited or summarised, rate-limited per client.</summary>
public static class Refusals
{
    /// <summary>
    /// Answers a refused call with <paramref name="answer"/>, having changed nothing: counted per client, written to the
    /// audit log (never the token) unless it is unauthenticated (those are summarised), and logged. A client past its
    /// budget of refused calls gets 429 instead, and only a count.
    /// </summary>
    public static async Task<IResult> Refuse(HttpContext http, string principal, int status, string why, IResult answer)
    {
        var client = DeniedCalls.ClientOf(http);
        if (!http.RequestServices.GetRequiredService<DeniedCalls>().Admit(client, status, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many refused calls",
                $"This client ({client}) made too many calls that were refused; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s with a valid token.");
        }

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("K8sAgentPlatform.WebApi.Auth");
        if (status == StatusCodes.Status401Unauthorized)
        {
            logger.LogDebug("Refused {Method} {Path} from {Client}: {Why}", http.Request.Method, http.Request.Path.Value, client, why);
            return answer;
        }

        var requestId = http.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var id) ? id : (Guid?)null;
        var route = $"{http.Request.Method} {http.Request.Path}";
        await http.RequestServices.GetRequiredService<IAuditLog>()
            .AppendAsync(new AuditRecord("denied", principal, requestId, $"{route}: {why}", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), http.RequestAborted);
        logger.LogWarning("Denied {Method} {Path} for {Principal} ({Status}): {Why}; RequestId {RequestId}", http.Request.Method, http.Request.Path.Value, principal, status, why, requestId);
        return answer;
    }
}

public static class RoleRequirementExtensions
{
    /// <summary>Only callers holding <paramref name="role"/> (or a higher one) reach the endpoint: ASP.NET Core's authorization with the role's policy.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PlatformAuthentication.PolicyName(role));
}
