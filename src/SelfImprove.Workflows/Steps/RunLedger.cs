using Microsoft.DurableTask;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Runs;

namespace SelfImprove.Workflows.Steps;

/// <summary>What an improvement run needs from the manifest, read once at its start.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Goal">The goal the run must meet (metric, target, acceptable range).</param>
/// <param name="Trigger">When a monitoring check may start a run.</param>
/// <param name="MaxAttempts">Plan → train → evaluate attempts before the run gives up (≥ 1).</param>
/// <param name="ApprovalRequired">Whether a person must approve the candidate before its trial.</param>
/// <param name="ApprovalTimeout">How long the run waits for that person (a durable timer).</param>
/// <param name="HyperParameters">The manifest's training hyper-parameters (the plan may change them).</param>
/// <param name="AllowHumanDemonstrations">Whether the run may wait for people's demonstrations when its plan asks.</param>
/// <param name="DemonstrationTimeout">How long it waits for them.</param>
/// <param name="AllowHumanLabelling">Whether the run waits for people to label what the feedback agent left in the labelling queue.</param>
/// <param name="LabellingTimeout">How long it waits for those labels.</param>
/// <param name="TrialCheckEvery">Time between two checks of the A/B trial (a durable timer).</param>
/// <param name="TrialMaxDuration">How long the A/B trial may last; the last check must decide.</param>
/// <param name="Compute">
/// Where training runs (<c>training.compute</c>): version 3 of the run submits a training job and waits for it when
/// <see cref="ComputeSpec.RunsAsJob"/>; null (a run started before this member existed) trains inline.
/// </param>
public sealed record RunSettings(
    string AgentId, GoalSpec Goal, TriggerSpec Trigger, int MaxAttempts, bool ApprovalRequired, TimeSpan ApprovalTimeout, HyperParameters HyperParameters,
    bool AllowHumanDemonstrations = false, TimeSpan DemonstrationTimeout = default,
    bool AllowHumanLabelling = false, TimeSpan LabellingTimeout = default, TimeSpan TrialCheckEvery = default, TimeSpan TrialMaxDuration = default,
    ComputeSpec? Compute = null);

/// <summary>Asking for and recording an improvement run: one per agent at a time.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Reason">Why (the trigger decision, or a person's note).</param>
/// <param name="Manual">Started by a person (skips the cooldown).</param>
public sealed record RunStartRequest(string AgentId, string Reason, bool Manual);

/// <summary>The run that was started, or the one already running.</summary>
/// <param name="Started">True when this request started <paramref name="RunId"/>; false when another run holds the agent.</param>
/// <param name="RunId">The run started, or the one in progress (<c>{agentId}-{n}</c>).</param>
/// <param name="Message">What happened, in words.</param>
public sealed record RunStartResult(bool Started, string RunId, string Message);

/// <summary>The run that holds an agent's run lock, and since when (UTC).</summary>
public sealed record OpenRun(string RunId, DateTimeOffset OpenedAt);

/// <summary>Input of <see cref="RunUsageActivity"/>.</summary>
public sealed record UsageInput(string RunId, string AgentId);

/// <summary>
/// The record of improvement runs: settings, the agent's run lock (one run per agent), usage, and the report
/// when a run closes. Every method is idempotent per run id.
/// </summary>
public interface IRunLedger
{
    /// <summary>The run settings of the agent's manifest; throws <see cref="KeyNotFoundException"/> for an unknown agent.</summary>
    RunSettings Settings(string agentId);

