using Microsoft.DurableTask;
using SelfImprove.Core.Deployment;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of the deployment activities: the run's candidate.</summary>
public sealed record CandidateInput(string RunId, string AgentId, string CandidateVersionId);

/// <summary>Deployment: an A/B trial beside the serving version, then promotion or rollback.</summary>
public interface IDeploymentStep
{
    /// <summary>Runs the candidate beside the serving version on live traffic and decides.</summary>
    Task<TrialOutcome> TrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>Makes the candidate serve; idempotent. Returns the serving version id.</summary>
    Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>Ends the trial; the serving version stays. Idempotent. Returns the serving version id.</summary>
    Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);
}

/// <summary>Runs the A/B trial.</summary>
public sealed class RunTrialActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, TrialOutcome>
{
    public override Task<TrialOutcome> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.TrialAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

/// <summary>Promotes the candidate.</summary>
public sealed class PromoteActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.PromoteAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

/// <summary>Ends the candidate's trial; the serving version stays.</summary>
public sealed class RollbackActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.RollbackAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="RunTrialActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<TrialOutcome> RunTrialAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<TrialOutcome>(context, nameof(RunTrialActivity), input);

    /// <summary>Calls <see cref="PromoteActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<string> PromoteAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<string>(context, nameof(PromoteActivity), input);

    /// <summary>Calls <see cref="RollbackActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<string> RollbackAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<string>(context, nameof(RollbackActivity), input);
}
