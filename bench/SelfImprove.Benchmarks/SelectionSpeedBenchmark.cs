using System.Diagnostics;
using SelfImprove.Agents.Offline;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;

namespace SelfImprove.Benchmarks;

/// <summary>
/// How long one selection takes through <see cref="OfflinePlanner.SelectRequests"/> (the planner's own path, margin
/// sort included) for every rule, on synthetic requests shaped like the loop's: unit-length embeddings drawn around
/// one centre per class (a Gaussian mixture, per-dimension spread 0.04, so a request's cosine to its centre is about
/// 0.8, as MiniLM's requests of one intent are), and class probabilities from a softmax of their scaled similarity to the
/// centres, so margins spread over (0, 1) as a trained head's do. Seeded: every run times the same data. Wall and CPU
/// seconds are both reported: on a shared machine the CPU seconds are the stable figure.
/// </summary>
public static class SelectionSpeedBenchmark
{
    public static int Run(int requests, int dimensions, int classes, int budget, int repeat, TextWriter output)
    {
        var (unlabelled, build) = Requests(requests, dimensions, classes, seed: 1);
        output.WriteLine($"{requests:N0} requests × {dimensions} dimensions, {classes} classes, {budget} picks; {Environment.ProcessorCount} cores; " +
                         $"data built in {build:0.0} s; load average before: {LoadAverage()}");
        output.WriteLine("| rule | median wall s | median CPU s | runs, wall s |");
        output.WriteLine("| --- | --- | --- | --- |");
        foreach (var rule in WireNames.All<SelectionRule>().Select(WireNames.Parse<SelectionRule>).Where(r => r != SelectionRule.Adaptive))
        {
            var times = new List<double>();
            var cpu = new List<double>();
            for (var r = 0; r < repeat; r++)
            {
                var process = Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var picked = OfflinePlanner.SelectRequests(unlabelled, rule, budget, seed: r + 1);
                times.Add(clock.Elapsed.TotalSeconds);
                process.Refresh();
                cpu.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
                if (picked.Count != budget || picked.Distinct().Count() != budget)
                    throw new InvalidOperationException($"{rule.ToWire()} picked {picked.Count} ({picked.Distinct().Count()} distinct), not {budget}.");
            }
            output.WriteLine($"| {rule.ToWire()} | {times.Order().ElementAt(times.Count / 2):0.00} | {cpu.Order().ElementAt(cpu.Count / 2):0.00} | {string.Join(" / ", times.Select(t => t.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} |");
        }
        output.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static (UnlabelledRequest[] Requests, double Seconds) Requests(int n, int dimensions, int classes, int seed)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(seed);
        var centres = Enumerable.Range(0, classes).Select(_ => Unit(Enumerable.Range(0, dimensions).Select(_ => (float)Gaussian(random)).ToArray())).ToArray();
        var requests = new UnlabelledRequest[n];
        for (var i = 0; i < n; i++)
        {
            var c = random.Next(classes);
            var x = Unit(centres[c].Select(v => v + 0.04f * (float)Gaussian(random)).ToArray());
            var logits = centres.Select(m => 6.0 * Core.Planning.Selection.VectorMath.Dot(m, x)).ToArray();
            var max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            var sum = exp.Sum();
            var p = exp.Select(e => (float)(e / sum)).ToArray();
            var prediction = Core.Evaluation.IntentPrediction.FromProbabilities(Enumerable.Range(0, classes).Select(k => $"intent-{k}").ToArray(), p);
            requests[i] = new UnlabelledRequest($"r{i:D6}", $"request {i}", prediction.Intent, prediction.RunnerUp, prediction.Margin) { Probabilities = p, Embedding = x };
        }
        return (requests, clock.Elapsed.TotalSeconds);
    }

    private static float[] Unit(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(a => a * a));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
