using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Steps;

/// <summary>
/// Writes the <see cref="TrafficLog"/>'s buffered answers every <see cref="TrafficLogOptions.FlushInterval"/> (sooner
/// when <see cref="TrafficLogOptions.FlushAtCount"/> wait), and everything left when the host stops.
/// </summary>
public sealed class TrafficFlusher(TrafficLog log, ILogger<TrafficFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await log.WaitForFlushDueAsync(stoppingToken);
                await log.FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Traffic log flush failed; the answers stay buffered and the next flush tries again");
            }
        }
    }

    /// <summary>Stops the timer, then writes what is still buffered: a graceful stop loses no answer.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await log.FlushAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Traffic log: {Count} answers could not be written at shutdown", log.Buffered);
        }
    }
}
