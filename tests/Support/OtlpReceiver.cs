using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace K8sAgentPlatform.TestSupport;

/// <summary>One span as exported over OTLP, reduced to what a test needs to rebuild a trace and a benchmark to time it.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    ulong StartUnixNano = 0, ulong EndUnixNano = 0)
{
    public double DurationMs => EndUnixNano > StartUnixNano ? (EndUnixNano - StartUnixNano) / 1e6 : 0;
}

/// <summary>
/// An OTLP/HTTP endpoint (http/protobuf) in the test or benchmark process: the services export their spans here
/// (OTEL_EXPORTER_OTLP_ENDPOINT), and the caller reads them back. Metrics and logs posted to it are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedSpan> spans = new();

    private OtlpReceiver(WebApplication app) => this.app = app;

    public string Endpoint => app.Urls.First();

    public IReadOnlyList<ReceivedSpan> Spans => spans.ToArray();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in OtlpTraces.Read(body.ToArray()))
            {
                receiver.spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>
/// Reads the few fields of an ExportTraceServiceRequest a test needs (opentelemetry/proto/trace/v1/trace.proto):
/// resource_spans(1) { resource(1) { attributes(1) }, scope_spans(2) { spans(2) { trace_id(1), span_id(2),
/// parent_span_id(4), name(5), kind(6), start_time_unix_nano(7), end_time_unix_nano(8) } } }. Everything else is skipped by its wire type.
/// </summary>
public static class OtlpTraces
{
    public static IEnumerable<ReceivedSpan> Read(byte[] request)
    {
        var result = new List<ReceivedSpan>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1)
            {
                continue;
            }

            var service = "";
            var scopeSpans = new List<byte[]>();
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1)
                {
                    service = ServiceName(value) ?? service;
                }
                else if (f == 2)
                {
                    scopeSpans.Add(value);
                }
            }

            foreach (var scope in scopeSpans)
            {
                foreach (var (f, span) in Fields(scope))
                {
                    if (f == 2)
                    {
                        result.Add(Span(service, span));
                    }
                }
            }
        }

        return result;
    }

    private static string? ServiceName(byte[] resource)
    {
        foreach (var (f, attribute) in Fields(resource))
        {
            if (f != 1)
            {
                continue;
            }

            string? key = null;
            string? value = null;
            foreach (var (af, av) in Fields(attribute))
            {
                if (af == 1)
                {
                    key = Encoding.UTF8.GetString(av);
                }
                else if (af == 2)
                {
                    value = Fields(av).Where(x => x.Field == 1).Select(x => Encoding.UTF8.GetString(x.Value)).FirstOrDefault();
                }
            }

            if (key == "service.name")
            {
                return value;
            }
        }

        return null;
    }

    private static ReceivedSpan Span(string service, byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        ulong start = 0, end = 0;
        foreach (var (f, value) in Fields(span, varints: v => kind = (int)v.Value, varintField: 6))
        {
            switch (f)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 7 when value.Length == 8: start = BinaryPrimitives.ReadUInt64LittleEndian(value); break;
                case 8 when value.Length == 8: end = BinaryPrimitives.ReadUInt64LittleEndian(value); break;
            }
        }

        return new ReceivedSpan(service, traceId, spanId, parent, name, kind, start, end);
    }

    /// <summary>The length-delimited and fixed64 fields of a message, in order; varints of <paramref name="varintField"/> go to <paramref name="varints"/>.</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message, Action<(int Field, ulong Value)>? varints = null, int varintField = -1)
    {
        var fields = new List<(int, byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var v = Varint(message, ref position);
                    if (field == varintField)
                    {
                        varints?.Invoke((field, v));
                    }

                    break;
                case 1:
                    fields.Add((field, message[position..(position + 8)]));
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    fields.Add((field, message[position..(position + length)]));
                    position += length;
                    break;
                case 5: position += 4; break;
                default: throw new InvalidDataException($"wire type {tag & 7} at byte {position}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
