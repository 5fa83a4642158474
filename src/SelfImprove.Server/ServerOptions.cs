using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using SelfImprove.Core;

namespace SelfImprove.Server;

/// <summary>Where <c>selfimprove serve</c> keeps orchestration state and artefacts (<c>--backend</c>).</summary>
[JsonConverter(typeof(WireNameConverter<Backend>))]
public enum Backend
{
    /// <summary>Orchestration state in the process; artefacts in a local folder.</summary>
    [JsonStringEnumMemberName("memory")] Memory,

    /// <summary>The Durable Task Azure Storage provider, and artefacts in Azure Blob Storage (Azurite locally).</summary>
    [JsonStringEnumMemberName("azure-storage")] AzureStorage,
}

/// <summary>What <c>selfimprove serve</c> runs: checked by <see cref="Validate"/> before anything starts.</summary>
public sealed class ServerOptions
{
    public Backend Backend { get; init; } = Backend.Memory;

    /// <summary>Where the API listens, with an explicit port, e.g. <c>http://127.0.0.1:7071</c>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:7071";

    /// <summary>Where people reach the API, for approval links (e.g. a load balancer in front of several servers); default: <see cref="Urls"/>.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>The folder of <c>*.agent.json</c> manifests to serve.</summary>
    public string AgentsFolder { get; init; } = "workflows";

    /// <summary>The local artefact store (memory backend) and the embedding cache (both backends).</summary>
    public string StoreDirectory { get; init; } = ".selfimprove";

    /// <summary>The embedding cache; default: <c>{StoreDirectory}/cache/embeddings</c>.</summary>
    public string? EmbeddingCacheDirectory { get; init; }

    /// <summary>As in Azure Functions: <c>AzureWebJobsStorage</c>, default the local emulator.</summary>
    public string StorageConnectionString { get; init; } = "UseDevelopmentStorage=true";

    /// <summary>The task hub; default from <c>host.json</c> (<c>extensions.durableTask.hubName</c>).</summary>
    public string HubName { get; init; } = "SelfImproveHub";

    /// <summary>Blob container of the artefacts (azure-storage backend); default: the hub name in lower case.</summary>
    public string? ArtifactContainer { get; init; }

    /// <summary>Stable per process of a hub, so a restarted process takes its leases back at once; default: host name and port.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The key mutating and reading routes require (header <c>x-functions-key</c> or query <c>code</c>).</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Named keys with their scopes (<c>labeller</c>, <c>operator</c>, <c>admin</c>), beside <see cref="ApiKey"/>, which stays
    /// accepted as an <c>admin</c> key; <c>serve</c> reads them from the environment (<c>SelfImprove__ApiKeys__{name}__Key</c>,
    /// <c>__Scope</c>), the Functions app from its settings (<c>SelfImprove:ApiKeys:{name}:Key</c>).
    /// </summary>
    public IReadOnlyDictionary<string, Api.Http.ScopedApiKey> ApiKeys { get; init; } = new Dictionary<string, Api.Http.ScopedApiKey>();

    /// <summary>The keys the server accepts: none (open) with <see cref="Development"/>.</summary>
    public Api.Http.ApiKeyRing KeyRing() => Development ? Api.Http.ApiKeyRing.Open : Api.Http.ApiKeyRing.Create(ApiKey, ApiKeys);

    /// <summary>Serve without a key (local use only; the server says so loudly).</summary>
    public bool Development { get; init; }

    /// <summary>
    /// How often the monitoring timer ticks (<c>--monitor-every</c>); each tick checks the agents whose <c>monitoring.schedule</c>
    /// fired since the last tick. Null: no timer (checks on demand only).
    /// </summary>
    public TimeSpan? MonitorEvery { get; init; }

    /// <summary>Agents per batch of a monitoring tick (<c>--monitor-batch</c>, 1 to 200; default 25).</summary>
    public int MonitorBatchSize { get; init; } = Workflows.Monitoring.MonitorTickLimits.DefaultBatchSize;

    /// <summary>Batches of a monitoring tick in flight at once (<c>--monitor-batches</c>, 1 to 64; default 4).</summary>
    public int MonitorBatchesInFlight { get; init; } = Workflows.Monitoring.MonitorTickLimits.DefaultBatchesInFlight;

    /// <summary>
    /// The most improvement runs one monitoring tick starts (<c>--monitor-max-runs</c>, 1 to 10000; default 25); agents that
    /// need a run beyond it are deferred to later ticks.
    /// </summary>
    public int MonitorMaxRuns { get; init; } = Workflows.Monitoring.MonitorTickLimits.DefaultMaxRunsStarted;

    /// <summary>
    /// Activities the durable engine of this process runs at once (<c>--engine-activities</c>, 1 to 10000); default per backend
    /// (<see cref="Hosting.EngineConcurrency"/>).
    /// </summary>
    public int? EngineActivities { get; init; }

