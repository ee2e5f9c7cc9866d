using System.Threading.Channels;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace K8sAgentPlatform.Api.Tests;

/// <summary>
/// A terminal a test types into: Spectre.Console's own console, interactive, writing to a string without colours or
/// cursor moves (so the live status line prints each change on a line of its own), reading the keys the test sends.
/// Cancelling the command's token is the Ctrl-C.
/// </summary>
internal sealed class ScriptedTerminal : IAnsiConsole
{
    private readonly StringWriter written = new();
    private readonly TextWriter synchronized;
    private readonly IAnsiConsole console;
    private readonly ScriptedKeys keys = new();

    public ScriptedTerminal()
    {
        synchronized = TextWriter.Synchronized(written);
        console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(synchronized),
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        // Wide enough that no line the tests look for wraps.
        console.Profile.Width = 400;
    }

    /// <summary>What the terminal shows so far (whole writes only: the synchronized writer locks itself on each).</summary>
    public string Output
    {
        get
        {
            lock (synchronized)
            {
                return written.ToString();
            }
        }
    }

    /// <summary>Types <paramref name="text"/> and presses Enter.</summary>
    public void Answer(string text)
    {
        foreach (var c in text)
        {
            keys.Send(new ConsoleKeyInfo(c, ConsoleKey.NoName, false, false, false));
        }

        keys.Send(new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false));
    }

    public Profile Profile => console.Profile;
    public IAnsiConsoleCursor Cursor => console.Cursor;
    public IAnsiConsoleInput Input => keys;
    public IExclusivityMode ExclusivityMode => console.ExclusivityMode;
    public RenderPipeline Pipeline => console.Pipeline;
    public void Clear(bool home) => console.Clear(home);
    public void Write(IRenderable renderable) => console.Write(renderable);
    public void WriteAnsi(Action<AnsiWriter> action) => console.WriteAnsi(action);

    private sealed class ScriptedKeys : IAnsiConsoleInput
    {
        private readonly Channel<ConsoleKeyInfo> pressed = Channel.CreateUnbounded<ConsoleKeyInfo>();

        public void Send(ConsoleKeyInfo key) => pressed.Writer.TryWrite(key);

        public bool IsKeyAvailable() => pressed.Reader.TryPeek(out _);

        public ConsoleKeyInfo? ReadKey(bool intercept) => ReadKeyAsync(intercept, CancellationToken.None).GetAwaiter().GetResult();

        public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) =>
            await pressed.Reader.ReadAsync(cancellationToken);
    }
}
