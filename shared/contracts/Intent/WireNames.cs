using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>The JSON names of the contract's enums, read once from their attributes.</summary>
public static class WireNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Cache<TEnum>.ToName[value];

    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        return name is not null && Cache<TEnum>.FromName.TryGetValue(name, out value);
    }

    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => Cache<TEnum>.Names;

    private static class Cache<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToName = typeof(TEnum)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToFrozenDictionary(
                f => (TEnum)f.GetValue(null)!,
                f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);

        public static readonly FrozenDictionary<string, TEnum> FromName =
            ToName.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        public static readonly IReadOnlyList<string> Names = Enum.GetValues<TEnum>().Select(v => ToName[v]).ToArray();
    }
}
