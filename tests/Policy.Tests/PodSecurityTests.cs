using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Policy.Evaluation;
using K8sAgentPlatform.Policy.Policies;
using K8sAgentPlatform.Policy.Rules;
using static K8sAgentPlatform.Policy.Tests.Intents;

namespace K8sAgentPlatform.Policy.Tests;

/// <summary>Manifests under the Kubernetes Pod Security Standards, and the Service and ServiceAccount checks beside them.</summary>
public sealed class PodSecurityTests
{
    private static readonly PolicySettings Everything = PolicySettings.Default with
    {
        ManifestAllowedKinds = [.. PolicySettings.Default.ManifestAllowedKinds, "Pod", "ReplicaSet"],
    };

    private static OperationVerdict Check(string manifest, PolicySettings? settings = null, string ns = "staging") =>
        new PolicyEvaluator(settings ?? Everything).EvaluateStatic(IntentOf(RiskLevel.High, Manifest(manifest, ns))).Operations.ShouldHaveSingleItem();

    private static void ShouldBeRefusedBy(OperationVerdict verdict, string ruleId, string control)
    {
        verdict.Approved.ShouldBeFalse();
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]") && r.Contains(control), $"reasons: {string.Join("; ", verdict.Reasons)}");
    }

    private static void ShouldBeApproved(OperationVerdict verdict) => verdict.Approved.ShouldBeTrue(string.Join("; ", verdict.Reasons));

    /// <summary>A workload of <paramref name="kind"/> whose pod spec is <paramref name="podSpec"/> (YAML indented by 0).</summary>
    private static string Workload(string kind, string podSpec, string ns = "staging")
    {
        string Indent(string text, int by) => string.Join("\n", text.Split('\n').Select(l => new string(' ', by) + l));
        var head = kind switch
        {
            "CronJob" => "apiVersion: batch/v1",
            "Job" => "apiVersion: batch/v1",
            "Pod" => "apiVersion: v1",
            _ => "apiVersion: apps/v1",
        };
        var body = kind switch
        {
            "Pod" => "spec:\n" + Indent(podSpec, 2),
            "CronJob" => "spec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + Indent(podSpec, 10),
            "Job" => "spec:\n  template:\n    spec:\n" + Indent(podSpec, 6),
            _ => "spec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n" + Indent(podSpec, 6),
        };
        return $"{head}\nkind: {kind}\nmetadata: {{name: x, namespace: {ns}}}\n{body}\n";
    }

    private const string Image = "registry.k8s.io/pause:3.9";

    public static TheoryData<string, string, string, string> TheNineFromTheIssue => new()
    {
        { "privileged DaemonSet", Workload("DaemonSet", $"containers:\n- name: agent\n  image: {Image}\n  securityContext: {{privileged: true}}"), PodSecurity.Privileged, "Privileged Containers" },
        { "hostPath /", Workload("Deployment", $"volumes:\n- name: root\n  hostPath: {{path: /}}\ncontainers:\n- name: c\n  image: {Image}"), PodSecurity.HostPathVolumes, "HostPath Volumes" },
        { "hostPID", Workload("Deployment", $"hostPID: true\ncontainers:\n- name: c\n  image: {Image}"), PodSecurity.HostNamespaces, "Host Namespaces" },
        { "hostNetwork", Workload("Deployment", $"hostNetwork: true\ncontainers:\n- name: c\n  image: {Image}"), PodSecurity.HostNamespaces, "Host Namespaces" },
        { "hostIPC", Workload("StatefulSet", $"hostIPC: true\ncontainers:\n- name: c\n  image: {Image}"), PodSecurity.HostNamespaces, "Host Namespaces" },
        { "a hostPort", Workload("Deployment", $"containers:\n- name: c\n  image: {Image}\n  ports: [{{containerPort: 80, hostPort: 80}}]"), PodSecurity.HostPorts, "Host Ports" },
        { "added SYS_ADMIN", Workload("Deployment", $"containers:\n- name: c\n  image: {Image}\n  securityContext: {{capabilities: {{add: [SYS_ADMIN]}}}}"), PodSecurity.Capabilities, "Capabilities" },
        { "privileged init container", Workload("Deployment", $"initContainers:\n- name: setup\n  image: {Image}\n  securityContext: {{privileged: true}}\ncontainers:\n- name: c\n  image: {Image}"), PodSecurity.Privileged, "init container 'setup'" },
        { "privileged CronJob", Workload("CronJob", $"restartPolicy: OnFailure\ncontainers:\n- name: c\n  image: {Image}\n  securityContext: {{privileged: true}}"), PodSecurity.Privileged, "Privileged Containers" },
    };

    [Theory]
    [MemberData(nameof(TheNineFromTheIssue))]
    public void Each_of_the_nine_manifests_is_refused_naming_its_control(string what, string manifest, string ruleId, string control)
    {
        var verdict = Check(manifest, PolicySettings.Default);

        ShouldBeRefusedBy(verdict, ruleId, control);
        verdict.Reasons.ShouldAllBe(r => !r.StartsWith($"[{RuleIds.ManifestParse}]"), what);
    }

    private const string RestrictedDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: staging}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                seccompProfile: {type: RuntimeDefault}
              volumes:
                - name: tmp
                  emptyDir: {}
                - name: config
                  configMap: {name: web}
              containers:
                - name: web
                  image: gcr.io/my-project/web:1.2.3
                  ports: [{containerPort: 8080}]
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                    capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
                  volumeMounts: [{name: tmp, mountPath: /tmp}]
        """;

    [Fact]
    public void A_restricted_compliant_deployment_is_approved_with_a_second_persons_confirmation_at_the_restricted_level()
    {
        var settings = PolicySettings.Default with { PodSecurityDefault = PodSecurityLevel.Restricted };

        var verdict = Check(RestrictedDeployment, settings);

        ShouldBeApproved(verdict);
        verdict.RequiresConfirmation.ShouldBeTrue();
        verdict.RequiresSecondPerson.ShouldBeTrue();
        verdict.PolicyRiskLevel.ShouldBe(RiskLevel.High);
    }

    private const string PlainDeployment = "containers:\n- name: c\n  image: registry.k8s.io/pause:3.9";

    [Fact]
    public void A_plain_deployment_meets_baseline_but_not_restricted_and_each_restricted_control_is_named()
    {
        ShouldBeApproved(Check(Workload("Deployment", PlainDeployment)));

        var verdict = Check(Workload("Deployment", PlainDeployment), Everything with { PodSecurityNamespaces = new Dictionary<string, PodSecurityLevel> { ["staging"] = PodSecurityLevel.Restricted } });

        ShouldBeRefusedBy(verdict, PodSecurity.PrivilegeEscalation, "Privilege Escalation (restricted)");
        ShouldBeRefusedBy(verdict, PodSecurity.RunAsNonRoot, "Running as Non-root (restricted)");
        ShouldBeRefusedBy(verdict, PodSecurity.Seccomp, "Seccomp (restricted)");
        ShouldBeRefusedBy(verdict, PodSecurity.Capabilities, "Capabilities (restricted)");
        verdict.Reasons.ShouldContain(r => r.Contains("namespace 'staging' is held to the restricted Pod Security Standard"));
    }

    [Fact]
    public void The_privileged_level_for_a_namespace_lets_host_access_through_there_only()
    {
        var settings = Everything with { PodSecurityNamespaces = new Dictionary<string, PodSecurityLevel> { ["monitoring"] = PodSecurityLevel.Privileged } };
        var exporter = $"hostPID: true\nhostNetwork: true\ncontainers:\n- name: c\n  image: {Image}";

        ShouldBeApproved(Check(Workload("DaemonSet", exporter, "monitoring"), settings, "monitoring"));
        ShouldBeRefusedBy(Check(Workload("DaemonSet", exporter), settings), PodSecurity.HostNamespaces, "Host Namespaces");
    }

    public static TheoryData<string, string, string, string> BaselineControls => new()
    {
        { "HostProcess", "securityContext: {windowsOptions: {hostProcess: true}}", "", PodSecurity.HostProcess },
        { "HostProcess in a container", "", "  securityContext: {windowsOptions: {hostProcess: true}}", PodSecurity.HostProcess },
        { "Privileged spelled yes", "", "  securityContext: {privileged: yes}", PodSecurity.Privileged },
        { "Capabilities ALL", "", "  securityContext: {capabilities: {add: [ALL]}}", PodSecurity.Capabilities },
        { "Capabilities CAP_ prefix", "", "  securityContext: {capabilities: {add: [CAP_SYS_ADMIN]}}", PodSecurity.Capabilities },
        { "Capabilities NET_RAW", "", "  securityContext: {capabilities: {add: [NET_RAW]}}", PodSecurity.Capabilities },
        { "Host port quoted", "", "  ports: [{containerPort: 80, hostPort: '8080'}]", PodSecurity.HostPorts },
        { "AppArmor unconfined", "securityContext: {appArmorProfile: {type: Unconfined}}", "", PodSecurity.AppArmor },
        { "AppArmor unconfined in a container", "", "  securityContext: {appArmorProfile: {type: Unconfined}}", PodSecurity.AppArmor },
        { "SELinux type", "securityContext: {seLinuxOptions: {type: spc_t}}", "", PodSecurity.SeLinux },
        { "SELinux user", "", "  securityContext: {seLinuxOptions: {user: system_u}}", PodSecurity.SeLinux },
        { "SELinux role", "", "  securityContext: {seLinuxOptions: {role: sysadm_r}}", PodSecurity.SeLinux },
        { "proc mount", "", "  securityContext: {procMount: Unmasked}", PodSecurity.ProcMount },
        { "seccomp unconfined", "securityContext: {seccompProfile: {type: Unconfined}}", "", PodSecurity.Seccomp },
        { "seccomp unconfined in a container", "", "  securityContext: {seccompProfile: {type: Unconfined}}", PodSecurity.Seccomp },
        { "unsafe sysctl", "securityContext: {sysctls: [{name: kernel.msgmax, value: '65536'}]}", "", PodSecurity.Sysctls },
    };

    [Theory]
    [MemberData(nameof(BaselineControls))]
    public void Each_baseline_control_refuses_what_it_forbids(string what, string podLevel, string containerLevel, string ruleId)
    {
        var spec = (podLevel.Length > 0 ? podLevel + "\n" : "") + $"containers:\n- name: c\n  image: {Image}" + (containerLevel.Length > 0 ? "\n" + containerLevel : "");

        var verdict = Check(Workload("Deployment", spec));

        verdict.Approved.ShouldBeFalse(what);
        verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]"), $"{what}: {string.Join("; ", verdict.Reasons)}");
    }

    public static TheoryData<string, string, string> BaselineAllows => new()
    {
        { "allowed capabilities", "", "  securityContext: {capabilities: {add: [NET_BIND_SERVICE, CHOWN]}}" },
        { "hostPort 0", "", "  ports: [{containerPort: 80, hostPort: 0}]" },
        { "AppArmor runtime default", "securityContext: {appArmorProfile: {type: RuntimeDefault}}", "" },
        { "AppArmor localhost annotation", "", "" },
        { "SELinux container_t", "securityContext: {seLinuxOptions: {type: container_t, level: 's0:c123,c456'}}", "" },
        { "procMount Default", "", "  securityContext: {procMount: Default}" },
        { "seccomp Localhost", "securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}", "" },
        { "safe sysctl", "securityContext: {sysctls: [{name: net.ipv4.ip_local_port_range, value: '1024 65535'}]}", "" },
        { "explicitly not privileged", "hostNetwork: false", "  securityContext: {privileged: false}" },
    };

    [Theory]
    [MemberData(nameof(BaselineAllows))]
    public void Baseline_admits_what_the_standard_allows(string what, string podLevel, string containerLevel)
    {
        var spec = (podLevel.Length > 0 ? podLevel + "\n" : "") + $"containers:\n- name: c\n  image: {Image}" + (containerLevel.Length > 0 ? "\n" + containerLevel : "");

        var verdict = Check(Workload("Deployment", spec));

        verdict.Approved.ShouldBeTrue($"{what}: {string.Join("; ", verdict.Reasons)}");
    }

    [Fact]
    public void AppArmor_and_seccomp_annotations_are_checked_on_the_pod_template()
    {
        const string manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: staging}
            spec:
              template:
                metadata:
                  annotations:
                    container.apparmor.security.beta.kubernetes.io/c: unconfined
                    seccomp.security.alpha.kubernetes.io/pod: unconfined
                spec:
                  containers: [{name: c, image: registry.k8s.io/pause:3.9}]
            """;

        var verdict = Check(manifest);

        ShouldBeRefusedBy(verdict, PodSecurity.AppArmor, "AppArmor");
        ShouldBeRefusedBy(verdict, PodSecurity.Seccomp, "Seccomp");
        ShouldBeApproved(Check(manifest.Replace(": unconfined", ": runtime/default")));
    }

    [Fact]
    public void Ephemeral_containers_of_a_pod_are_checked_too()
    {
        var verdict = Check(Workload("Pod", $"containers:\n- name: c\n  image: {Image}\nephemeralContainers:\n- name: debug\n  image: {Image}\n  securityContext: {{privileged: true}}"));

        ShouldBeRefusedBy(verdict, PodSecurity.Privileged, "ephemeral container 'debug'");
    }

    [Fact]
    public void A_replica_set_and_a_job_are_checked_like_the_others()
    {
        ShouldBeRefusedBy(Check(Workload("ReplicaSet", $"hostPID: true\ncontainers:\n- name: c\n  image: {Image}")), PodSecurity.HostNamespaces, "Host Namespaces");
        ShouldBeRefusedBy(Check(Workload("Job", $"hostNetwork: true\nrestartPolicy: Never\ncontainers:\n- name: c\n  image: {Image}")), PodSecurity.HostNamespaces, "Host Namespaces");
    }

    [Theory]
    [InlineData("nfs: {server: nfs.example.com, path: /}")]
    [InlineData("gitRepo: {repository: https://example.com/r.git}")]
    [InlineData("iscsi: {targetPortal: 10.0.0.1, iqn: x, lun: 0}")]
    public void Restricted_refuses_volume_types_outside_its_list(string volume)
    {
        var settings = Everything with { PodSecurityDefault = PodSecurityLevel.Restricted };
        var manifest = RestrictedDeployment.Replace("- name: tmp\n          emptyDir: {}", $"- name: tmp\n          {volume}");

        ShouldBeRefusedBy(Check(manifest, settings), PodSecurity.VolumeTypes, "Volume Types");
    }

    [Theory]
    [InlineData("runAsUser: 10001", "runAsUser: 0", PodSecurity.RunAsNonRootUser)]
    [InlineData("runAsNonRoot: true", "runAsNonRoot: false", PodSecurity.RunAsNonRoot)]
    [InlineData("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", PodSecurity.PrivilegeEscalation)]
    [InlineData("capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}", "capabilities: {drop: [ALL], add: [CHOWN]}", PodSecurity.Capabilities)]
    [InlineData("seccompProfile: {type: RuntimeDefault}", "seccompProfile: {type: RuntimeDefault}\n        appArmorProfile: {type: RuntimeDefault}", null)]
    public void Each_restricted_control_refuses_one_change_away_from_compliance(string compliant, string changed, string? ruleId)
    {
        var settings = Everything with { PodSecurityDefault = PodSecurityLevel.Restricted };

        var verdict = Check(RestrictedDeployment.Replace(compliant, changed), settings);

        if (ruleId is null)
        {
            ShouldBeApproved(verdict);
        }
        else
        {
            verdict.Reasons.ShouldContain(r => r.StartsWith($"[{ruleId}]"), string.Join("; ", verdict.Reasons));
        }
    }

    [Fact]
    public void A_container_without_run_as_non_root_passes_only_when_the_pod_sets_it()
    {
        var settings = Everything with { PodSecurityDefault = PodSecurityLevel.Restricted };

        ShouldBeRefusedBy(Check(RestrictedDeployment.Replace("runAsNonRoot: true", "fsGroup: 2000"), settings), PodSecurity.RunAsNonRoot, "container 'web' must set securityContext.runAsNonRoot");
    }

    [Theory]
    [InlineData("type: NodePort")]
    [InlineData("type: LoadBalancer")]
    [InlineData("type: ExternalName\n  externalName: example.com")]
    [InlineData("externalIPs: [203.0.113.7]")]
    public void A_service_that_opens_the_cluster_is_refused_unless_the_policy_file_allows_it(string spec)
    {
        var manifest = $"apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: staging}}\nspec:\n  {spec}\n  ports: [{{port: 80}}]\n";

        ShouldBeRefusedBy(Check(manifest), RuleIds.ManifestServiceExposure, "not allowed");
        ShouldBeApproved(Check(manifest, Everything with { ManifestServiceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"], ManifestAllowExternalIps = true }));
    }

    [Fact]
    public void A_cluster_ip_service_is_approved()
    {
        ShouldBeApproved(Check("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: staging}\nspec:\n  ports: [{port: 80}]\n  selector: {app: web}\n"));
    }

    [Theory]
    [InlineData("{kind: ServiceAccount, name: k8s-agent-executor, namespace: k8s-agent}")]
    [InlineData("{kind: User, name: 'system:serviceaccount:k8s-agent:k8s-agent-policy', apiGroup: rbac.authorization.k8s.io}")]
    [InlineData("{kind: Group, name: 'system:serviceaccounts:k8s-agent', apiGroup: rbac.authorization.k8s.io}")]
    public void A_role_binding_naming_the_platforms_service_accounts_is_refused_unless_allowed(string subject)
    {
        var manifest = $"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: grab, namespace: staging}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: admin}}\nsubjects: [{subject}]\n";

        ShouldBeRefusedBy(Check(manifest), RuleIds.ManifestPlatformServiceAccount, "platform's own ServiceAccounts");
        ShouldBeApproved(Check(manifest, Everything with { ManifestAllowPlatformServiceAccounts = true }));
        ShouldBeApproved(Check(manifest.Replace("k8s-agent", "team-a")));
    }

    [Fact]
    public void The_policy_file_sets_levels_per_namespace_and_the_service_switches()
    {
        var settings = PolicyFile.Parse("""
            pod_security:
              default: restricted
              namespaces:
                monitoring: privileged
                legacy: baseline
            manifests:
              allowed_service_types: [ClusterIP, LoadBalancer]
              allow_external_ips: true
              allow_platform_service_accounts: true
            """);

        settings.PodSecurityLevelFor("staging").ShouldBe(PodSecurityLevel.Restricted);
        settings.PodSecurityLevelFor("monitoring").ShouldBe(PodSecurityLevel.Privileged);
        settings.PodSecurityLevelFor("legacy").ShouldBe(PodSecurityLevel.Baseline);
        settings.ManifestServiceTypes.ShouldBe(["ClusterIP", "LoadBalancer"]);
        settings.ManifestAllowExternalIps.ShouldBeTrue();
        settings.ManifestAllowPlatformServiceAccounts.ShouldBeTrue();
        PolicyFile.Parse("").PodSecurityLevelFor("anything").ShouldBe(PodSecurityLevel.Baseline);
    }

    [Fact]
    public void A_bad_pod_security_level_or_namespace_is_an_error_naming_line_and_key()
    {
        PolicyFile.TryParse("pod_security:\n  default: strict\n  namespaces:\n    Bad_NS: restricted\n    ok: loose\nmanifests:\n  allowed_service_types: [Nodeport]\n", out _, out var errors).ShouldBeFalse();

        errors.Select(e => (e.Line, e.Key)).ShouldBe(
            [(2, "pod_security.default"), (4, "pod_security.namespaces"), (5, "pod_security.namespaces.ok"), (7, "manifests.allowed_service_types[0]")]);
    }

    [Fact]
    public void A_duplicate_key_that_would_hide_a_privileged_flag_is_refused()
    {
        var verdict = Check(Workload("Deployment", $"containers:\n- name: c\n  image: {Image}\n  securityContext:\n    privileged: false\n    privileged: true"));

        verdict.Approved.ShouldBeFalse();
    }
}