    /// <summary>Orchestration work items the engine of this process runs at once (<c>--engine-orchestrations</c>, 1 to 10000); default per backend.</summary>
    public int? EngineOrchestrations { get; init; }

    /// <summary>The engine's concurrency: the backend's default with the options given.</summary>
    public Hosting.EngineConcurrency Concurrency
    {
        get
        {
            var defaults = Backend is Backend.AzureStorage ? Hosting.EngineConcurrency.AzureStorage : Hosting.EngineConcurrency.InMemory;
            return new Hosting.EngineConcurrency(EngineActivities ?? defaults.Activities, EngineOrchestrations ?? defaults.Orchestrations);
        }
    }

    /// <summary>Work of a process that died is redelivered after this long (azure-storage backend).</summary>
    public TimeSpan RedeliveryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// azure-storage: the Azure Storage queue that runs of agents with <c>training.compute.target</c> <c>worker</c> or
    /// <c>azure-container-apps-job</c> submit their training jobs to (the <c>train-worker</c> processes' <c>--queue</c>).
    /// Default <c>training-jobs</c>. The memory backend keeps jobs in this process's memory.
    /// </summary>
    public string TrainingQueue { get; init; } = "training-jobs";

    /// <summary>
    /// azure-storage: the account of <see cref="TrainingQueue"/> when its client signs in with a Microsoft Entra token
    /// (<c>AzureWebJobsStorage__queueServiceUri</c> and <c>AzureWebJobsStorage__clientId</c> for <c>serve</c>); null: the
    /// <see cref="StorageConnectionString"/>, as the rest of the backend.
    /// </summary>
    public Storage.StorageAccount? TrainingQueueAccount { get; init; }

