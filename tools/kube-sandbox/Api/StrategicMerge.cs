using System.Text.Json.Nodes;
using K8sAgentPlatform.KubeSandbox.Store;

namespace K8sAgentPlatform.KubeSandbox.Api;

/// <summary>
/// Strategic merge patch for the lists clients actually patch: merge keys per field name,
/// <c>$patch</c>, <c>$setElementOrder/</c>, <c>$retainKeys</c> and <c>$deleteFromPrimitiveList/</c> directives.
/// </summary>
public static class StrategicMerge
{
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["ownerReferences"] = "uid",
        ["conditions"] = "type",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["schedulingGates"] = "name",
        ["taints"] = "key",
        ["addresses"] = "type",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
    };

    private static readonly HashSet<string> PrimitiveSets = ["finalizers"];

    public static JsonObject Apply(JsonObject target, JsonObject patch) => MergeObject(target, patch);

    private static JsonObject MergeObject(JsonObject target, JsonObject patch)
    {
        if (patch.Str("$patch") == "replace")
        {
            var replaced = patch.CloneObject();
            StripDirectives(replaced);
            return replaced;
        }
        if (patch.Str("$patch") == "delete")
        {
            return new JsonObject();
        }
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.ToString()).ToHashSet();
            foreach (var key in target.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(key);
            }
        }
        foreach (var (key, value) in patch.ToList())
        {
            if (key.StartsWith('$'))
            {
                if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray remove)
                {
                    var field = key["$deleteFromPrimitiveList/".Length..];
                    if (target[field] is JsonArray list)
                    {
                        foreach (var item in list.Where(i => remove.Any(r => JsonNode.DeepEquals(r, i))).ToList())
                        {
                            list.Remove(item);
                        }
                    }
                }
                continue;
            }
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild)
            {
                target[key] = MergeObject((target[key] as JsonObject)?.CloneObject() ?? new JsonObject(), patchChild);
            }
            else if (value is JsonArray patchList)
            {
                var merged = MergeList(key, target[key] as JsonArray, patchList);
                if (patch[$"$setElementOrder/{key}"] is JsonArray order && MergeKeyFor(key, merged, patchList) is { } mergeKey)
                {
                    merged = Reorder(merged, order, mergeKey);
                }
                target[key] = merged;
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
        return target;
    }

    private static string? MergeKeyFor(string field, JsonArray? current, JsonArray patch)
    {
        if (field == "ports")
        {
            var any = (current ?? []).Concat(patch).OfType<JsonObject>();
            return any.Any(p => p.ContainsKey("containerPort")) ? "containerPort" : "port";
        }
        return MergeKeys.GetValueOrDefault(field);
    }

    private static JsonArray MergeList(string field, JsonArray? current, JsonArray patch)
    {
        var mergeKey = MergeKeyFor(field, current, patch);
        if (patch.OfType<JsonObject>().Any(p => p.Str("$patch") == "replace"))
        {
            var replaced = new JsonArray();
            foreach (var item in patch.Where(p => p is not JsonObject o || o.Str("$patch") != "replace"))
            {
                var clone = item.CloneNode();
                if (clone is JsonObject o)
                {
                    StripDirectives(o);
                }
                replaced.Add(clone);
            }
            return replaced;
        }
        if (mergeKey is null)
        {
            if (PrimitiveSets.Contains(field) && current is not null)
            {
                var union = new JsonArray(current.Select(i => i.CloneNode()).ToArray());
                foreach (var item in patch.Where(p => !union.Any(u => JsonNode.DeepEquals(u, p))))
                {
                    union.Add(item.CloneNode());
                }
                return union;
            }
            var plain = new JsonArray(patch.Select(i => i.CloneNode()).ToArray());
            foreach (var o in plain.OfType<JsonObject>())
            {
                StripDirectives(o);
            }
            return plain;
        }
        var result = new JsonArray((current ?? []).Select(i => i.CloneNode()).ToArray());
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                continue;
            }
            var key = patchItem[mergeKey];
            var existing = result.OfType<JsonObject>().FirstOrDefault(r => JsonNode.DeepEquals(r[mergeKey], key));
            if (patchItem.Str("$patch") == "delete")
            {
                if (existing is not null)
                {
                    result.Remove(existing);
                }
                continue;
            }
            if (existing is null)
            {
                var added = patchItem.CloneObject();
                StripDirectives(added);
                result.Add(added);
            }
            else
            {
                var index = result.IndexOf(existing);
                var merged = MergeObject(existing.CloneObject(), patchItem);
                result[index] = merged;
            }
        }
        return result;
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string mergeKey)
    {
        var items = list.Select(i => i.CloneNode()).ToList();
        var ordered = new JsonArray();
        foreach (var key in order.OfType<JsonObject>().Select(o => o[mergeKey]))
        {
            var match = items.OfType<JsonObject>().FirstOrDefault(i => JsonNode.DeepEquals(i[mergeKey], key));
            if (match is not null)
            {
                items.Remove(match);
                ordered.Add(match);
            }
        }
        foreach (var rest in items)
        {
            ordered.Add(rest);
        }
        return ordered;
    }

    private static void StripDirectives(JsonObject o)
    {
        foreach (var key in o.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList())
        {
            o.Remove(key);
        }
        foreach (var (_, value) in o.ToList())
        {
            switch (value)
            {
                case JsonObject child:
                    StripDirectives(child);
                    break;
                case JsonArray list:
                    foreach (var item in list.OfType<JsonObject>())
                    {
                        StripDirectives(item);
                    }
                    break;
            }
        }
    }
}
