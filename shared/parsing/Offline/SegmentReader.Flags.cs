using System.Globalization;

namespace K8sAgentPlatform.Parsing.Offline;

/// <summary>kubectl flags, wherever they stand and in both spellings (--namespace qa, --namespace=qa, -n qa).</summary>
internal static partial class SegmentReader
{
    private static int Flag(TokenStream t, Slots s, int i)
    {
        if (t[i].Kind != TokenKind.Flag)
        {
            return 0;
        }

        var text = t.Chars(i);
        var eq = text.IndexOf('=');
        var name = (eq > 0 ? text[..eq] : text).TrimStart('-');
        var inline = eq > 0 ? new Span(t[i].Start + eq + 1, t[i].Length - eq - 1) : Span.None;
        var taken = 1;

        Span Value(out bool ok)
        {
            if (!inline.IsEmpty)
            {
                ok = true;
                return inline;
            }

            if (i + 1 < s.To && t[i + 1].Kind == TokenKind.Word)
            {
                taken = 2;
                ok = true;
                return t.SpanOf(i + 1);
            }

            ok = false;
            return Span.None;
        }

        var flag = text[..(eq > 0 ? eq : text.Length)];
        switch (name)
        {
            case "n" or "namespace":
            {
                var value = Value(out var ok);
                if (!ok || taken == 2 && !IsNameAfterKind(t, i + 1))
                {
                    Refuse(s, $"{flag} needs a namespace, e.g. {flag} staging");
                    break;
                }

                SetNamespace(t, s, value, trailing: Closes(t, s, i + taken));
                t.Mark(i, taken, Slot.Namespace);
                return taken;
            }
            case "replicas":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var replicas))
                {
                    s.Replicas = replicas;
                }
                else
                {
                    Refuse(s, "--replicas needs a whole number, e.g. --replicas=3");
                }

                t.Mark(i, taken, Slot.Replicas);
                return taken;
            }
            case "to-revision":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var revision))
                {
                    s.Revision = revision == 0 ? null : revision; // kubectl's 0 means "the previous revision"
                    s.See(Keywords.Back);
                }
                else
                {
                    Refuse(s, $"--to-revision must be a whole number, got '{chars}'");
                }

                t.Mark(i, taken, Slot.Revision);
                return taken;
            }
            case "c" or "container":
            {
                var value = Value(out var ok);
                if (!ok)
                {
                    Refuse(s, $"{flag} needs a container name");
                }

                s.Container = value;
                s.See(Keywords.Container);
                t.Mark(i, taken, Slot.Container);
                return taken;
            }
            case "tail":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lines))
                {
                    s.Lines = lines;
                }
                else
                {
                    Refuse(s, $"--tail must be a whole number, got '{chars}'");
                }

                s.See(Keywords.Logs);
                t.Mark(i, taken, Slot.Lines);
                return taken;
            }
            case "since":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && Lexicon.CompactDuration(chars) is { } seconds)
                {
                    s.Since = seconds;
                }
                else
                {
                    Refuse(s, $"--since must be a duration such as 30s, 10m or 1h, got '{chars}'");
                }

                s.See(Keywords.Logs);
                t.Mark(i, taken, Slot.Since);
                return taken;
            }
            case "ignore-daemonsets" or "delete-emptydir-data" or "delete-local-data":
            {
                var on = inline.IsEmpty || !t.Text.AsSpan(inline.Start, inline.Length).Equals("false", StringComparison.OrdinalIgnoreCase);
                if (name is "ignore-daemonsets")
                {
                    s.IgnoreDaemonsets = on;
                }
                else
                {
                    s.DeleteEmptydirData = on;
                }

                t.Mark(i, 1, Slot.Option);
                return 1;
            }
            case "grace-period":
            {
                var value = Value(out var ok);
                var chars = ok ? t.Text.AsSpan(value.Start, value.Length) : default;
                if (ok && long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var grace))
                {
                    s.GracePeriod = grace < 0 ? null : grace; // kubectl's -1 means "the pod's own setting"
                }
                else
                {
                    Refuse(s, $"--grace-period must be a whole number of seconds, got '{chars}'");
                }

                t.Mark(i, taken, Slot.Option);
                return taken;
            }
            case "all" or "A" or "all-namespaces":
                Refuse(s, $"{flag} would act on every object; name each object (I never act on all of them at once)");
                break;
            case "f" or "filename" or "k" or "kustomize":
                Refuse(s, $"{flag} takes a manifest; send it as an apply_manifest intent (k8s-agent ask --intent FILE)");
                break;
            default:
                Refuse(s, $"unsupported flag {flag}; the flags I know are -n/--namespace, --replicas, --to-revision, -c/--container, --tail, --since, --ignore-daemonsets, --delete-emptydir-data and --grace-period");
                break;
        }

        return Take(t, i, 1, Slot.NotUnderstood);
    }
}
