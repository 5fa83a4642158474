using Microsoft.DurableTask;
using SelfImprove.Core.Alignment;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of <see cref="AssessAlignmentActivity"/>.</summary>
public sealed record AlignmentInput(string RunId, string AgentId, string CandidateVersionId);

/// <summary>
/// The alignment gate: the candidate's distance D(σ, π) from the agent's constitution (bits) and its aligned value
/// V′ = V · 2^(−D), against the serving version's.
/// </summary>
public interface IAlignmentStep
{
    Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The gate within a run: as <see cref="AssessAsync(string, string, CancellationToken)"/>, with the run known, so that an
    /// LLM teacher's adversarial probes are written (and metered) once per run and kept under it.
    /// </summary>
    Task<AlignmentAssessment> AssessAsync(AlignmentInput input, CancellationToken cancellationToken = default) =>
        AssessAsync(input.AgentId, input.CandidateVersionId, cancellationToken);
}

/// <summary>Measures the candidate against the constitution.</summary>
public sealed class AssessAlignmentActivity(IAlignmentStep alignment) : TaskActivity<AlignmentInput, AlignmentAssessment>
{
    public override Task<AlignmentAssessment> RunAsync(TaskActivityContext context, AlignmentInput input) =>
        alignment.AssessAsync(input);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="AssessAlignmentActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<AlignmentAssessment> AssessAlignmentAsync(this TaskOrchestrationContext context, AlignmentInput input) =>
        CallAsync<AlignmentAssessment>(context, nameof(AssessAlignmentActivity), input);
}
