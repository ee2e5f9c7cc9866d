using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>What one token did in its clause; `k8s-agent parse --explain` prints it.</summary>
internal enum Slot : byte
{
    Unread,
    Separator,
    Filler,
    Connector,
    Keyword,
    Verb,
    Kubectl,
    Kind,
    Name,
    Namespace,
    Replicas,
    Container,
    Image,
    Revision,
    Lines,
    Since,
    Key,
    Value,
    Option,
    NotUnderstood,
}

/// <summary>
/// The slots of one segment: one operation's worth of the request. Texts are kept as spans of the request and
/// copied only when the operation is built.
/// </summary>
internal sealed class Slots(int from, int to)
{
    public int From { get; } = from;
    public int To { get; } = to;

    /// <summary>The segment this one took its verb from ("restart cart and api": api's is cart's), or null.</summary>
    public Slots? SharedFrom { get; set; }

    public Verb Verb { get; set; }
    public int VerbToken { get; set; } = -1;
    public bool Kubectl { get; set; }
    /// <summary>kubectl set image: CONTAINER=IMAGE pairs follow.</summary>
    public bool SetImage { get; set; }

    public ResourceType? Kind { get; set; }
    public bool KindPlural { get; set; }

    public Span Name { get; set; } = Span.None;
    public int NameToken { get; set; } = -1;
    /// <summary>The name stood alone, with no kind word beside it.</summary>
    public bool NameBare { get; set; }

    public Span Namespace { get; set; } = Span.None;
    /// <summary>The namespace phrase ends the segment, so it may also belong to the segments before it.</summary>
    public bool NamespaceTrailing { get; set; }
    public bool NamespaceCarried { get; set; }

    public long? Replicas { get; set; }
    public Span Container { get; set; } = Span.None;
    public Span Image { get; set; } = Span.None;
    public long? Revision { get; set; }
    public long? Lines { get; set; }
    public long? Since { get; set; }
    public Span Key { get; set; } = Span.None;
    public Span Value { get; set; } = Span.None;

    public bool? IgnoreDaemonsets { get; set; }
    public bool? DeleteEmptydirData { get; set; }
    public long? GracePeriod { get; set; }

    /// <summary>Keywords seen: they choose between operations that share a verb ("show" status or logs).</summary>
    public Keywords Seen { get; set; }

    /// <summary>A refusal found while reading (exec, "all", a fraction, an unsupported flag); it wins over everything else.</summary>
    public string? Problem { get; set; }

    public int Unknown { get; set; }

    public bool Has(Keywords keyword) => (Seen & keyword) != 0;

    public void See(Keywords keyword) => Seen |= keyword;
}

/// <summary>A part of the request's text; start -1 when the slot is empty.</summary>
internal readonly record struct Span(int Start, int Length)
{
    public static readonly Span None = new(-1, 0);

    public bool IsEmpty => Start < 0;
}

[Flags]
internal enum Keywords
{
    None = 0,
    Logs = 1,
    Status = 1 << 1,
    Image = 1 << 2,
    Replicas = 1 << 3,
    Back = 1 << 4,
    Out = 1 << 5,
    Direction = 1 << 6,
    Rollout = 1 << 7,
    State = 1 << 8,
    Unschedulable = 1 << 9,
    Schedulable = 1 << 10,
    OutOfScheduling = 1 << 11,
    IntoScheduling = 1 << 12,
    Last = 1 << 13,
    Again = 1 << 14,
    Store = 1 << 15,
    Key = 1 << 16,
    Container = 1 << 17,
}
