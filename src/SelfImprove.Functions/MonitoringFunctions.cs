using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SelfImprove.Runs;

namespace SelfImprove.Functions;

/// <summary>
/// The monitoring timer: on the schedule in the app setting, one monitoring tick (the same
/// <see cref="Workflows.Monitoring.MonitorTickOrchestrator"/> as <c>serve</c>) over the agents deployed with the app whose
/// <c>monitoring.schedule</c> fired since the timer's last occurrence, fanned out and bounded as
/// <see cref="FunctionsSettings.Monitoring"/> says.
/// </summary>
public sealed class MonitoringFunctions(RunClientFactory runs, TimeProvider clock, ILogger<MonitoringFunctions> logger, FunctionsSettings settings)
{
    /// <summary>The window looked back over when the timer has no last occurrence (its first run).</summary>
    public static readonly TimeSpan FirstWindow = TimeSpan.FromMinutes(5);

    [Function("MonitorAgents")]
    public async Task<MonitoringTick> MonitorAgents(
        [TimerTrigger("%SelfImprove:MonitoringSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var end = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var window = Window(timer.ScheduleStatus?.Last, end);
        var monitoring = settings.Monitoring;
        var tick = await runs.Create(client).StartMonitoringTickAsync(window.Start, window.End, monitoring.BatchSize, monitoring.BatchesInFlight,
            cancellationToken, maxRunsStarted: monitoring.MaxRuns);
        if (tick.Outcome is MonitoringTickOutcome.Skipped)
            logger.LogWarning("Monitoring tick {TickId} skipped: the previous tick {RunningTickId} is still running", tick.TickId, tick.RunningTickId);
        else
            logger.LogInformation("Monitoring tick {TickId} {Outcome}: {Count} agent(s) due", tick.TickId, tick.Outcome, tick.Due.Count);
        return tick;
    }

    /// <summary>
    /// The tick's window: from the timer's last occurrence (to the second, so it names the previous tick) to now; the
    /// <see cref="FirstWindow"/> before now when there is none (or it is not before now).
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Window(DateTime? last, DateTimeOffset end)
    {
        if (last is not { } previous) return (end - FirstWindow, end);
        var utc = previous.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(previous, DateTimeKind.Utc) : previous.ToUniversalTime();
        var start = new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return start < end ? (start, end) : (end - FirstWindow, end);
    }
}
