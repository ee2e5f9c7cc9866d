using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>
/// ASP.NET Core authentication and authorization for every HTTP surface: the API takes bearer tokens only (scheme
/// <see cref="BearerScheme"/>), the console (paths under <see cref="ConsolePath"/>) an HttpOnly, SameSite=Strict session
/// cookie (scheme <see cref="CookieScheme"/>) that signing in with a token issues. One authorization policy per role;
/// refusals are answered, audited and rate-limited by <see cref="Refusals"/> exactly as before.
/// </summary>
public static class PlatformAuthentication
{
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "Console";
    public const string ConsolePath = "/ui";
    private const string SelectorScheme = "Platform";
    public const string RoleClaim = "k8s-agent/role";
    public const string SessionClaim = "k8s-agent/session";

    public static string PolicyName(ApiRole role) => "role:" + ApiRoles.Name(role);

    public static IServiceCollection AddPlatformAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "bearer for the API, the session cookie for the console", o =>
                o.ForwardDefaultSelector = http => IsConsole(http.Request) ? CookieScheme : BearerScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "k8s-agent-console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = ConsolePath;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = ConsolePath + "/sign-in";
                o.LogoutPath = ConsolePath + "/sign-out";
                // A cookie is only as good as its session: signing out ends it on the server too, so a copy of the cookie
                // taken before stops working at once (sessions live in this process; a restart signs everyone out).
                o.Events.OnValidatePrincipal = context =>
                {
                    var sessions = context.HttpContext.RequestServices.GetRequiredService<ConsoleSessions>();
                    if (!sessions.IsOpen(context.Principal?.FindFirstValue(SessionClaim)))
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
            });
        services.AddSingleton<ConsoleSessions>();
        services.AddAuthorization(o =>
        {
            foreach (var role in Enum.GetValues<ApiRole>())
            {
                o.AddPolicy(PolicyName(role), p => p.RequireAuthenticatedUser().AddRequirements(new MinimumRole(role)));
            }
        });
        services.AddSingleton<IAuthorizationHandler, MinimumRoleHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusingResultHandler>();
        return services;
    }

    public static bool IsConsole(HttpRequest request) => request.Path.StartsWithSegments(ConsolePath);

    /// <summary>The claims of a principal, as both schemes issue them.</summary>
    public static ClaimsPrincipal ToClaims(ApiPrincipal principal, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, principal.Name), new Claim(RoleClaim, ApiRoles.Name(principal.Role))], scheme, ClaimTypes.Name, RoleClaim));

    /// <summary>The principal of an authenticated user, or null.</summary>
    public static ApiPrincipal? PrincipalOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.Identity.Name is { } name && ApiRoles.TryParse(user.FindFirstValue(RoleClaim), out var role)
            ? new ApiPrincipal(name, role)
            : null;
}

/// <summary>The console's open sessions: a session cookie authenticates only while its session is open here.</summary>
public sealed class ConsoleSessions
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> open = new(StringComparer.Ordinal);

    /// <summary>The principal's claims for a new session cookie, with the id of the session it opens.</summary>
    public ClaimsPrincipal Open(ApiPrincipal principal)
    {
        var session = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        open[session] = 0;
        var claims = PlatformAuthentication.ToClaims(principal, PlatformAuthentication.CookieScheme);
        ((ClaimsIdentity)claims.Identity!).AddClaim(new Claim(PlatformAuthentication.SessionClaim, session));
        return claims;
    }

    public bool IsOpen(string? session) => session is not null && open.ContainsKey(session);

    public void Close(ClaimsPrincipal user)
    {
        if (user.FindFirstValue(PlatformAuthentication.SessionClaim) is { } session)
        {
            open.TryRemove(session, out _);
        }
    }
}

/// <summary>At least this role (each role includes the ones below it).</summary>
public sealed record MinimumRole(ApiRole Role) : IAuthorizationRequirement;

internal sealed class MinimumRoleHandler : AuthorizationHandler<MinimumRole>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MinimumRole requirement)
    {
        if (PlatformAuthentication.PrincipalOf(context.User) is { } principal && principal.Has(requirement.Role))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The bearer scheme: the token's SHA-256 against the configured ones (<see cref="TokenAuthenticator"/>).</summary>
internal sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenAuthenticator tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.From(Request) is not { } token)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(tokens.Authenticate(token) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(PlatformAuthentication.ToClaims(principal, Scheme.Name), Scheme.Name))
            : AuthenticateResult.Fail("no valid bearer token"));
    }
}

/// <summary>
/// What a refused call gets: on the API a problem (401 with WWW-Authenticate, or 403 naming the role needed), counted,
/// rate-limited and audited by <see cref="Refusals"/>; in the console, no session sends the browser to the sign-in page.
/// </summary>
internal sealed class RefusingResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(http);
            return;
        }

        var principal = PlatformAuthentication.PrincipalOf(http.User);
        if (principal is null && PlatformAuthentication.IsConsole(http.Request) && HttpMethods.IsGet(http.Request.Method))
        {
            await fallback.HandleAsync(next, http, policy, authorizeResult); // the cookie scheme's redirect to sign-in
            return;
        }

        IResult answer;
        if (principal is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            answer = await Refusals.Refuse(http, "anonymous", StatusCodes.Status401Unauthorized, "no valid bearer token",
                Problems.Of(StatusCodes.Status401Unauthorized, "Authentication required", "Send a valid token as 'Authorization: Bearer <token>'."));
        }
        else
        {
            var required = policy.Requirements.OfType<MinimumRole>().Select(r => r.Role).DefaultIfEmpty(ApiRole.Viewer).Max();
            answer = await Refusals.Refuse(http, principal.Name, StatusCodes.Status403Forbidden, $"role {ApiRoles.Name(principal.Role)} below {ApiRoles.Name(required)}",
                Problems.Of(StatusCodes.Status403Forbidden, "Not allowed",
                    $"This needs the {ApiRoles.Name(required)} role; {principal.Name} has {ApiRoles.Name(principal.Role)}."));
        }

        await answer.ExecuteAsync(http);
    }
}
