using System.CommandLine;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Hosting;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// <c>selfimprove train-worker</c>: serves the training queue (Azure Storage Queues; Azurite locally) for agents whose
/// <c>training.compute.target</c> is <c>worker</c> or <c>azure-container-apps-job</c>. Reads the artefact store the server
/// writes (the blob container named by the hub, as <c>serve --backend azure-storage</c>), trains each job with the same trainer
/// inline training uses, and writes the job's status and heartbeat blobs. Every option can be set by an environment variable
/// (a container job sets them so): <see cref="Variables"/>. On SIGTERM, SIGINT or SIGQUIT it hands its job back and exits 0.
/// A finished job wakes its run (the <c>trainingCompleted</c> event) through the durable client of the hub, or with <c>--server</c>
/// through the HTTP API; the status blob stays what the run reads.
/// Prints <c>WORKER READY &lt;queue&gt;</c> once it listens, and <c>JOB &lt;jobId&gt; &lt;state&gt; [&lt;version&gt;|&lt;reason&gt;]</c> per job.
/// </summary>
public static class TrainWorkerCommand
{
    /// <summary>The environment variable of each option, by option name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["--queue"] = "SELFIMPROVE_TRAINING_QUEUE",
        ["--agents"] = "SELFIMPROVE_AGENTS",
        ["--hub"] = "SELFIMPROVE_HUB",
        ["--worker-id"] = "SELFIMPROVE_WORKER_ID",
        ["--visibility"] = "SELFIMPROVE_TRAINING_VISIBILITY",
        ["--heartbeat-every"] = "SELFIMPROVE_TRAINING_HEARTBEAT",
        ["--poll-every"] = "SELFIMPROVE_TRAINING_POLL",
        ["--max-deliveries"] = "SELFIMPROVE_TRAINING_MAX_DELIVERIES",
        ["--once"] = "SELFIMPROVE_TRAINING_ONCE",
        ["--server"] = "SELFIMPROVE_TRAINING_SERVER",
        ["--key"] = ServeCommand.KeyEnvironmentVariable,
        ["--cache"] = "SELFIMPROVE_EMBEDDING_CACHE",
        ["--threads"] = "SELFIMPROVE_TRAINING_THREADS",
        ["--blob-url"] = "AzureWebJobsStorage__blobServiceUri",
        ["--queue-url"] = "AzureWebJobsStorage__queueServiceUri",
        ["--table-url"] = "AzureWebJobsStorage__tableServiceUri",
        ["--client-id"] = "AZURE_CLIENT_ID",
        ["--container"] = "SelfImprove__ArtifactContainer",
    };

    /// <summary>The <c>train-worker</c> command, writing its job lines to <paramref name="output"/> and problems to <paramref name="error"/>.</summary>
    /// <param name="configure">Replaces services after the defaults (the test host holds a job's training this way).</param>
    public static Command Create(TextWriter output, TextWriter error, Action<IServiceCollection>? configure = null)
    {
        var defaults = new TrainingWorkerOptions();
        var queue = Text("--queue", "The training queue (Azure Storage queue name; its poison queue is <name>-poison).", "training-jobs");
        var agents = Text("--agents", "Folder of *.agent.json manifests (the server's).", "workflows");
        var hub = Text("--hub", "Task hub name; the artefact store is its blob container, as for 'serve'. Default: host.json's extensions.durableTask.hubName.", null);
        var workerId = Text("--worker-id", "This worker's name in status and heartbeat blobs. Default: host name and process id.", null);
        var visibility = Text("--visibility", "How long a taken job stays invisible to other workers before it must be renewed.", "5m");
        var heartbeat = Text("--heartbeat-every", "How often the job is renewed and the heartbeat written; shorter than --visibility.", "30s");
        var poll = Text("--poll-every", "How long an idle worker waits before it looks at the queue again.", "2s");
        var maxDeliveries = Text("--max-deliveries", "Deliveries of one job after which it goes to the poison queue and its run fails.", defaults.MaxDeliveries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var server = Text("--server",
            "Wake each finished job's run through this server's HTTP API (POST /api/runs/{runId}/training/{jobId}/completed) instead of the hub's durable client.", null);
        var key = Text("--key", "The API key for --server.", null);
        var cache = Text("--cache", "Embedding cache folder. Default: <store>/cache/embeddings.", null);
        var threads = Text("--threads",
            "CPU threads the worker embeds with (ONNX Runtime's intra-op threads, not spinning between batches when given): 1 to 1024. " +
            "Give fewer than the cores when the worker shares its machine (e.g. beside 'serve'). Default: one per core, for a worker alone on its machine.", null);
        var once = new Option<bool>("--once")
        {
            Description = $"Exit when the queue is empty (a job started per message, e.g. the Container Apps job). Env: {Variables["--once"]}.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Variables["--once"]) is "1" or "true",
        };
        var blobUrl = Text("--blob-url",
            "Sign in with a Microsoft Entra token (DefaultAzureCredential: the managed identity in Azure) instead of a connection string: the account's blob service URL, e.g. https://myaccount.blob.core.windows.net/. Needs --queue-url too.", null);
        var queueUrl = Text("--queue-url", "With --blob-url: the account's queue service URL, e.g. https://myaccount.queue.core.windows.net/.", null);
        var tableUrl = Text("--table-url",
            "With --blob-url: the account's table service URL, to wake finished jobs' runs through the hub's durable client (the identity then also sends queue messages and writes table entities). " +
            "Without it (and without --server) runs find finished jobs by their status check (training.compute.checkEvery).", null);
        var clientId = Text("--client-id", "With --blob-url: the client id of the user-assigned managed identity to sign in as. Default: the credential's own choice.", null);
        var artifactContainer = Text("--container",
            "The artefact store's blob container (the function app's SelfImprove:ArtifactContainer). Default: the hub name in lower case, as 'serve --backend azure-storage' uses.", null);
        var store = CliOptions.Store();
        var command = new Command("train-worker",
            $"Train the jobs of the training queue (targets 'worker' and 'azure-container-apps-job'). Storage: ${ServeCommand.StorageEnvironmentVariable} (Azurite when unset).")
        {
            queue, agents, hub, workerId, visibility, heartbeat, poll, maxDeliveries, once, store, server, key, cache, threads,
            blobUrl, queueUrl, tableUrl, clientId, artifactContainer,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TrainingWorkerOptions options;
            string queueName;
            IReadOnlyList<LoadedManifest> manifests;
            int? encoderThreads = null;
            StorageAccount? tokenAccount = null;
            ApiClient? api = null;
            try
            {
                if (parse.GetValue(server) is { } url)
                {
                    try { api = ApiClient.From(url, parse.GetValue(key)); }
                    catch (ApiException e) { throw new ArgumentException(e.Message); }
                }
                queueName = parse.GetValue(queue)!;
                if (!AzureStorageTrainingQueue.IsValidQueueName(queueName))
                    throw new ArgumentException($"--queue: '{queueName}' is not a valid Azure Storage queue name: use 3-57 lower-case letters, digits and single '-'.");
                options = new TrainingWorkerOptions
                {
                    WorkerId = parse.GetValue(workerId) ?? defaults.WorkerId,
                    Visibility = Durations.Parse(parse.GetValue(visibility)!, "--visibility"),
                    HeartbeatInterval = Durations.Parse(parse.GetValue(heartbeat)!, "--heartbeat-every"),
                    PollInterval = Durations.Parse(parse.GetValue(poll)!, "--poll-every"),
                    MaxDeliveries = int.TryParse(parse.GetValue(maxDeliveries), out var max) ? max
                        : throw new ArgumentException($"--max-deliveries: '{parse.GetValue(maxDeliveries)}' is not a whole number."),
                };
                if (parse.GetValue(threads) is { } threadText)
                    encoderThreads = int.TryParse(threadText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                        && n is >= 1 and <= Learning.Embeddings.MiniLmTextEncoder.MaxThreads
                        ? n
                        : throw new ArgumentException($"--threads: '{threadText}' is not a whole number between 1 and {Learning.Embeddings.MiniLmTextEncoder.MaxThreads}; give the CPU threads the worker may use (e.g. 1 beside 'serve'), or leave it out for one per core.");
                if (parse.GetValue(artifactContainer) is { } name
                    && (name.Length is < 3 or > 63 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
                    throw new ArgumentException($"--container: '{name}' is not a blob container name (3-63 lower-case letters, digits and '-').");
                tokenAccount = TokenAccount(parse.GetValue(blobUrl), parse.GetValue(queueUrl), parse.GetValue(tableUrl), parse.GetValue(clientId));
                if (options.Validate() is { Count: > 0 } problems)
                    throw new ArgumentException("train-worker options: " + string.Join(" ", problems));
                var folder = parse.GetValue(agents)!;
                if (!Directory.Exists(folder)) throw new ArgumentException($"--agents: folder '{Path.GetFullPath(folder)}' does not exist; give the folder of the server's *.agent.json manifests.");
                manifests = ManifestLoader.LoadFolder(folder);
                if (manifests.Count == 0) throw new ArgumentException($"--agents: '{Path.GetFullPath(folder)}' holds no *.agent.json manifest.");
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync(e.Message);
                return ExitCodes.InvalidInput;
            }

            var connection = Environment.GetEnvironmentVariable(ServeCommand.StorageEnvironmentVariable) is { Length: > 0 } c ? c : "UseDevelopmentStorage=true";
            var account = tokenAccount ?? StorageAccount.FromConnectionString(connection);
            var hubName = parse.GetValue(hub) ?? ServeCommand.HubNameFromHostJson("host.json");
            var container = parse.GetValue(artifactContainer) ?? hubName.ToLowerInvariant();
            using var ownedApi = api;
            using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            using var signals = new ProcessSignals();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Stopping);
            try
            {
                // With a token the first request says whether the identity may sign in; the probe needs a connection string.
                if (!account.UsesIdentity) await StorageProbe.EnsureReachableAsync(connection, TimeSpan.FromSeconds(10), stopping.Token);
                var artifacts = await BlobArtifactStore.OpenAsync(account.Container(container), stopping.Token);
                var trainingQueue = new AzureStorageTrainingQueue(account, queueName);
                ITrainingCompletionNotifier? notifier = api is not null ? new HttpTrainingNotifier(api)
                    : !account.UsesIdentity || account.TableServiceUri is not null ? HubTrainingNotifier.ForAzureStorage(account, hubName, logs)
                    : null;
                await using var services = new ServiceCollection()
                    .AddSingleton(logs)
                    .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
                    .AddModelServices(o =>
                    {
                        o.Agents = manifests;
                        o.StoreDirectory = parse.GetValue(store)!.FullName;
                        o.EmbeddingCacheDirectory = parse.GetValue(cache) is { } folder ? Path.GetFullPath(folder) : null;
                        o.ArtifactStore = artifacts;
                        o.EncoderThreads = encoderThreads;
                    })
                    .AddSingleton<TrainingBatches>()
                    .AddServingPath()
                    .AddSingleton<ITrainingStep, TrainingStep>()
                    .AddSingleton<ITrainingQueue>(trainingQueue)
                    .AddSingleton(options)
                    .AddSingleton<TrainingWorker>(sp => ActivatorUtilities.CreateInstance<TrainingWorker>(sp, notifier is null ? [] : [notifier]))
                    .Also(configure)
                    .BuildServiceProvider();
                var worker = services.GetRequiredService<TrainingWorker>();
                await output.WriteLineAsync($"WORKER READY {queueName} {options.WorkerId}");
                await error.WriteLineAsync(encoderThreads is { } given
                    ? $"Embedding on the CPU with {given} thread(s) (--threads)"
                    : $"Embedding on the CPU with {Environment.ProcessorCount} thread(s), one per core (--threads to change)");
                await error.WriteLineAsync($"Storage: {account.Describe()}");
                await error.WriteLineAsync(api is not null ? $"Finished jobs wake their runs through {api.BaseAddress}"
                    : notifier is not null ? $"Finished jobs wake their runs through the durable client of hub {hubName}"
                    : "Finished jobs are found by their runs' status checks (training.compute.checkEvery): give --table-url or --server to wake runs at once");
                while (!stopping.IsCancellationRequested)
                {
                    var done = await worker.RunOnceAsync(stopping.Token);
                    if (done is not null)
                    {
                        await output.WriteLineAsync($"JOB {done.JobId} {done.State.ToWire()} {done.VersionId ?? done.Reason}".TrimEnd());
                        continue;
                    }
                    if (parse.GetValue(once)) break;
                    await Task.Delay(options.PollInterval, stopping.Token);
                }
                await error.WriteLineAsync("STOPPED");
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await error.WriteLineAsync($"STOPPED on {signals.Received?.ToString() ?? "request"}: the job in progress, if any, is back on the queue");
                return ExitCodes.Ok;
            }
            catch (StorageUnreachableException e)
            {
                await error.WriteLineAsync(e.Message);
                return ExitCodes.Failed;
            }
        });
        return command;

        Option<string?> Text(string name, string description, string? fallback) => new(name)
        {
            Description = $"{description} Env: {Variables[name]}." + (fallback is null ? "" : $" Default: {fallback}."),
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Variables[name]) is { Length: > 0 } value ? value : fallback,
        };
    }

    /// <summary>
    /// The account signed in to with a token when any service URL is given (null: the connection string), checked as the worker
    /// needs it: blob and queue URLs, https, a GUID client id.
    /// </summary>
    /// <exception cref="ArgumentException">A URL that is not absolute, a missing URL, a client id without URLs; the message names the option.</exception>
    internal static StorageAccount? TokenAccount(string? blob, string? queue, string? table, string? clientId)
    {
        static Uri? Url(string? text, string option) => text is null ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var url) ? url
            : throw new ArgumentException($"{option}: '{text}' is not an absolute URL; give the service endpoint, e.g. https://myaccount.{option[2..^4]}.core.windows.net/.");
        var (blobUri, queueUri, tableUri) = (Url(blob, "--blob-url"), Url(queue, "--queue-url"), Url(table, "--table-url"));
        if (blobUri is null && queueUri is null && tableUri is null)
            return null; // the client id alone (AZURE_CLIENT_ID) is for the credential, which only URLs use
        var account = StorageAccount.FromUrls(blobUri, queueUri, tableUri, clientId);
        if (account.Validate(needsBlob: true, needsQueue: true, needsTable: false, ("--blob-url", "--queue-url", "--table-url", "--client-id")) is { Count: > 0 } problems)
            throw new ArgumentException("train-worker storage: " + string.Join(" ", problems));
        return account;
    }

    private static IServiceCollection Also(this IServiceCollection services, Action<IServiceCollection>? configure)
    {
        configure?.Invoke(services);
        return services;
    }
}
