using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Parsing.Offline;
using K8sAgentPlatform.Intent.Parsing;
using K8sAgentPlatform.Parsing;

namespace K8sAgentPlatform.Intent.Tests;

/// <summary>What operators actually type, and what the offline parser must make of it.</summary>
public sealed class OfflineParserPhrasingTests
{
    private static readonly OfflineIntentParser Parser = new();
    private static readonly ClusterContext Context = new(["dev", "staging", "production", "prod-eu"], ["production"]);

    public static TheoryData<string, string> Understood => new()
    {
        // kubectl forms
        { "kubectl scale deployment/api --replicas=3 -n dev", "scale deployment/api dev replicas=3" },
        { "kubectl scale deploy api --replicas 4 --namespace staging", "scale deployment/api staging replicas=4" },
        { "kubectl scale statefulset/db --replicas=2 -n production", "scale statefulset/db production replicas=2" },
        { "kubectl scale rs/web-6d4f --replicas=0 -n dev", "scale replicaset/web-6d4f dev replicas=0" },
        { "scale deployment/api --replicas=3 -n dev", "scale deployment/api dev replicas=3" },
        { "kubectl -n dev scale deployment/api --replicas=3", "scale deployment/api dev replicas=3" },
        { "rollout restart deploy/web -n staging", "restart deployment/web staging" },
        { "kubectl rollout restart deployment/web -n staging", "restart deployment/web staging" },
        { "kubectl rollout restart statefulset db --namespace=production", "restart statefulset/db production" },
        { "kubectl rollout restart ds/fluentd -n dev", "restart daemonset/fluentd dev" },
        { "set image deployment/web app=registry.k8s.io/web:1.2 -n staging", "update_image deployment/web staging app=registry.k8s.io/web:1.2" },
        { "kubectl set image deployment/web app=registry.k8s.io/web:1.2 -n staging", "update_image deployment/web staging app=registry.k8s.io/web:1.2" },
        { "kubectl set image deploy/api api=gcr.io/my-project/api@sha256:" + Digest + " -n production", "update_image deployment/api production api=gcr.io/my-project/api@sha256:" + Digest },
        { "kubectl set image sts/db postgres=localhost:5000/pg:16.2 -n dev", "update_image statefulset/db dev postgres=localhost:5000/pg:16.2" },
        { "kubectl rollout undo deployment/web -n staging", "rollback deployment/web staging revision=-" },
        { "kubectl rollout undo deployment/web --to-revision=3 -n staging", "rollback deployment/web staging revision=3" },
        { "kubectl rollout status deployment/web -n staging", "get_status deployment/web staging" },
        { "kubectl get deployment web -n dev", "get_status deployment/web dev" },
        { "kubectl get pod/web-1 -n dev", "get_status pod/web-1 dev" },
        { "kubectl describe node worker-1", "get_status node/worker-1 -" },
        { "kubectl delete configmap/old-config -n dev", "delete configmap/old-config dev" },
        { "kubectl delete job cleanup -n staging", "delete job/cleanup staging" },
        { "kubectl logs web-abc -n dev", "get_logs pod/web-abc dev" },
        { "kubectl logs web-abc -n dev --tail=20 --since=5m", "get_logs pod/web-abc dev tail=20 since=300" },
        { "kubectl logs deployment/web -c app --tail 50 -n staging", "get_logs deployment/web staging container=app tail=50" },
        { "kubectl logs pod/x --since=1h30m -n y", "get_logs pod/x y since=5400" },
        { "kubectl cordon worker-1", "cordon_node node/worker-1 -" },
        { "kubectl uncordon node/worker-1", "uncordon_node node/worker-1 -" },
        { "kubectl drain worker-2 --ignore-daemonsets", "drain_node node/worker-2 - ignore_daemonsets=true" },
        { "kubectl drain worker-2 --ignore-daemonsets --delete-emptydir-data --grace-period=30", "drain_node node/worker-2 - grace=30 ignore_daemonsets=true delete_emptydir_data=true" },
        // plain English: scale
        { "scale the api-server deployment to 5 replicas in production", "scale deployment/api-server production replicas=5" },
        { "scale api to 3 in dev", "scale deployment/api dev replicas=3" },
        { "scale deployment api to five replicas in staging", "scale deployment/api staging replicas=5" },
        { "Scale up web to twelve pods in dev", "scale deployment/web dev replicas=12" },
        { "scale down worker to zero in staging", "scale deployment/worker staging replicas=0" },
        { "please scale the statefulset db to 2 replicas in the dev namespace", "scale statefulset/db dev replicas=2" },
        { "scale api in namespace staging to 4", "scale deployment/api staging replicas=4" },
        { "set the replicas of deployment api to 6 in dev", "scale deployment/api dev replicas=6" },
        { "change replica count for web to twenty in staging", "scale deployment/web staging replicas=20" },
        { "can you scale web to 2 instances in dev?", "scale deployment/web dev replicas=2" },
        { "scale api to 3 -n dev", "scale deployment/api dev replicas=3" },
        // restart
        { "restart web in staging", "restart deployment/web staging" },
        { "restart the web deployment in staging", "restart deployment/web staging" },
        { "rolling restart statefulset db in production", "restart statefulset/db production" },
        { "bounce api in dev", "restart deployment/api dev" },
        { "redeploy daemonset fluentd in dev", "restart daemonset/fluentd dev" },
        // image
        { "update the image of deployment web container app to registry.k8s.io/web:1.3 in staging", "update_image deployment/web staging app=registry.k8s.io/web:1.3" },
        { "set container app of web to registry.k8s.io/web:2.0.1 in dev", "update_image deployment/web dev app=registry.k8s.io/web:2.0.1" },
        { "deploy registry.k8s.io/web:1.4 to web container app in staging", "update_image deployment/web staging app=registry.k8s.io/web:1.4" },
        { "change the image for statefulset db container postgres to docker.io/library/postgres:16 in dev", "update_image statefulset/db dev postgres=docker.io/library/postgres:16" },
        // config
        { "set LOG_LEVEL=debug in configmap app-config in staging", "update_config configmap/app-config staging LOG_LEVEL=debug" },
        { "set LOG_LEVEL to info in configmap app-config in dev", "update_config configmap/app-config dev LOG_LEVEL=info" },
        { "update configmap app-config FEATURE_X=on in staging", "update_config configmap/app-config staging FEATURE_X=on" },
        { "set timeout.seconds = 30 in the cm settings in dev", "update_config configmap/settings dev timeout.seconds=30" },
        { "set DB_PASSWORD=hunter2 in secret db-credentials in staging", "update_config secret/db-credentials staging DB_PASSWORD=hunter2" },
        // delete
        { "delete deployment old-api in dev", "delete deployment/old-api dev" },
        { "remove the configmap stale-config in staging", "delete configmap/stale-config staging" },
        { "delete namespace scratch", "delete namespace/scratch -" },
        { "delete the job migrate-1 in production", "delete job/migrate-1 production" },
        // status
        { "show the status of deployment web in staging", "get_status deployment/web staging" },
        { "status of api in dev", "get_status deployment/api dev" },
        { "what is the status of statefulset db in production", "get_status statefulset/db production" },
        { "how is web doing in staging", "get_status deployment/web staging" },
        { "describe pod web-abc in dev", "get_status pod/web-abc dev" },
        { "check node worker-3", "get_status node/worker-3 -" },
        // logs
        { "show the last 50 log lines of pod x in y", "get_logs pod/x y tail=50" },
        { "show me the logs of web in staging", "get_logs deployment/web staging" },
        { "show logs of web in dev since 10 minutes ago", "get_logs deployment/web dev since=600" },
        { "get the last twenty log lines of pod api-1 in dev", "get_logs pod/api-1 dev tail=20" },
        { "tail 100 lines of logs from deployment web in staging", "get_logs deployment/web staging tail=100" },
        { "logs of pod web-1 container sidecar in dev for the last hour", "get_logs pod/web-1 dev container=sidecar since=3600" },
        { "logs for api in dev over the past 2 hours", "get_logs deployment/api dev since=7200" },
        // rollback
        { "roll back web in staging to revision 3", "rollback deployment/web staging revision=3" },
        { "rollback deployment api in production", "rollback deployment/api production revision=-" },
        { "undo the last rollout of web in staging", "rollback deployment/web staging revision=-" },
        { "revert statefulset db in dev to revision two", "rollback statefulset/db dev revision=2" },
        // nodes
        { "cordon node worker-1", "cordon_node node/worker-1 -" },
        { "cordon worker-1", "cordon_node node/worker-1 -" },
        { "mark node worker-2 unschedulable", "cordon_node node/worker-2 -" },
        { "uncordon node worker-1", "uncordon_node node/worker-1 -" },
        { "make node worker-2 schedulable again", "uncordon_node node/worker-2 -" },
        { "drain node worker-2", "drain_node node/worker-2 -" },
        { "drain node worker-2 ignoring daemonsets with a grace period of 30 seconds", "drain_node node/worker-2 - grace=30 ignore_daemonsets=true" },
        // several
        { "scale api to 3 in dev and restart web in staging", "scale deployment/api dev replicas=3 | restart deployment/web staging" },
        { "restart web in staging then show the status of web in staging", "restart deployment/web staging | get_status deployment/web staging" },
        { "kubectl cordon worker-1 && kubectl drain worker-1 --ignore-daemonsets", "cordon_node node/worker-1 - | drain_node node/worker-1 - ignore_daemonsets=true" },
        { "scale api to 2 in dev; scale web to 4 in dev", "scale deployment/api dev replicas=2 | scale deployment/web dev replicas=4" },
        { "set LOG_LEVEL=warn and debug in configmap app-config in dev", "update_config configmap/app-config dev LOG_LEVEL=warn and debug" },
        // names are DNS-1123, so upper case can only mean lower case
        { "scale API to 3 in dev", "scale deployment/api dev replicas=3" },
    };

