using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Hosting;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>
/// A monitoring tick over a fleet of generated agents of the demo agent's shape: each with a trained serving version
/// (the demo agent's first version, registered for each) and recent labelled feedback drawn from a shared pool of texts
/// whose embeddings are cached, so each check scores a real model and the tick measures the engine and the scoring.
/// Per backend (in-memory with the local store, as <c>serve</c> by default; the Azure Storage provider with blob storage on
/// Azurite) and number of engine hosts on one hub (the second one a process of its own, <see cref="HostAsync"/>): the tick's wall time, checks/s, and the same work as plain calls at the
/// same parallelism (the engine's share is what the tick adds to them). The cold-embedding cost of the pool is reported apart.
/// </summary>
public static class MonitoringTickBenchmark
{
    private static readonly DateTimeOffset QuarterHour = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    /// <param name="drifted">
    /// Keep the demo agent's goal, which its first version misses: every check wants a run, so the first tick starts as
    /// many runs as the tick's limit allows (<see cref="MonitorTickLimits.DefaultMaxRunsStarted"/>) and defers the rest, and
    /// those runs share the engine with the second tick. Otherwise the fleet is healthy (every check in range).
    /// </param>
    /// <param name="newFeedback">
    /// Labelled feedback items each agent gets between the first tick and the timed one (0: none), so that every check of
    /// the timed tick finds its agent's feedback changed and lists and reads it rather than its digest: the worst case.
    /// </param>
    public static async Task<int> RunAsync(string cacheFolder, IReadOnlyList<int> fleetSizes, IReadOnlyList<string> backends, int feedback, TextWriter output, double tickMinutes = 8, int profile = 0,
        bool drifted = false, int newFeedback = 0)
    {
        Limit = TimeSpan.FromMinutes(tickMinutes);
        var manifestPath = Path.GetFullPath(Path.Combine("workflows", "support-router.agent.json"));
        if (!File.Exists(manifestPath))
        {
            Console.Error.WriteLine($"Run from the repository root: {manifestPath} not found.");
            return 2;
        }
        var work = Path.Combine(cacheFolder, "monitoring-tick");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var template = Template(manifestPath, work, feedback, drifted);
        var embeddings = Path.Combine(work, "embeddings");
        output.WriteLine($"# monitoring tick on {Environment.ProcessorCount} cores; each check scores {feedback} feedback items and {feedback} validation examples; " +
                         (drifted ? "a drifted fleet (every check wants a run)" : "a healthy fleet (every check in range)") +
                         (newFeedback > 0 ? $"; {newFeedback} new labelled feedback item(s) per agent before the timed tick" : ""));

        // The shared pool: the demo agent's evaluation set; its texts and the validation set's, embedded once, cold.
        var data = new AgentCatalog([template]).Get(template.Manifest.AgentId).Data;
        var pool = data.Evaluation.ToArray();
        var texts = pool.Select(e => e.Text).Concat(data.Validation.Take(feedback).Select(e => e.Text)).Distinct().ToArray();
        using (var miniLm = new MiniLmTextEncoder())
        {
            var cached = new CachingTextEncoder(miniLm, new EmbeddingCache(miniLm.ModelId, miniLm.Dimension, embeddings));
            cached.Encode(["warm up"]);
            var clock = Stopwatch.StartNew();
            cached.Encode(texts);
            output.WriteLine($"cold embedding of the shared pool: {texts.Length} texts in {clock.Elapsed.TotalSeconds:0.0} s " +
                             $"({texts.Length / clock.Elapsed.TotalSeconds:0} texts/s); every check below reads them from the cache");
        }

        output.WriteLine();
        output.WriteLine("| backend | engine hosts | agents | first tick (loads the models) | tick | checks/s | plain calls | engine share | time in scoring (summed over checks) | failed | outcomes (first tick) | outcomes (tick) |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var backend in backends)
        foreach (var agents in fleetSizes)
        foreach (var hosts in backend == "azure-storage" ? new[] { 1, 2 } : [1])
        {
            string row;
            // A fresh emulator per row: Azurite keeps every blob in one in-memory collection, and an earlier row's fleet
            // (100,000 blobs and more at 1,000 agents) slowed every later row's store calls.
            await using var azurite = backend == "azure-storage" ? await Azurite.StartAsync() : null;
            try
            {
                row = await MeasureAsync(template, pool, feedback, agents, backend, hosts, azurite?.ConnectionString, Path.Combine(work, $"{backend}-{agents}-{hosts}"), embeddings, profile, newFeedback);
            }
            catch (TimeoutException e)
            {
                row = $"| {backend} | {hosts} | {agents:N0} | {e.Message} | | | | | | | | |";
            }
            output.WriteLine(row);
            await output.FlushAsync();
        }
        return 0;
    }

    /// <summary>The demo manifest in a scratch folder, with each check scoring <paramref name="feedback"/> items.</summary>
    private static LoadedManifest Template(string manifestPath, string work, int feedback, bool drifted)
    {
        var folder = Path.GetDirectoryName(manifestPath)!;
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        json.Remove("$schema");
        json["monitoring"]!["sampleSize"] = feedback;
        json["trigger"]!["minimumEvidence"] = Math.Min(feedback, 100);
        // A healthy fleet: every check scores its model and decides the agent is in range, so the tick measures monitoring
        // rather than the improvement runs it would start (runs share the engine's activity slots with the checks).
        if (!drifted)
        {
            json["goal"]!["target"] = 0.5;
            json["goal"]!["acceptableRange"]!["min"] = 0.4;
        }
        foreach (var file in new[] { "data", "constitutions" })
            if (Directory.Exists(Path.Combine(folder, file))) CopyFolder(Path.Combine(folder, file), Path.Combine(work, file));
        var path = Path.Combine(work, "support-router.agent.json");
        File.WriteAllText(path, json.ToJsonString());
        return ManifestLoader.Load(path);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static async Task<string> MeasureAsync(
        LoadedManifest template, IReadOnlyList<Core.Datasets.LabeledExample> pool, int feedback, int agents, string backend, int hostCount,
        string? connectionString, string work, string embeddings, int profile, int newFeedback)
    {
        var fleet = Fleet(template, agents);
        var hub = $"tick{Guid.NewGuid():N}"[..16];
        IArtifactStore? store = connectionString is null ? null : await BlobArtifactStore.OpenAsync(new BlobContainerClient(connectionString, hub));
        var counting = profile > 0 ? new CountingArtifactStore(store ?? new LocalArtifactStore(Path.Combine(work, "store"))) : null;
        store = counting ?? store;
        var timed = new TimedMonitoring();

        async Task<LoopHost> StartHostAsync(int index)
        {
            IOrchestrationService? orchestration = connectionString is null
                ? null
                : await DurableBackends.AzureStorageAsync(connectionString, hub, $"bench-{index}", NullLoggerFactory.Instance);
            return await LoopHost.StartAsync(loop =>
            {
                loop.Agents = fleet;
                loop.StoreDirectory = Path.Combine(work, "store");
                loop.EmbeddingCacheDirectory = embeddings;
                loop.ArtifactStore = store;
            }, services => services.DecorateSteps((step, real, _) => step == typeof(IMonitoringStep) ? timed.Wrap((IMonitoringStep)real) : real),
            loggerFactory: EngineLog, backend: orchestration);
        }

        var hosts = new List<LoopHost>();
        var others = new List<HostProcess>();
        try
        {
            hosts.Add(await StartHostAsync(0));
            // Further engine hosts are processes of their own on the same hub (what a second `serve` process is to the engine).
            for (var i = 1; i < hostCount; i++)
                others.Add(await HostProcess.StartAsync(template.FilePath, agents, connectionString!, hub, embeddings, i));
            var first = hosts[0];
            await PrepareFleetAsync(first.Services, fleet, pool, feedback);
            if (counting is not null)
                return await MonitoringCheckProfile.RunAsync(first.Services, fleet.Select(m => m.Manifest.AgentId).ToArray(), profile, counting);

            // The first tick loads each agent's model (as a server's first tick does); the second finds them loaded.
            var (firstSeconds, firstResult) = await TickAsync(first, QuarterHour, agents);

            // The same work without the engine: settings, run state and snapshot per agent, as many at once as the tick runs.
            var inFlight = MonitorTickLimits.DefaultBatchSize * MonitorTickLimits.DefaultBatchesInFlight;
            var plain = Stopwatch.StartNew();
            await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (m, ct) =>
            {
                var s = first.Services;
                var settings = s.GetRequiredService<IRunLedger>().Settings(m.Manifest.AgentId);
                var state = await s.GetRequiredService<RunStarter>().StateAsync(m.Manifest.AgentId, ct);
                var snapshot = await s.GetRequiredService<IMonitoringStep>().SnapshotAsync(m.Manifest.AgentId, ct);
                TriggerPolicy.Decide(settings.Trigger, settings.Goal, snapshot, state, DateTimeOffset.UtcNow, manual: false);
            });
            var plainSeconds = plain.Elapsed.TotalSeconds;
            if (newFeedback > 0) await AddFeedbackAsync(first.Services, fleet, pool, feedback, newFeedback);

            var scoringBefore = timed.Total;
            var (seconds, result) = await TickAsync(first, QuarterHour.AddMinutes(15), agents);
            var scoring = (timed.Total - scoringBefore).TotalSeconds;
            var name = backend == "memory" ? "in-memory (local store)" : "Azure Storage (Azurite, blob store)";
            return $"| {name} | {hostCount} | {agents:N0} | {firstSeconds:0.0} s ({firstResult.Checked / firstSeconds:0.0}/s) | {seconds:0.0} s | " +
                   $"{result.Checked / seconds:0.0} | {plainSeconds:0.0} s | {Math.Max(0, seconds - plainSeconds) / seconds * 100:0} % | {scoring:0.0} s | " +
                   $"{firstResult.Failed.Count + result.Failed.Count} | {Outcomes(firstResult)} | {Outcomes(result)} |";
        }
        finally
        {
            foreach (var other in others) await other.DisposeAsync();
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    private static string Outcomes(MonitorTickResult result) =>
        string.Join(", ", result.Outcomes.Select(o => $"{o.Outcome} {o.Count}"));

    /// <summary>The fleet: <paramref name="agents"/> copies of the template, <c>fleet-0001</c>….</summary>
    private static LoadedManifest[] Fleet(LoadedManifest template, int agents) =>
        Enumerable.Range(1, agents).Select(i => template with { Manifest = template.Manifest with { AgentId = $"fleet-{i:D4}" } }).ToArray();

    /// <summary>
    /// <c>monitoring-tick-host</c>: one more engine host of a fleet's hub, in a process of its own (started by
    /// <see cref="HostProcess"/>): the fleet rebuilt from the template manifest, the blob store and the Azure Storage provider
    /// on the hub; prints READY and runs until its standard input closes.
    /// </summary>
    public static async Task<int> HostAsync(string manifestPath, int agents, string connectionString, string hub, string embeddings, int index)
    {
        var fleet = Fleet(ManifestLoader.Load(manifestPath), agents);
        var store = await BlobArtifactStore.OpenAsync(new BlobContainerClient(connectionString, hub));
        var orchestration = await DurableBackends.AzureStorageAsync(connectionString, hub, $"bench-{index}", NullLoggerFactory.Instance);
        await using var host = await LoopHost.StartAsync(loop =>
        {
            loop.Agents = fleet;
            loop.StoreDirectory = Path.Combine(Path.GetTempPath(), $"monitoring-tick-host-{hub}-{index}");
            loop.EmbeddingCacheDirectory = embeddings;
            loop.ArtifactStore = store;
        }, backend: orchestration);
        Console.WriteLine("READY");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>A <c>monitoring-tick-host</c> child process: started and waited for until READY; stopped by closing its input.</summary>
    private sealed class HostProcess(Process process) : IAsyncDisposable
    {
        public static async Task<HostProcess> StartAsync(string manifestPath, int agents, string connectionString, string hub, string embeddings, int index)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(MonitoringTickBenchmark).Assembly.Location);
            foreach (var argument in new[] { "monitoring-tick-host", "--manifest", manifestPath, "--agents", $"{agents}", "--connection", connectionString,
                         "--hub", hub, "--embeddings", embeddings, "--index", $"{index}" })
                start.ArgumentList.Add(argument);
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a monitoring-tick-host process");
            using var ready = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await process.StandardOutput.ReadLineAsync(ready.Token) is { } line)
                if (line == "READY") return new HostProcess(process);
            throw new InvalidOperationException($"the monitoring-tick-host process ended before it was ready (exit code {process.ExitCode})");
        }

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
    }

    /// <summary>
    /// The engine's logs (Kestrel, gRPC, Durable Task) on standard error at <c>--engine-log LEVEL</c> (e.g. <c>Debug</c>);
    /// none when the option is not given.
    /// </summary>
    public static ILoggerFactory? EngineLog { get; set; }

    /// <summary>A console logger factory at <paramref name="level"/> for the engine's categories, warnings for the rest.</summary>
    /// <exception cref="ArgumentException"><paramref name="level"/> is not a <see cref="LogLevel"/> name.</exception>
    public static ILoggerFactory ConsoleEngineLog(string level)
    {
        if (!Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed))
            throw new ArgumentException($"--engine-log: '{level}' is not one of {string.Join(", ", Enum.GetNames<LogLevel>())}");
        return LoggerFactory.Create(log =>
        {
            log.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            log.SetMinimumLevel(LogLevel.Warning);
            foreach (var category in new[] { "Microsoft.AspNetCore.Server.Kestrel", "Grpc", "Microsoft.DurableTask", "DurableTask.Core", "SelfImprove" })
                log.AddFilter(category, parsed);
        });
    }

