using System.CommandLine;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Models;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove versions --manifest M</c>: every version, its status (<c>serving</c>, <c>retired</c>, <c>candidate</c>,
/// <c>abandoned</c>), lineage and quality; a line per abandoned version says why.
/// </summary>
public static class VersionsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = CliOptions.Manifest();
        var store = CliOptions.Store();
        var command = new Command("versions", "List the agent's model versions and which one serves.") { manifest, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var workspace = AgentWorkspace.Open(parse.GetValue(manifest)!, parse.GetValue(store)!);
            var agentId = workspace.Manifest.AgentId;
            var versions = await workspace.Registry.ListWithStatusAsync(agentId, cancellationToken);
            if (versions.Count == 0)
            {
                output.WriteLine($"Agent '{agentId}' has no versions yet. Train one with 'selfimprove train --manifest {parse.GetValue(manifest)}'.");
                return ExitCodes.Ok;
            }
            var serving = await workspace.Registry.GetServingAsync(agentId, cancellationToken);
            var metric = workspace.Manifest.Goal.Metric;
            var table = new TextTable("", "version", "status", "parent", "created (UTC)", "by", "train n", metric.ToWire(), "pre-drift", "post-drift", "training set");
            foreach (var (v, status, _) in versions)
            {
                double? Segment(string name) => v.Evaluation.BySegment.TryGetValue(name, out var r) ? r.Metric(metric) : null;
                table.Add(status == VersionStatus.Serving ? "*" : "", v.VersionId, status.ToWire(), v.ParentVersionId ?? "-", v.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"),
                    v.CreatedBy, v.TrainingSet.Count, v.Evaluation.Overall.Metric(metric), Segment(Segments.PreDrift), Segment(Segments.PostDrift),
                    v.TrainingSet.Hash[..Math.Min(19, v.TrainingSet.Hash.Length)]);
            }
            table.WriteTo(output);
            if (serving is not null) output.WriteLine($"* serving since {serving.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {serving.Reason}");
            foreach (var (v, _, abandoned) in versions)
                if (abandoned is not null)
                    output.WriteLine($"{v.VersionId} abandoned {abandoned.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {abandoned.Reason}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
