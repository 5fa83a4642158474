using System.CommandLine;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Cli.Commands;

/// <summary><c>selfimprove validate &lt;manifest&gt;</c>: every problem with its JSON path; exit 2 when invalid.</summary>
public static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = new Argument<FileInfo>("manifest") { Description = "The agent manifest (*.agent.json) to check." };
        var command = new Command("validate", "Check an agent manifest and its constitution; list every problem with its JSON path.") { manifest };
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
            output.WriteLine($"{path}: valid. Agent '{loaded.Manifest.AgentId}', {loaded.Manifest.Labels.Count} intents, " +
                             $"goal {loaded.Manifest.Goal.Metric.ToWire()} >= {loaded.Manifest.Goal.Target:0.###}, constitution '{loaded.Manifest.Alignment.Constitution}'.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
