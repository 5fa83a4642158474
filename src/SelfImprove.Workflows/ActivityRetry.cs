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

    /// <summary>Failures a retry will not mend: bad data, a bad argument, something missing.</summary>
    private static readonly Type[] Permanent = [typeof(InvalidDataException), typeof(ArgumentException), typeof(KeyNotFoundException)];

    private static bool IsPermanent(TaskFailureDetails failure) => Permanent.Any(failure.IsCausedBy);

    /// <summary>Whether <paramref name="exception"/> is a failure a retry will not mend (for retries inside an activity).</summary>
    public static bool IsPermanent(Exception exception) => Permanent.Any(t => t.IsInstanceOfType(exception));
}
