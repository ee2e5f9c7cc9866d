using System.Diagnostics;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Kubernetes;
using K8sAgentPlatform.Policy.Policies;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>
/// Thousands of generated and mutated intents, from a fixed seed: policy never throws, never hangs, and
/// never approves a mutating operation in a protected namespace, with or without a cluster that says yes.
/// </summary>
public sealed class PropertyTests
{
    private static readonly string[] Namespaces =
    [
        "staging", "dev", "prod-web", "production", "kube-system", "kube-public", "kube-node-lease",
        "Kube-System", "kube-system ", "kube\u2010system", "kube-system\n", "", "../kube-system", "a", new string('x', 70),
    ];

    private static readonly string[] Names = ["web", "db", "worker-1", "kube-system", "web/../x", "WEB", "w\u0435b", " web", "a.b.c", "", new string('n', 300)];

    private static readonly string[] Images =
    [
        "gcr.io/my-project/web", "gcr.io/my-project-evil/web", "gcr.io.evil.com/my-project/web", "nginx", "registry.k8s.io/pause",
        "localhost:5000/x", "gcr.io/my-project/web:latest", "GCR.IO/my-project/web", "gcr.io/my-project/w eb", "",
    ];

    private static readonly string[] Tags = ["1.0", "latest", "main", "master", "sha256:" + new string('a', 64), "", "v1 ", "x@y"];

