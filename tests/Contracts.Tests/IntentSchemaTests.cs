using System.Text.Json.Nodes;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Contracts.Tests;

/// <summary>The schema must be one OpenAI's strict structured outputs accept; these rules are walked over all of it.</summary>
public sealed class IntentSchemaTests
{
    // The keywords strict mode supports (OpenAI structured outputs, "Supported schemas").
    private static readonly HashSet<string> AllowedKeywords =
    [
        "type", "properties", "required", "additionalProperties", "items", "enum", "anyOf", "description",
        "pattern", "minimum", "maximum", "minItems", "maxItems", "$defs", "$ref", "const", "format",
    ];

    private static readonly JsonObject Schema = JsonNode.Parse(IntentSchema.Json)!.AsObject();

    [Fact]
    public void The_root_is_an_object_not_a_union()
    {
        Schema["type"]!.GetValue<string>().ShouldBe("object");
        Schema.ContainsKey("anyOf").ShouldBeFalse();
    }

    [Fact]
    public void Every_object_is_closed_and_requires_every_property()
    {
        var objects = Walk(Schema, "$").Where(n => n.Node["type"] is JsonValue t && t.GetValue<string>() == "object").ToList();

        objects.Count.ShouldBeGreaterThan(8); // intent, operation, and every parameter variant
        foreach (var (path, node) in objects)
        {
            node["additionalProperties"]?.GetValue<bool>().ShouldBe(false, path);
            var properties = node["properties"]!.AsObject().Select(p => p.Key).Order().ToList();
            var required = node["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order().ToList();
            required.ShouldBe(properties, path);
        }
    }

    [Fact]
    public void Only_keywords_strict_mode_supports_are_used()
    {
        foreach (var (path, node) in Walk(Schema, "$"))
        {
            foreach (var keyword in node.Select(p => p.Key))
            {
                AllowedKeywords.ShouldContain(keyword, $"{path} uses '{keyword}'");
            }
        }
    }

    [Fact]
    public void Optional_fields_are_a_union_with_null()
    {
        var logs = Variant("tail_lines");

        logs["properties"]!["tail_lines"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["integer", "null"]);
        logs["properties"]!["container_name"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["string", "null"]);
        var parameters = Operation()["properties"]!["parameters"]!["anyOf"]!.AsArray();
        parameters.ShouldContain(v => v!["type"]!.GetValue<string>() == "null");
    }

    [Fact]
    public void Every_categorical_field_is_an_enum()
    {
        Operation()["properties"]!["operation_type"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(WireNames.All<OperationType>());
        Operation()["properties"]!["resource_type"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldContain("node");
        Schema["properties"]!["estimated_risk_level"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["low", "medium", "high", "critical"]);
    }

    [Fact]
    public void Numeric_and_list_bounds_are_in_the_schema_and_lengths_are_described()
    {
        var replicas = Variant("replicas")["properties"]!["replicas"]!;
        replicas["minimum"]!.GetValue<long>().ShouldBe(0);
        replicas["maximum"]!.GetValue<long>().ShouldBe(100);
        Schema["properties"]!["operations"]!["maxItems"]!.GetValue<int>().ShouldBe(10);
        Operation()["properties"]!["reason"]!["description"]!.GetValue<string>().ShouldContain("10 to 500 characters");
    }

    [Fact]
    public void Every_parameter_variant_has_a_distinct_set_of_fields()
    {
        // With every field required, distinct field sets mean an answer can match one variant only.
        var variants = Operation()["properties"]!["parameters"]!["anyOf"]!.AsArray()
            .Where(v => v!["type"]!.GetValue<string>() == "object")
            .Select(v => string.Join(",", v!["properties"]!.AsObject().Select(p => p.Key).Order()))
            .ToList();

        variants.Count.ShouldBe(OperationRules.AllParameterTypes.Count);
        variants.Distinct().Count().ShouldBe(variants.Count);
    }

    private static JsonObject Operation() => Schema["properties"]!["operations"]!["items"]!.AsObject();

    private static JsonObject Variant(string field) =>
        Operation()["properties"]!["parameters"]!["anyOf"]!.AsArray().Select(v => v!.AsObject())
            .Single(v => v["properties"] is JsonObject p && p.ContainsKey(field));

    private static IEnumerable<(string Path, JsonObject Node)> Walk(JsonObject node, string path)
    {
        yield return (path, node);
        foreach (var (key, child) in node)
        {
            switch (child)
            {
                case JsonObject o when key is "properties" or "$defs":
                    foreach (var (name, sub) in o)
                    {
                        foreach (var found in Walk(sub!.AsObject(), $"{path}.{key}.{name}"))
                        {
                            yield return found;
                        }
                    }

                    break;
                case JsonObject o:
                    foreach (var found in Walk(o, $"{path}.{key}"))
                    {
                        yield return found;
                    }

                    break;
                case JsonArray a when key == "anyOf":
                    for (var i = 0; i < a.Count; i++)
                    {
                        foreach (var found in Walk(a[i]!.AsObject(), $"{path}.anyOf[{i}]"))
                        {
                            yield return found;
                        }
                    }

                    break;
            }
        }
    }
}
