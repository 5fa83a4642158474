using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Workflows;

/// <summary>Schedules an improvement run orchestration with the run id as its instance id (each host's durable client).</summary>
public interface IRunScheduler
{
    Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default);
}
