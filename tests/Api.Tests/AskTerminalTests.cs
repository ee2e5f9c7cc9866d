using System.CommandLine;
using System.Net;
using K8sAgentPlatform.Cli.Client;
using K8sAgentPlatform.Cli.Commands;
using Spectre.Console;
using Tokens = K8sAgentPlatform.Api.Tests.ApiHost.Tokens;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>`k8s-agent ask` with a person at the terminal (a <see cref="ScriptedTerminal"/>), and with its output redirected.</summary>
public sealed class AskTerminalTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("k8s-agent-ask-").FullName;
    private ApiHost host = null!;

    private string ConfigPath => Path.Combine(directory, "client.json");

    public async ValueTask InitializeAsync() => host = await ApiHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task On_a_terminal_the_requester_who_may_confirm_is_asked_and_y_completes_the_request()
    {
        host.Script.ConfirmAtMediumRisk.Add("web");
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Bob }, ConfigPath);
        var terminal = new ScriptedTerminal();

        var asking = Ask(terminal, TestContext.Current.CancellationToken, "restart web in staging");
        await Until(() => terminal.Output.Contains("Confirm these operations", StringComparison.Ordinal) || asking.IsCompleted, () => terminal.Output);
        terminal.Answer("y");

        (await asking).ShouldBe(0, terminal.Output);
        TestContext.Current.TestOutputHelper?.WriteLine(terminal.Output);
        var shown = terminal.Output;
        shown.ShouldContain("Needs confirmation: anyone with the approver role.");
        shown.ShouldContain("? [y/N] y");
        shown.ShouldContain("Confirmed as admin.");
        shown.ShouldContain("│ approved");
        shown.ShouldContain("AwaitingConfirmation · waiting for anyone with the approver role until");
        shown.ShouldContain("Completed: the operation completed");
        var request = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem();
        request.CurrentState.ShouldBe("Completed");
        request.ConfirmedBy.ShouldBe(["bob"]);
    }

    [Theory]
    [InlineData("n")]
    [InlineData("")]
    public async Task On_a_terminal_no_or_enter_leaves_the_request_waiting_and_ctrl_c_stops_following_while_the_request_goes_on(string answer)
    {
        host.Script.ConfirmAtMediumRisk.Add("web");
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Bob }, ConfigPath);
        var terminal = new ScriptedTerminal();
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var asking = Ask(terminal, ctrlC.Token, "restart web in staging");
        await Until(() => terminal.Output.Contains("Confirm these operations", StringComparison.Ordinal) || asking.IsCompleted, () => terminal.Output);
        terminal.Answer(answer);
        await Until(() => terminal.Output.Contains("Not confirmed", StringComparison.Ordinal) || asking.IsCompleted, () => terminal.Output);
        var id = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem().CorrelationId;
        await ctrlC.CancelAsync();

        (await asking).ShouldBe(AskCommand.Interrupted, terminal.Output);
        TestContext.Current.TestOutputHelper?.WriteLine(terminal.Output);
        var shown = terminal.Output;
        shown.ShouldContain($"Not confirmed: request {id} goes on waiting in AwaitingConfirmation before ");
        shown.ShouldContain($"Anyone with the approver role can confirm it with `k8s-agent confirm {id}` or at {host.Address}ui/requests/{id}.");
        shown.ShouldContain($"Stopped following: request {id} goes on (AwaitingConfirmation). Follow it again with `k8s-agent requests follow {id}`");
        var waiting = (await host.Store.LoadAsync(id))!;
        waiting.CurrentState.ShouldBe("AwaitingConfirmation");
        waiting.ConfirmedBy.ShouldBeEmpty();

        // Following it again (plain, as a script would) sees it through once someone confirms.
        using var carol = host.Client(Tokens.Carol);
        (await carol.PostAsync($"/api/requests/{id}/confirm", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var (exit, followed, error) = await Run(RequestsCommand.Create(_ => null), "requests", "follow", id.ToString(), "--config", ConfigPath);
        exit.ShouldBe(0, error);
        followed.ShouldContain("Completed: the operation completed");
    }

    [Fact]
    public async Task On_a_terminal_a_four_eyes_request_is_not_asked_but_says_who_may_confirm_and_where_and_follows_it_to_the_end()
    {
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Bob, ["approver"] = Tokens.Carol }, ConfigPath);
        var terminal = new ScriptedTerminal();

        var asking = Ask(terminal, TestContext.Current.CancellationToken, "restart web in production");
        await Until(() => terminal.Output.Contains("Waiting for confirmation", StringComparison.Ordinal) || asking.IsCompleted, () => terminal.Output);
        var id = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem().CorrelationId;
        var (confirmExit, _, confirmError) = await Run(DecisionCommands.Confirm(), "confirm", id.ToString(), "--as", "approver", "--config", ConfigPath);
        confirmExit.ShouldBe(0, confirmError);

        (await asking).ShouldBe(0, terminal.Output);
        TestContext.Current.TestOutputHelper?.WriteLine(terminal.Output);
        var shown = terminal.Output;
        shown.ShouldNotContain("[y/N]");
        shown.ShouldContain("Needs a second person: anyone with the approver role but bob.");
        shown.ShouldContain($": anyone with the approver role but bob can confirm it with `k8s-agent confirm {id} --as approver` or at {host.Address}ui/requests/{id}.");
        shown.ShouldContain("Completed: the operation completed");
        (await host.Store.LoadAsync(id))!.ConfirmedBy.ShouldBe(["carol"]);
        (await host.Audit.ReadAsync(new(RequestId: id), TestContext.Current.CancellationToken)).ShouldNotContain(e => e.Action == "denied");
    }

    [Fact]
    public async Task With_output_redirected_ask_prints_plain_text_asks_nothing_and_says_who_may_confirm_and_where()
    {
        host.Script.ConfirmAtMediumRisk.Add("web");
        ClientSettings.Save(host.Address.ToString(), new Dictionary<string, string> { ["admin"] = Tokens.Bob }, ConfigPath);
        var output = new StringWriter();
        var synchronized = TextWriter.Synchronized(output);
        string Printed()
        {
            lock (synchronized)
            {
                return output.ToString();
            }
        }

        var asking = new RootCommand { AskCommand.Create(_ => null) }.Parse(["ask", "--config", ConfigPath, "restart web in staging"])
            .InvokeAsync(new InvocationConfiguration { Output = synchronized, Error = new StringWriter() }, TestContext.Current.CancellationToken);
        await Until(() => Printed().Contains("Waiting for confirmation", StringComparison.Ordinal) || asking.IsCompleted, Printed);
        var id = (await host.Store.QueryAsync(new())).ShouldHaveSingleItem().CorrelationId;
        using var carol = host.Client(Tokens.Carol);
        (await carol.PostAsync($"/api/requests/{id}/confirm", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await asking).ShouldBe(0, Printed());
        var printed = Printed();
        printed.ShouldContain($": anyone with the approver role can confirm it with `k8s-agent confirm {id}` or at {host.Address}ui/requests/{id} (or pass --yes).");
        printed.ShouldContain("OPERATION");
        printed.ShouldContain("Completed: the operation completed");
        printed.ShouldNotContain("[y/N]");
        printed.ShouldNotContain("\u001b");
        printed.ShouldNotContain("│");
        printed.ShouldNotContain(" · ");
    }

    private Task<int> Ask(IAnsiConsole terminal, CancellationToken cancellationToken, params string[] args) =>
        new RootCommand { AskCommand.Create(_ => terminal) }.Parse(["ask", "--config", ConfigPath, .. args])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() }, cancellationToken);

    private static async Task<(int Exit, string Output, string Error)> Run(Command command, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await new RootCommand { command }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error },
            TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static Task Until(Func<bool> condition, Func<string> otherwise) => ApiHost.WaitUntil(condition, otherwise, TimeSpan.FromSeconds(60));
}
