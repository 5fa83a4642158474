using Microsoft.DurableTask;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;

namespace SelfImprove.Workflows.Steps;

/// <summary>The evaluation agent's verdict on a candidate.</summary>
/// <param name="CandidateVersionId">The candidate.</param>
/// <param name="GoalMet">Whether it meets the goal on current traffic without losing the old.</param>
/// <param name="Value">Goal metric on recent production feedback, in [0, 1].</param>
/// <param name="ValidationValue">Goal metric on the validation set, in [0, 1].</param>
/// <param name="Verdict">Why, in words.</param>
/// <param name="Evidence">What the next plan should know if the goal was missed.</param>
/// <param name="HeldOut">Goal metric on the held-out evaluation set (reported, never planned on).</param>
public sealed record CandidateEvaluation(
    string CandidateVersionId, bool GoalMet, double Value, double ValidationValue, string Verdict, AttemptEvidence Evidence, MetricsReport HeldOut);

/// <summary>Input of <see cref="EvaluateCandidateActivity"/>.</summary>
public sealed record EvaluateInput(string AgentId, int Attempt, string CandidateVersionId);

/// <summary>Evaluation: does the candidate meet the goal? A miss goes back to the planner with the evidence.</summary>
public interface IEvaluationStep
{
    Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default);
}

/// <summary>Evaluates the attempt's candidate.</summary>
public sealed class EvaluateCandidateActivity(IEvaluationStep evaluation) : TaskActivity<EvaluateInput, CandidateEvaluation>
{
    public override Task<CandidateEvaluation> RunAsync(TaskActivityContext context, EvaluateInput input) =>
        evaluation.EvaluateAsync(input.AgentId, input.Attempt, input.CandidateVersionId);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="EvaluateCandidateActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<CandidateEvaluation> EvaluateCandidateAsync(this TaskOrchestrationContext context, EvaluateInput input) =>
        CallAsync<CandidateEvaluation>(context, nameof(EvaluateCandidateActivity), input);
}
