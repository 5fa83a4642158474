using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Workflows;

/// <summary>Where a run's orchestration stands, as far as the run lock cares.</summary>
public enum RunInstanceState
{
    /// <summary>No orchestration has this id (not scheduled yet, or purged).</summary>
    Missing,

    /// <summary>Pending, running or suspended.</summary>
    Active,

    /// <summary>Completed, failed or terminated.</summary>
    Ended,
}

/// <summary>The host's durable client, as run starting needs it: the run id is the instance id.</summary>
public interface IRunScheduler
{
    Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default);

    Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default);
}
