using SelfImprove.Core.Training;
using SelfImprove.Steps;

namespace SelfImprove.Cli.Commands;

/// <summary>
/// Wakes a finished job's run through the HTTP API (<c>POST /api/runs/{runId}/training/{jobId}/completed</c>, with the API key), for
/// <c>train-worker --server URL</c>: a worker that reaches the server but not its task hub. The server reads the status blob itself.
/// </summary>
public sealed class HttpTrainingNotifier(ApiClient api) : ITrainingCompletionNotifier
{
    /// <exception cref="ApiException">The server refused or did not answer (the worker logs it; the run's status check finds the job).</exception>
    public Task NotifyAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken = default) =>
        api.PostAsync(api.Links.TrainingCompleted(job.RunId, job.JobId), cancellationToken: cancellationToken);
}
