using System.CommandLine;
using System.Diagnostics;

namespace SelfImprove.Cli.Commands;

/// <summary><c>selfimprove train --manifest M</c>: trains the initial version on the labelled pool and makes it serve.</summary>
public static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = CliOptions.Manifest();
        var store = CliOptions.Store();
        var command = new Command("train", "Train a version on the agent's labelled pool (from scratch), evaluate it and make it the serving version.")
        {
            manifest, store,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var clock = Stopwatch.StartNew();
            using var workspace = AgentWorkspace.Open(parse.GetValue(manifest)!, parse.GetValue(store)!);
            var data = workspace.Datasets;
            error.WriteLine($"Training '{workspace.Manifest.AgentId}' on {data.Pool.Count} pool examples " +
                            $"({workspace.Manifest.Labels.Count} intents); evaluating on {data.Evaluation.Count} held-out examples...");
            var version = await workspace.InitialVersions.TrainAsync(workspace.Manifest.AgentId, "cli:train", "initial training (selfimprove train)", cancellationToken);
            output.WriteLine($"Trained {version.AgentId}/{version.VersionId} in {clock.Elapsed.TotalSeconds:0.0} s; it now serves.");
            EvaluateCommand.WriteSummary(output, workspace.Manifest, version.Evaluation);
            return ExitCodes.Ok;
        });
        return command;
    }
}
