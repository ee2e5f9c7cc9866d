using System.CommandLine;
using K8sAgentPlatform.Cli.Commands;

var root = new RootCommand("k8s-agent: turn plain-language requests into checked, reversible Kubernetes operations.")
{
    ParseCommand.Create(),
    SchemaCommand.Create(),
    AuthorizationKeysCommand.Create(),
    SandboxCommand.Create(),
    PolicyCommand.Create(),
    ServeCommand.Create(),
    DemoCommand.Create(),
    AskCommand.Create(),
    RequestsCommand.Create(),
    DecisionCommands.Confirm(),
    DecisionCommands.Reject(),
    DecisionCommands.Cancel(),
    RollbackCommand.Create(),
    EmergencyStopCommand.Create(),
    EmergencyStopCommand.Status(),
    SnapshotsCommand.Create(),
    AuditCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