    public static TheoryData<string, string> Refused => new()
    {
        { "", "the request is empty" },
        { "scale api to 500 in dev", "operations[0].parameters.replicas: must be between 0 and 100, got 500" },
        { "kubectl scale deployment/api --replicas=-1 -n dev", "operations[0].parameters.replicas: must be between 0 and 100, got -1" },
        { "scale api to 3", "no namespace in \"scale api to 3\"" },
        { "restart web", "the namespace is never guessed" },
        { "kubectl scale deployment/api --replicas=3", "no namespace" },
        { "delete web in staging", "say what kind of object 'web' is" },
        { "frobnicate the api in dev", "did not understand \"frobnicate the api\"" },
        { "scale api to lots in dev", "did not understand" },
        { "update the image of deployment web to registry.k8s.io/web:1.3 in staging", "which container of deployment web?" },
        { "kubectl set image deployment/web app=registry.k8s.io/web -n dev", "has no tag" },
        { "restart web in Staging_Env", "operations[0].namespace: must be a DNS-1123 label" },
        { "restart ../../etc in dev", "operations[0].resource_name: must be a DNS-1123 subdomain" },
        { "kubectl scale configmap/app --replicas=3 -n dev", "scale does not apply to configmap" },
        { "cordon node worker-1 in dev", "nodes are not in a namespace" },
        { "kubectl logs pod/x --tail=20000 -n dev", "operations[0].parameters.tail_lines: must be between 1 and 10000, got 20000" },
        { "show logs of web in dev since 3 days ago", "operations[0].parameters.since_seconds: must be between 1 and 86400, got 259200" },
        { "kubectl apply -f deploy.yaml", "kubectl apply is not something I can do from text" },
        { "kubectl scale deployment/api --replicas=3 --force -n dev", "unsupported flag --force" },
        { "drain node worker-1 and pray", "in \"pray\": did not understand" },
        { "scale api to 3 in dev and frobnicate web", "in \"frobnicate web\"" },
        { "delete deployment api in dev and delete configmap x in staging", "delete operations are not allowed in an intent that spans several namespaces" },
        { "kubectl rollout undo deployment/web --to-revision=abc -n dev", "--to-revision must be a whole number" },
    };

