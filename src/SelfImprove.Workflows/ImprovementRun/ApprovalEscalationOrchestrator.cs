using Microsoft.DurableTask;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.ImprovementRun;

/// <summary>
/// Escalates one run's approval request: waits on a durable timer until half the approval timeout
/// (<see cref="EscalationInput.EscalateAt"/>), then calls <see cref="EscalateApprovalActivity"/>, which escalates only
/// when no decision is recorded. Scheduled by <see cref="RequestApprovalActivity"/> under the fixed instance id
/// <see cref="EscalationInput.InstanceId"/>, beside the run (whose orchestrator it leaves as it is). Returns whether it escalated.
/// </summary>
public sealed class ApprovalEscalationOrchestrator : TaskOrchestrator<EscalationInput, bool>
{
    public override async Task<bool> RunAsync(TaskOrchestrationContext context, EscalationInput input)
    {
        if (input.EscalateAt > context.CurrentUtcDateTime) await context.CreateTimer(input.EscalateAt.UtcDateTime, CancellationToken.None);
        return await context.EscalateApprovalAsync(input.Request);
    }
}
