using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Policy.Policies;

/// <summary>Where and why a YAML text cannot be read.</summary>
internal sealed record YamlFailure(int Line, int Column, string Message)
{
    /// <summary>
    /// Reads the text event by event and returns the first failure, or null when it reads. YamlDotNet
    /// reports most errors as <see cref="YamlException"/> with a position, but some malformed input makes its
    /// scanner throw other exceptions without one; then the end of the last good event is the position.
    /// </summary>
    /// <summary>Loads the text as a tree, or says where and why it cannot be loaded; never throws for bad input.</summary>
    public static YamlFailure? TryLoad(string yaml, int maxEvents, out YamlStream stream)
    {
        stream = new YamlStream();
        if (Find(yaml, maxEvents) is { } failure)
        {
            return failure;
        }

        try
        {
            stream.Load(new StringReader(yaml));
            return null;
        }
        catch (YamlException e)
        {
            // Events read but the tree does not: duplicate keys, unknown aliases...
            return new YamlFailure((int)e.Start.Line, (int)e.Start.Column, (e.InnerException as YamlException ?? e).Message);
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            return new YamlFailure(1, 1, $"the YAML cannot be loaded: {e.Message}");
        }
    }

    private static bool IsParserFailure(Exception e) =>
        e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException or KeyNotFoundException;

    public static YamlFailure? Find(string yaml, int maxEvents = int.MaxValue)
    {
        var parser = new Parser(new StringReader(yaml));
        Mark last = Mark.Empty;
        var events = 0;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current?.End ?? last;
                if (++events > maxEvents)
                {
                    return new YamlFailure((int)last.Line, (int)last.Column, $"more than {maxEvents} YAML nodes");
                }
            }

            return null;
        }
        catch (YamlException e)
        {
            return new YamlFailure((int)e.Start.Line, (int)e.Start.Column, (e.InnerException as YamlException ?? e).Message);
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            return new YamlFailure(Math.Max((int)last.Line, 1), Math.Max((int)last.Column, 1), "malformed YAML after this point");
        }
    }
}
