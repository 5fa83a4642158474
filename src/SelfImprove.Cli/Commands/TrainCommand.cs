using System.CommandLine;
using System.Diagnostics;
using SelfImprove.Learning.Training;

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
            var version = await workspace.Trainer.TrainAsync(
                new TrainingJob(workspace.Manifest, data.Pool, data.Evaluation, ParentVersionId: null, CreatedBy: "cli:train"),
                cancellationToken);
            await workspace.Registry.SetServingAsync(workspace.Manifest.AgentId, version.VersionId, "initial training (selfimprove train)", cancellationToken);
            output.WriteLine($"Trained {version.AgentId}/{version.VersionId} in {clock.Elapsed.TotalSeconds:0.0} s; it now serves.");
            EvaluateCommand.WriteSummary(output, workspace.Manifest, version.Evaluation);
            return ExitCodes.Ok;
        });
        return command;
    }
}
