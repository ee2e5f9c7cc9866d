using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Serialization;
using YamlDotNet.RepresentationModel;

namespace K8sAgentPlatform.Policy.Rules;

/// <summary>The levels of the Kubernetes Pod Security Standards, each a superset of the next one's restrictions.</summary>
public enum PodSecurityLevel
{
    /// <summary>Unrestricted: nothing is checked.</summary>
    [JsonStringEnumMemberName("privileged")] Privileged,
    /// <summary>Prevents known privilege escalations; the default.</summary>
    [JsonStringEnumMemberName("baseline")] Baseline,
    /// <summary>Baseline plus current pod hardening practice.</summary>
    [JsonStringEnumMemberName("restricted")] Restricted,
}

/// <summary>One control of the standard a pod template breaks.</summary>
public sealed record PodSecurityViolation(string RuleId, string Control, PodSecurityLevel Level, string Detail)
{
    public override string ToString() => $"{Control} ({(Level == PodSecurityLevel.Baseline ? "baseline" : "restricted")}): {Detail}";
}

/// <summary>
/// The Kubernetes Pod Security Standards' baseline and restricted controls, checked on one pod template (its spec
/// and metadata). Written from the standard's control list; values are read fail-closed: a field whose value is
/// not plainly one of the allowed ones (a YAML 1.1 "yes", a quoted number, an unknown type) counts as a violation.
/// Windows-only relaxations of the restricted level are not applied: the stricter reading holds.
/// </summary>
public static class PodSecurity
{
    public const string HostProcess = "pod_security.host_process";
    public const string HostNamespaces = "pod_security.host_namespaces";
    public const string Privileged = "pod_security.privileged";
    public const string Capabilities = "pod_security.capabilities";
    public const string HostPathVolumes = "pod_security.host_path_volumes";
    public const string HostPorts = "pod_security.host_ports";
    public const string AppArmor = "pod_security.apparmor";
    public const string SeLinux = "pod_security.selinux";
    public const string ProcMount = "pod_security.proc_mount";
    public const string Seccomp = "pod_security.seccomp";
    public const string Sysctls = "pod_security.sysctls";
    public const string VolumeTypes = "pod_security.volume_types";
    public const string PrivilegeEscalation = "pod_security.privilege_escalation";
    public const string RunAsNonRoot = "pod_security.running_as_non_root";
    public const string RunAsNonRootUser = "pod_security.running_as_non_root_user";

    /// <summary>Every control, in the standard's order: rule id, the standard's name, the level that introduces it.</summary>
    public static IReadOnlyList<(string RuleId, string Control, PodSecurityLevel Level)> Controls { get; } =
    [
        (HostProcess, "HostProcess", PodSecurityLevel.Baseline),
        (HostNamespaces, "Host Namespaces", PodSecurityLevel.Baseline),
        (Privileged, "Privileged Containers", PodSecurityLevel.Baseline),
        (Capabilities, "Capabilities", PodSecurityLevel.Baseline),
        (HostPathVolumes, "HostPath Volumes", PodSecurityLevel.Baseline),
        (HostPorts, "Host Ports", PodSecurityLevel.Baseline),
        (AppArmor, "AppArmor", PodSecurityLevel.Baseline),
        (SeLinux, "SELinux", PodSecurityLevel.Baseline),
        (ProcMount, "/proc Mount Type", PodSecurityLevel.Baseline),
        (Seccomp, "Seccomp", PodSecurityLevel.Baseline),
        (Sysctls, "Sysctls", PodSecurityLevel.Baseline),
        (VolumeTypes, "Volume Types", PodSecurityLevel.Restricted),
        (PrivilegeEscalation, "Privilege Escalation", PodSecurityLevel.Restricted),
        (RunAsNonRoot, "Running as Non-root", PodSecurityLevel.Restricted),
        (RunAsNonRootUser, "Running as Non-root user", PodSecurityLevel.Restricted),
        (Seccomp, "Seccomp", PodSecurityLevel.Restricted),
        (Capabilities, "Capabilities", PodSecurityLevel.Restricted),
    ];

