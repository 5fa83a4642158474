using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SelfImprove.Server;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Where training runs, seen from the serving API (issue 13, "Numbers to measure"): the same improvement run of the demo
/// agent (the shipped support-router manifest, approval and people's labelling off, a trial that ends within a minute) on <c>serve --backend
/// azure-storage</c> (in this process, a private Azurite), once with <c>training.compute.target: inline</c> and once with
/// <c>worker</c> (one <c>selfimprove train-worker</c> child process under <c>nice -n {workerNice}</c> (default 10), with
/// <c>--threads {workerThreads}</c> when given, standing in for the separate machine it has in production). Each placement starts cold: a fresh hub and a fresh embedding cache, shared by serve and
/// the worker. A predict load (<c>clients</c> concurrent callers, every text distinct) measures p50/p99 latency in ms with
/// no run (idle), then throughout the run; the requests sent while the run's phase is <c>train</c> (polled every 250 ms
/// from <c>GET /api/runs/{id}</c>) give the figure during training. Wall times are in seconds.
/// </summary>
public static class TrainingPlacementBenchmark
{
    private const string Key = "bench-key-0123456789abcdef";
    private const string Agent = "support-router";
    private static long textCounter;

    private static readonly string[] Phrases =
    [
        "I lost my card on the", "my card was stolen near the", "why was I charged twice at the", "I want a refund for the order from the",
        "how do I change my PIN after the", "close my account because of the", "the transfer to my landlord failed at the",
        "my card does not work at the", "where is my new card, ordered after the", "what is the exchange rate for the trip to the",
    ];

