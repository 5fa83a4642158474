using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SelfImprove.Steps;

/// <summary>
/// The traffic log's retention purge: every <see cref="TrafficLogOptions.RetentionCheckEvery"/> (and once at start) deletes
/// each agent's hourly partitions that ended more than its manifest's <c>traffic.retention</c> ago.
/// </summary>
public sealed class TrafficRetention(TrafficLog log, AgentCatalog agents, IOptions<LoopOptions> options, TimeProvider clock, ILogger<TrafficRetention> logger)
    : BackgroundService
{
    /// <summary>Purges every agent's expired partitions now; returns how many batches were deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        foreach (var agentId in agents.AgentIds)
            deleted += await log.PurgeAsync(agentId, clock.GetUtcNow() - agents.Get(agentId).Manifest.Traffic.Retention, cancellationToken);
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Traffic.RetentionCheckEvery, clock);
        do
        {
            try
            {
                if (await PurgeAsync(stoppingToken) is > 0 and var deleted)
                    logger.LogInformation("Traffic log retention: {Deleted} batches past their agent's retention deleted", deleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Traffic log retention purge failed; the next check tries again");
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