    /// <summary>A bound on one tick, so a slow backend reports its progress instead of running for hours.</summary>
    private static TimeSpan Limit = TimeSpan.FromMinutes(8);

    private static async Task<(double Seconds, MonitorTickResult Result)> TickAsync(LoopHost host, DateTimeOffset windowEnd, int agents)
    {
        var clock = Stopwatch.StartNew();
        var tick = await host.Runs.StartMonitoringTickAsync(windowEnd.AddMinutes(-15), windowEnd);
        using var limit = new CancellationTokenSource(Limit);
        MonitorTickResult result;
        try
        {
            // Polled rather than one long wait: under heavy load the sidecar's long-poll call was reset mid-tick.
            while (await PollAsync(host, tick.TickId, limit.Token) is not (
                   Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed or Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Failed
                   or Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Terminated))
                await Task.Delay(TimeSpan.FromMilliseconds(200), limit.Token);
            result = await host.Runs.WaitForMonitoringTickAsync(tick.TickId, limit.Token);
        }
        catch (OperationCanceledException)
        {
            var state = await host.Client.GetInstanceAsync(tick.TickId, getInputsAndOutputs: true);
            throw new TimeoutException($"the tick of {agents} agents did not end within {Limit.TotalMinutes:0} minutes ({state?.SerializedCustomStatus ?? "no progress"})");
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (result.Due != agents) throw new InvalidOperationException($"{result.Due} of {agents} agents were due");
        return (seconds, result);
    }

    private static async Task<Microsoft.DurableTask.Client.OrchestrationRuntimeStatus?> PollAsync(LoopHost host, string tickId, CancellationToken cancellationToken)
    {
        try
        {
            return (await host.Client.GetInstanceAsync(tickId, cancellationToken))?.RuntimeStatus;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"polling {tickId}: {e.GetType().Name}: {e.Message.Split('\n')[0]}; polling again");
            return null;
        }
    }

