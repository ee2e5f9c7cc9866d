using System.Diagnostics;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing.Offline;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;

// Throughput and per-call allocation of the offline parser and of intent reading/validation.
// Run: dotnet run -c Release --project bench/intent [-- SECONDS_PER_CASE [--each]]   (--each: every phrasing on its own)
var seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 2.0;

string[] phrases =
[
    "kubectl scale deployment/api --replicas=3 -n dev",
    "scale the api-server deployment to 5 replicas in production",
    "restart web in staging",
    "kubectl set image deployment/web app=registry.k8s.io/web:1.2 -n staging",
    "show the last 50 log lines of pod x in y",
    "cordon node worker-1",
    "set LOG_LEVEL=debug in configmap app-config in staging",
    "roll back web in staging to revision 3",
    "scale api to 3 in dev and restart web in staging",
    "show logs of web in dev since 10 minutes ago",
    "frobnicate the api in dev",
    "scale api to 500 in dev",
    "In qa, restart cart.",
    "-n qa scale deploy cart --replicas 2",
    "scale cart to 2 and api to 3 in qa",
    "Scale CART to 3 in QA",
    "is cart in qa ready?",
    "delete everything in qa",
];

var parser = new OfflineIntentParser();
var context = new ClusterContext(["dev", "staging", "production"], ["production"]);
var intentJson = IntentJson.Serialize(((IntentParseSucceeded)parser.Parse(phrases[8], context)).Intent);
var intent = IntentJson.Parse(intentJson);

Console.WriteLine($"intent bench: {seconds:0.#} s per case, {Environment.ProcessorCount} cores, {(Debugger.IsAttached ? "debugger" : "no debugger")}, " +
                  $"{(System.Reflection.Assembly.GetEntryAssembly()!.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "DEBUG build: figures are not representative" : "optimized build")}");
Console.WriteLine($"{"case",-34} {"calls/s",12} {"µs/call",9} {"bytes/call",11}");
var index = 0;
var (parsesPerSecond, bytesPerParse) = Measure($"offline parse ({phrases.Length} phrasings)", () => parser.Parse(phrases[index++ % phrases.Length], context));
if (args.Contains("--each"))
{
    foreach (var phrase in phrases)
    {
        Measure(phrase.Length > 34 ? phrase[..34] : phrase, () => parser.Parse(phrase, context));
    }
}

Measure("intent JSON read + validate", () => IntentJson.Parse(intentJson));
Measure("intent validate (built)", () => IntentValidator.Validate(intent));
Measure("intent JSON write", () => IntentJson.Serialize(intent));

// Issue 15's goal for the offline parser on this machine.
const double GoalParsesPerSecond = 100_000, GoalBytesPerParse = 2048;
Console.WriteLine($"offline parser goal: >= {GoalParsesPerSecond:N0} parses/s and <= {GoalBytesPerParse:N0} bytes/parse; " +
                  $"measured {parsesPerSecond:N0} parses/s and {bytesPerParse:N0} bytes/parse: " +
                  (parsesPerSecond >= GoalParsesPerSecond && bytesPerParse <= GoalBytesPerParse ? "met" : "NOT met"));

(double CallsPerSecond, double BytesPerCall) Measure(string name, Func<object> call)
{
    // Warm-up by time as well as by count: tiered JIT promotes hot methods only after a quiet delay that every
    // newly compiled method extends, so 2000 calls (or half a second) still measured unoptimized code.
    var warm = Stopwatch.StartNew();
    for (var i = 0; i < 2000 || warm.Elapsed.TotalSeconds < 1.5; i++)
    {
        call();
    }

    var calls = 0L;
    var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 100; i++)
        {
            call();
        }

        calls += 100;
    }

    clock.Stop();
    var bytes = (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / (double)calls;
    Console.WriteLine($"{name,-34} {calls / clock.Elapsed.TotalSeconds,12:N0} {clock.Elapsed.TotalMicroseconds / calls,9:N1} {bytes,11:N0}");
    return (calls / clock.Elapsed.TotalSeconds, bytes);
}
