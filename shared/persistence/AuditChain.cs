using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace K8sAgentPlatform.Persistence;

/// <summary>
/// The hashing of the audit chain, in one place for every store: each entry's hash is HMAC-SHA256, under a key the
/// database does not hold (<see cref="AuditKey"/>), over a canonical, length-prefixed encoding of its fields and the
/// previous entry's hash; the first entry links to <see cref="Genesis"/>. Whoever can write the database but lacks
/// the key cannot rewrite the chain so that it still verifies.
/// </summary>
public sealed class AuditChain(AuditKey key)
{
    /// <summary>What the first entry's PreviousHash holds.</summary>
    public static readonly string Genesis = new('0', 64);

    private const string Header = "k8s-agent-audit-v2";

    /// <summary>
    /// Times are hashed and stored in whole milliseconds UTC: the coarsest precision of the stores (a BSON date),
    /// so an entry hashes the same after a round trip through any of them.
    /// </summary>
    public static DateTimeOffset NormalizeTime(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }

    /// <summary>Builds the entry that follows <paramref name="previousHash"/> at <paramref name="sequence"/>.</summary>
    public AuditEntry Link(AuditRecord record, long sequence, DateTimeOffset at, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Action);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Principal);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);

        var entry = new AuditEntry
        {
            Sequence = sequence,
            At = NormalizeTime(at),
            Action = record.Action,
            Principal = record.Principal,
            RequestId = record.RequestId,
            Detail = record.Detail,
            Outcome = record.Outcome,
            PreviousHash = previousHash,
            Hash = "",
        };
        return entry with { Hash = ComputeHash(entry) };
    }

    /// <summary>HMAC-SHA256 (lowercase hex) over the canonical encoding of every field but <see cref="AuditEntry.Hash"/>.</summary>
    public string ComputeHash(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key.Bytes, Encoding.UTF8.GetBytes(Canonical(entry))));
    }

    /// <summary>
    /// One line per field, every text length-prefixed and null distinct from empty, so no two different entries
    /// encode to the same bytes (a field cannot borrow characters from its neighbour).
    /// </summary>
    internal static string Canonical(AuditEntry entry)
    {
        var text = new StringBuilder(256);
        text.Append(Header).Append('\n');
        text.Append("sequence:").Append(entry.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("at:").Append(NormalizeTime(entry.At).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append('\n');
        Field(text, "action", entry.Action);
        Field(text, "principal", entry.Principal);
        Field(text, "request_id", entry.RequestId?.ToString("D"));
        Field(text, "detail", entry.Detail);
        Field(text, "outcome", entry.Outcome);
        Field(text, "previous_hash", entry.PreviousHash);
        return text.ToString();
    }

    private static void Field(StringBuilder text, string name, string? value)
    {
        text.Append(name).Append(':');
        if (value is null)
        {
            text.Append('~');
        }
        else
        {
            text.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        text.Append('\n');
    }

    /// <summary>Walks entries in stored sequence order and reports the first one that breaks the chain.</summary>
    public async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditEntry> entriesInSequenceOrder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entriesInSequenceOrder);
        var verifier = new Verifier(this);
        await foreach (var entry in entriesInSequenceOrder.WithCancellation(cancellationToken))
        {
            if (verifier.Check(entry) is { } broken)
            {
                return broken;
            }
        }

        return verifier.Intact();
    }

    public AuditVerification Verify(IEnumerable<AuditEntry> entriesInSequenceOrder)
    {
        ArgumentNullException.ThrowIfNull(entriesInSequenceOrder);
        var verifier = new Verifier(this);
        foreach (var entry in entriesInSequenceOrder)
        {
            if (verifier.Check(entry) is { } broken)
            {
                return broken;
            }
        }

        return verifier.Intact();
    }

    private sealed class Verifier(AuditChain chain)
    {
        private long checkedCount;
        private long expectedSequence = 1;
        private string expectedPreviousHash = Genesis;

        public AuditVerification Intact() => new(true, checkedCount, null, null);

        public AuditVerification? Check(AuditEntry entry)
        {
            if (entry.Sequence != expectedSequence)
            {
                return entry.Sequence > expectedSequence
                    ? Broken(expectedSequence, expectedSequence == 1
                        ? $"entry {expectedSequence} is missing: the log starts at entry {entry.Sequence} (removed entries)"
                        : $"entry {expectedSequence} is missing: entry {entry.Sequence} follows entry {expectedSequence - 1} (removed entries)")
                    : Broken(entry.Sequence, $"entry {entry.Sequence} appears where entry {expectedSequence} was expected (duplicated or reordered entries)");
            }

            if (!string.Equals(entry.PreviousHash, expectedPreviousHash, StringComparison.Ordinal))
            {
                return Broken(entry.Sequence, entry.Sequence == 1
                    ? "entry 1 does not link to the start of the chain (its previous hash is not 64 zeros)"
                    : $"entry {entry.Sequence} does not link to entry {entry.Sequence - 1}: its previous hash differs from that entry's hash (an entry was removed, reordered or rewritten)");
            }

            if (!string.Equals(chain.ComputeHash(entry), entry.Hash, StringComparison.Ordinal))
            {
                return Broken(entry.Sequence, $"entry {entry.Sequence} does not match its keyed hash: a field was edited after it was written, or the chain was " +
                    "rewritten without the audit key (also seen when Persistence:EncryptionKey changed, or for entries written before the chain was keyed)");
            }

            checkedCount++;
            expectedSequence++;
            expectedPreviousHash = entry.Hash;
            return null;
        }

        private AuditVerification Broken(long sequence, string problem) => new(false, checkedCount, sequence, problem);
    }
}
