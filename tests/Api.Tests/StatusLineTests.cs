using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>The live status line `ask` keeps on a terminal while a request runs.</summary>
public sealed class StatusLineTests
{
    [Fact]
    public void A_running_rollout_shows_its_ready_and_desired_replicas_and_a_finished_one_its_result()
    {
        var request = new RequestDetails
        {
            State = "Executing",
            Results = [new OperationResult { Index = 0, Success = true, Result = "scaled; rollout complete: desired 2, updated 2, ready 2, available 2" }],
            RolloutProgress = new RolloutProgress(1, "desired 3, updated 1, ready 1, available 1"),
        };

        TerminalFollowView.StatusLine(request).ShouldBe("Executing · 1 operations done · operation 0: ready 2/2 · operation 1: ready 1/3, rolling out");
        TerminalFollowView.StatusLine(request with { RolloutProgress = null }).ShouldBe("Executing · 1 operations done · operation 0: ready 2/2");
    }
}