    /// <summary>
    /// Every agent of the fleet gets the template's first version (trained once, registered for each, serving) and
    /// <paramref name="feedback"/> labelled feedback items from the shared pool, each agent from its own offset.
    /// </summary>
    private static async Task PrepareFleetAsync(IServiceProvider services, IReadOnlyList<LoadedManifest> fleet, IReadOnlyList<Core.Datasets.LabeledExample> pool, int feedback)
    {
        var registry = services.GetRequiredService<IModelRegistry>();
        var trained = await services.GetRequiredService<InitialVersions>().TrainAsync(fleet[0].Manifest.AgentId, "bench", "bench fleet");
        var artifacts = await registry.ReadArtifactsAsync(fleet[0].Manifest.AgentId, trained.VersionId);
        var log = services.GetRequiredService<FeedbackLog>();
        await Parallel.ForEachAsync(Enumerable.Range(0, fleet.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var agentId = fleet[i].Manifest.AgentId;
            if (i > 0)
            {
                var version = await registry.AddAsync(trained with { AgentId = agentId, VersionId = "" }, artifacts, ct);
                await registry.SetServingAsync(agentId, version.VersionId, "bench fleet", ct);
            }
            for (var k = 0; k < feedback; k++)
            {
                var example = pool[(i * 37 + k) % pool.Count];
                await log.AppendAsync(agentId, example.Text, example.Label, example.Label, null, ct);
            }
        });
    }

