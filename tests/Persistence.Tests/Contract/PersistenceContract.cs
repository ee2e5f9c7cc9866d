using System.Text;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>The behaviour every store must show; each store's test class supplies the store.</summary>
public abstract partial class PersistenceContract
{
    private protected ManualTime Time { get; } = new(TestData.T0);

    /// <summary>A fresh, empty store whose audit log reads <see cref="Time"/>.</summary>
    protected abstract Task<IStoreUnderTest> CreateAsync();

    [Fact]
    public async Task A_saved_snapshot_reads_back_field_for_field()
    {
        await using var store = await CreateAsync();
        var snapshot = TestData.Snapshot("snap-roundtrip") with { RestoredAt = null, ResourceVersion = "12" };

        var saved = await store.Snapshots.SaveAsync(snapshot);
        var read = await store.Snapshots.GetAsync("snap-roundtrip");

        saved.ShouldBe(snapshot);
        read.ShouldBe(snapshot);
        read!.Operation.Parameters.ShouldBe(new ScaleParameters { Replicas = 3 });
        (await store.Snapshots.FindForOperationAsync(snapshot.RequestId, 0)).ShouldBe(snapshot);
        (await store.Snapshots.GetAsync("snap-missing")).ShouldBeNull();
    }

    [Fact]
    public async Task A_snapshot_of_an_object_that_did_not_exist_and_has_no_namespace_reads_back()
    {
        await using var store = await CreateAsync();
        var snapshot = new SnapshotDocument
        {
            Id = "snap-node",
            RequestId = Guid.NewGuid(),
            OperationIndex = 2,
            Operation = TestData.Cordon("worker-1"),
            Kind = "Node",
            ApiVersion = "v1",
            Namespace = null,
            Name = "worker-1",
            ObjectJson = null,
            ResourceVersion = null,
            Existed = false,
            CapturedAt = TestData.T0,
        };

        await store.Snapshots.SaveAsync(snapshot);

        (await store.OtherSnapshots.GetAsync("snap-node")).ShouldBe(snapshot);
        (await store.Snapshots.LatestUnconsumedAsync("Node", null, "worker-1")).ShouldBe(snapshot);
        (await store.Snapshots.LatestUnconsumedAsync("Node", "default", "worker-1")).ShouldBeNull();
    }

    [Fact]
    public async Task Saving_again_for_the_same_operation_keeps_the_first_pre_change_state()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        var first = TestData.Snapshot("snap-first", requestId, 1);
        var redelivered = TestData.Snapshot("snap-second", requestId, 1) with { ObjectJson = TestData.DeploymentJson("web", 9), CapturedAt = TestData.T0.AddMinutes(1) };

        await store.Snapshots.SaveAsync(first);
        var result = await store.OtherSnapshots.SaveAsync(redelivered);

