using System.CommandLine;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Data;
using SelfImprove.Data.Files;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove validate &lt;manifest&gt;</c>: every problem with its JSON path, then the data as <c>train</c> reads
/// them (a data file <c>train</c> would refuse is refused here first, with the same message); exit 2 when invalid.
/// </summary>
public static class ValidateCommand
{
    /// <summary>The <c>validate</c> command, writing its report to <paramref name="output"/> and problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = new Argument<FileInfo>("manifest") { Description = "The agent manifest (*.agent.json) to check." };
        var command = new Command("validate", "Check an agent manifest, its constitution and its data; list every problem with its JSON path or file and line.") { manifest };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(manifest)!;
            var (loaded, errors) = ManifestLoader.TryLoad(path.FullName);
            if (loaded is null)
            {
                foreach (var problem in errors) error.WriteLine(problem);
                error.WriteLine($"{errors.Count} problem(s); see docs/agent-manifest.md for what each field allows.");
                return ExitCodes.InvalidInput;
            }
            AgentDatasets data;
            try
            {
                data = AgentDataLoader.Load(loaded);
            }
            catch (Exception ex) when (ex is DataFileException or InvalidDataException)
            {
                error.WriteLine(ex.Message);
                error.WriteLine("1 problem(s); see docs/agent-manifest.md#data-files-csv-and-json-lines for what a data file must hold.");
                return ExitCodes.InvalidInput;
            }
            output.WriteLine($"{path}: valid. Agent '{loaded.Manifest.AgentId}', {loaded.Manifest.Labels.Count} intents, " +
                             $"goal {loaded.Manifest.Goal.Metric.ToWire()} >= {loaded.Manifest.Goal.Target:0.###}, constitution '{loaded.Manifest.Alignment.Constitution}'; " +
                             $"data: {data.Pool.Count} pool, {data.Validation.Count} validation, {data.Evaluation.Count} evaluation, {data.Production.Count} production.");
            output.WriteLine("training: " + DescribeCompute(loaded.Manifest.Training.Compute));
            foreach (var note in ManifestAdvice.For(loaded.Manifest, path.ToString()))
                output.WriteLine("note: " + note);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Where training runs, in words, with the aliases resolved.</summary>
    internal static string DescribeCompute(ComputeSpec compute)
    {
        var device = compute.UsesGpu
            ? $"embedding on CUDA device {compute.DeviceId}" + (compute.AllowCpuFallback ? " (on the CPU when no CUDA device is usable)" : " (stops with an error when no CUDA device is usable)")
            : "embedding on the CPU";
        return compute.EffectiveTarget switch
        {
            ComputeTarget.Worker => $"as a job on the training queue, taken by 'selfimprove train-worker' processes, {device}; deadline {compute.Timeout:c}.",
            ComputeTarget.AzureContainerAppsJob => $"as a job on the training queue, run by the worker image Azure starts per job (Container Apps job), {device}; deadline {compute.Timeout:c}.",
            _ => $"inline, in the process that runs the improvement run, {device}.",
        };
    }
}
