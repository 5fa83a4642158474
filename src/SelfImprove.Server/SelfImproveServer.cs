using Azure.Storage.Blobs;
using System.Threading.RateLimiting;
using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Hosting;
using SelfImprove.Api.Http;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Steps;
using SelfImprove.Runs;
using SelfImprove.Storage;

namespace SelfImprove.Server;

/// <summary>
/// <c>selfimprove serve</c>: the loop on a durable backend, the HTTP API on Kestrel, and the monitoring timer,
/// in one process. On the azure-storage backend, orchestrations and artefacts live in the storage account, so the
/// process can die and restart (or several processes can share one hub) without losing a run.
/// </summary>
public sealed class SelfImproveServer : IAsyncDisposable
{
    public const string ReadyMarker = "LISTENING";

    private readonly WebApplication web;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task monitoring;
    private readonly ServerOptions options;
    private readonly SemaphoreSlim tickGate = new(1, 1);
    private DateTimeOffset? windowStart;
    private string? skipLoggedFor;

    private SelfImproveServer(LoopHost loop, WebApplication web, Uri baseAddress, ServerOptions options)
    {
        Loop = loop;
        this.web = web;
        this.options = options;
        BaseAddress = baseAddress;
        monitoring = options.MonitorEvery is { } every ? MonitorAsync(every, stopping.Token) : Task.CompletedTask;
    }

    public LoopHost Loop { get; }
    public Uri BaseAddress { get; }

