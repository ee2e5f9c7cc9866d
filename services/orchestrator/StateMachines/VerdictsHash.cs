using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using K8sAgentPlatform.Contracts;
using K8sAgentPlatform.Contracts.Intent;

namespace K8sAgentPlatform.Orchestrator.StateMachines;

/// <summary>
/// What a confirmation approves, as one hash: per operation its verdict, risk, confirmation need, the
/// resourceVersion it was checked against and the diff its dry run showed. Another verdict or another diff gives another
/// hash, so an old confirmation cannot stand for it.
/// </summary>
public static class VerdictsHash
{
    public static string Of(IEnumerable<OperationValidated> verdicts)
    {
        var canonical = new StringBuilder();
        foreach (var v in verdicts.OrderBy(v => v.Index))
        {
            canonical.Append(v.Index).Append('|').Append(v.Approved).Append('|').Append(v.RequiresConfirmation).Append('|')
                .Append(WireNames.Of(v.PolicyRiskLevel)).Append('|').Append(v.ResourceVersion).Append('|')
                .AppendJoin('\u001f', v.Reasons).Append('|')
                .Append(JsonSerializer.Serialize(v.Diff)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
