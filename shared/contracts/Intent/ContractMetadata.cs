using System.Collections.Concurrent;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;

namespace K8sAgentPlatform.Contracts.Intent;

/// <summary>
/// One serialized property of a contract type, with the bounds its attributes declare. The reader, the
/// writer, the validator and the schema generator all work from this, so the four cannot disagree.
/// </summary>
internal sealed record ContractProperty(
    PropertyInfo Info,
    string JsonName,
    Type ValueType,
    bool IsNullable,
    string? Description,
    RangeAttribute? Range,
    LengthAttribute? Length,
    FormatAttribute? Format,
    MaxBytesAttribute? MaxBytes)
{
    public object? Get(object owner) => Info.GetValue(owner);
}

internal static class ContractMetadata
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<ContractProperty>> Cache = new();
    private static readonly NullabilityInfoContext Nullability = new();

    public static IReadOnlyList<ContractProperty> PropertiesOf(Type type) => Cache.GetOrAdd(type, Build);

    public static string? DescriptionOf(Type type) => type.GetCustomAttribute<DescriptionAttribute>()?.Description;

    private static IReadOnlyList<ContractProperty> Build(Type type)
    {
        var result = new List<ContractProperty>();
        foreach (var info in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = info.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null)
            {
                continue; // computed helpers such as Target are not part of the wire shape
            }

            var underlying = Nullable.GetUnderlyingType(info.PropertyType);
            bool nullable;
            lock (Nullability)
            {
                nullable = underlying is not null || Nullability.Create(info).ReadState == NullabilityState.Nullable;
            }

            result.Add(new ContractProperty(
                info,
                name,
                underlying ?? info.PropertyType,
                nullable,
                info.GetCustomAttribute<DescriptionAttribute>()?.Description,
                info.GetCustomAttribute<RangeAttribute>(),
                info.GetCustomAttribute<LengthAttribute>(),
                info.GetCustomAttribute<FormatAttribute>(),
                info.GetCustomAttribute<MaxBytesAttribute>()));
        }

        return result;
    }
}