        result.ShouldBe(first);
        (await store.Snapshots.GetAsync("snap-second")).ShouldBeNull();
        (await store.Snapshots.ListAsync(new SnapshotQuery(RequestId: requestId))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Reusing_a_snapshot_id_for_another_operation_is_refused()
    {
        await using var store = await CreateAsync();
        var original = TestData.Snapshot("snap-taken");
        await store.Snapshots.SaveAsync(original);

        await Should.ThrowAsync<InvalidOperationException>(() => store.OtherSnapshots.SaveAsync(TestData.Snapshot("snap-taken")));
        (await store.Snapshots.GetAsync("snap-taken")).ShouldBe(original);
    }

    [Fact]
    public async Task Concurrent_saves_of_one_operation_store_one_snapshot_and_all_callers_get_it()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        var saves = Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            (i % 2 == 0 ? store.Snapshots : store.OtherSnapshots).SaveAsync(TestData.Snapshot($"snap-race-{i}", requestId, 0))));

        var results = await Task.WhenAll(saves);

        results.Select(r => r.Id).Distinct().Count().ShouldBe(1);
        (await store.Snapshots.ListAsync(new SnapshotQuery(RequestId: requestId))).Single().Id.ShouldBe(results[0].Id);
    }

    [Fact]
    public async Task The_latest_unconsumed_snapshot_is_chosen_by_capture_time_not_by_insertion_or_text()
    {
        await using var store = await CreateAsync();
        // 10:30+02:00 is 08:30Z: as text it sorts after 09:00Z, in time it is earlier.
        var earlierWithOffset = TestData.Snapshot("snap-a", capturedAt: new DateTimeOffset(2026, 3, 14, 10, 30, 0, TimeSpan.FromHours(2)));
        var newest = TestData.Snapshot("snap-b", capturedAt: TestData.T0);
        var oldest = TestData.Snapshot("snap-c", capturedAt: TestData.T0.AddHours(-3));
        var otherObject = TestData.Snapshot("snap-d", name: "api", capturedAt: TestData.T0.AddHours(1));

        await store.Snapshots.SaveAsync(newest);
        await store.Snapshots.SaveAsync(earlierWithOffset);
        await store.Snapshots.SaveAsync(oldest);
        await store.Snapshots.SaveAsync(otherObject);

        (await store.Snapshots.LatestUnconsumedAsync("Deployment", "staging", "web"))!.Id.ShouldBe("snap-b");
        (await store.Snapshots.MarkConsumedAsync("snap-b", TestData.T0.AddHours(2))).ShouldBeTrue();
        (await store.Snapshots.LatestUnconsumedAsync("Deployment", "staging", "web"))!.Id.ShouldBe("snap-a");
        (await store.Snapshots.LatestUnconsumedAsync("Deployment", "production", "web")).ShouldBeNull();
        (await store.Snapshots.LatestUnconsumedAsync("StatefulSet", "staging", "web")).ShouldBeNull();
    }

    [Fact]
    public async Task Listing_filters_by_every_field_and_returns_newest_first()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-1", requestId, 0, "web", "staging", TestData.T0));
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-2", requestId, 1, "api", "staging", TestData.T0.AddMinutes(2)));
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-3", null, 0, "web", "prod-eu", TestData.T0.AddMinutes(1)));
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-4", null, 0, "web", "staging", TestData.T0.AddMinutes(3), kind: "StatefulSet"));
        await store.Snapshots.MarkConsumedAsync("snap-3", TestData.T0.AddMinutes(5));

        async Task<string[]> Ids(SnapshotQuery query) => (await store.Snapshots.ListAsync(query)).Select(s => s.Id).ToArray();

        (await Ids(new SnapshotQuery())).ShouldBe(["snap-4", "snap-2", "snap-3", "snap-1"]);
        (await Ids(new SnapshotQuery(Namespace: "staging"))).ShouldBe(["snap-4", "snap-2", "snap-1"]);
        (await Ids(new SnapshotQuery(Kind: "Deployment"))).ShouldBe(["snap-2", "snap-3", "snap-1"]);
        (await Ids(new SnapshotQuery(Name: "web"))).ShouldBe(["snap-4", "snap-3", "snap-1"]);
        (await Ids(new SnapshotQuery(RequestId: requestId))).ShouldBe(["snap-2", "snap-1"]);
        (await Ids(new SnapshotQuery(Consumed: true))).ShouldBe(["snap-3"]);
        (await Ids(new SnapshotQuery(Consumed: false, Name: "web", Namespace: "staging", Kind: "Deployment"))).ShouldBe(["snap-1"]);
        (await Ids(new SnapshotQuery(Limit: 2))).ShouldBe(["snap-4", "snap-2"]);
    }

    [Fact]
    public async Task Marking_consumed_succeeds_for_exactly_one_of_many_concurrent_callers()
    {
        await using var store = await CreateAsync();
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-once"));
        var restoredAt = TestData.T0.AddMinutes(7);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            (i % 2 == 0 ? store.Snapshots : store.OtherSnapshots).MarkConsumedAsync("snap-once", restoredAt))));

        attempts.Count(won => won).ShouldBe(1);
        var consumed = await store.Snapshots.GetAsync("snap-once");
        consumed!.Consumed.ShouldBeTrue();
        consumed.RestoredAt.ShouldBe(restoredAt);
        (await store.Snapshots.MarkConsumedAsync("snap-once", restoredAt.AddMinutes(1))).ShouldBeFalse();
        (await store.Snapshots.MarkConsumedAsync("snap-missing", restoredAt)).ShouldBeFalse();
    }

    [Fact]
    public async Task The_unconsumed_count_follows_saves_and_restores()
    {
        await using var store = await CreateAsync();
        (await store.Snapshots.CountUnconsumedAsync()).ShouldBe(0);
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-1"));
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-2"));
        await store.Snapshots.SaveAsync(TestData.Snapshot("snap-3"));
        await store.Snapshots.MarkConsumedAsync("snap-2", TestData.T0);

        (await store.OtherSnapshots.CountUnconsumedAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task A_secret_snapshot_never_rests_in_clear_text_and_reads_back_in_clear()
    {
        await using var store = await CreateAsync();
        var secret = TestData.SecretSnapshot("snap-secret");

        await store.Snapshots.SaveAsync(secret);

        var raw = await store.RawSnapshotAsync("snap-secret");
        raw.ShouldContain("db-credentials");
        raw.ShouldNotContain(TestData.SecretValue);
        raw.ShouldNotContain(TestData.SecretValueBase64);
        if (await store.RawStorageAsync() is { } bytes)
        {
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestData.SecretValue)).ShouldBe(-1);
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestData.SecretValueBase64)).ShouldBe(-1);
        }

        var read = await store.OtherSnapshots.GetAsync("snap-secret");
        read.ShouldBe(secret);
        read!.ObjectJson!.ShouldContain(TestData.SecretValueBase64);
        ((UpdateConfigParameters)read.Operation.Parameters!).Value.ShouldBe(TestData.SecretValue + "-next");
        (await store.Snapshots.LatestUnconsumedAsync("Secret", "staging", "db-credentials")).ShouldBe(secret);
    }

    [Fact]
    public async Task The_state_a_change_left_is_recorded_on_its_snapshot_and_sealed_for_a_secret()
    {
        await using var store = await CreateAsync();
        var plain = await store.Snapshots.SaveAsync(TestData.Snapshot("snap-plain"));
        var secret = await store.Snapshots.SaveAsync(TestData.SecretSnapshot("snap-secret"));
        plain.AfterJson.ShouldBeNull();
        const string plainAfter = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":5}}""";
        var secretAfter = $$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-credentials"},"data":{"password":"{{{TestData.SecretValueBase64}}}"}}""";

        (await store.Snapshots.RecordAfterAsync(plain.Id, plainAfter)).ShouldBeTrue();
        (await store.Snapshots.RecordAfterAsync(secret.Id, secretAfter)).ShouldBeTrue();
        (await store.Snapshots.RecordAfterAsync("snap-unknown", plainAfter)).ShouldBeFalse();

        (await store.OtherSnapshots.GetAsync(plain.Id))!.AfterJson.ShouldBe(plainAfter);
        var read = await store.OtherSnapshots.GetAsync(secret.Id);
        read!.AfterJson.ShouldBe(secretAfter);
        read.ObjectJson.ShouldBe(secret.ObjectJson);
        (await store.RawSnapshotAsync(secret.Id)).ShouldNotContain(TestData.SecretValueBase64);
        if (await store.RawStorageAsync() is { } bytes)
        {
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestData.SecretValueBase64)).ShouldBe(-1);
        }
    }

    [Fact]
    public async Task A_snapshot_of_a_manifest_touching_a_secret_is_sealed_and_reads_back_in_clear()
    {
        await using var store = await CreateAsync();
        var manifest = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app, namespace: staging}}\ndata: {{a: b}}\n---\n" +
            $"apiVersion: v1\nkind: Secret\nmetadata: {{name: db-credentials, namespace: staging}}\nstringData: {{password: {TestData.SecretValue}-next}}\n";
        var items = $$$$"""{"apiVersion":"k8s-agent.io/v1","kind":"ManifestObjects","items":[{"existed":true,"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","namespace":"staging"},"data":{"a":"b"}}},{"existed":true,"object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-credentials","namespace":"staging"},"data":{"password":"{{{{TestData.SecretValueBase64}}}}"}}}]}""";
        var snapshot = TestData.Snapshot("snap-manifest", kind: "ManifestObjects") with
        {
            Operation = TestData.Scale("app", "staging") with
            {
                OperationType = OperationType.ApplyManifest,
                ResourceType = ResourceType.ConfigMap,
                Parameters = new ApplyManifestParameters { Manifest = manifest },
            },
            ApiVersion = "k8s-agent.io/v1",
            Name = "app",
            ObjectJson = items,
            ResourceVersion = null,
        };
        // The same objects under an operation that says nothing of Secrets: the Secret item alone seals it.
        var byItem = TestData.Snapshot("snap-items", kind: "ManifestObjects") with { ApiVersion = "k8s-agent.io/v1", ObjectJson = items };

        await store.Snapshots.SaveAsync(snapshot);
        await store.Snapshots.SaveAsync(byItem);

        foreach (var id in new[] { "snap-manifest", "snap-items" })
        {
            var raw = await store.RawSnapshotAsync(id);
            raw.ShouldNotContain(TestData.SecretValue);
            raw.ShouldNotContain(TestData.SecretValueBase64);
        }

        if (await store.RawStorageAsync() is { } bytes)
        {
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestData.SecretValue)).ShouldBe(-1);
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestData.SecretValueBase64)).ShouldBe(-1);
        }

        (await store.OtherSnapshots.GetAsync("snap-manifest")).ShouldBe(snapshot);
        (await store.OtherSnapshots.GetAsync("snap-items")).ShouldBe(byItem);
    }

    [Fact]
    public async Task A_snapshot_whose_object_is_not_a_json_object_is_refused()
    {
        await using var store = await CreateAsync();

        await Should.ThrowAsync<ArgumentException>(() => store.Snapshots.SaveAsync(TestData.Snapshot("snap-bad") with { ObjectJson = "[1,2]" }));
        await Should.ThrowAsync<ArgumentException>(() => store.Snapshots.SaveAsync(TestData.Snapshot("snap-bad") with { ObjectJson = "{not json" }));
        await Should.ThrowAsync<ArgumentException>(() => store.Snapshots.SaveAsync(TestData.Snapshot("snap bad id")));
        (await store.Snapshots.CountUnconsumedAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Appended_entries_are_numbered_linked_and_read_back()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();

        var first = await store.Audit.AppendAsync(new AuditRecord("request.submitted", "alice", requestId, "scale web to 3", "accepted"));
        Time.Advance(TimeSpan.FromSeconds(1.2345));
        var second = await store.Audit.AppendAsync(new AuditRecord("request.confirmed", "bob"));

        first.Sequence.ShouldBe(1);
        first.PreviousHash.ShouldBe(new string('0', 64));
        first.At.ShouldBe(TestData.T0);
        first.Hash.ShouldBe(TestData.Chain.ComputeHash(first));
        second.Sequence.ShouldBe(2);
        second.PreviousHash.ShouldBe(first.Hash);
        second.At.ShouldBe(TestData.T0.AddMilliseconds(1234));
        (await store.OtherAudit.ReadAsync(new AuditQuery())).ShouldBe([first, second]);
    }

    [Fact]
    public async Task Reading_the_audit_log_filters_by_request_principal_and_position()
    {
        await using var store = await CreateAsync();
        var requestId = Guid.NewGuid();
        await store.Audit.AppendAsync(new AuditRecord("a", "alice", requestId));
        await store.Audit.AppendAsync(new AuditRecord("b", "bob", requestId));
        await store.Audit.AppendAsync(new AuditRecord("c", "alice"));
        await store.Audit.AppendAsync(new AuditRecord("d", "alice", requestId));

        async Task<long[]> Sequences(AuditQuery query) => (await store.Audit.ReadAsync(query)).Select(e => e.Sequence).ToArray();

        (await Sequences(new AuditQuery(RequestId: requestId))).ShouldBe([1, 2, 4]);
        (await Sequences(new AuditQuery(Principal: "alice"))).ShouldBe([1, 3, 4]);
        (await Sequences(new AuditQuery(AfterSequence: 2))).ShouldBe([3, 4]);
        (await Sequences(new AuditQuery(Limit: 2))).ShouldBe([1, 2]);
        (await Sequences(new AuditQuery(RequestId: requestId, Principal: "alice", AfterSequence: 1))).ShouldBe([4]);
    }

    [Fact]
    public async Task An_untouched_chain_verifies_and_an_empty_one_too()
    {
        await using var store = await CreateAsync();
        (await store.Audit.VerifyAsync()).ShouldBe(new AuditVerification(true, 0, null, null));

        await AppendSeveralAsync(store, 5);

        (await store.OtherAudit.VerifyAsync()).ShouldBe(new AuditVerification(true, 5, null, null));
    }

    [Fact]
    public async Task An_edited_entry_breaks_the_chain_at_that_entry()
    {
        await using var store = await CreateAsync();
        await AppendSeveralAsync(store, 5);

        await store.EditAuditDetailAsync(3, "nothing to see here");
        var verification = await store.Audit.VerifyAsync();

        verification.Intact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(3);
        verification.EntriesChecked.ShouldBe(2);
        verification.Problem.ShouldNotBeNull().ShouldContain("edited");
    }

    [Fact]
    public async Task A_chain_rewritten_by_a_database_writer_without_the_audit_key_does_not_verify()
    {
        await using var store = await CreateAsync();
        await AppendSeveralAsync(store, 5);

        // Everything a database writer can do: edit entry 3 and recompute every hash and link after it, with the
        // unkeyed hash or any key but the platform's.
        var forger = new AuditChain(AuditKey.DeriveFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var entries = await store.Audit.ReadAsync(new AuditQuery());
        var previous = entries[1].Hash;
        foreach (var original in entries.Skip(2))
        {
            var rewritten = original with { Detail = original.Sequence == 3 ? "nothing to see here" : original.Detail, PreviousHash = previous };
            rewritten = rewritten with { Hash = forger.ComputeHash(rewritten) };
            await store.ReplaceAuditEntryAsync(rewritten);
            previous = rewritten.Hash;
        }

        var verification = await store.OtherAudit.VerifyAsync();

        verification.Intact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(3);
        verification.EntriesChecked.ShouldBe(2);
        verification.Problem.ShouldNotBeNull().ShouldContain("keyed hash");
    }

    [Fact]
    public async Task A_removed_entry_is_reported_as_missing()
    {
        await using var store = await CreateAsync();
        await AppendSeveralAsync(store, 5);

        await store.DeleteAuditEntryAsync(2);
        var verification = await store.Audit.VerifyAsync();

        verification.Intact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(2);
        verification.Problem.ShouldNotBeNull().ShouldContain("entry 2 is missing");
    }

    [Fact]
    public async Task Reordered_entries_break_the_chain_at_the_first_moved_entry()
    {
        await using var store = await CreateAsync();
        await AppendSeveralAsync(store, 5);

        await store.SwapAuditEntriesAsync(3, 4);
        var verification = await store.Audit.VerifyAsync();

        verification.Intact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(3);
        verification.Problem.ShouldNotBeNull().ShouldContain("does not link to entry 2");
    }

    [Fact]
    public async Task Concurrent_appenders_on_two_instances_keep_one_unbroken_chain()
    {
        await using var store = await CreateAsync();
        const int appends = 40;

        var entries = await Task.WhenAll(Enumerable.Range(0, appends).Select(i => Task.Run(() =>
            (i % 2 == 0 ? store.Audit : store.OtherAudit).AppendAsync(new AuditRecord("concurrent.append", $"writer-{i}", Detail: $"#{i}")))));

        entries.Select(e => e.Sequence).Order().ShouldBe(Enumerable.Range(1, appends).Select(i => (long)i));
        entries.Select(e => e.PreviousHash).Distinct().Count().ShouldBe(appends);
        (await store.Audit.VerifyAsync()).ShouldBe(new AuditVerification(true, appends, null, null));
    }

    private async Task AppendSeveralAsync(IStoreUnderTest store, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await store.Audit.AppendAsync(new AuditRecord($"step.{i}", "alice", Guid.NewGuid(), $"detail {i}", "ok"));
            Time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
