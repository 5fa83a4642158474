using Microsoft.DurableTask;

namespace SelfImprove.Workflows;

/// <summary>How orchestrators call activities: every step is idempotent per run and attempt, so a transient failure is simply retried.</summary>
internal static class ActivityRetry
{
    public static readonly TaskOptions Default = new(new TaskRetryOptions(new RetryPolicy(3, TimeSpan.FromSeconds(5), backoffCoefficient: 2)));
}