    private static readonly string[] Manifests =
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: NS}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: kube-system}\nspec: {template: {spec: {containers: [{name: a, image: nginx}]}}}\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {kind: ClusterRole, name: cluster-admin}\n",
        "---\n- a\n- b\n", "a: &x [*x]\n", "{{{{", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: NS\n---\nkind: Namespace\n",
    ];

    [Fact]
    public async Task Generated_and_mutated_intents_never_crash_hang_or_approve_a_protected_namespace_change()
    {
        var random = new Random(20261130);
        var evaluators = new[]
        {
            new PolicyEvaluator(PolicySettings.Default),
            new PolicyEvaluator(PolicySettings.Default, new YesCluster()),
            new PolicyEvaluator(PolicySettings.Default with { AllowNamespaceDeletion = true, GitOpsMode = GitOpsMode.Warn, NodeOperationsMinRisk = RiskLevel.Low }, new YesCluster()),
        };
        var clock = Stopwatch.StartNew();
        var evaluated = 0;
        var approvedMutations = 0;

        for (var i = 0; i < 4000; i++)
        {
            var intent = i % 2 == 0 ? Generate(random) : Mutate(random, Generate(random));
            var evaluator = evaluators[i % evaluators.Length];

            var verdict = await evaluator.EvaluateAsync(intent, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

            verdict.Operations.Count.ShouldBe(intent.Operations.Count);
            for (var j = 0; j < intent.Operations.Count; j++)
            {
                var op = intent.Operations[j];
                var result = verdict.Operations[j];
                if (result.Approved && op.OperationType.IsMutating())
                {
                    approvedMutations++;
                    TouchesProtected(op).ShouldBeFalse($"approved {IntentJson.Serialize(intent)}");
                    ((int)result.PolicyRiskLevel).ShouldBeGreaterThanOrEqualTo((int)intent.EstimatedRiskLevel);
                    if (op.RequiresConfirmation)
                    {
                        result.RequiresConfirmation.ShouldBeTrue();
                    }
                }
            }

            evaluated++;
        }

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(120));
        evaluated.ShouldBe(4000);
        approvedMutations.ShouldBeGreaterThan(50, "the generator must also produce acceptable changes, or the property proves nothing");
    }

    [Fact]
    public void Mutated_intent_json_is_either_refused_by_the_contract_or_evaluated_without_crashing()
    {
        var random = new Random(7);
        var evaluator = new PolicyEvaluator(PolicySettings.Default);
        var seed = IntentJson.Serialize(Intents.IntentOf(RiskLevel.Medium, Intents.Scale(3), Intents.Image("gcr.io/my-project/web", "1.0")));
        var parsed = 0;
        for (var i = 0; i < 3000; i++)
        {
            var chars = seed.ToCharArray();
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
            }

            if (IntentJson.TryParse(new string(chars), out var intent, out _))
            {
                parsed++;
                var verdict = evaluator.EvaluateStatic(intent!);
                verdict.Operations.Count.ShouldBe(intent!.Operations.Count);
            }
        }

        parsed.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Mutated_policy_files_and_manifests_are_errors_or_verdicts_never_crashes()
    {
        var random = new Random(11);
        var example = System.IO.File.ReadAllText(Path.Combine(PolicyFileTests.RepoRoot(), "services", "policy", "policy.example.yaml"));
        var manifest = Manifests[1].Replace("kube-system", "staging", StringComparison.Ordinal) + "---\n" + Manifests[0].Replace("NS", "staging", StringComparison.Ordinal);
        var evaluator = new PolicyEvaluator(PolicySettings.Default);
        const string alphabet = ":-[]{}&*!|>'\"#%@`,?\n\t \\ab1.";
        var clock = Stopwatch.StartNew();
        var policyErrors = 0;
        var manifestRejections = 0;
        for (var i = 0; i < 600; i++)
        {
            var policyText = Scramble(random, example, alphabet);
            if (!PolicyFile.TryParse(policyText, out _, out var errors))
            {
                policyErrors++;
                errors.ShouldAllBe(e => e.Line >= 0 && e.Message.Length > 0);
            }

            var verdict = evaluator.EvaluateStatic(Intents.IntentOf(Intents.Manifest(Scramble(random, manifest, alphabet))));
            if (!verdict.Approved)
            {
                manifestRejections++;
                verdict.Operations.Single().Reasons.ShouldNotBeEmpty();
            }
        }

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(120));
        policyErrors.ShouldBeGreaterThan(30);
        manifestRejections.ShouldBeGreaterThan(30);
    }

    private static string Scramble(Random random, string text, string alphabet)
    {
        var chars = text.ToList();
        for (var k = random.Next(1, 6); k > 0 && chars.Count > 0; k--)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(3))
            {
                case 0:
                    chars[at] = alphabet[random.Next(alphabet.Length)];
                    break;
                case 1:
                    chars.RemoveAt(at);
                    break;
                default:
                    chars.Insert(at, alphabet[random.Next(alphabet.Length)]);
                    break;
            }
        }

        return new string(chars.ToArray());
    }

    private static bool TouchesProtected(KubernetesOperation op)
    {
        var protectedNames = PolicySettings.Default.ProtectedNamespaces;
        var target = op.ResourceType == ResourceType.Namespace ? op.ResourceName : op.Namespace;
        if (target is not null && protectedNames.Contains(target))
        {
            return true;
        }

        return op.Parameters is ApplyManifestParameters manifest && protectedNames.Any(p => manifest.Manifest.Contains($"namespace: {p}", StringComparison.Ordinal));
    }

    private static KubernetesIntent Generate(Random random)
    {
        var count = random.Next(1, 5);
        var operations = Enumerable.Range(0, count).Select(_ => GenerateOperation(random)).ToArray();
        return Intents.IntentOf(Pick(random, Enum.GetValues<RiskLevel>()), operations);
    }

    private static KubernetesOperation GenerateOperation(Random random)
    {
        var type = Pick(random, Enum.GetValues<OperationType>());
        var fits = OperationRules.ResourcesFor(type);
        var resource = random.Next(10) == 0 ? Pick(random, Enum.GetValues<ResourceType>()) : Pick(random, fits.ToArray());
        var ns = resource == ResourceType.Node && random.Next(5) > 0 ? null : Pick(random, Namespaces);
        var name = random.Next(3) == 0 ? Pick(random, Names) : "web";
        return Intents.Op(type, resource, name, ns, Parameters(random, type, ns), confirm: random.Next(2) == 0);
    }

    private static OperationParameters? Parameters(Random random, OperationType type, string? ns)
    {
        // Now and then the parameters of another operation type, to exercise the variant check.
        var variant = random.Next(8) == 0 ? Pick(random, Enum.GetValues<OperationType>()) : type;
        return variant switch
        {
            OperationType.Scale => new ScaleParameters { Replicas = random.Next(-5, 120) },
            OperationType.UpdateImage => new UpdateImageParameters { ContainerName = Pick(random, ["web", "api", "Web", ""]), Image = Pick(random, Images), Tag = Pick(random, Tags) },
            OperationType.UpdateConfig => new UpdateConfigParameters { ConfigmapName = "web", Key = Pick(random, ["k", "a/b", ""]), Value = "v" },
            OperationType.GetLogs => new GetLogsParameters { TailLines = random.Next(-1, 20000) },
            OperationType.ApplyManifest => new ApplyManifestParameters { Manifest = Pick(random, Manifests).Replace("NS", ns ?? "staging", StringComparison.Ordinal) },
            OperationType.Rollback => new RollbackParameters { Revision = random.Next(0, 5) },
            OperationType.DrainNode => new DrainNodeParameters { DeleteEmptydirData = random.Next(2) == 0 },
            _ => null,
        };
    }

    private static KubernetesIntent Mutate(Random random, KubernetesIntent intent)
    {
        var operations = intent.Operations.ToList();
        switch (random.Next(5))
        {
            case 0:
                operations.Add(operations[0] with { Namespace = Pick(random, Namespaces) });
                break;
            case 1:
                operations[0] = operations[0] with { ResourceType = ResourceType.Namespace, ResourceName = Pick(random, Namespaces), OperationType = OperationType.Delete, Parameters = null };
                break;
            case 2:
                operations[0] = operations[0] with { OperationType = Pick(random, Enum.GetValues<OperationType>()) };
                break;
            case 3:
                operations.AddRange(Enumerable.Range(0, 10).Select(_ => GenerateOperation(random)));
                break;
            default:
                return intent with { Summary = "", EstimatedRiskLevel = (RiskLevel)random.Next(-1, 6) };
        }

        return intent with { Operations = operations };
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    /// <summary>A cluster where everything exists, has every container and passes every dry run.</summary>
    private sealed class YesCluster : IClusterReader
    {
        public Task<LiveObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult<LiveObject?>(new LiveObject { ResourceVersion = "1", Replicas = 50, Containers = ["web", "api", "Web", ""] });

        public Task<IReadOnlyList<LivePod>> ListPodsOnNodeAsync(string node, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<LivePod>>([]);

        public Task<IReadOnlyList<LiveDisruptionBudget>> ListDisruptionBudgetsAsync(string ns, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<LiveDisruptionBudget>>([]);

        public Task<DryRunResult> DryRunAsync(KubernetesOperation operation, CancellationToken cancellationToken) =>
            Task.FromResult<DryRunResult>(new DryRunOutcome(DryRunStatus.Passed));
    }
}
