using Microsoft.AspNetCore.Http;

namespace K8sAgentPlatform.WebApi.Auth;

/// <summary>What a principal may do; each role includes the ones below it.</summary>
public enum ApiRole
{
    Viewer = 1,
    Operator = 2,
    Approver = 3,
    Admin = 4,
}

public static class ApiRoles
{
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<ApiRole>().Select(Name).ToArray();

    public static string Name(ApiRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? name, out ApiRole role)
    {
        role = default;
        return name is not null && Enum.TryParse(name, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(name, out _);
    }
}

/// <summary>An authenticated caller: the token's name and the highest role it holds.</summary>
public sealed record ApiPrincipal(string Name, ApiRole Role)
{
    public bool Has(ApiRole required) => Role >= required;

    /// <summary>The authenticated caller; endpoints behind a role requirement always have one.</summary>
    public static ApiPrincipal From(HttpContext http) =>
        PlatformAuthentication.PrincipalOf(http.User)
            ?? throw new InvalidOperationException("The endpoint has no role requirement, so no principal was authenticated.");
}
