namespace K8sAgentPlatform.Cli.Client;

/// <summary>
/// What following a request shows and asks: plain text for scripts and logs (<see cref="PlainFollowView"/>), or
/// tables, colours, a live status line and a prompt for a person at a terminal (<see cref="TerminalFollowView"/>).
/// </summary>
internal interface IFollowView
{
    /// <summary>Whether a person can answer <see cref="AskAsync"/>.</summary>
    bool CanAsk { get; }

    void Line(string text);

    void Entry(AuditItem entry);

    void Plan(RequestDetails request);

    void Outcome(RequestDetails request);

    /// <summary>Runs <paramref name="follow"/>, which reports the request's state as it changes (a live status line on a terminal).</summary>
    Task<T> FollowingAsync<T>(Func<Action<RequestDetails>, Task<T>> follow);

    /// <summary>Asks a yes/no question (no is the default); false when nobody can answer.</summary>
    Task<bool> AskAsync(string question, CancellationToken cancellationToken);
}

/// <summary>The output as it always was: lines of text, nothing asked, no status line.</summary>
internal sealed class PlainFollowView(TextWriter progress, TextWriter result) : IFollowView
{
    public bool CanAsk => false;

    public void Line(string text) => progress.WriteLine(text);

    public void Entry(AuditItem entry) => RequestPrinter.Entry(progress, entry);

    public void Plan(RequestDetails request)
    {
        progress.WriteLine();
        RequestPrinter.Plan(progress, request);
        progress.WriteLine();
    }

    public void Outcome(RequestDetails request) => RequestPrinter.Outcome(result, request);

    public Task<T> FollowingAsync<T>(Func<Action<RequestDetails>, Task<T>> follow) => follow(_ => { });

    public Task<bool> AskAsync(string question, CancellationToken cancellationToken) => Task.FromResult(false);
}
