using Microsoft.DurableTask;

namespace SelfImprove.Workflows.Steps;

/// <summary>A run waiting for a person: who to ask, about what, until when (UTC).</summary>
public sealed record ApprovalRequest(string RunId, string AgentId, string CandidateVersionId, string Summary, DateTimeOffset ExpiresAt);

/// <summary>A person's answer to an approval request (the body of the <see cref="ImprovementRun.RunEvents.Approval"/> event).</summary>
/// <param name="Approved">True to let the candidate go to its trial.</param>
/// <param name="By">Who decided (a name or e-mail).</param>
/// <param name="Comment">Why, if they said.</param>
/// <param name="Evidence">
/// The hash of the evidence the person saw (the approval page's <c>evidence</c> field: SHA-256, hex); null for a decision
/// sent without the page (the JSON webhook).
/// </param>
public sealed record ApprovalDecision(bool Approved, string By, string? Comment, string? Evidence = null);

/// <summary>Human approval: tells the approvers, and closes the window when the run's durable timer fires.</summary>
public interface IApprovalStep
{
    /// <summary>Tells the people who approve that the run waits (a webhook, a line on the console).</summary>
    Task NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Escalates a request when half its timeout has passed (<see cref="ImprovementRun.ApprovalEscalationOrchestrator"/>):
    /// only when no decision is recorded and the run was not terminated, records the escalation once and tells the approvers
    /// again (and the manifest's <c>approval.escalateTo</c> target). True when this call escalated.
    /// </summary>
    Task<bool> EscalateAsync(ApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes the approval window when the run's timer fires: returns a decision a person recorded in time (whose
    /// event may still be on its way, or was lost), else records that none came, so no later decision can count, and returns null.
    /// </summary>
    Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Schedules a request's escalation: one <see cref="ImprovementRun.ApprovalEscalationOrchestrator"/> per run, under the
/// fixed instance id <see cref="InstanceId"/>, so scheduling again (a retried or replayed activity) changes nothing.
/// </summary>
public interface IApprovalEscalationScheduler
{
    /// <summary>Schedules the escalation of <paramref name="request"/> unless one is scheduled (or ran) for its run.</summary>
    Task ScheduleAsync(ApprovalRequest request, CancellationToken cancellationToken = default);
}

/// <summary>When and what to escalate: the request, at half its timeout (UTC).</summary>
public sealed record EscalationInput(ApprovalRequest Request, DateTimeOffset EscalateAt)
{
    /// <summary>The escalation orchestration's instance id for a run.</summary>
    public static string InstanceId(string runId) => $"{runId}-approval-escalation";
}

/// <summary>
/// Asks the approvers, and schedules the escalation at half the timeout. The escalation is its own orchestration, so the
/// run orchestrator's calls stay as they are.
/// </summary>
public sealed class RequestApprovalActivity(IApprovalStep approval, IApprovalEscalationScheduler escalations) : TaskActivity<ApprovalRequest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ApprovalRequest request)
    {
        await approval.NotifyAsync(request);
        await escalations.ScheduleAsync(request);
        return true;
    }
}

/// <summary>Escalates a request at half its timeout (see <see cref="IApprovalStep.EscalateAsync"/>).</summary>
public sealed class EscalateApprovalActivity(IApprovalStep approval) : TaskActivity<ApprovalRequest, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ApprovalRequest request) => approval.EscalateAsync(request);
}

/// <summary>Closes the approval window at the timeout.</summary>
public sealed class CloseApprovalActivity(IApprovalStep approval) : TaskActivity<string, ApprovalDecision?>
{
    public override Task<ApprovalDecision?> RunAsync(TaskActivityContext context, string runId) => approval.CloseAsync(runId);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="RequestApprovalActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<bool> RequestApprovalAsync(this TaskOrchestrationContext context, ApprovalRequest request) =>
        CallAsync<bool>(context, nameof(RequestApprovalActivity), request);

    /// <summary>Calls <see cref="EscalateApprovalActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<bool> EscalateApprovalAsync(this TaskOrchestrationContext context, ApprovalRequest request) =>
        CallAsync<bool>(context, nameof(EscalateApprovalActivity), request);

    /// <summary>Calls <see cref="CloseApprovalActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<ApprovalDecision?> CloseApprovalAsync(this TaskOrchestrationContext context, string runId) =>
        CallAsync<ApprovalDecision?>(context, nameof(CloseApprovalActivity), runId);
}
