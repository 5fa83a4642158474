using Microsoft.DurableTask;
using SelfImprove.Core.Deployment;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of the deployment activities: the run's candidate.</summary>
public sealed record CandidateInput(string RunId, string AgentId, string CandidateVersionId);

/// <summary>Input of <see cref="CheckTrialActivity"/>.</summary>
/// <param name="Final">The trial's last check (its <c>deployment.maxDuration</c> is up): it must decide.</param>
public sealed record TrialCheckInput(string RunId, string AgentId, string CandidateVersionId, bool Final);

/// <summary>
/// One check of the A/B trial: the decision, or null to go on; and the sequential test's estimate and bounds at this check
/// (null while an arm has no labelled answer, and in records from before the sequential test).
/// </summary>
public sealed record TrialCheck(TrialOutcome? Outcome, TrialStatistics? Statistics = null)
{
    /// <summary>
    /// With a staged rollout (<c>deployment.ramp</c>): the step this check tested and, when it passed, the step the trial
    /// moved to (for the run's progress). Null without a ramp.
    /// </summary>
    public string? Step { get; init; }
}

/// <summary>What one look of the bake watch found (<see cref="IDeploymentStep.CheckBakeAsync"/>).</summary>
/// <param name="State">Where the agent's latest promotion stands.</param>
/// <param name="VersionId">The promoted version watched; null when nothing is baking.</param>
/// <param name="Message">What was found, in words (the test's bounds when it looked).</param>
public sealed record BakeCheck(BakeState State, string? VersionId, string Message);

/// <summary>
/// Deployment: an A/B trial beside the serving version on live traffic (started, then checked on the traffic log
/// between durable timers until it decides), then promotion or rollback.
/// </summary>
public interface IDeploymentStep
{
    /// <summary>Sends the manifest's <c>deployment.candidateShare</c> of live requests to the candidate from now on. Idempotent.</summary>
    /// <exception cref="InvalidOperationException">The run no longer holds the agent (terminated or released).</exception>
    Task StartTrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores both arms on the answers logged since the trial started and the feedback on them, and looks at the
    /// sequential test (<c>PromotionPolicy.Look</c>): it may decide once each arm has <c>deployment.minimumSamples</c>
    /// labelled answers; when <paramref name="final"/> it must (<c>deployment.onTimeout</c> without a decision, a rollback
    /// with too few answers). An outcome of null means: keep the trial running.
    /// </summary>
    Task<TrialCheck> CheckTrialAsync(string runId, string agentId, string candidateVersionId, bool final, CancellationToken cancellationToken = default);

    /// <summary>Makes the candidate serve; idempotent. Returns the serving version id.</summary>
    Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>Ends the trial; the serving version stays. Idempotent. Returns the serving version id.</summary>
    Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The bake watch, once per monitoring check: within <c>deployment.bakeTime</c> of the agent's latest promotion, compares
    /// the promoted version's live accuracy since then with its trial's (<c>BakePolicy</c>) and, on a drop, rolls it back
    /// to the version it was trained from, recorded in the promotion ledger. Idempotent: a version rolled back is no longer
    /// the latest promotion.
    /// </summary>
    Task<BakeCheck> CheckBakeAsync(string agentId, CancellationToken cancellationToken = default);
}

/// <summary>Looks at the agent's latest promotion during its bake time (and rolls it back on a drop).</summary>
public sealed class CheckBakeActivity(IDeploymentStep deployment) : TaskActivity<string, BakeCheck>
{
    public override Task<BakeCheck> RunAsync(TaskActivityContext context, string agentId) => deployment.CheckBakeAsync(agentId);
}

/// <summary>Starts the A/B trial.</summary>
public sealed class StartTrialActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, CandidateInput input)
    {
        await deployment.StartTrialAsync(input.RunId, input.AgentId, input.CandidateVersionId);
        return true;
    }
}

/// <summary>
/// Version 1's trial (<c>ImprovementRunOrchestrator</c>, kept for runs started before version 2): starts the trial and
/// decides at once on what the traffic log holds for it, as that version's single trial step did.
/// </summary>
public sealed class RunTrialActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, TrialOutcome>
{
    public override async Task<TrialOutcome> RunAsync(TaskActivityContext context, CandidateInput input)
    {
        await deployment.StartTrialAsync(input.RunId, input.AgentId, input.CandidateVersionId);
        return (await deployment.CheckTrialAsync(input.RunId, input.AgentId, input.CandidateVersionId, final: true)).Outcome!;
    }
}

/// <summary>Checks the A/B trial's arms.</summary>
public sealed class CheckTrialActivity(IDeploymentStep deployment) : TaskActivity<TrialCheckInput, TrialCheck>
{
    public override Task<TrialCheck> RunAsync(TaskActivityContext context, TrialCheckInput input) =>
        deployment.CheckTrialAsync(input.RunId, input.AgentId, input.CandidateVersionId, input.Final);
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
    /// <summary>Calls <see cref="RunTrialActivity"/> (version 1's trial; retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<TrialOutcome> RunTrialAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<TrialOutcome>(context, nameof(RunTrialActivity), input);

    /// <summary>Calls <see cref="StartTrialActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<bool> StartTrialAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<bool>(context, nameof(StartTrialActivity), input);

    /// <summary>Calls <see cref="CheckTrialActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<TrialCheck> CheckTrialAsync(this TaskOrchestrationContext context, TrialCheckInput input) =>
        CallAsync<TrialCheck>(context, nameof(CheckTrialActivity), input);

    /// <summary>Calls <see cref="CheckBakeActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<BakeCheck> CheckBakeAsync(this TaskOrchestrationContext context, string agentId) =>
        CallAsync<BakeCheck>(context, nameof(CheckBakeActivity), agentId);

    /// <summary>Calls <see cref="PromoteActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<string> PromoteAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<string>(context, nameof(PromoteActivity), input);

    /// <summary>Calls <see cref="RollbackActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<string> RollbackAsync(this TaskOrchestrationContext context, CandidateInput input) =>
        CallAsync<string>(context, nameof(RollbackActivity), input);
}