    public static readonly FrozenSet<string> BaselineCapabilities = new[]
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> SafeSysctls = new[]
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> SeLinuxTypes = new[]
    {
        "container_t", "container_init_t", "container_kvm_t", "container_engine_t",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> RestrictedVolumeSources = new[]
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly string[] ContainerLists = ["containers", "initContainers", "ephemeralContainers"];

    /// <summary>Every violation of <paramref name="level"/> in one pod template.</summary>
    public static IReadOnlyList<PodSecurityViolation> Check(YamlMappingNode spec, YamlMappingNode? metadata, PodSecurityLevel level)
    {
        var found = new List<PodSecurityViolation>();
        if (level == PodSecurityLevel.Privileged)
        {
            return found;
        }

        var check = new Checker(found);
        var pod = Map(spec, "securityContext");
        var containers = Containers(spec).ToList();

        // HostProcess
        if (!FalseOrUnset(Child(Map(pod, "windowsOptions"), "hostProcess")))
        {
            check.Baseline(HostProcess, "HostProcess", "spec.securityContext.windowsOptions.hostProcess must be unset or false");
        }

        foreach (var (where, container) in containers)
        {
            if (!FalseOrUnset(Child(Map(Map(container, "securityContext"), "windowsOptions"), "hostProcess")))
            {
                check.Baseline(HostProcess, "HostProcess", $"{where} securityContext.windowsOptions.hostProcess must be unset or false");
            }
        }

        // Host Namespaces
        foreach (var field in new[] { "hostNetwork", "hostPID", "hostIPC" })
        {
            if (!FalseOrUnset(Child(spec, field)))
            {
                check.Baseline(HostNamespaces, "Host Namespaces", $"spec.{field} is {Shown(Child(spec, field))}; it must be unset or false");
            }
        }

        // Privileged Containers, Capabilities (baseline), /proc Mount Type, Host Ports
        foreach (var (where, container) in containers)
        {
            var context = Map(container, "securityContext");
            if (!FalseOrUnset(Child(context, "privileged")))
            {
                check.Baseline(Privileged, "Privileged Containers", $"{where} sets securityContext.privileged: {Shown(Child(context, "privileged"))}");
            }

            foreach (var added in Items(Child(Map(context, "capabilities"), "add")))
            {
                if (Scalar(added) is not { } name || !BaselineCapabilities.Contains(name))
                {
                    check.Baseline(Capabilities, "Capabilities", $"{where} adds capability {Shown(added)}; baseline allows only {string.Join(", ", BaselineCapabilities.Order(StringComparer.Ordinal))}");
                }
            }

            if (Child(context, "procMount") is { } procMount && !IsNull(procMount) && Scalar(procMount) != "Default")
            {
                check.Baseline(ProcMount, "/proc Mount Type", $"{where} sets securityContext.procMount: {Shown(procMount)}; only Default is allowed");
            }

            foreach (var port in Items(Child(container, "ports")).OfType<YamlMappingNode>())
            {
                if (Child(port, "hostPort") is { } hostPort && !IsNull(hostPort) && Scalar(hostPort) is not "0")
                {
                    check.Baseline(HostPorts, "Host Ports", $"{where} uses hostPort {Shown(hostPort)}");
                }
            }
        }

        // HostPath Volumes
        foreach (var volume in Items(Child(spec, "volumes")).OfType<YamlMappingNode>())
        {
            if (Child(volume, "hostPath") is { } hostPath && !IsNull(hostPath))
            {
                var path = Child(Map(volume, "hostPath") ?? new YamlMappingNode(), "path");
                check.Baseline(HostPathVolumes, "HostPath Volumes", $"volume '{Scalar(Child(volume, "name")) ?? "?"}' mounts the node's path {Shown(path)}");
            }
        }

        // AppArmor
        CheckAppArmorProfile(check, Map(pod, "appArmorProfile"), "spec.securityContext.appArmorProfile");
        foreach (var (where, container) in containers)
        {
            CheckAppArmorProfile(check, Map(Map(container, "securityContext"), "appArmorProfile"), $"{where} securityContext.appArmorProfile");
        }

        foreach (var (key, value) in Annotations(metadata))
        {
            if (key.StartsWith("container.apparmor.security.beta.kubernetes.io/", StringComparison.Ordinal)
                && !(Scalar(value) is "runtime/default" || Scalar(value) is { } v && v.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                check.Baseline(AppArmor, "AppArmor", $"annotation {key}: {Shown(value)}; only runtime/default or localhost/* are allowed");
            }

            if ((key == "seccomp.security.alpha.kubernetes.io/pod" || key.StartsWith("container.seccomp.security.alpha.kubernetes.io/", StringComparison.Ordinal))
                && !(Scalar(value) is "runtime/default" or "docker/default" || Scalar(value) is { } s && s.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                check.Baseline(Seccomp, "Seccomp", $"annotation {key}: {Shown(value)}; unconfined is not allowed");
            }
        }

        // SELinux
        CheckSeLinux(check, Map(pod, "seLinuxOptions"), "spec.securityContext.seLinuxOptions");
        foreach (var (where, container) in containers)
        {
            CheckSeLinux(check, Map(Map(container, "securityContext"), "seLinuxOptions"), $"{where} securityContext.seLinuxOptions");
        }

        // Seccomp (baseline): Unconfined is forbidden anywhere.
        var podSeccomp = Child(Map(pod, "seccompProfile"), "type");
        CheckSeccompType(check, podSeccomp, "spec.securityContext.seccompProfile.type");
        foreach (var (where, container) in containers)
        {
            CheckSeccompType(check, Child(Map(Map(container, "securityContext"), "seccompProfile"), "type"), $"{where} securityContext.seccompProfile.type");
        }

        // Sysctls
        foreach (var sysctl in Items(Child(pod, "sysctls")))
        {
            var name = sysctl is YamlMappingNode m ? Scalar(Child(m, "name")) : null;
            if (name is null || !SafeSysctls.Contains(name))
            {
                check.Baseline(Sysctls, "Sysctls", $"sysctl {(name is null ? Shown(sysctl) : $"'{name}'")} is not in the safe set");
            }
        }

        if (level < PodSecurityLevel.Restricted)
        {
            return found;
        }

        // Volume Types
        foreach (var volume in Items(Child(spec, "volumes")).OfType<YamlMappingNode>())
        {
            var sources = volume.Children.Keys.Select(Scalar).Where(k => k != "name").ToList();
            foreach (var source in sources.Where(s => s is null || !RestrictedVolumeSources.Contains(s)))
            {
                check.Restricted(VolumeTypes, "Volume Types", $"volume '{Scalar(Child(volume, "name")) ?? "?"}' is of type {source ?? "?"}; restricted allows {string.Join(", ", RestrictedVolumeSources.Order(StringComparer.Ordinal))}");
            }
        }

        var podNonRoot = IsTrue(Child(pod, "runAsNonRoot"));
        if (Child(pod, "runAsNonRoot") is { } podNonRootNode && !IsNull(podNonRootNode) && !podNonRoot)
        {
            check.Restricted(RunAsNonRoot, "Running as Non-root", $"spec.securityContext.runAsNonRoot is {Shown(podNonRootNode)}; it must be true");
        }

        if (IsRoot(Child(pod, "runAsUser")))
        {
            check.Restricted(RunAsNonRootUser, "Running as Non-root user", $"spec.securityContext.runAsUser is {Shown(Child(pod, "runAsUser"))}; it must not be 0");
        }

        var podSeccompSet = Scalar(podSeccomp) is "RuntimeDefault" or "Localhost";
        foreach (var (where, container) in containers)
        {
            var context = Map(container, "securityContext");
            if (!IsFalse(Child(context, "allowPrivilegeEscalation")))
            {
                check.Restricted(PrivilegeEscalation, "Privilege Escalation", $"{where} must set securityContext.allowPrivilegeEscalation: false");
            }

            var nonRoot = Child(context, "runAsNonRoot");
            if (IsNull(nonRoot) ? !podNonRoot : !IsTrue(nonRoot))
            {
                check.Restricted(RunAsNonRoot, "Running as Non-root", IsNull(nonRoot)
                    ? $"{where} must set securityContext.runAsNonRoot: true (or the pod's spec.securityContext.runAsNonRoot: true)"
                    : $"{where} sets securityContext.runAsNonRoot: {Shown(nonRoot)}");
            }

            if (IsRoot(Child(context, "runAsUser")))
            {
                check.Restricted(RunAsNonRootUser, "Running as Non-root user", $"{where} sets securityContext.runAsUser: {Shown(Child(context, "runAsUser"))}");
            }

            var seccomp = Child(Map(context, "seccompProfile"), "type");
            if (IsNull(seccomp) ? !podSeccompSet : Scalar(seccomp) is not ("RuntimeDefault" or "Localhost"))
            {
                check.Restricted(Seccomp, "Seccomp", $"{where} needs seccompProfile.type RuntimeDefault or Localhost (in its securityContext or the pod's)");
            }

            var capabilities = Map(context, "capabilities");
            if (!Items(Child(capabilities, "drop")).Any(d => Scalar(d) == "ALL"))
            {
                check.Restricted(Capabilities, "Capabilities", $"{where} must drop ALL capabilities (securityContext.capabilities.drop: [ALL])");
            }

            foreach (var added in Items(Child(capabilities, "add")))
            {
                if (Scalar(added) is not "NET_BIND_SERVICE" && Scalar(added) is { } name && BaselineCapabilities.Contains(name))
                {
                    check.Restricted(Capabilities, "Capabilities", $"{where} adds capability {name}; restricted allows only NET_BIND_SERVICE");
                }
            }
        }

        return found;
    }

    private static void CheckAppArmorProfile(Checker check, YamlMappingNode? profile, string where)
    {
        if (Child(profile, "type") is { } type && !IsNull(type) && Scalar(type) is not ("RuntimeDefault" or "Localhost"))
        {
            check.Baseline(AppArmor, "AppArmor", $"{where}.type is {Shown(type)}; only RuntimeDefault or Localhost are allowed");
        }
    }

    private static void CheckSeLinux(Checker check, YamlMappingNode? options, string where)
    {
        if (Child(options, "type") is { } type && !IsNull(type) && Scalar(type) is not "" && !(Scalar(type) is { } t && SeLinuxTypes.Contains(t)))
        {
            check.Baseline(SeLinux, "SELinux", $"{where}.type is {Shown(type)}; allowed: {string.Join(", ", SeLinuxTypes)}");
        }

        foreach (var field in new[] { "user", "role" })
        {
            if (Child(options, field) is { } value && !IsNull(value) && Scalar(value) is not "")
            {
                check.Baseline(SeLinux, "SELinux", $"{where}.{field} is {Shown(value)}; it must be unset");
            }
        }
    }

    private static void CheckSeccompType(Checker check, YamlNode? type, string where)
    {
        if (type is not null && !IsNull(type) && Scalar(type) is not ("RuntimeDefault" or "Localhost"))
        {
            check.Baseline(Seccomp, "Seccomp", $"{where} is {Shown(type)}; only RuntimeDefault or Localhost are allowed");
        }
    }

    private sealed class Checker(List<PodSecurityViolation> found)
    {
        public void Baseline(string id, string control, string detail) => found.Add(new PodSecurityViolation(id, control, PodSecurityLevel.Baseline, detail));

        public void Restricted(string id, string control, string detail) => found.Add(new PodSecurityViolation(id, control, PodSecurityLevel.Restricted, detail));
    }

    private static IEnumerable<(string Where, YamlMappingNode Container)> Containers(YamlMappingNode spec)
    {
        foreach (var list in ContainerLists)
        {
            var kind = list switch { "containers" => "container", "initContainers" => "init container", _ => "ephemeral container" };
            foreach (var item in Items(Child(spec, list)))
            {
                // A list entry that is not a mapping is refused by the API server; checking it as an empty container
                // still names what the restricted level requires of it.
                var container = item as YamlMappingNode ?? new YamlMappingNode();
                yield return ($"{kind} '{Scalar(Child(container, "name")) ?? "?"}'", container);
            }
        }
    }

    private static IEnumerable<(string Key, YamlNode Value)> Annotations(YamlMappingNode? metadata) =>
        Map(metadata, "annotations") is { } annotations
            ? annotations.Children.Select(p => (Scalar(p.Key) ?? "", p.Value))
            : [];

    private static IEnumerable<YamlNode> Items(YamlNode? node) => node is YamlSequenceNode sequence ? sequence.Children : [];

    private static YamlNode? Child(YamlMappingNode? mapping, string key) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    // A field that is there but not a mapping (a scalar where an object belongs) is read as an empty object: the
    // API server refuses it, and nothing it holds can be permissive.
    private static YamlMappingNode? Map(YamlMappingNode? mapping, string key) => Child(mapping, key) switch
    {
        YamlMappingNode m => m,
        null => null,
        var other => IsNull(other) ? null : new YamlMappingNode(),
    };

    private static string? Scalar(YamlNode? node) => node is YamlScalarNode { Value: { } value } ? value : null;

    /// <summary>Absent, or YAML's null (~, null, an empty plain value).</summary>
    private static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    // YAML 1.1, which the Kubernetes YAML decoder follows, also reads yes/no/on/off/y/n as booleans.
    private static bool IsFalse(YamlNode? node) =>
        Scalar(node) is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N";

    private static bool IsTrue(YamlNode? node) =>
        Scalar(node) is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y";

    private static bool FalseOrUnset(YamlNode? node) => IsNull(node) || IsFalse(node);

    // Anything but a plain non-zero whole number counts as root: "0", "00", "+0", a quoted or malformed value.
    private static bool IsRoot(YamlNode? node) =>
        !IsNull(node) && !(long.TryParse(Scalar(node), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid != 0);

    private static string Shown(YamlNode? node) => node switch
    {
        null => "unset",
        YamlScalarNode { Value: { } value } => $"'{Images.ImageReference.Printable(value)}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "?",
    };
}
