using System.Text.Json;

namespace K8sAgentPlatform.Remediation.Alertmanager;

/// <summary>One alert of a webhook notification.</summary>
public sealed record Alert(string Status, IReadOnlyDictionary<string, string> Labels, string Fingerprint, DateTimeOffset StartsAt, DateTimeOffset? EndsAt)
{
    public bool Firing => Status == "firing";
    public string Name => Labels.TryGetValue("alertname", out var name) ? name : "";
}

/// <summary>Alertmanager's webhook body, version 4, with only what remediation reads.</summary>
public sealed record AlertmanagerNotification(string Receiver, string? ExternalUrl, IReadOnlyList<Alert> Alerts)
{
    private const int MaxAlerts = 10_000;

    /// <summary>Reads the body strictly enough to act on it; every problem is named.</summary>
    public static AlertmanagerNotification? TryRead(JsonElement root, out List<string> problems)
    {
        problems = [];
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add("the body must be a JSON object (Alertmanager's webhook payload)");
            return null;
        }

        if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "4")
        {
            problems.Add("version: must be \"4\" (the webhook payload version of Alertmanager 0.x)");
        }

        var receiver = root.TryGetProperty("receiver", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
        var externalUrl = root.TryGetProperty("externalURL", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (!root.TryGetProperty("alerts", out var alertsElement) || alertsElement.ValueKind != JsonValueKind.Array)
        {
            problems.Add("alerts: must be a list");
            return null;
        }

        if (alertsElement.GetArrayLength() > MaxAlerts)
        {
            problems.Add($"alerts: at most {MaxAlerts} alerts in one notification");
            return null;
        }

        var alerts = new List<Alert>();
        var i = 0;
        foreach (var a in alertsElement.EnumerateArray())
        {
            if (ReadAlert(a, $"alerts[{i++}]", problems) is { } alert)
            {
                alerts.Add(alert);
            }
        }

        return problems.Count == 0 ? new AlertmanagerNotification(receiver, externalUrl, alerts) : null;
    }

    private static Alert? ReadAlert(JsonElement a, string path, List<string> problems)
    {
        var before = problems.Count;
        if (a.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: must be an object");
            return null;
        }

        var status = a.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (status is not ("firing" or "resolved"))
        {
            problems.Add($"{path}.status: must be \"firing\" or \"resolved\"");
        }

        var fingerprint = a.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        if (fingerprint is not { Length: > 0 and <= 64 } || !fingerprint.All(char.IsAsciiHexDigit))
        {
            problems.Add($"{path}.fingerprint: must be Alertmanager's hex fingerprint");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!a.TryGetProperty("labels", out var l) || l.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}.labels: must be an object of label names to values");
        }
        else
        {
            foreach (var label in l.EnumerateObject())
            {
                if (label.Value.ValueKind != JsonValueKind.String)
                {
                    problems.Add($"{path}.labels.{label.Name}: must be a string");
                    continue;
                }

                labels[label.Name] = label.Value.GetString()!;
            }
        }

        var startsAt = a.TryGetProperty("startsAt", out var st) && st.TryGetDateTimeOffset(out var start) ? start : default;
        DateTimeOffset? endsAt = a.TryGetProperty("endsAt", out var en) && en.TryGetDateTimeOffset(out var end) && end.Year > 1 ? end : null;
        return problems.Count > before ? null : new Alert(status!, labels, fingerprint!, startsAt, endsAt);
    }
}
