namespace K8sAgentPlatform.Persistence.Tests.Unit;

public sealed class AuditChainTests
{
    private static readonly Guid RequestId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly byte[] ProtectionKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly AuditChain Chain = new(AuditKey.DeriveFrom(ProtectionKey));

    [Fact]
    public void The_canonical_encoding_is_fixed_so_old_hashes_stay_valid()
    {
        var entry = Chain.Link(new AuditRecord("request.submitted", "alice", RequestId, "scale web", null), 1, TestData.T0.AddTicks(4_321), AuditChain.Genesis);

        AuditChain.Canonical(entry).ShouldBe(
            "k8s-agent-audit-v2\n" +
            "sequence:1\n" +
            "at:2026-03-14T09:00:00.000Z\n" +
            "action:17:request.submitted\n" +
            "principal:5:alice\n" +
            "request_id:36:0f8fad5b-d9cb-469f-a165-70867728950e\n" +
            "detail:9:scale web\n" +
            "outcome:~\n" +
            "previous_hash:64:" + new string('0', 64) + "\n");
        entry.Hash.ShouldMatch("^[0-9a-f]{64}$");
        var auditKey = System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, ProtectionKey, 32,
            salt: null, info: System.Text.Encoding.UTF8.GetBytes("k8s-agent audit chain v2"));
        entry.Hash.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(auditKey, System.Text.Encoding.UTF8.GetBytes(AuditChain.Canonical(entry)))));
    }

    [Fact]
    public void Times_are_hashed_in_utc_whatever_the_offset()
    {
        var inUtc = Chain.Link(new AuditRecord("a", "p"), 1, TestData.T0, AuditChain.Genesis);
        var withOffset = Chain.Link(new AuditRecord("a", "p"), 1, TestData.T0.ToOffset(TimeSpan.FromHours(5.5)), AuditChain.Genesis);

        withOffset.Hash.ShouldBe(inUtc.Hash);
        withOffset.At.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Every_field_changes_the_hash_and_null_differs_from_empty()
    {
        var baseline = Chain.Link(new AuditRecord("ab", "c", RequestId, "d", "e"), 3, TestData.T0, AuditChain.Genesis);
        AuditEntry[] variants =
        [
            baseline with { Sequence = 4 },
            baseline with { At = baseline.At.AddMilliseconds(1) },
            baseline with { Action = "a", Principal = "bc" },
            baseline with { Principal = "C" },
            baseline with { RequestId = null },
            baseline with { Detail = "" },
            baseline with { Detail = null },
            baseline with { Outcome = null },
            baseline with { PreviousHash = new string('1', 64) },
        ];

        variants.Select(Chain.ComputeHash).ShouldAllBe(hash => hash != baseline.Hash);
        variants.Select(Chain.ComputeHash).Distinct().Count().ShouldBe(variants.Length);
    }

    [Fact]
    public void Verification_names_the_first_broken_entry()
    {
        var chain = new List<AuditEntry>();
        var previous = AuditChain.Genesis;
        for (var i = 1; i <= 4; i++)
        {
            var entry = Chain.Link(new AuditRecord("step", "alice", Detail: $"#{i}"), i, TestData.T0.AddSeconds(i), previous);
            chain.Add(entry);
            previous = entry.Hash;
        }

        Chain.Verify(chain).ShouldBe(new AuditVerification(true, 4, null, null));
        Chain.Verify(chain.Skip(1)).Problem.ShouldBe("entry 1 is missing: the log starts at entry 2 (removed entries)");
        Chain.Verify([chain[0], chain[1], chain[1], chain[2]]).FirstBrokenSequence.ShouldBe(2);
        Chain.Verify([chain[0] with { PreviousHash = new string('f', 64) }]).Problem!.ShouldContain("start of the chain");

        // A forger who edits entry 2 and recomputes its hash is caught by entry 3's link.
        var forged = chain[1] with { Detail = "forged" };
        forged = forged with { Hash = Chain.ComputeHash(forged) };
        var verification = Chain.Verify([chain[0], forged, chain[2], chain[3]]);
        verification.FirstBrokenSequence.ShouldBe(3);
        verification.EntriesChecked.ShouldBe(2);
    }

    [Fact]
    public void An_entry_needs_an_action_and_a_principal()
    {
        Should.Throw<ArgumentException>(() => Chain.Link(new AuditRecord("", "alice"), 1, TestData.T0, AuditChain.Genesis));
        Should.Throw<ArgumentException>(() => Chain.Link(new AuditRecord("a", " "), 1, TestData.T0, AuditChain.Genesis));
        Should.Throw<ArgumentOutOfRangeException>(() => Chain.Link(new AuditRecord("a", "b"), 0, TestData.T0, AuditChain.Genesis));
    }

    [Fact]
    public void A_chain_hashed_under_another_key_or_unkeyed_does_not_verify()
    {
        var entry = Chain.Link(new AuditRecord("request.submitted", "alice", RequestId), 1, TestData.T0, AuditChain.Genesis);
        var otherKey = new AuditChain(AuditKey.DeriveFrom(new byte[32]));
        var unkeyed = entry with { Hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AuditChain.Canonical(entry)))) };

        Chain.Verify([entry]).Intact.ShouldBeTrue();
        otherKey.Verify([entry]).Problem.ShouldNotBeNull().ShouldContain("keyed hash");
        Chain.Verify([unkeyed]).FirstBrokenSequence.ShouldBe(1);
        Should.Throw<ArgumentOutOfRangeException>(() => AuditKey.DeriveFrom(new byte[16]));
    }
}