    private const string Digest = "4c1e997385b8fb4ad4d1d3c7e5aa3f4f5e0b8b1c2d3e4f5a6b7c8d9e0f1a2b3c";

    [Theory]
    [MemberData(nameof(Understood))]
    public void Understands(string text, string expected)
    {
        var result = Parser.Parse(text, Context);

        var intent = result.ShouldBeOfType<IntentParseSucceeded>(Explain(result)).Intent;
        OperationText.Of(intent.Operations).ShouldBe(expected);
        intent.OriginalRequest.ShouldBe(text);
        IntentValidator.Validate(intent).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_and_says_why(string text, string expectedInMessage)
    {
        var result = Parser.Parse(text, Context);

        var failed = result.ShouldBeOfType<IntentParseFailed>();
        string.Join("\n", failed.Details.Prepend(failed.Message)).ShouldContain(expectedInMessage);
    }

    [Fact]
    public void The_phrasing_set_is_large_and_varied() =>
        (Understood.Count + Refused.Count).ShouldBeGreaterThanOrEqualTo(80);

    [Theory]
    [InlineData("show logs of web in dev", RiskLevel.Low, false)]
    [InlineData("scale api to 3 in dev", RiskLevel.Low, false)]
    [InlineData("scale api to 3 in production", RiskLevel.Medium, true)]
    [InlineData("restart web in prod-eu", RiskLevel.Medium, true)]
    [InlineData("set LOG_LEVEL=debug in configmap app-config in staging", RiskLevel.Medium, true)]
    [InlineData("kubectl set image deployment/web app=registry.k8s.io/web:1.2 -n production", RiskLevel.High, true)]
    [InlineData("delete deployment old in production", RiskLevel.Critical, true)]
    [InlineData("delete namespace scratch", RiskLevel.Critical, true)]
    [InlineData("cordon node worker-1", RiskLevel.Critical, true)]
    public void Risk_follows_the_operation_and_the_namespace_class(string text, RiskLevel risk, bool confirm)
    {
        var intent = Parser.Parse(text, Context).ShouldBeOfType<IntentParseSucceeded>().Intent;

        intent.EstimatedRiskLevel.ShouldBe(risk);
        intent.Operations[0].RequiresConfirmation.ShouldBe(confirm);
    }

    [Fact]
    public void The_intent_risk_is_the_highest_of_its_operations()
    {
        var intent = Parser.Parse("show logs of web in dev and cordon node worker-1", Context).ShouldBeOfType<IntentParseSucceeded>().Intent;

        intent.EstimatedRiskLevel.ShouldBe(RiskLevel.Critical);
        intent.Summary.ShouldBe("Show the last 100 log lines of deployment web in dev; then cordon node worker-1.");
        intent.Operations[0].Reason.ShouldBe("Operator asked to show the last 100 log lines of deployment web in dev.");
    }

    [Fact]
    public void A_secret_value_never_appears_in_reason_or_summary()
    {
        var intent = Parser.Parse("set DB_PASSWORD=hunter2 in secret db in dev", Context).ShouldBeOfType<IntentParseSucceeded>().Intent;

        intent.Summary.ShouldNotContain("hunter2");
        intent.Operations[0].Reason.ShouldNotContain("hunter2");
    }

    [Fact]
    public void An_unknown_verb_lists_the_forms_it_knows_and_a_known_verb_shows_its_own()
    {
        var unknown = Parser.Parse("frobnicate the api in dev", Context).ShouldBeOfType<IntentParseFailed>();
        var known = Parser.Parse("scale api up a lot in dev", Context).ShouldBeOfType<IntentParseFailed>();

        unknown.Message.ShouldContain("forms I know include");
        known.Message.ShouldContain("the closest form I know is \"scale deployment NAME to 3 replicas in NAMESPACE\"");
    }

    [Fact]
    public void Parsing_is_deterministic()
    {
        const string text = "scale api to 3 in dev and restart web in staging";

        IntentJson.Serialize(((IntentParseSucceeded)Parser.Parse(text, Context)).Intent)
            .ShouldBe(IntentJson.Serialize(((IntentParseSucceeded)Parser.Parse(text, Context)).Intent));
    }

    private static string Explain(IntentParseResult result) =>
        result is IntentParseFailed f ? $"{f.Message} | {string.Join(" | ", f.Details)}" : "";
}
