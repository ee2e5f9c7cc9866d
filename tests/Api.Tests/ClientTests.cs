using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using K8sAgentPlatform.Cli.Client;
using K8sAgentPlatform.Cli.Commands;
using K8sAgentPlatform.WebApi.Auth;
using Tokens = K8sAgentPlatform.Api.Tests.ApiHost.Tokens;
using K8sAgentPlatform.TestSupport;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>The `k8s-agent` client (ApiClient and its commands) against the API host.</summary>
public sealed class ClientTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("k8s-agent-client-").FullName;
    private ApiHost host = null!;

    private string ConfigPath => Path.Combine(directory, "client.json");

    public async ValueTask InitializeAsync() => host = await ApiHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Ask_with_yes_confirms_with_the_approver_token_and_follows_the_request_to_completed()
    {
        // The default token is an operator's; the approver token in the config confirms a request that needs no second person.
        host.Script.ConfirmAtMediumRisk.Add("web");
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Alice, ["approver"] = Tokens.Bob }, ConfigPath);

        var (exit, output, error) = await Run(AskCommand.Create(), "ask", "--config", ConfigPath, "--yes", "restart web in staging");
        TestContext.Current.TestOutputHelper?.WriteLine(output);

        exit.ShouldBe(0, error);
        output.ShouldContain("Policy:");
        output.ShouldContain("restart");
        output.ShouldContain("Confirmed with the approver token");
        output.ShouldContain("Executing -> Completed");
        output.ShouldContain("Completed: the operation completed");
        var request = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem();
        request.Principal.ShouldBe("alice");
        request.ConfirmedBy.ShouldBe(["bob"]);
    }

    [Fact]
    public async Task Ask_with_yes_does_not_switch_tokens_when_a_second_person_must_confirm()
    {
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Bob, ["approver"] = Tokens.Carol }, ConfigPath);
        var output = new StringWriter();
        var error = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        var asking = new RootCommand { AskCommand.Create() }.Parse(["ask", "--config", ConfigPath, "--yes", "restart web in production"])
            .InvokeAsync(new InvocationConfiguration { Output = synchronizedOutput, Error = TextWriter.Synchronized(error) }, TestContext.Current.CancellationToken);

        // The synchronized writer locks itself on every write; reading under the same lock sees whole lines.
        string Printed()
        {
            lock (synchronizedOutput)
            {
                return output.ToString();
            }
        }

        for (var i = 0; i < 200 && !Printed().Contains("Waiting for a second person", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var id = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem().CorrelationId;
        Printed().ShouldContain("Waiting for a second person: anyone with the approver role but bob.");
        var waiting = (await host.Store.LoadAsync(id))!;
        waiting.CurrentState.ShouldBe("AwaitingConfirmation");
        waiting.ConfirmedBy.ShouldBeEmpty();
        // The client follows with a read the API holds until the request changes (GET ?wait), not by polling.
        await ApiHost.WaitUntil(() => host.Changes.IsWaitedFor(id), () => "the client never waited for the request to change");
        using var carol = host.Client(Tokens.Carol);
        (await carol.PostAsync($"/api/requests/{id}/confirm", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await asking).ShouldBe(0, error.ToString());
        Printed().ShouldContain("Needs a second person: anyone with the approver role but bob.");
        Printed().ShouldNotContain("Confirmed with the approver token");
        (await host.Store.LoadAsync(id))!.ConfirmedBy.ShouldBe(["carol"]);
    }

    [Fact]
    public async Task Ask_exits_1_when_policy_rejects_and_json_prints_the_final_request()
    {
        host.Script.Rejected.Add("forbidden");

        var (exit, output, error) = await Run(AskCommand.Create(), "ask", "--url", host.Address.ToString(), "--token", Tokens.Alice, "--json", "--config", ConfigPath,
            "restart forbidden in dev");

        exit.ShouldBe(1, error);
        var json = System.Text.Json.JsonDocument.Parse(output).RootElement;
        json.GetProperty("state").GetString().ShouldBe("Rejected");
        json.GetProperty("reasons")[0].GetString().ShouldBe("operation 0: forbidden is forbidden by the test policy");
    }

    [Fact]
    public async Task Requests_list_and_show_print_the_requests()
    {
        using var client = new ApiClient(host.Client(Tokens.Alice), ownsHttp: true);
        var accepted = await client.SubmitAsync("scale api to 3 in staging");
        await host.WaitFor(accepted.Id, "Completed");

        var (exit, output, error) = await Run(RequestsCommand.Create(), "requests", "list", "--url", host.Address.ToString(), "--token", Tokens.Victor, "--config", ConfigPath);
        var (showExit, shown, _) = await Run(RequestsCommand.Create(), "requests", "show", accepted.Id.ToString(), "--url", host.Address.ToString(), "--token", Tokens.Victor, "--config", ConfigPath);

        exit.ShouldBe(0, error);
        output.ShouldContain(accepted.Id.ToString());
        output.ShouldContain("Completed");
        output.ShouldContain("scale api to 3 in staging");
        showExit.ShouldBe(0);
        shown.ShouldContain("Timeline:");
        shown.ShouldContain("replicas=3");
        (await client.ListRequestsAsync(state: "Completed")).ShouldContain(r => r.Id == accepted.Id);
    }

    [Fact]
    public async Task Problems_become_clear_messages_and_exit_code_2()
    {
        using var client = new ApiClient(host.Client(Tokens.Bob), ownsHttp: true);
        var accepted = await client.SubmitAsync("scale api to 3 in staging");
        await host.WaitFor(accepted.Id, "Completed");

        var conflict = await Should.ThrowAsync<ApiException>(() => client.ConfirmAsync(accepted.Id));
        conflict.Status.ShouldBe(409);
        conflict.Message.ShouldBe($"The request is not in a state that accepts this: Request {accepted.Id} is Completed; only a request in AwaitingConfirmation can be confirmed.");

        var invalid = await Should.ThrowAsync<ApiException>(() => client.SubmitAsync(""));
        invalid.Message.ShouldContain("text: must be a non-empty string");

        var (exit, _, error) = await Run(DecisionCommands.Confirm(), "confirm", accepted.Id.ToString(), "--url", host.Address.ToString(), "--token", "k8sa_wrong", "--config", ConfigPath);
        exit.ShouldBe(2);
        error.ShouldStartWith("k8s-agent confirm: Authentication required");
    }

    [Fact]
    public async Task An_unreachable_platform_says_how_to_start_one()
    {
        var url = $"http://127.0.0.1:{FreePort()}/";

        var (exit, _, error) = await Run(RequestsCommand.Create(), "requests", "list", "--url", url, "--token", Tokens.Alice, "--config", ConfigPath);

        exit.ShouldBe(2);
        error.ShouldContain($"no platform at {url}: start one with `k8s-agent serve`");
    }

    [Fact]
    public void Settings_come_from_flags_then_environment_then_the_config_file()
    {
        ClientSettings.Save("http://from-file:1", new Dictionary<string, string> { ["admin"] = "file-admin", ["approver"] = "file-approver" }, ConfigPath);
        var environment = new Dictionary<string, string?> { [ClientSettings.UrlVariable] = "http://from-env:2", [ClientSettings.TokenVariable] = "env-token" };

        var fromFlags = ClientSettings.Resolve("http://from-flag:3", "flag-token", configPath: ConfigPath, environment: n => environment.GetValueOrDefault(n));
        var fromEnvironment = ClientSettings.Resolve(configPath: ConfigPath, environment: n => environment.GetValueOrDefault(n));
        var fromFile = ClientSettings.Resolve(configPath: ConfigPath, environment: _ => null);
        var asApprover = ClientSettings.Resolve(asName: "approver", configPath: ConfigPath, environment: n => environment.GetValueOrDefault(n));

        (fromFlags.Url.ToString(), fromFlags.Token).ShouldBe(("http://from-flag:3/", "flag-token"));
        (fromEnvironment.Url.ToString(), fromEnvironment.Token).ShouldBe(("http://from-env:2/", "env-token"));
        (fromFile.Url.ToString(), fromFile.Token).ShouldBe(("http://from-file:1/", "file-admin"));
        asApprover.Token.ShouldBe("file-approver");
        Should.Throw<ClientSettingsException>(() => ClientSettings.Resolve(asName: "nobody", configPath: ConfigPath, environment: _ => null))
            .Message.ShouldContain("No token named 'nobody'");
        ClientSettings.DefaultConfigPath(n => n == "XDG_CONFIG_HOME" ? "/xdg" : null).ShouldBe("/xdg/k8s-agent/client.json");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(ConfigPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task A_token_added_to_a_tokens_file_is_stored_hashed_and_accepted_by_the_server()
    {
        var tokensFile = Path.Combine(directory, "tokens.json");

        var admin = TokenFile.AddToken(tokensFile, "admin", ApiRole.Admin);
        var approver = TokenFile.AddToken(tokensFile, "approver", ApiRole.Approver);

        admin.ShouldStartWith(TokenFile.Prefix);
        (admin.Length - TokenFile.Prefix.Length).ShouldBe(43); // 32 bytes in unpadded base64url
        admin.ShouldNotBe(approver);
        var stored = await File.ReadAllTextAsync(tokensFile);
        stored.ShouldNotContain(admin);
        stored.ShouldContain(TokenFile.Hash(admin));
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(tokensFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await using var server = await ApiHost.StartAsync(tokensFile);
        using var asAdmin = new ApiClient(server.Client(admin), ownsHttp: true);
        using var asApprover = new ApiClient(server.Client(approver), ownsHttp: true);
        var accepted = await asAdmin.SubmitAsync("restart web in production");
        await server.WaitFor(accepted.Id, "AwaitingConfirmation");
        await asApprover.ConfirmAsync(accepted.Id);
        (await server.WaitFor(accepted.Id, "Completed")).ConfirmedBy.ShouldBe(["approver"]);
    }

    [Fact]
    public async Task Parse_explain_shows_each_token_with_its_slot_and_keeps_the_exit_codes()
    {
        var (exit, output, _) = await Run(ParseCommand.Create(), "parse", "--explain", "In qa, scale CART to 3");
        var (refusedExit, refusedOutput, error) = await Run(ParseCommand.Create(), "parse", "--explain", "scale cart to 3");

        exit.ShouldBe(0);
        output.ShouldContain("TOKEN");
        output.Split('\n').ShouldContain(line => line.StartsWith("CART ", StringComparison.Ordinal) && line.Contains("name", StringComparison.Ordinal));
        output.ShouldContain("deployment/cart");
        refusedExit.ShouldBe(2);
        refusedOutput.ShouldContain("TOKEN");
        error.ShouldContain("no namespace");
    }

    private static async Task<(int Exit, string Output, string Error)> Run(Command command, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await new RootCommand { command }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
