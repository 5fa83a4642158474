using System.CommandLine;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Cli.Commands;

/// <summary><c>selfimprove evaluate --manifest M [--version V]</c>: the metrics table on the evaluation set, before and after the drift point.</summary>
public static class EvaluateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var manifest = CliOptions.Manifest();
        var store = CliOptions.Store();
        var version = CliOptions.Version();
        var command = new Command("evaluate", "Score a version (default: the serving one) on the held-out evaluation set, overall and per drift segment.")
        {
            manifest, store, version,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var workspace = AgentWorkspace.Open(parse.GetValue(manifest)!, parse.GetValue(store)!);
            var agentId = workspace.Manifest.AgentId;
            var requested = parse.GetValue(version);
            var classifier = requested is null
                ? await workspace.Models.LoadServingAsync(agentId, cancellationToken)
                : await workspace.Models.LoadAsync(agentId, requested, cancellationToken);
            var summary = ModelEvaluator.Evaluate(classifier, workspace.Datasets.Evaluation, cancellationToken);
            output.WriteLine($"Agent '{agentId}', version {classifier.VersionId}, evaluation set of {summary.Overall.Count} held-out examples.");
            WriteSummary(output, workspace.Manifest, summary);
            output.WriteLine();
            WritePerIntent(output, summary);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One row per segment: size, accuracy, macro-F1, mean margin and whether the goal is met.</summary>
    public static void WriteSummary(TextWriter output, AgentManifest manifest, EvaluationSummary summary)
    {
        var goal = manifest.Goal;
        var table = new TextTable("segment", "n", "accuracy", "macro-F1", "mean margin", $"goal ({goal.Metric.ToWire()} >= {goal.Target:0.00})");
        void Row(string name, ClassificationReport r) =>
            table.Add(name, r.Count, r.Accuracy, r.MacroF1, r.MeanMargin, r.Metric(goal.Metric) >= goal.Target ? "met" : "MISSED");
        foreach (var (segment, report) in OrderedSegments(summary)) Row(segment, report);
        Row("overall", summary.Overall);
        table.WriteTo(output);
    }

    private static void WritePerIntent(TextWriter output, EvaluationSummary summary)
    {
        var segments = OrderedSegments(summary).ToArray();
        var headers = new List<string> { "intent" };
        foreach (var (segment, _) in segments) headers.AddRange([$"P {segment}", $"R {segment}", $"F1 {segment}"]);
        var table = new TextTable([.. headers]);
        var last = segments[^1].Report;
        foreach (var intent in last.PerIntent.OrderBy(i => i.F1).Select(i => i.Intent))
        {
            var cells = new List<object?> { intent };
            foreach (var (_, report) in segments)
            {
                var m = report.PerIntent.First(i => i.Intent == intent);
                cells.AddRange([m.Precision, m.Recall, m.F1]);
            }
            table.Add([.. cells]);
        }
        table.WriteTo(output);
        output.WriteLine();
        var confusions = new TextTable("segment", "actual intent", "taken for", "count");
        foreach (var (segment, report) in segments)
            foreach (var c in report.Confusions.Take(5)) confusions.Add(segment, c.Actual, c.Predicted, c.Count);
        confusions.WriteTo(output);
    }

    private static IEnumerable<(string Segment, ClassificationReport Report)> OrderedSegments(EvaluationSummary summary)
    {
        string[] order = [Segments.PreDrift, Segments.PostDrift];
        return summary.BySegment
            .OrderBy(kv => Array.IndexOf(order, kv.Key) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value));
    }
}
