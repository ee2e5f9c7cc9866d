using System.Diagnostics;
using K8sAgentPlatform.Persistence.Protection;
using K8sAgentPlatform.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace K8sAgentPlatform.Persistence.Tests.Contract;

/// <summary>Real processes on one SQLite file: the audit chain stays one chain and one restorer wins.</summary>
public sealed class SqliteMultiProcessTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Dispose();
    }

    [Fact]
    public async Task Writers_in_three_processes_and_this_one_keep_one_chain_and_one_restorer_wins()
    {
        const int perWriter = 15;
        var path = Path.Combine(directory.Path, "shared.db");
        var database = new SqliteDatabase(path);
        using var protector = new AesGcmObjectProtector(new byte[32]);
        var snapshots = new SqliteSnapshotStore(database, protector);
        var audit = new SqliteAuditLog(database, TestData.Chain, TimeProvider.System);
        await snapshots.SaveAsync(TestData.Snapshot("snap-shared"));

        var writers = Enumerable.Range(1, 3).Select(i => StartWriter(path, perWriter, $"process-{i}", "snap-shared")).ToList();
        for (var i = 0; i < perWriter; i++)
        {
            await audit.AppendAsync(new AuditRecord("process.append", "test-process", Detail: $"#{i}"));
        }

        var outputs = new List<string>();
        foreach (var writer in writers)
        {
            using (writer)
            {
                var output = writer.StandardOutput.ReadToEndAsync();
                var errors = writer.StandardError.ReadToEndAsync();
                // A deadline for a hung child, not a wait for work: the test proceeds as soon as each process exits.
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
                await writer.WaitForExitAsync(deadline.Token);
                writer.ExitCode.ShouldBe(0, await errors);
                outputs.Add(await output);
            }
        }

        outputs.Count(o => o.Contains("consumed=True", StringComparison.Ordinal)).ShouldBe(1);
        (await audit.VerifyAsync()).ShouldBe(new AuditVerification(true, 4 * perWriter, null, null));
        var entries = await audit.ReadAsync(new AuditQuery(Limit: 1000));
        entries.GroupBy(e => e.Principal).Select(g => g.Count()).ShouldAllBe(n => n == perWriter);
        (await snapshots.GetAsync("snap-shared"))!.Consumed.ShouldBeTrue();
    }

    private static Process StartWriter(string path, int count, string label, string snapshotId)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(Program).Assembly.Location, Program.WriterFlag, path, count.ToString(System.Globalization.CultureInfo.InvariantCulture), label, snapshotId })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a writer process.");
    }
}
