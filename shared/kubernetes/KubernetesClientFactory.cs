using System.Net.Http.Headers;
using k8s;
using k8s.Authentication;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Kubernetes;

/// <summary>
/// Builds a KubernetesClient from <see cref="KubernetesOptions"/>: an explicit host, else the in-cluster
/// service account when running in a pod (or asked to), else a kubeconfig and context. Every client retries
/// transient failures through <see cref="RetryingHandler"/>.
/// </summary>
public static class KubernetesClientFactory
{
    public static IKubernetes Create(KubernetesOptions options, TimeProvider? time = null, RetryDelay? delay = null) =>
        new k8s.Kubernetes(Configuration(options), new RetryingHandler(options.Retry, time, delay));

    public static KubernetesClientConfiguration Configuration(KubernetesOptions options)
    {
        if (options.Host is { Length: > 0 } host)
        {
            return new KubernetesClientConfiguration { Host = host, AccessToken = options.AccessToken };
        }

        if (options.InCluster || (options.Kubeconfig is null && KubernetesClientConfiguration.IsInCluster()))
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        return FromKubeconfig(KubeconfigFile(options.Kubeconfig), options.Context);
    }

    /// <summary>
    /// A kubeconfig as kubectl reads it. KubernetesClient refuses a user entry without credentials (kubeconfigs for
    /// <c>kubectl proxy</c> and the sandbox have one) and does not know <c>tokenFile</c>; kubectl sends no credentials
    /// for the first and reads the token from the file for the second, and so does this.
    /// </summary>
    public static KubernetesClientConfiguration FromKubeconfig(FileInfo file, string? context = null)
    {
        IReadOnlyList<FileInfo> files = [file];
        var missing = files.FirstOrDefault(f => !f.Exists);
        if (missing is not null)
        {
            throw new KubeconfigException($"the kubeconfig {missing.FullName} does not exist");
        }

        var config = KubernetesClientConfiguration.LoadKubeConfig(files[0]);

        var contextName = context ?? config.CurrentContext;
        var active = config.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new KubeconfigException(contextName is null
                ? $"the kubeconfig {Describe(files)} names no current-context; pass a context"
                : $"the kubeconfig {Describe(files)} has no context '{contextName}'");
        string? tokenFile = null;
        if (active.ContextDetails?.User is { Length: > 0 } userName)
        {
            var user = config.Users?.FirstOrDefault(u => u.Name == userName)?.UserCredentials;
            if (user is null || !HasCredentials(user))
            {
                tokenFile = TokenFileOf(files, userName);
                active.ContextDetails.User = null; // no credentials to send, as kubectl does
            }
        }

        var built = KubernetesClientConfiguration.BuildConfigFromConfigObject(config, contextName);
        if (tokenFile is not null)
        {
            built.TokenProvider = new TokenFileProvider(tokenFile);
        }

        return built;
    }

    /// <summary>The given file, else the first existing file of KUBECONFIG (KubernetesClient merges none), else ~/.kube/config.</summary>
    private static FileInfo KubeconfigFile(string? path)
    {
        if (path is { Length: > 0 })
        {
            return new FileInfo(path);
        }

        return Environment.GetEnvironmentVariable("KUBECONFIG")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => new FileInfo(p)).FirstOrDefault(f => f.Exists)
            ?? new FileInfo(KubernetesClientConfiguration.KubeConfigDefaultLocation);
    }

    private static bool HasCredentials(UserCredentials user) =>
        !string.IsNullOrEmpty(user.Token) || !string.IsNullOrEmpty(user.UserName) || !string.IsNullOrEmpty(user.Password)
        || !string.IsNullOrEmpty(user.ClientCertificate) || !string.IsNullOrEmpty(user.ClientCertificateData)
        || !string.IsNullOrEmpty(user.ClientKey) || !string.IsNullOrEmpty(user.ClientKeyData)
        || user.ExternalExecution is not null || user.AuthProvider is not null;

    /// <summary>The user's <c>tokenFile</c> (relative to its kubeconfig, as kubectl resolves it), or null.</summary>
    private static string? TokenFileOf(IReadOnlyList<FileInfo> files, string userName)
    {
        foreach (var file in files)
        {
            var yaml = new YamlStream();
            using (var reader = file.OpenText())
            {
                yaml.Load(reader);
            }

            if (yaml.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root
                || !root.Children.TryGetValue(new YamlScalarNode("users"), out var users) || users is not YamlSequenceNode list)
            {
                continue;
            }

            foreach (var entry in list.OfType<YamlMappingNode>())
            {
                if (entry.Children.TryGetValue(new YamlScalarNode("name"), out var name) && name is YamlScalarNode { Value: var value } && value == userName
                    && entry.Children.TryGetValue(new YamlScalarNode("user"), out var user) && user is YamlMappingNode details
                    && details.Children.TryGetValue(new YamlScalarNode("tokenFile"), out var tokenFile) && tokenFile is YamlScalarNode { Value: { Length: > 0 } path })
                {
                    return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(file.DirectoryName!, path));
                }
            }
        }

        return null;
    }

    private static string Describe(IReadOnlyList<FileInfo> files) => string.Join(Path.PathSeparator, files.Select(f => f.FullName));

    /// <summary>A bearer token read from a file and read again every minute, so a rotated token is picked up (as kubectl does).</summary>
    private sealed class TokenFileProvider(string path) : ITokenProvider
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private string? token;
        private DateTime readAt;

        public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (token is null || DateTime.UtcNow - readAt > TimeSpan.FromMinutes(1))
                {
                    token = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
                    readAt = DateTime.UtcNow;
                }

                return new AuthenticationHeaderValue("Bearer", token);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}

/// <summary>A kubeconfig that cannot be used as given; the message names the file and what is wrong.</summary>
public sealed class KubeconfigException(string message) : Exception(message);