    /// <summary>How long to wait for storage at start-up before giving up with an error.</summary>
    public TimeSpan StorageTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>/readyz</c> keeps its last answer, so frequent probes stay cheap (default 2 s).</summary>
    public TimeSpan ReadinessCacheFor { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stop (SIGTERM, Ctrl+C) may take before the process exits anyway (<c>--stop-timeout</c>); 1 s to 10 minutes.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many requests one client IP address may send to the routes that need no key (the approval webhook) per
    /// <see cref="AnonymousRateWindow"/>; more get 429 with <c>Retry-After</c>. Behind a proxy every client shares the
    /// proxy's address, so raise it there.
    /// </summary>
    public int AnonymousRateLimit { get; init; } = 30;

    /// <summary>The fixed window of <see cref="AnonymousRateLimit"/> (default 60 seconds).</summary>
    public TimeSpan AnonymousRateWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A demo server (<c>--replay</c>): each agent's recorded production stream is played as its callers' traffic and
    /// feedback, and the recorded labels answer its labelling queue (<see cref="Hosting.ReplayService"/>).
    /// </summary>
    public bool Replay { get; init; }

    /// <summary>
    /// Whether every answer is kept in the traffic log (<c>--no-traffic-log</c> turns it off, to measure what it costs;
    /// feedback by request id then finds nothing).
    /// </summary>
    public bool TrafficLog { get; init; } = true;

    /// <summary>How often the traffic log writes buffered answers (<c>--traffic-flush-every</c>, 10 ms to 5 minutes): the flush window.</summary>
    public TimeSpan TrafficFlushEvery { get; init; } = new Steps.TrafficLogOptions().FlushInterval;

    public Uri ListenUri => new(Urls.Split(';')[0]);

    public Uri PublicBaseAddress => new((PublicUrl ?? ListenUri.GetLeftPart(UriPartial.Authority)).TrimEnd('/') + "/");

    public string EffectiveWorkerId => WorkerId ?? $"{Environment.MachineName}-{ListenUri.Port}";

    public string EffectiveContainer => ArtifactContainer ?? HubName.ToLowerInvariant();

    /// <summary>Checks the options with <see cref="ServerOptionsValidator"/>.</summary>
    /// <exception cref="ArgumentException">Names every bad flag (the command line exits with code 2).</exception>
    public void Validate()
    {
        var result = new ServerOptionsValidator().Validate(null, this);
        if (result.Failed) throw new ArgumentException("The server cannot start: " + string.Join(" ", result.Failures));
    }
}

/// <summary>The rules of <see cref="ServerOptions"/>, each failure naming the <c>selfimprove serve</c> flag to fix.</summary>
public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(options.Backend)) problems.Add($"--backend: '{options.Backend.ToWire()}' is not one of {string.Join(", ", WireNames.All<Backend>())}.");
        if (!Uri.TryCreate(options.Urls.Split(';')[0], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            problems.Add($"--urls: '{options.Urls}' is not an http(s) URL such as http://127.0.0.1:7071.");
        else if (uri.IsDefaultPort && !options.Urls.Contains($":{uri.Port}", StringComparison.Ordinal) || uri.Port == 0)
            problems.Add($"--urls: '{options.Urls}' needs an explicit port (approval links must name it), e.g. http://127.0.0.1:7071.");
        if (options.PublicUrl is not null && !(Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var publicUri) && publicUri.Scheme is "http" or "https"))
            problems.Add($"--public-url: '{options.PublicUrl}' is not an http(s) URL.");
        if (!Directory.Exists(options.AgentsFolder)) problems.Add($"--agents: folder '{Path.GetFullPath(options.AgentsFolder)}' does not exist.");
        if (string.IsNullOrWhiteSpace(options.ApiKey) && options.ApiKeys.Count == 0 && !options.Development)
            problems.Add("--key: give the API key (or set SELFIMPROVE_API_KEY, or scoped keys as SelfImprove__ApiKeys__{name}__Key and __Scope); --dev serves without one, for local use only.");
        problems.AddRange(Api.Http.ApiKeyRing.Problems(options.ApiKeys));
        if (options.ApiKey is { Length: > 0 } single && options.ApiKeys.ContainsKey(Api.Http.ApiKeyRing.LegacyName))
            problems.Add($"{Api.Http.ApiKeyRing.Section}:{Api.Http.ApiKeyRing.LegacyName}: that name is the --key's; name the scoped key otherwise.");
        if (options.ApiKeys.Values.Select(k => k.Key).Append(options.ApiKey).OfType<string>().Where(k => k.Length > 0).GroupBy(k => k, StringComparer.Ordinal).Any(g => g.Count() > 1))
            problems.Add($"{Api.Http.ApiKeyRing.Section}: two keys are equal; give each name its own key.");
        if (options.ApiKey is { Length: > 0 and < 16 }) problems.Add("--key: use at least 16 characters.");
        if (options.TrainingQueueAccount is { } queueAccount)
            problems.AddRange(queueAccount.Validate(needsBlob: false, needsQueue: true, needsTable: false,
                ("AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__clientId")));
        if (!Storage.AzureStorageTrainingQueue.IsValidQueueName(options.TrainingQueue))
            problems.Add($"training queue '{options.TrainingQueue}': 3-57 lower-case letters, digits and single '-' (an Azure Storage queue name, the workers' --queue).");
        if (string.IsNullOrWhiteSpace(options.HubName) || options.HubName.Length is < 3 or > 45 || !options.HubName.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.HubName[0]))
            problems.Add($"hub name '{options.HubName}': 3–45 letters and digits, starting with a letter (Azure Storage task hub rules).");
        if (options.MonitorEvery is { } every && every < TimeSpan.FromSeconds(1)) problems.Add("--monitor-every: at least 1s.");
        if (options.MonitorBatchSize is < 1 or > Workflows.Monitoring.MonitorTickLimits.MaxBatchSize)
            problems.Add($"--monitor-batch: {options.MonitorBatchSize} is not a number of agents from 1 to {Workflows.Monitoring.MonitorTickLimits.MaxBatchSize}.");
        if (options.MonitorBatchesInFlight is < 1 or > Workflows.Monitoring.MonitorTickLimits.MaxBatchesInFlight)
            problems.Add($"--monitor-batches: {options.MonitorBatchesInFlight} is not a number of batches from 1 to {Workflows.Monitoring.MonitorTickLimits.MaxBatchesInFlight}.");
        if (options.MonitorMaxRuns is < 1 or > Workflows.Monitoring.MonitorTickLimits.MaxRunsStartedLimit)
            problems.Add($"--monitor-max-runs: {options.MonitorMaxRuns} is not a number of runs from 1 to {Workflows.Monitoring.MonitorTickLimits.MaxRunsStartedLimit}.");
        if (options.EngineActivities is < 1 or > Hosting.EngineConcurrency.Max)
            problems.Add($"--engine-activities: {options.EngineActivities} is not a number from 1 to {Hosting.EngineConcurrency.Max}.");
        if (options.EngineOrchestrations is < 1 or > Hosting.EngineConcurrency.Max)
            problems.Add($"--engine-orchestrations: {options.EngineOrchestrations} is not a number from 1 to {Hosting.EngineConcurrency.Max}.");
        if (options.StopTimeout < TimeSpan.FromSeconds(1) || options.StopTimeout > TimeSpan.FromMinutes(10))
            problems.Add($"--stop-timeout: between 1s and 10m; got {options.StopTimeout}.");
        if (options.AnonymousRateLimit is < 1 or > 100_000)
            problems.Add($"--approval-rate-limit: {options.AnonymousRateLimit} is not a number of requests from 1 to 100000 per window.");
        if (options.AnonymousRateWindow < TimeSpan.FromSeconds(1) || options.AnonymousRateWindow > TimeSpan.FromHours(1))
            problems.Add($"--approval-rate-window: {options.AnonymousRateWindow} is not between 1s and 1h.");
        if (options.TrafficFlushEvery < TimeSpan.FromMilliseconds(10) || options.TrafficFlushEvery > TimeSpan.FromMinutes(5))
            problems.Add($"--traffic-flush-every: {options.TrafficFlushEvery} is not between 10ms and 5m.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