    /// <summary>Each agent of the fleet gets <paramref name="count"/> more labelled items from the pool, after the ones it has.</summary>
    private static async Task AddFeedbackAsync(IServiceProvider services, IReadOnlyList<LoadedManifest> fleet, IReadOnlyList<Core.Datasets.LabeledExample> pool, int feedback, int count)
    {
        var log = services.GetRequiredService<FeedbackLog>();
        await Parallel.ForEachAsync(Enumerable.Range(0, fleet.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            for (var k = feedback; k < feedback + count; k++)
            {
                var example = pool[(i * 37 + k) % pool.Count];
                await log.AppendAsync(fleet[i].Manifest.AgentId, example.Text, example.Label, example.Label, null, ct);
            }
        });
    }

    /// <summary>Adds up the time spent in the monitoring step (the scoring) across all checks.</summary>
    private sealed class TimedMonitoring
    {
        private long ticks;

        public TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref ticks));

        public IMonitoringStep Wrap(IMonitoringStep inner) => new Timed(inner, this);

        private sealed class Timed(IMonitoringStep inner, TimedMonitoring owner) : IMonitoringStep
        {
            public async Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default)
            {
                var start = Stopwatch.GetTimestamp();
                try { return await inner.SnapshotAsync(agentId, cancellationToken); }
                finally { Interlocked.Add(ref owner.ticks, Stopwatch.GetElapsedTime(start).Ticks); }
            }
        }
    }
}
