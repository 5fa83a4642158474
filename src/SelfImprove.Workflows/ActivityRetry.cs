using Microsoft.DurableTask;

namespace SelfImprove.Workflows;

/// <summary>
/// How orchestrators call activities: every step is idempotent per run and attempt, so a transient failure is
/// simply retried; bad data or a missing artefact will not get better by waiting, so those fail at once.
/// </summary>
internal static class ActivityRetry
{
    public static readonly TaskOptions Default = new(new TaskRetryOptions(new RetryPolicy(3, TimeSpan.FromSeconds(5), backoffCoefficient: 2)
    {
        HandleFailure = failure => !IsPermanent(failure),
    }));

    /// <summary>A monitoring check within a tick: one retry after a second for transient failures.</summary>
    public static readonly TaskOptions Check = new(new TaskRetryOptions(new RetryPolicy(2, TimeSpan.FromSeconds(1))
    {
        HandleFailure = failure => !IsPermanent(failure),
    }));

    private static bool IsPermanent(TaskFailureDetails failure) =>
        failure.IsCausedBy<InvalidDataException>() || failure.IsCausedBy<ArgumentException>() || failure.IsCausedBy<KeyNotFoundException>();
}
