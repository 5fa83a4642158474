using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SelfImprove.Api.Http;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Steps;

namespace SelfImprove.Server;

/// <summary>
/// Liveness and readiness probes for <c>serve</c> (containers, load balancers), beside the API rather than under
/// <c>/api</c>: no key, no rate limit, no body. <c>/healthz</c> answers while the process runs; <c>/readyz</c> answers
/// 200 only when storage answers and every agent's serving version loads, else 503 naming what is not ready.
/// </summary>
public static class HealthEndpoints
{
    public const string Liveness = "/healthz";
    public const string Readiness = "/readyz";

    public static IEndpointRouteBuilder MapHealthProbes(this IEndpointRouteBuilder app, ReadinessCheck readiness)
    {
        app.MapGet(Liveness, () => TypedResults.Ok(new HealthPayload("alive")))
            .WithMetadata(BodyLimit.None(Liveness)).DisableRateLimiting();
        app.MapGet(Readiness, async (HttpRequest request) =>
        {
            var report = await readiness.CheckAsync(request.HttpContext.RequestAborted);
            return report.NotReady.Count == 0
                ? Results.Ok(new ReadyPayload("ready", report.ServingVersions))
                : ApiProblems.Problem(request, StatusCodes.Status503ServiceUnavailable, "Not ready", string.Join("; ", report.NotReady) + ".",
                    new Dictionary<string, object?> { ["notReady"] = report.NotReady });
        }).WithMetadata(BodyLimit.None(Readiness)).DisableRateLimiting();
        return app;
    }

    public sealed record HealthPayload(string Status);

    public sealed record ReadyPayload(string Status, IReadOnlyDictionary<string, string> ServingVersions);
}

/// <summary>What <c>/readyz</c> found: empty <see cref="NotReady"/> when ready.</summary>
public sealed record ReadinessReport(IReadOnlyList<string> NotReady, IReadOnlyDictionary<string, string> ServingVersions);

/// <summary>
/// Storage answers (blob, queue and table on azure-storage) and every agent has a serving version whose model loads
/// (loaded models stay cached, so this reads two small blobs per agent at most). The result is kept for
/// <see cref="ServerOptions.ReadinessCacheFor"/>, so probes in a tight loop cost one check per interval; it never trains.
/// </summary>
public sealed class ReadinessCheck(ServerOptions options, AgentCatalog agents, IModelRegistry registry, ModelLoader models, TimeProvider clock)
{
    private readonly Lock gate = new();
    private Task<ReadinessReport>? last;
    private DateTimeOffset lastAt;

    public Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            // A check in progress or a recent one answers; a failed check task is not kept.
            if (last is { IsFaulted: false, IsCanceled: false } && (!last.IsCompleted || now - lastAt < options.ReadinessCacheFor))
                return last.WaitAsync(cancellationToken);
            lastAt = now;
            last = RunAsync();
            return last.WaitAsync(cancellationToken);
        }
    }

    private async Task<ReadinessReport> RunAsync()
    {
        var notReady = new List<string>();
        var serving = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var timeout = options.StorageTimeout < TimeSpan.FromSeconds(5) ? options.StorageTimeout : TimeSpan.FromSeconds(5);
        if (options.Backend is Backend.AzureStorage)
        {
            var failures = await StorageProbe.ProbeAsync(options.StorageConnectionString, timeout);
            notReady.AddRange(failures.Select(f => $"storage: {f}"));
            if (failures.Count > 0) return new ReadinessReport(notReady, serving); // agents' models live there too
        }
        foreach (var agentId in agents.AgentIds)
        {
            try
            {
                using var deadline = new CancellationTokenSource(timeout);
                var state = await registry.GetServingAsync(agentId, deadline.Token);
                if (state is null)
                {
                    notReady.Add($"agent '{agentId}' has no serving version");
                    continue;
                }
                await models.LoadAsync(agentId, state.VersionId, deadline.Token).WaitAsync(deadline.Token);
                serving[agentId] = state.VersionId;
            }
            catch (Exception e)
            {
                notReady.Add($"agent '{agentId}': its serving version does not load ({e.GetType().Name}: {e.Message.Split('\n')[0].Trim()})");
            }
        }
        return new ReadinessReport(notReady, serving);
    }
}
