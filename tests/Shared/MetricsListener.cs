using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using K8sAgentPlatform.Hosting;

namespace K8sAgentPlatform.Tests.Shared;

/// <summary>
/// Records what one container's <see cref="PlatformMetrics"/> measures. It listens to that meter instance only,
/// so tests running in parallel in the same process never see each other's measurements.
/// </summary>
public sealed class MetricsListener : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Recorded> recorded = new();

    public MetricsListener(PlatformMetrics metrics)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        listener.Start();
    }

    public IReadOnlyList<Recorded> Of(string instrument) => recorded.Where(r => r.Instrument == instrument).ToArray();

    /// <summary>The sum of a counter's measurements whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] labels) =>
        Of(instrument).Where(r => labels.All(l => r.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(r => r.Value);

    /// <summary>Reads the observable gauges now.</summary>
    public void Observe() => listener.RecordObservableInstruments();

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new Dictionary<string, string>();
        foreach (var tag in tags)
        {
            labels[tag.Key] = tag.Value?.ToString() ?? "";
        }

        recorded.Enqueue(new Recorded(instrument.Name, value, labels));
    }

    public sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, string> Labels);
}
