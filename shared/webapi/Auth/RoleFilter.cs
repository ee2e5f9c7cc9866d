using K8sAgentPlatform.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Builder;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>
/// Resolves the bearer token before anything else runs: a missing or unknown token is 401, too small a role 403;
/// both change nothing and are written to the audit log as "denied".
/// </summary>
public sealed class RoleFilter(ApiRole required) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var authenticator = http.RequestServices.GetRequiredService<TokenAuthenticator>();
        var principal = authenticator.Authenticate(BearerToken.From(http.Request));
        if (principal is null)
        {
            await Denied(http, "anonymous", StatusCodes.Status401Unauthorized, "no valid bearer token");
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Of(StatusCodes.Status401Unauthorized, "Authentication required",
                "Send a valid token as 'Authorization: Bearer <token>'.");
        }

        if (!principal.Has(required))
        {
            await Denied(http, principal.Name, StatusCodes.Status403Forbidden, $"role {ApiRoles.Name(principal.Role)} below {ApiRoles.Name(required)}");
            return Problems.Of(StatusCodes.Status403Forbidden, "Not allowed",
                $"This needs the {ApiRoles.Name(required)} role; {principal.Name} has {ApiRoles.Name(principal.Role)}.");
        }

        principal.AttachTo(http);
        return await next(context);
    }

    /// <summary>Writes a refused call to the audit log (never the token) and logs it.</summary>
    public static async Task Denied(HttpContext http, string principal, int status, string why)
    {
        var requestId = http.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var id) ? id : (Guid?)null;
        var route = $"{http.Request.Method} {http.Request.Path}";
        await http.RequestServices.GetRequiredService<IAuditLog>()
            .AppendAsync(new AuditRecord("denied", principal, requestId, $"{route}: {why}", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), http.RequestAborted);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("K8sAgentPlatform.WebApi.Auth")
            .LogWarning("Denied {Method} {Path} for {Principal} ({Status}): {Why}; RequestId {RequestId}", http.Request.Method, http.Request.Path.Value, principal, status, why, requestId);
    }
}

public static class RoleFilterExtensions
{
    /// <summary>Only callers whose token holds <paramref name="role"/> (or a higher one) reach the endpoint.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new RoleFilter(role));
}
