using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Ports;
using SelfImprove.Steps;
using SelfImprove.Testing;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Splits a monitoring check's cost into its parts, without the engine (<c>monitoring-tick --profile K</c>): the first
/// N − K agents are checked as plain calls, 100 at a time, untimed (as the earlier part of a first tick does: each
/// agent's data sets and model are loaded then); the last K agents are then checked one at a time with each part timed
/// (the cold checks: what the first tick pays per agent once the process holds N − K agents), and again (warm).
/// Parts: the agent's data sets (loaded on first use), the bake watch, the run state, the serving pointer, the model
/// (opened on first use), scoring the validation sample, reading the recent feedback, scoring it, recording the check.
/// Also: the store operations per check (from a counting store), the garbage collector's pauses and the process's memory.
/// </summary>
internal static class MonitoringCheckProfile
{
    private static readonly string[] Parts =
        ["data sets", "bake watch", "run state", "serving pointer", "model", "score validation", "read feedback", "score feedback", "record check"];

    public static async Task<string> RunAsync(IServiceProvider services, IReadOnlyList<string> agentIds, int timed, CountingArtifactStore store)
    {
        timed = Math.Min(timed, agentIds.Count);
        var untimed = agentIds.Take(agentIds.Count - timed).ToArray();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(untimed, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (agentId, ct) =>
            await services.GetRequiredService<IMonitoringStep>().SnapshotAsync(agentId, ct));
        var warmUp = clock.Elapsed.TotalSeconds;

        var last = agentIds.Skip(agentIds.Count - timed).ToArray();
        var lines = new List<string> { $"{agentIds.Count:N0} agents: the first {untimed.Length:N0} checked as plain calls in {warmUp:0.0} s ({untimed.Length / Math.Max(warmUp, 1e-9):0.0}/s)" };
        foreach (var pass in new[] { "cold", "warm" })
        {
            var sums = new double[Parts.Length];
            var operations = store.Snapshot();
            var gcPause = GC.GetTotalPauseDuration();
            var collections = GC.CollectionCount(2);
            var passClock = Stopwatch.StartNew();
            foreach (var agentId in last) await CheckAsync(services, agentId, sums);
            var seconds = passClock.Elapsed.TotalSeconds;
            var ops = store.Snapshot() - operations;
            lines.Add($"  {pass}, {timed} checks one at a time: {seconds / timed * 1000:0.0} ms per check; " +
                      string.Join(", ", Parts.Select((p, i) => $"{p} {sums[i] / timed * 1000:0.0}")) + " ms; " +
                      $"per check: {ops.Lists / (double)timed:0.0} lists naming {ops.Listed / (double)timed:0.0} blobs, {ops.Reads / (double)timed:0.0} reads, " +
                      $"{ops.Writes / (double)timed:0.0} writes; GC: {(GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds / timed:0.0} ms paused per check, " +
                      $"{GC.CollectionCount(2) - collections} gen-2 collections");
        }
        using var process = Process.GetCurrentProcess();
        lines.Add($"  memory: managed heap {GC.GetTotalMemory(false) / 1e6:0} MB, working set {process.WorkingSet64 / 1e6:0} MB; " +
                  $"GC paused {GC.GetTotalPauseDuration().TotalSeconds:0.0} s in all, {GC.CollectionCount(2)} gen-2 collections");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>What <c>AssessAgentsActivity</c> (per agent) and <c>MonitoringStep</c> do, part by part, with each part's time added to <paramref name="sums"/>.</summary>
    private static async Task CheckAsync(IServiceProvider services, string agentId, double[] sums)
    {
        var loop = services.GetRequiredService<LoopContext>();
        var timer = Stopwatch.StartNew();
        void Lap(int part)
        {
            sums[part] += timer.Elapsed.TotalSeconds;
            timer.Restart();
        }

        var entry = loop.Agents.Get(agentId);
        var sample = entry.Manifest.Monitoring.SampleSize;
        var validationSample = entry.Data.Validation.Take(sample).ToArray();
        Lap(0);
        await services.GetRequiredService<IDeploymentStep>().CheckBakeAsync(agentId);
        Lap(1);
        await services.GetRequiredService<RunStarter>().StateAsync(agentId);
        Lap(2);
        var serving = await loop.Registry.GetServingAsync(agentId) ?? throw new InvalidOperationException($"{agentId} has no serving version");
        Lap(3);
        var classifier = await loop.Models.LoadAsync(agentId, serving.VersionId);
        Lap(4);
        var validation = ModelEvaluator.Evaluate(classifier, validationSample).Overall;
        Lap(5);
        var feedback = await loop.Feedback.RecentLabelledAsync(agentId, sample);
        Lap(6);
        var recent = ModelEvaluator.Evaluate(classifier, feedback).Overall;
        Lap(7);
        var metric = entry.Manifest.Goal.Metric;
        await services.GetRequiredService<MonitoringChecks>().RecordAsync(new Core.Monitoring.MonitoringSnapshot(agentId, serving.VersionId, metric,
            validation.Metric(metric), validation.Count, recent.Metric(metric), recent.Count));
        Lap(8);
    }
}
