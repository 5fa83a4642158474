using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SelfImprove.Core;
using SelfImprove.Hosting;
using SelfImprove.Server;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove serve</c>: the loop, the HTTP API and the monitoring timer in one process, on the in-memory
/// backend or on the Durable Task Azure Storage provider (Azurite locally). Prints <c>LISTENING &lt;url&gt;</c> when
/// ready and <c>APPROVAL REQUIRED &lt;runId&gt; &lt;url&gt;</c> when a run waits for a person; on SIGTERM, SIGINT (Ctrl+C) or
/// SIGQUIT it stops in order within <c>--stop-timeout</c> and exits 0 (1 if it could not stop in time).
/// </summary>
public static class ServeCommand
{
    public const string KeyEnvironmentVariable = "SELFIMPROVE_API_KEY";
    public const string StorageEnvironmentVariable = "AzureWebJobsStorage";

    /// <param name="configureServices">Replaces services of the server after the defaults (see <see cref="SelfImproveServer.StartAsync"/>).</param>
    public static Command Create(TextWriter output, TextWriter error, Action<IServiceCollection>? configureServices = null)
    {
        var backend = new Option<string>("--backend") { Description = "memory | azure-storage.", DefaultValueFactory = _ => Backend.Memory.ToWire() };
        backend.AcceptOnlyFromAmong([.. WireNames.All<Backend>()]);
        var urls = new Option<string>("--urls") { Description = "Where the API listens, with its port.", DefaultValueFactory = _ => "http://127.0.0.1:7071" };
        var publicUrl = new Option<string?>("--public-url") { Description = "Base URL of approval links (e.g. a load balancer). Default: --urls." };
        var agents = new Option<DirectoryInfo>("--agents") { Description = "Folder of *.agent.json manifests.", DefaultValueFactory = _ => new DirectoryInfo("workflows") };
        var store = CliOptions.Store();
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Embedding cache folder. Default: <store>/cache/embeddings." };
        var key = ApiKeyOptions.Key($"API key for x-functions-key (at least 16 characters). Default: --key-file, else ${KeyEnvironmentVariable}.");
        var keyFile = ApiKeyOptions.KeyFile();
        var dev = new Option<bool>("--dev") { Description = "Serve without a key (local use only)." };
        var monitorEvery = new Option<string?>("--monitor-every") { Description = "Monitoring timer period, e.g. 30s, 5m, 1h. Default: no timer." };
        var hub = new Option<string?>("--hub") { Description = "Task hub name. Default: host.json's extensions.durableTask.hubName." };
        var workerId = new Option<string?>("--worker-id") { Description = "Stable id of this process on the hub. Default: host name and port." };
        var redelivery = new Option<string>("--redelivery-after")
        {
            Description = "azure-storage: work of a process that died is picked up again after this long; longer than the longest activity.",
            DefaultValueFactory = _ => "2m",
        };
        var trainingQueue = new Option<string>("--training-queue")
        {
            Description = "azure-storage: the queue training jobs go to (agents whose training.compute.target is 'worker'), served by 'train-worker --queue'.",
            DefaultValueFactory = _ => new ServerOptions().TrainingQueue,
        };
        var rateLimit = new Option<int>("--approval-rate-limit")
        {
            Description = "Requests one client address may send to the approval webhook (the route without a key) per window; more get 429.",
            DefaultValueFactory = _ => new ServerOptions().AnonymousRateLimit,
        };
        var rateWindow = new Option<string>("--approval-rate-window") { Description = "The window of --approval-rate-limit, e.g. 1m.", DefaultValueFactory = _ => "1m" };
        var stopTimeout = new Option<string>("--stop-timeout")
        {
            Description = "On SIGTERM or Ctrl+C: how long the server may take to stop (finish requests, hand back work) before it exits anyway with code 1.",
            DefaultValueFactory = _ => "30s",
        };
        var replay = new Option<bool>("--replay")
        {
            Description = "A demo server: play each agent's recorded production stream as its traffic and feedback, and answer its labelling queue from the recorded labels.",
        };
        var trafficFlush = new Option<string>("--traffic-flush-every")
        {
            Description = "How often answers kept in the traffic log are written: a killed server loses at most this window of answers.",
            DefaultValueFactory = _ => "1s",
        };
        var noTrafficLog = new Option<bool>("--no-traffic-log") { Description = "Keep no traffic log (to measure its cost); feedback by request id then finds nothing." };
        var monitorBatch = new Option<int>("--monitor-batch")
        {
            Description = "Agents per batch of a monitoring tick (its checks in flight together), 1 to 200.",
            DefaultValueFactory = _ => new ServerOptions().MonitorBatchSize,
        };
        var monitorBatches = new Option<int>("--monitor-batches")
        {
            Description = "Batches of a monitoring tick in flight at once, 1 to 64.",
            DefaultValueFactory = _ => new ServerOptions().MonitorBatchesInFlight,
        };
        var monitorMaxRuns = new Option<int>("--monitor-max-runs")
        {
            Description = "The most improvement runs one monitoring tick starts, 1 to 10000; agents that need a run beyond it wait for later ticks.",
            DefaultValueFactory = _ => new ServerOptions().MonitorMaxRuns,
        };
        var engineActivities = new Option<int?>("--engine-activities") { Description = "Activities the durable engine of this process runs at once. Default: 128 (both backends)." };
        var engineOrchestrations = new Option<int?>("--engine-orchestrations") { Description = "Orchestration work items the engine of this process runs at once. Default: 128 (both backends)." };
        var command = new Command("serve", "Serve the HTTP API and run improvement loops on a durable backend.")
        {
            monitorBatch, monitorBatches, monitorMaxRuns, engineActivities, engineOrchestrations,
            backend, urls, publicUrl, agents, store, cache, key, keyFile, dev, monitorEvery, hub, workerId, redelivery, trainingQueue, rateLimit, rateWindow, stopTimeout,
            trafficFlush, noTrafficLog, replay,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ServerOptions options;
            try
            {
                options = new ServerOptions
                {
                    Backend = WireNames.Parse<Backend>(parse.GetValue(backend)!),
                    Urls = parse.GetValue(urls)!,
                    PublicUrl = parse.GetValue(publicUrl),
                    AgentsFolder = parse.GetValue(agents)!.FullName,
                    StoreDirectory = parse.GetValue(store)!.FullName,
                    EmbeddingCacheDirectory = parse.GetValue(cache)?.FullName,
                    StorageConnectionString = Environment.GetEnvironmentVariable(StorageEnvironmentVariable) is { Length: > 0 } c ? c : "UseDevelopmentStorage=true",
                    HubName = parse.GetValue(hub) ?? HubNameFromHostJson("host.json"),
                    WorkerId = parse.GetValue(workerId),
                    ApiKey = ApiKeyOptions.Resolve(parse.GetValue(key), parse.GetValue(keyFile)),
                    // Scoped keys from the environment: SelfImprove__ApiKeys__{name}__Key and __Scope (labeller, operator, admin).
                    ApiKeys = Api.Http.ApiKeyRing.Bind(new ConfigurationBuilder().AddEnvironmentVariables().Build()),
                    Development = parse.GetValue(dev),
                    MonitorEvery = parse.GetValue(monitorEvery) is { } every ? Durations.Parse(every, "--monitor-every") : null,
                    RedeliveryAfter = Durations.Parse(parse.GetValue(redelivery)!, "--redelivery-after"),
                    TrainingQueue = parse.GetValue(trainingQueue)!,
                    // The training queue's client signs in with a token when the environment gives its URL (Azure Functions' convention).
                    TrainingQueueAccount = Storage.StorageAccount.FromSettings(Environment.GetEnvironmentVariable) is { UsesIdentity: true } queueAccount ? queueAccount : null,
                    AnonymousRateLimit = parse.GetValue(rateLimit),
                    AnonymousRateWindow = Durations.Parse(parse.GetValue(rateWindow)!, "--approval-rate-window"),
                    StopTimeout = Durations.Parse(parse.GetValue(stopTimeout)!, "--stop-timeout"),
                    Replay = parse.GetValue(replay),
                    TrafficFlushEvery = Durations.Parse(parse.GetValue(trafficFlush)!, "--traffic-flush-every"),
                    TrafficLog = !parse.GetValue(noTrafficLog),
                    MonitorBatchSize = parse.GetValue(monitorBatch),
                    MonitorBatchesInFlight = parse.GetValue(monitorBatches),
                    MonitorMaxRuns = parse.GetValue(monitorMaxRuns),
                    EngineActivities = parse.GetValue(engineActivities),
                    EngineOrchestrations = parse.GetValue(engineOrchestrations),
                };
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync(e.Message);
                return ExitCodes.InvalidInput;
            }
            // Logs go to stderr: stdout carries only the lines scripts read (LISTENING, APPROVAL REQUIRED).
            using var logs = LoggerFactory.Create(b => b
                .SetMinimumLevel(LogLevel.Warning)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            // SIGTERM (containers, systemd), SIGINT (Ctrl+C) and SIGQUIT stop the server in order: no new requests, the
            // monitoring timer, the HTTP server, then the engine, which hands work in progress back to the backend.
            using var signals = new ProcessSignals();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Stopping);
            try
            {
                var server = await SelfImproveServer.StartAsync(options, output, configureServices, logs, stopping.Token);
                try { await Task.Delay(Timeout.Infinite, stopping.Token); }
                catch (OperationCanceledException) { }
                await error.WriteLineAsync($"STOPPING on {signals.Received?.ToString() ?? "request"}: within {options.StopTimeout.TotalSeconds:0} s");
                var stopped = server.DisposeAsync().AsTask();
                if (await Task.WhenAny(stopped, Task.Delay(options.StopTimeout, CancellationToken.None)) != stopped)
                {
                    await error.WriteLineAsync($"the server did not stop within {options.StopTimeout.TotalSeconds:0} s (--stop-timeout); exiting anyway");
                    return ExitCodes.Failed;
                }
                await stopped;
                await error.WriteLineAsync("STOPPED");
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await error.WriteLineAsync("stopped while starting");
                return ExitCodes.Ok;
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync(e.Message);
                return ExitCodes.InvalidInput;
            }
            catch (StorageUnreachableException e)
            {
                await error.WriteLineAsync(e.Message);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    /// <summary>The hub name the Functions app uses, so both hosts share one hub by default.</summary>
    public static string HubNameFromHostJson(string path)
    {
        const string fallback = "SelfImproveHub";
        if (!File.Exists(path)) return fallback;
        try
        {
            var hub = JsonNode.Parse(File.ReadAllText(path))?["extensions"]?["durableTask"]?["hubName"]?.GetValue<string>();
            return string.IsNullOrWhiteSpace(hub) ? fallback : hub;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"{Path.GetFullPath(path)}: extensions.durableTask.hubName could not be read ({e.Message.Split('\n')[0]}); fix the file or pass --hub.");
        }
    }
}

/// <summary>Durations as people type them: 500ms, 30s, 5m, 1h.</summary>
public static class Durations
{
    public static TimeSpan Parse(string text, string option)
    {
        var units = new (string Suffix, Func<double, TimeSpan> Make)[]
            { ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours) };
        foreach (var (suffix, make) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value > 0)
                return make(value);
        throw new ArgumentException($"{option}: '{text}' is not a duration; write e.g. 500ms, 30s, 5m or 1h.");
    }
}
