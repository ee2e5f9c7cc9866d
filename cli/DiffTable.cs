using K8sAgentPlatform.Cli.Client;

namespace K8sAgentPlatform.Cli;

/// <summary>
/// What each operation changes, as the server's dry run showed it: one line per field, old -> new. On a terminal the old
/// value is red and the new one green; redirected output (a file, a pipe, a test) is plain text.
/// </summary>
internal static class DiffTable
{
    private const string Red = "\u001b[31m";
    private const string Green = "\u001b[32m";
    private const string Reset = "\u001b[0m";
    private const string Absent = "(absent)";

    public static void Write(TextWriter output, IReadOnlyList<Verdict> verdicts)
    {
        var changing = verdicts.Where(v => v.Diff.Count > 0).ToList();
        if (changing.Count == 0)
        {
            return;
        }

        var colour = IsColourTerminal(output);
        output.WriteLine();
        output.WriteLine("Changes (live object -> the server's dry-run result):");
        foreach (var line in Lines(changing, text => text, old => Paint(old, Red, colour), now => Paint(now, Green, colour)))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>
    /// The diff's lines under each operation that changes something; every text goes through the caller's painters
    /// (ANSI colours here, Spectre markup on the terminal view), so both renderers say the same thing.
    /// </summary>
    public static IEnumerable<string> Lines(IEnumerable<Verdict> verdicts, Func<string, string> text, Func<string, string> before, Func<string, string> after)
    {
        foreach (var verdict in verdicts.Where(v => v.Diff.Count > 0))
        {
            yield return $"  operation {verdict.Index}:";
            foreach (var change in verdict.Diff)
            {
                yield return change.Before is null && change.After is null
                    ? $"    {text(change.Path)}"
                    : $"    {text(change.Path)}: {before(change.Before ?? Absent)} -> {after(change.After ?? Absent)}";
            }
        }
    }

    private static string Paint(string text, string colourCode, bool colour) => colour ? colourCode + text + Reset : text;

    /// <summary>Only the process's own console, when it is not redirected and NO_COLOR (no-color.org) is not set.</summary>
    private static bool IsColourTerminal(TextWriter output) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected || ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected);
}
