using Microsoft.DurableTask;

namespace SelfImprove.Workflows.Steps;

/// <summary>
/// Typed calls from an orchestration to the steps' activities: each step's file adds its own members, so an
/// orchestrator reads <c>await context.TrainCandidateAsync(input)</c> instead of naming activities by string.
/// Every call uses <see cref="ActivityRetry.Default"/>: steps are idempotent per run and attempt.
/// </summary>
public static partial class StepCalls
{
    private static Task<TOut> CallAsync<TOut>(TaskOrchestrationContext context, string activity, object? input) =>
        context.CallActivityAsync<TOut>(activity, input, ActivityRetry.Default);
}