    /// <param name="placements">The training placements to measure, in order: <c>inline</c>, <c>worker</c>.</param>
    /// <param name="clients">Concurrent predict callers.</param>
    /// <param name="idleSeconds">How long idle latency is measured, in seconds.</param>
    /// <param name="runLimit">How long a run may take before it is terminated and its row marked partial.</param>
    /// <param name="workerNice">The worker's <c>nice</c> level, 0 to 19.</param>
    /// <param name="workerThreads">The worker's <c>--threads</c> (its encoder's CPU threads); null: one per core.</param>
    /// <exception cref="ArgumentException">A placement other than <c>inline</c> or <c>worker</c>; a nice level or thread count out of range.</exception>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> placements, int clients, int idleSeconds, TimeSpan runLimit, TextWriter output, int workerNice = 10, int? workerThreads = null)
    {
        foreach (var placement in placements)
            if (placement is not ("inline" or "worker"))
                throw new ArgumentException($"--placements {placement}: each must be 'inline' or 'worker'.");
        if (workerNice is < 0 or > 19) throw new ArgumentException($"--worker-nice {workerNice}: must be 0 to 19.");
        if (workerThreads is < 1) throw new ArgumentException($"--worker-threads {workerThreads}: must be at least 1.");
        var workerLabel = $"nice -n {workerNice}{(workerThreads is { } t ? $", --threads {t}" : "")}, same {Environment.ProcessorCount} cores";
        await using var azurite = await Azurite.StartAsync();
        output.WriteLine($"# training placement on {Environment.ProcessorCount} cores: {clients} predict clients, distinct texts, idle measured for {idleSeconds} s");
        var rows = new List<string>();
        foreach (var placement in placements)
            rows.Add(await MeasureAsync(placement, azurite.ConnectionString, clients, idleSeconds, runLimit, output, workerNice, workerThreads, workerLabel));
        output.WriteLine();
        output.WriteLine("| training | run wall s | training wall s | idle p50 ms | idle p99 ms | p50 during training ms | p99 during training ms | p99 ÷ idle p99 | requests during training | run outcome |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) output.WriteLine(row);
        return 0;
    }

    private static async Task<string> MeasureAsync(
        string placement, string connectionString, int clients, int idleSeconds, TimeSpan runLimit, TextWriter output, int workerNice, int? workerThreads, string workerLabel)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            m["approval"]!["required"] = false;
            m["teacher"]!["allowHumanLabelling"] = false;   // no wait for people's labels: the run goes straight on to training
            m["training"]!["compute"] = JsonNode.Parse($"{{\"target\":\"{placement}\",\"timeout\":\"01:00:00\",\"checkEvery\":\"00:00:10\"}}");
            m["deployment"]!["checkEvery"] = "00:00:01";
            m["deployment"]!["minimumSamples"] = 30;
            m["deployment"]!["onTimeout"] = "promote";
            m["deployment"]!["maxDuration"] = "00:01:00";
        });
        var cache = folder.Combine("embeddings");
        var hub = $"place{placement}{Guid.NewGuid():N}"[..20];
        var queue = $"jobs-{Guid.NewGuid():N}"[..20];
        var startup = Stopwatch.StartNew();
        await using var server = await SelfImproveServer.StartAsync(new ServerOptions
        {
            Backend = Backend.AzureStorage,
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = cache,
            StorageConnectionString = connectionString,
            HubName = hub,
            ApiKey = Key,
            TrainingQueue = queue,
            Replay = true,
        }, TextWriter.Null);
        output.WriteLine($"{placement}: serve listening after {startup.Elapsed.TotalSeconds:0.0} s (cold start, v1 trained)");
        using var worker = placement == "worker" ? StartWorker(agents.Path, hub, queue, cache, folder.Combine("worker-store"), connectionString, workerNice, workerThreads) : null;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            http.DefaultRequestHeaders.Add("x-functions-key", Key);
            if (worker is not null) await worker.Ready.Task.WaitAsync(TimeSpan.FromMinutes(2));

            await LoadAsync(http, clients, TimeSpan.FromSeconds(3), _ => true);   // warm-up: JIT, connections, the model
            var idle = Stopwatch.StartNew();
            var idleLatencies = await LoadAsync(http, clients, TimeSpan.FromSeconds(idleSeconds), _ => true);
            output.WriteLine($"{placement}: idle {idleLatencies.Count} requests in {idle.Elapsed.TotalSeconds:0.0} s");

            var run = Stopwatch.StartNew();
            using var started = await http.PostAsync($"api/agents/{Agent}/runs", null);
            started.EnsureSuccessStatusCode();
            var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            // The training window in run-clock seconds: [first poll that saw 'train', first poll after it that did not).
            var window = new TrainingWindow();
            using var stop = new CancellationTokenSource();
            var load = LoadAsync(http, clients, runLimit, _ => !stop.IsCancellationRequested, run);
            JsonObject status;
            while (true)
            {
                status = (await http.GetFromJsonAsync<JsonObject>($"api/runs/{runId}"))!;
                var phase = status["phase"]?.GetValue<string>();
                var now = run.Elapsed.TotalSeconds;
                if (phase == "train" && window.Start is null) window.Start = now;
                if (phase != "train" && window.Start is not null && window.End is null) window.End = now;
                if (status["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated") break;
                if (run.Elapsed > runLimit)
                {
                    using var _ = await http.PostAsync($"api/runs/{runId}/terminate", null);
                    break;
                }
                await Task.Delay(250);
            }
            var runSeconds = run.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            var during = (await load).Where(l => window.Contains(l.StartedAt)).Select(l => l.Milliseconds).Order().ToArray();
            var idleSorted = idleLatencies.Select(l => l.Milliseconds).Order().ToArray();
            var outcome = status["report"]?["status"]?.GetValue<string>() ?? status["runtimeStatus"]!.GetValue<string>();
            if (run.Elapsed > runLimit) outcome += $" (partial: terminated after {runLimit.TotalSeconds:0} s)";
            var trainWall = window is { Start: { } s, End: { } e } ? $"{e - s:0.0}" : "not seen";
            output.WriteLine($"{placement}: run {runId} {outcome} in {runSeconds:0.0} s, training {trainWall} s, {during.Length} requests during training");
            if (worker is not null) output.WriteLine($"{placement}: worker said: {string.Join(" | ", worker.Lines.Where(l => l.StartsWith("JOB", StringComparison.Ordinal)))}");
            var idleP99 = Percentile(idleSorted, 0.99);
            var duringP99 = Percentile(during, 0.99);
            return $"| {placement}{(placement == "worker" ? $" ({workerLabel})" : "")} | {runSeconds:0.0} | {trainWall} | {Percentile(idleSorted, 0.50):0} | " +
                   $"{idleP99:0} | {Percentile(during, 0.50):0} | {duringP99:0} | {(idleP99 > 0 && during.Length > 0 ? $"{duringP99 / idleP99:0.00}×" : "–")} | {during.Length} | {outcome} |";
        }
        finally
        {
            worker?.Stop();
        }
    }

    private sealed class TrainingWindow
    {
        public double? Start { get; set; }
        public double? End { get; set; }

        public bool Contains(double at) => Start is { } s && at >= s && at < (End ?? double.MaxValue);
    }

    private sealed record Latency(double StartedAt, double Milliseconds);

    /// <summary>Predicts from <paramref name="clients"/> callers until <paramref name="duration"/> passes or <paramref name="go"/> says stop.</summary>
    private static async Task<IReadOnlyList<Latency>> LoadAsync(HttpClient http, int clients, TimeSpan duration, Func<int, bool> go, Stopwatch? clock = null)
    {
        clock ??= Stopwatch.StartNew();
        var until = clock.Elapsed + duration;
        var latencies = new ConcurrentBag<Latency>();
        var failures = 0L;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            while (clock.Elapsed < until && go(c))
            {
                var startedAt = clock.Elapsed.TotalSeconds;
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync($"api/agents/{Agent}/predict", new { text = NextText() });
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }
                latencies.Add(new Latency(startedAt, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        })));
        if (failures > 0) throw new InvalidOperationException($"{failures} predicts failed");
        return latencies.ToArray();
    }

    private static string NextText()
    {
        var n = Interlocked.Increment(ref textCounter);
        return $"{Phrases[n % Phrases.Length]} place number {n}";
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>
    /// <c>nice -n {nice} dotnet selfimprove.dll train-worker [--threads N]</c> on the hub's queue, from the CLI built beside this benchmark.
    /// </summary>
    private static WorkerProcess StartWorker(string agents, string hub, string queue, string cache, string store, string connectionString, int nice, int? threads)
    {
        var start = new ProcessStartInfo("nice") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-n", nice.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Path.Combine(AppContext.BaseDirectory, "selfimprove.dll"), "train-worker", "--agents", agents, "--hub", hub,
                     "--queue", queue, "--cache", cache, "--store", store, "--poll-every", "500ms", "--worker-id", "bench-worker",
                 })
            start.ArgumentList.Add(argument);
        if (threads is { } n)
        {
            start.ArgumentList.Add("--threads");
            start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        start.Environment["AzureWebJobsStorage"] = connectionString;
        var worker = new WorkerProcess(new Process { StartInfo = start });
        return worker;
    }

    /// <summary>The worker child process: its stdout lines, and <see cref="Ready"/> once it prints <c>WORKER READY</c>.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process process;

        public WorkerProcess(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                Lines.Enqueue(e.Data);
                if (e.Data.StartsWith("WORKER READY", StringComparison.Ordinal)) Ready.TrySetResult();
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Lines.Enqueue(e.Data); };
            process.Exited += (_, _) => Ready.TrySetException(new InvalidOperationException(
                $"train-worker exited with {process.ExitCode}: {string.Join("\n", Lines.TakeLast(20))}"));
            process.EnableRaisingEvents = true;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public ConcurrentQueue<string> Lines { get; } = new();
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Stop()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        public void Dispose() => process.Dispose();
    }
}
