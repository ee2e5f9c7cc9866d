using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using K8sAgentPlatform.Hosting;
using K8sAgentPlatform.Intent;
using K8sAgentPlatform.Orchestrator;
using K8sAgentPlatform.Orchestrator.Api;
using K8sAgentPlatform.WebApi.Auth;
using K8sAgentPlatform.Orchestrator.Persistence;
using K8sAgentPlatform.Orchestrator.StateMachines;
using K8sAgentPlatform.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>
/// The API on Kestrel at 127.0.0.1 on a free port, over the real saga on an in-memory bus, the real intent
/// service and scripted policy, executor and rollback services.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    /// <summary>Plain tokens of the test principals; the server is configured with their hashes only.</summary>
    public static class Tokens
    {
        public const string Alice = "k8sa_alice-operator-token";
        public const string Dave = "k8sa_dave-operator-token";
        public const string Bob = "k8sa_bob-approver-token";
        public const string Carol = "k8sa_carol-approver-token";
        public const string Victor = "k8sa_victor-viewer-token";
        public const string Root = "k8sa_root-admin-token";
    }

    private readonly WebApplication app;

    private ApiHost(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }
    public Script Script => app.Services.GetRequiredService<Script>();
    public MemoryAuditLog Audit => (MemoryAuditLog)app.Services.GetRequiredService<IAuditLog>();
    public MemorySnapshotStore Snapshots => (MemorySnapshotStore)app.Services.GetRequiredService<ISnapshotStore>();
    public IRequestStore Store => app.Services.GetRequiredService<IRequestStore>();
    public RequestChanges Changes => app.Services.GetRequiredService<RequestChanges>();
    public PublishRecorder Published => app.Services.GetRequiredService<PublishRecorder>();
    public DeniedCallsSummary DenialSummary => app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DeniedCallsSummary>().Single();

    public static async Task<ApiHost> StartAsync(string? tokensFile = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(Settings(tokensFile));
        builder.Configuration.AddInMemoryCollection(TestAuthorizationKeys.Settings);
        builder.Services.AddPlatformTelemetry(builder.Configuration, "api-tests");
        builder.Logging.ClearProviders();
        builder.Services
            .AddSingleton<Script>()
            .AddSingleton<PublishRecorder>()
            .AddSingleton<IAuditLog, MemoryAuditLog>()
            .AddSingleton<ISnapshotStore, MemorySnapshotStore>()
            .AddOrchestratorCore()
            .AddIntentParsing(builder.Configuration)
            .AddRequestApi(builder.Configuration);
        builder.Services.AddMassTransit(x =>
        {
            x.AddRequestSaga();
            x.AddIntentConsumers();
            x.AddScriptedServices();
            x.AddPublishObserver(sp => sp.GetRequiredService<PublishRecorder>());
            x.AddSendObserver(sp => sp.GetRequiredService<PublishRecorder>());
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });

        var app = builder.Build();
        app.MapPlatformEndpoints();
        app.MapRequestApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new ApiHost(app, new Uri(address));
    }

    private static Dictionary<string, string?> Settings(string? tokensFile)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Orchestrator:ConfirmationTimeout"] = "00:15:00",
            ["Orchestrator:EmergencyStopFile"] = Path.Combine(Path.GetTempPath(), $"k8s-agent-api-tests-{Guid.NewGuid():N}", "emergency-stop.json"),
        };
        (string Name, string Token, string Role)[] principals =
        [
            ("alice", Tokens.Alice, "operator"), ("dave", Tokens.Dave, "operator"), ("bob", Tokens.Bob, "approver"), ("carol", Tokens.Carol, "approver"),
            ("victor", Tokens.Victor, "viewer"), ("root", Tokens.Root, "admin"),
        ];
        for (var i = 0; i < principals.Length; i++)
        {
            settings[$"Auth:Tokens:{i}:Name"] = principals[i].Name;
            settings[$"Auth:Tokens:{i}:Sha256"] = TokenFile.Hash(principals[i].Token);
            settings[$"Auth:Tokens:{i}:Roles:0"] = principals[i].Role;
        }

        if (tokensFile is not null)
        {
            settings["Auth:TokensFile"] = tokensFile;
        }

        return settings;
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<RequestState> WaitFor(Guid id, string state)
    {
        RequestState? current = null;
        await WaitUntil(async () =>
        {
            current = await Store.LoadAsync(id);
            return current?.CurrentState == state;
        }, () => $"request {id} is {current?.CurrentState ?? "missing"}, expected {state}; outcome: {current?.Outcome}; log: {string.Join(", ", Script.Log)}");
        return current!;
    }

    /// <summary>Checks <paramref name="condition"/> until it holds, failing with <paramref name="explain"/> after <paramref name="within"/> (20 s).</summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, Func<string>? explain = null, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(explain?.Invoke() ?? $"the condition did not hold within {limit.TotalSeconds:0} s");
            }

            await Task.Delay(20);
        }
    }

    public static Task WaitUntil(Func<bool> condition, Func<string>? explain = null, TimeSpan? within = null) =>
        WaitUntil(() => Task.FromResult(condition()), explain, within);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>Every message published or sent on the bus, seen as it leaves (so counts need no waiting).</summary>
public sealed class PublishRecorder : IPublishObserver, ISendObserver
{
    public ConcurrentQueue<object> Messages { get; } = new();

    public IEnumerable<T> Of<T>() => Messages.OfType<T>();

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public Task PreSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class
    {
        Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
