using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SelfImprove.Core.Manifests;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Runs;

/// <summary>What asking for a monitoring tick did.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Core.WireNameConverter<MonitoringTickOutcome>))]
public enum MonitoringTickOutcome
{
    /// <summary>The tick's orchestration was scheduled.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("started")] Started,

    /// <summary>The tick that ended the previous window still runs: nothing was scheduled; the next tick covers this window too.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("skipped")] Skipped,

    /// <summary>Another process (or an earlier call) already started the tick of this window.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("alreadyStarted")] AlreadyStarted,
}

/// <summary>A monitoring tick as asked for.</summary>
/// <param name="TickId">The tick's instance id (<see cref="RunClient.MonitoringTickId"/> of the window's end).</param>
/// <param name="Outcome">Started, skipped or already started.</param>
/// <param name="Due">The agents due in the window (checked by this tick when it started); empty when skipped.</param>
/// <param name="RunningTickId">When skipped: the tick still running.</param>
public sealed record MonitoringTick(string TickId, MonitoringTickOutcome Outcome, IReadOnlyList<string> Due, string? RunningTickId = null);

public sealed partial class RunClient
{
    /// <summary>
    /// The instance id of the tick whose window ends at <paramref name="windowEnd"/> (to the second, UTC): every process of a
    /// hub names a window's tick alike, so two processes that tick together start it once.
    /// </summary>
    public static string MonitoringTickId(DateTimeOffset windowEnd) => $"monitoring-tick-{windowEnd.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";

    /// <summary>
    /// The agents whose <c>monitoring.schedule</c> fires within (<paramref name="windowStart"/>, <paramref name="windowEnd"/>],
    /// in id order (see <see cref="CronSchedule.FiresWithin"/>).
    /// </summary>
    public IReadOnlyList<string> AgentsDue(DateTimeOffset windowStart, DateTimeOffset windowEnd) =>
        agents.AgentIds.Where(id => CronSchedule.FiresWithin(agents.Get(id).Manifest.Monitoring.Schedule, windowStart, windowEnd)).ToArray();

    /// <summary>
    /// One monitoring tick over the window (<paramref name="windowStart"/>, <paramref name="windowEnd"/>]: one
    /// <see cref="MonitorTickOrchestrator"/> checking the agents due in it. Skipped when the tick that ended the previous
    /// window (the one named by <paramref name="windowStart"/>) is still pending or running, so ticks do not pile up; the
    /// caller then keeps its window start, and the next tick covers the skipped window too. The run lock keeps overlapping
    /// ticks (two processes, or a tick slower than the timer) to one run per agent regardless.
    /// </summary>
    /// <param name="batchSize">Agents per batch; <see cref="MonitorTickLimits.DefaultBatchSize"/> when 0.</param>
    /// <param name="batchesInFlight">Batches at once; <see cref="MonitorTickLimits.DefaultBatchesInFlight"/> when 0.</param>
    /// <param name="checksPerGeneration">Agents per generation of the tick (it continues as new after each);
    /// <see cref="MonitorTickLimits.DefaultChecksPerGeneration"/> when 0.</param>
    /// <param name="maxRunsStarted">The most runs the tick starts (agents beyond it are deferred to later ticks);
    /// <see cref="MonitorTickLimits.DefaultMaxRunsStarted"/> when 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">The window is empty, or a batch setting or the runs limit is outside its bounds.</exception>
    public async Task<MonitoringTick> StartMonitoringTickAsync(
        DateTimeOffset windowStart, DateTimeOffset windowEnd, int batchSize = 0, int batchesInFlight = 0, CancellationToken cancellationToken = default,
        int checksPerGeneration = 0, int maxRunsStarted = 0)
    {
        if (windowEnd <= windowStart)
            throw new ArgumentOutOfRangeException(nameof(windowEnd), $"The tick's window ends ({windowEnd:O}) before it starts ({windowStart:O}).");
        batchSize = batchSize == 0 ? MonitorTickLimits.DefaultBatchSize : batchSize;
        batchesInFlight = batchesInFlight == 0 ? MonitorTickLimits.DefaultBatchesInFlight : batchesInFlight;
        ArgumentOutOfRangeException.ThrowIfNotEqual(batchSize, Math.Clamp(batchSize, 1, MonitorTickLimits.MaxBatchSize), nameof(batchSize));
        ArgumentOutOfRangeException.ThrowIfNotEqual(batchesInFlight, Math.Clamp(batchesInFlight, 1, MonitorTickLimits.MaxBatchesInFlight), nameof(batchesInFlight));
        checksPerGeneration = checksPerGeneration == 0 ? MonitorTickLimits.DefaultChecksPerGeneration : checksPerGeneration;
        ArgumentOutOfRangeException.ThrowIfNotEqual(checksPerGeneration, Math.Clamp(checksPerGeneration, 1, MonitorTickLimits.MaxChecksPerGeneration), nameof(checksPerGeneration));
        maxRunsStarted = maxRunsStarted == 0 ? MonitorTickLimits.DefaultMaxRunsStarted : maxRunsStarted;
        ArgumentOutOfRangeException.ThrowIfNotEqual(maxRunsStarted, Math.Clamp(maxRunsStarted, 1, MonitorTickLimits.MaxRunsStartedLimit), nameof(maxRunsStarted));

        var id = MonitoringTickId(windowEnd);
        var previous = MonitoringTickId(windowStart);
        if (await Durable.GetInstanceAsync(previous, cancellationToken) is { } running
#pragma warning disable CS0618 // a tick between two of its generations is still running
            && running.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.ContinuedAsNew)
#pragma warning restore CS0618
            return new MonitoringTick(id, MonitoringTickOutcome.Skipped, [], previous);
        if (await Durable.GetInstanceAsync(id, cancellationToken) is not null) return new MonitoringTick(id, MonitoringTickOutcome.AlreadyStarted, []);

        var due = AgentsDue(windowStart, windowEnd);
        try
        {
            await Durable.ScheduleNewOrchestrationInstanceAsync(nameof(MonitorTickOrchestrator),
                new MonitorTickInput(due, windowStart, windowEnd, batchSize, batchesInFlight) { ChecksPerGeneration = checksPerGeneration, MaxRunsStarted = maxRunsStarted },
                new StartOrchestrationOptions { InstanceId = id }, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Another process scheduled the same window's tick between our look and our start; anything else is rethrown.
            if (await Durable.GetInstanceAsync(id, CancellationToken.None) is null) throw;
            return new MonitoringTick(id, MonitoringTickOutcome.AlreadyStarted, []);
        }
        return new MonitoringTick(id, MonitoringTickOutcome.Started, due);
    }

    /// <summary>Waits for a tick to end and returns what it did.</summary>
    /// <exception cref="InvalidOperationException">The tick's orchestration failed or was terminated.</exception>
    public async Task<MonitorTickResult> WaitForMonitoringTickAsync(string tickId, CancellationToken cancellationToken = default)
    {
        var done = await Durable.WaitForInstanceCompletionAsync(tickId, getInputsAndOutputs: true, cancellationToken);
        return done.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? done.ReadOutputAs<MonitorTickResult>()!
            : throw new InvalidOperationException($"Monitoring tick '{tickId}' ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage ?? done.SerializedOutput}");
    }
}
