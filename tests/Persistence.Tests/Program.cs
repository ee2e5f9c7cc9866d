using K8sAgentPlatform.Persistence.Sqlite;

namespace K8sAgentPlatform.Persistence.Tests;

/// <summary>
/// xunit's own entry point (as it generates it), plus <c>--sqlite-writer</c>: a separate process that writes to a
/// SQLite file while the test writes to it too, so multi-process safety is tested with real processes.
/// </summary>
internal static class Program
{
    public const string WriterFlag = "--sqlite-writer";

    public static int Main(string[] args)
    {
        if (args is [WriterFlag, var path, var count, var label, var snapshotId])
        {
            return RunWriterAsync(path, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), label, snapshotId).GetAwaiter().GetResult();
        }

        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }

        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }

    private static async Task<int> RunWriterAsync(string path, int count, string label, string snapshotId)
    {
        var database = new SqliteDatabase(path);
        var audit = new SqliteAuditLog(database, TestData.Chain, TimeProvider.System);
        using var protector = new Protection.AesGcmObjectProtector(new byte[32]);
        var snapshots = new SqliteSnapshotStore(database, protector);
        for (var i = 0; i < count; i++)
        {
            await audit.AppendAsync(new AuditRecord("process.append", label, Detail: $"{label} #{i}"));
        }

        var won = await snapshots.MarkConsumedAsync(snapshotId, DateTimeOffset.UtcNow);
        Console.WriteLine($"consumed={won}");
        return 0;
    }
}
