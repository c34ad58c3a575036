using MriCs.Cli.Commands;

namespace MriCs.Cli;

/// <summary>Every command of the tool; each area lists its own in Commands/*.cs.</summary>
public static class CommandTable
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        .. DicomFileCommands.All,
        .. DicomNetworkCommands.All,
        .. PhantomCommands.All,
        .. ModelsCommands.All,
        .. EvaluateCommands.All,
        .. BenchCommands.All,
        .. PipelineCommands.All,
        .. DicomBenchCommands.All,
        .. NetworkBenchCommands.All,
        .. ManagementCommands.All,
        .. DbCommands.All,
        .. ClusterScaleBench.All,
        .. SlotCommands.All,
        .. AgreementCommands.All,
    ];
}