    /// <summary>Takes the agent's run lock atomically and allocates the run id; an existing run wins.</summary>
    Task<RunStartResult> OpenAsync(RunStartRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stores the report, records when the run ended and releases the lock. Idempotent per run.</summary>
    Task CloseAsync(ImprovementReport report, CancellationToken cancellationToken = default);

    /// <summary>The run's LLM usage so far, per agent and phase, against its budget.</summary>
    Task<UsageReport> UsageAsync(string runId, string agentId, CancellationToken cancellationToken = default);

    /// <summary>The run holding the agent's lock, if any.</summary>
    Task<OpenRun?> RunningAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases the lock of a run that ended without closing (terminated, crashed before it was scheduled).
    /// Only one caller can release a given run's lock, so a concurrent start is never unlocked by mistake.
    /// </summary>
    Task<bool> ReleaseAsync(string agentId, string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the run was terminated (as soon as the termination is sent, before its orchestration has stopped)
    /// and marks every model version it registered abandoned; a training of the run that finishes later marks its
    /// version abandoned too. Idempotent per run: the first reason stays.
    /// </summary>
    Task RecordTerminatedAsync(string agentId, string runId, string reason, CancellationToken cancellationToken = default);

    /// <summary>The agent's run state for the trigger policy: the run holding its lock and when its last run ended.</summary>
    Task<AgentRunState> StateAsync(string agentId, CancellationToken cancellationToken = default);
}

/// <summary>Reads the run settings of an agent's manifest.</summary>
public sealed class LoadRunSettingsActivity(IRunLedger ledger) : TaskActivity<string, RunSettings>
{
    public override Task<RunSettings> RunAsync(TaskActivityContext context, string agentId) => Task.FromResult(ledger.Settings(agentId));
}

/// <summary>Starts a run through the <see cref="ImprovementRun.RunStarter"/> (lock first, then the orchestration).</summary>
public sealed class StartRunActivity(ImprovementRun.RunStarter runs) : TaskActivity<RunStartRequest, RunStartResult>
{
    public override Task<RunStartResult> RunAsync(TaskActivityContext context, RunStartRequest request) => runs.StartAsync(request);
}

/// <summary>The agent's run state for the trigger policy, after releasing a dead run's lock.</summary>
public sealed class GetRunStateActivity(ImprovementRun.RunStarter runs) : TaskActivity<string, AgentRunState>
{
    public override Task<AgentRunState> RunAsync(TaskActivityContext context, string agentId) => runs.StateAsync(agentId);
}

/// <summary>The run's LLM usage so far.</summary>
public sealed class RunUsageActivity(IRunLedger ledger) : TaskActivity<UsageInput, UsageReport>
{
    public override Task<UsageReport> RunAsync(TaskActivityContext context, UsageInput input) => ledger.UsageAsync(input.RunId, input.AgentId);
}

/// <summary>Stores the run's report and releases the agent.</summary>
public sealed class CloseRunActivity(IRunLedger ledger) : TaskActivity<ImprovementReport, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ImprovementReport report)
    {
        await ledger.CloseAsync(report);
        return true;
    }
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="LoadRunSettingsActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<RunSettings> LoadRunSettingsAsync(this TaskOrchestrationContext context, string agentId) =>
        CallAsync<RunSettings>(context, nameof(LoadRunSettingsActivity), agentId);

    /// <summary>Calls <see cref="StartRunActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<RunStartResult> StartRunAsync(this TaskOrchestrationContext context, RunStartRequest request) =>
        CallAsync<RunStartResult>(context, nameof(StartRunActivity), request);

    /// <summary>Calls <see cref="GetRunStateActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<AgentRunState> GetRunStateAsync(this TaskOrchestrationContext context, string agentId) =>
        CallAsync<AgentRunState>(context, nameof(GetRunStateActivity), agentId);

    /// <summary>Calls <see cref="RunUsageActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<UsageReport> RunUsageAsync(this TaskOrchestrationContext context, UsageInput input) =>
        CallAsync<UsageReport>(context, nameof(RunUsageActivity), input);

    /// <summary>Calls <see cref="CloseRunActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<bool> CloseRunAsync(this TaskOrchestrationContext context, ImprovementReport report) =>
        CallAsync<bool>(context, nameof(CloseRunActivity), report);
}
