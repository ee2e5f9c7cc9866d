using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Security;

public static class SecurityServiceExtensions
{
    /// <summary>The orchestrator's signer; its key file is checked when the host starts.</summary>
    public static IServiceCollection AddAuthorizationSigning(this IServiceCollection services)
    {
        AddOptions(services).Validate(o => o.SigningKeyFile is { Length: > 0 } path && File.Exists(path),
            $"{AuthorizationOptions.Section}:{nameof(AuthorizationOptions.SigningKeyFile)} must name the orchestrator's private key file " +
            "(make a pair with: k8s-agent authorization-keys --out DIR).");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuthorizationSigner>();
        return services;
    }

    /// <summary>The executor's and the rollback service's verifier; its public key files are checked when the host starts.</summary>
    public static IServiceCollection AddAuthorizationVerification(this IServiceCollection services)
    {
        AddOptions(services).Validate(o => o.VerificationKeyFiles.Count > 0 && o.VerificationKeyFiles.All(File.Exists),
            $"{AuthorizationOptions.Section}:{nameof(AuthorizationOptions.VerificationKeyFiles)} must name at least one public key file of the " +
            "orchestrator (the .pub.pem of its signing key), and every file named must exist.");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuthorizationVerifier>();
        return services;
    }

    private static OptionsBuilder<AuthorizationOptions> AddOptions(IServiceCollection services)
    {
        // BindConfiguration reads IConfiguration from the container; a bare ServiceCollection (harness tests) has none.
        services.TryAddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        return services.AddOptions<AuthorizationOptions>().BindConfiguration(AuthorizationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
    }
}
