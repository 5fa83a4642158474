using DurableTask.AzureStorage;
using DurableTask.Core;

namespace SelfImprove.Hosting;

/// <summary>
/// How many work items the durable engine of one process runs at once: activities (a monitoring check, a training step)
/// and orchestration steps (replaying an orchestrator to its next await). One setting drives the three places that bound
/// it: the sidecar's dispatcher (which asks the backend's <see cref="IOrchestrationService.MaxConcurrentTaskActivityWorkItems"/>
/// and, when that many are in flight, waits 500 ms before it looks again), the .NET worker's own limits, and the Azure
/// Storage provider's settings. Left alone, the in-memory backend of Durable Task's test package runs
/// <see cref="Environment.ProcessorCount"/> of each (2 on a 2-core machine: a 100-agent monitoring tick managed 0.3 checks/s),
/// and the Azure Storage provider whatever its settings' defaults are.
/// </summary>
/// <param name="Activities">Activities at once in this process; 1 to <see cref="Max"/>.</param>
/// <param name="Orchestrations">Orchestration work items at once in this process; 1 to <see cref="Max"/>.</param>
public sealed record EngineConcurrency(int Activities, int Orchestrations)
{
    /// <summary>The highest value of either setting.</summary>
    public const int Max = 10_000;

    /// <summary>
    /// The embedded default (in-memory backend): 128 activities, 128 orchestrations. More than a monitoring tick keeps in
    /// flight (<see cref="Workflows.Monitoring.MonitorTickLimits"/>: 4 batches of 25), so the dispatcher's 500 ms wait when
    /// full does not pace a tick; the work itself is bounded by the CPU, not by this.
    /// </summary>
    public static EngineConcurrency InMemory { get; } = new(128, 128);

    /// <summary>
    /// The Azure Storage provider: 128 activities, 128 orchestrations per process (each process of a hub runs its own share
    /// of the partitions' orchestrations and takes activities from the one work-item queue).
    /// </summary>
    public static EngineConcurrency AzureStorage { get; } = new(128, 128);

    /// <summary>The default for a backend: <see cref="AzureStorage"/> for the Azure Storage provider, <see cref="InMemory"/> otherwise.</summary>
    public static EngineConcurrency DefaultFor(IOrchestrationService backend) =>
        (backend is ReconcilingOrchestrationService r ? r.Inner : backend) is AzureStorageOrchestrationService ? AzureStorage : InMemory;

    /// <summary>Every problem with the settings, each naming the setting and its range; empty when they are fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Activities is < 1 or > Max) problems.Add($"engine activities: {Activities} is not between 1 and {Max}.");
        if (Orchestrations is < 1 or > Max) problems.Add($"engine orchestrations: {Orchestrations} is not between 1 and {Max}.");
        return problems;
    }

    /// <summary>Throws when <see cref="Problems"/> finds any.</summary>
    /// <exception cref="ArgumentException">Names every bad setting.</exception>
    public void Validate()
    {
        if (Problems() is { Count: > 0 } problems) throw new ArgumentException("The durable engine cannot start: " + string.Join(" ", problems));
    }
}