    /// <param name="output">Gets the <c>LISTENING</c> and <c>APPROVAL REQUIRED</c> lines.</param>
    /// <param name="configure">Replaces services after the defaults (tests hold a phase open this way).</param>
    public static async Task<SelfImproveServer> StartAsync(
        ServerOptions options, TextWriter output, Action<IServiceCollection>? configure = null, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var agents = ManifestLoader.LoadFolder(options.AgentsFolder);
        var baseAddress = new Uri(options.ListenUri.GetLeftPart(UriPartial.Authority) + "/");
        var publicAddress = options.PublicBaseAddress;

        IArtifactStore? store = null;
        IOrchestrationService? backend = null;
        if (options.Backend is Backend.AzureStorage)
        {
            await StorageProbe.EnsureReachableAsync(options.StorageConnectionString, options.StorageTimeout, cancellationToken);
            try
            {
                store = await BlobArtifactStore.OpenAsync(new BlobContainerClient(options.StorageConnectionString, options.EffectiveContainer), cancellationToken);
                backend = await DurableBackends.AzureStorageAsync(
                    options.StorageConnectionString, options.HubName, options.EffectiveWorkerId, loggerFactory, cancellationToken, options.RedeliveryAfter,
                    options.Concurrency);
            }
            catch (Exception e) when (StorageProbe.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                // Storage that answered the probe but failed now (e.g. it went down meanwhile): the same one line, not a stack trace.
                throw await StorageProbe.ExplainAsync(options.StorageConnectionString, options.StorageTimeout, e, cancellationToken);
            }
        }

        LoopHost loop;
        try
        {
            loop = await StartLoopAsync();
        }
        catch (Exception e) when (options.Backend is Backend.AzureStorage && StorageProbe.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw await StorageProbe.ExplainAsync(options.StorageConnectionString, options.StorageTimeout, e, cancellationToken);
        }

        Task<LoopHost> StartLoopAsync() => LoopHost.StartAsync(loop =>
        {
            loop.Agents = agents;
            loop.StoreDirectory = options.StoreDirectory;
            loop.EmbeddingCacheDirectory = options.EmbeddingCacheDirectory;
            loop.ArtifactStore = store;
            loop.TrainingQueue = options.Backend is Backend.AzureStorage ? new AzureStorageTrainingQueue(options.TrainingQueueAccount ?? StorageAccount.FromConnectionString(options.StorageConnectionString), options.TrainingQueue) : null;
            loop.PublicBaseUrl = publicAddress;
            loop.Traffic.Enabled = options.TrafficLog;
            loop.Traffic.FlushInterval = options.TrafficFlushEvery;
        }, services =>
        {
            services.AddSelfImproveApi(options.KeyRing());
            services.AddSingleton<IApprovalNotifier>(new ConsoleApprovalNotifier(output));
            if (options.Replay) services.AddHostedService<ReplayService>();
            configure?.Invoke(services);
        }, loggerFactory, backend, cancellationToken, concurrency: options.Concurrency);

        try
        {
            foreach (var agent in agents)
                if (await loop.Services.GetRequiredService<InitialVersions>().EnsureAsync(agent.Manifest.AgentId, "serve:initial", cancellationToken) is { } initial)
                    await output.WriteLineAsync($"INITIAL VERSION {agent.Manifest.AgentId} {initial.VersionId} trained on {initial.TrainingSet.Count} pool examples");
            // A demo server's callers: each agent's recorded past is its traffic before the server listens.
            if (options.Replay)
                foreach (var agent in agents)
                {
                    var sent = await loop.Services.GetRequiredService<TrafficReplayer>().ReplayHistoryAsync(agent.Manifest.AgentId, cancellationToken);
                    await output.WriteLineAsync(sent.AlreadyInStore
                        ? $"REPLAYED {agent.Manifest.AgentId} already: its store holds logged traffic"
                        : $"REPLAYED {agent.Manifest.AgentId} {sent.Requests} recorded requests, {sent.Feedback} with feedback");
                }
            var web = BuildApi(options, loop, loggerFactory);
            await web.StartAsync(cancellationToken);
            var server = new SelfImproveServer(loop, web, baseAddress, options);
            if (options.Development)
                await output.WriteLineAsync("WARNING: --dev: the API accepts requests without a key. Never expose this server.");
            await output.WriteLineAsync($"{ReadyMarker} {baseAddress}");
            await output.FlushAsync(cancellationToken);
            return server;
        }
        catch
        {
            await loop.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One monitoring tick now (what the timer does each period): one <see cref="Workflows.Monitoring.MonitorTickOrchestrator"/>
    /// over the agents whose <c>monitoring.schedule</c> fired since this process's last tick (the first tick looks back one
    /// period). The window ends at the current period's start (periods counted from the Unix epoch), so every process of a
    /// hub names the same tick and only one starts it. A tick is skipped while the previous one runs, with one warning per
    /// running tick, and the next covers the skipped window.
    /// </summary>
    public async Task<MonitoringTick> TickAsync(CancellationToken cancellationToken = default)
    {
        await tickGate.WaitAsync(cancellationToken);
        try
        {
            var period = options.MonitorEvery ?? TimeSpan.FromSeconds(1);
            var now = DateTimeOffset.UtcNow;
            var end = new DateTimeOffset(now.UtcTicks - now.UtcTicks % period.Ticks, TimeSpan.Zero);
            var start = windowStart ?? end - period;
            // A second call within one period: this period's tick is the one already asked for.
            if (end <= start) return new MonitoringTick(RunClient.MonitoringTickId(start), MonitoringTickOutcome.AlreadyStarted, []);
            var tick = await Loop.Runs.StartMonitoringTickAsync(start, end, options.MonitorBatchSize, options.MonitorBatchesInFlight, cancellationToken,
                maxRunsStarted: options.MonitorMaxRuns);
            var log = Loop.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SelfImproveServer>();
            if (tick.Outcome is MonitoringTickOutcome.Skipped)
            {
                if (skipLoggedFor != tick.RunningTickId)
                    log.LogWarning("Monitoring tick {TickId} skipped: the previous tick {RunningTickId} is still running; the next tick covers this window " +
                                   "(further skips behind it are not logged)", tick.TickId, tick.RunningTickId);
                skipLoggedFor = tick.RunningTickId;
                return tick;
            }
            windowStart = end;
            if (tick.Outcome is MonitoringTickOutcome.Started)
                log.LogInformation("Monitoring tick {TickId}: {Count} agent(s) due", tick.TickId, tick.Due.Count);
            return tick;
        }
        finally
        {
            tickGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await monitoring;
        await web.StopAsync();
        await web.DisposeAsync();
        await Loop.DisposeAsync();
        stopping.Dispose();
        tickGate.Dispose();
    }

    private static WebApplication BuildApi(ServerOptions options, LoopHost loop, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions());
        QuietLifetime.Use(builder.Services);
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(limiter =>
        {
            // The approval webhook needs no key: each client address gets a fixed window of requests.
            limiter.AddPolicy(ApiEndpoints.AnonymousRateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.AnonymousRateLimit, Window = options.AnonymousRateWindow, QueueLimit = 0 }));
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds))
                    : (int)Math.Ceiling(options.AnonymousRateWindow.TotalSeconds);
                var request = rejected.HttpContext.Request;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ValueTask(ApiProblems.Problem(request, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This address sent more than {options.AnonymousRateLimit} requests to routes without a key within " +
                    $"{options.AnonymousRateWindow.TotalSeconds:0} s; try again in {seconds} s.",
                    new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(rejected.HttpContext));
            };
        });
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapSelfImproveApi(loop.Services.GetRequiredService<ImprovementApi>(), loop.Client, loop.Services.GetRequiredService<ApiKeyRing>(), limitAnonymousRoutes: true);
        // Beside the API, not under /api: probes need no key and are not rate limited.
        app.MapHealthProbes(new ReadinessCheck(options, loop.Services.GetRequiredService<AgentCatalog>(),
            loop.Services.GetRequiredService<IModelRegistry>(), loop.Services.GetRequiredService<SelfImprove.Learning.Scoring.ModelLoader>(),
            TimeProvider.System));
        return app;
    }

    private async Task MonitorAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every);
        var log = Loop.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SelfImproveServer>();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try { await TickAsync(cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Monitoring tick failed; the next tick tries again"); }
            }
        }
        catch (OperationCanceledException) { }
    }
}
