using Microsoft.DurableTask;
using SelfImprove.Core.Planning;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of <see cref="PlanAttemptActivity"/>: the attempt (1-based) and what earlier attempts of the run found.</summary>
public sealed record PlanInput(string RunId, string AgentId, int Attempt, IReadOnlyList<AttemptEvidence> PreviousAttempts);

/// <summary>Planning (what and how): diagnoses the newest model and plans the attempt's labels, samples and hyper-parameters.</summary>
public interface IPlanningStep
{
    /// <summary>The plan of one attempt; the same inputs give the same plan (seeded by run and attempt).</summary>
    Task<ImprovementPlan> PlanAsync(string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default);
}

/// <summary>Plans one attempt.</summary>
public sealed class PlanAttemptActivity(IPlanningStep planning) : TaskActivity<PlanInput, ImprovementPlan>
{
    public override Task<ImprovementPlan> RunAsync(TaskActivityContext context, PlanInput input) =>
        planning.PlanAsync(input.RunId, input.AgentId, input.Attempt, input.PreviousAttempts);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="PlanAttemptActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<ImprovementPlan> PlanAttemptAsync(this TaskOrchestrationContext context, PlanInput input) =>
        CallAsync<ImprovementPlan>(context, nameof(PlanAttemptActivity), input);
}
