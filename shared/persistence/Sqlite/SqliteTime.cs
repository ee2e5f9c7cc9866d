namespace K8sAgentPlatform.Persistence.Sqlite;

/// <summary>Times as integers since the Unix epoch (UTC), so ordering and comparison are numeric, never textual.</summary>
internal static class SqliteTime
{
    public static long ToMicroseconds(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.Ticks) / 10;

    public static DateTimeOffset FromMicroseconds(long microseconds) => new(DateTimeOffset.UnixEpoch.Ticks + microseconds * 10, TimeSpan.Zero);

    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) => FromMicroseconds(ToMicroseconds(value));

    public static long ToMilliseconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
