using SelfImprove.Core.Training;

namespace SelfImprove.Steps;

/// <summary>
/// How a <see cref="TrainingWorker"/> wakes the run whose job it finished (succeeded, or failed for good): the run's
/// <c>trainingCompleted</c> event, raised through the durable client of the hub or the HTTP API. Only a wake-up: the job's status
/// blob, written before, is what the run reads; a lost notification is made up for by the run's status checks.
/// </summary>
public interface ITrainingCompletionNotifier
{
    /// <summary>Tells <paramref name="job"/>'s run that the job ended in <paramref name="status"/>.</summary>
    /// <exception cref="Exception">Any failure to reach the run; the worker logs it and goes on.</exception>
    Task NotifyAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken = default);
}
