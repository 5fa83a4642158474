using Microsoft.DurableTask.Client;
using SelfImprove.Core.Steps;
using SelfImprove.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api.Approval;

public enum ApprovalOutcome
{
    Accepted,
    UnknownRun,
    InvalidToken,
    ExpiredToken,
    AlreadyDecided,
    NotWaiting,
}

/// <summary>What became of a decision, with the words to tell the person.</summary>
public sealed record ApprovalResult(ApprovalOutcome Outcome, string Message, RecordedApproval? Standing = null);

/// <summary>
/// Takes a person's decision on a run that waits for approval, for the webhook and the demo alike. Order matters:
/// the token is checked before anything is said about the run's decision, and the decision is recorded
/// (create-if-absent) before the event is raised, so only one decision ever counts. If the event of a recorded
/// decision was lost (the host died in between), the next attempt delivers it again; the run takes the first.
/// </summary>
public sealed class ApprovalGate(ApprovalTokens tokens)
{
    public async Task<ApprovalResult> DecideAsync(DurableTaskClient client, string runId, string? token, ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        var state = await RunInstances.GetAsync(client, runId, cancellationToken);
        if (state is null) return new(ApprovalOutcome.UnknownRun, $"No improvement run '{runId}' exists.");

        switch (await tokens.CheckAsync(runId, token, cancellationToken))
        {
            case ApprovalTokenCheck.Unknown:
                return new(ApprovalOutcome.InvalidToken, $"The token is not one issued for run {runId}. Use the link from the run's approval notification.");
            case ApprovalTokenCheck.Expired:
                return new(ApprovalOutcome.ExpiredToken, $"The approval window of run {runId} has closed; without a decision in time the run is rejected.");
        }

        // A valid token proves the run asked (it is issued only at the gate, after the run began waiting for the event),
        // and the decision record below makes it single use. The run's custom status can lag behind the request on a
        // durable backend, so it is not asked: a person answering the link at once must not be refused.
        var waiting = state.RuntimeStatus == OrchestrationRuntimeStatus.Running;
        if (await tokens.DecisionAsync(runId, cancellationToken) is { } earlier)
        {
            if (waiting && !earlier.TimedOut) await client.RaiseEventAsync(runId, RunEvents.Approval, earlier.Decision, cancellationToken);
            return AlreadyDecided(runId, earlier);
        }
        if (!waiting)
            return new(ApprovalOutcome.NotWaiting, $"Run {runId} is {state.RuntimeStatus} and does not wait for a decision.");

        var (recorded, standing) = await tokens.RecordAsync(runId, token!, decision, cancellationToken);
        if (!recorded) return AlreadyDecided(runId, standing);
        await client.RaiseEventAsync(runId, RunEvents.Approval, decision, cancellationToken);
        return new(ApprovalOutcome.Accepted, $"Run {runId} {(decision.Approved ? "approved" : "rejected")} by {decision.By}.", standing);
    }

    private static ApprovalResult AlreadyDecided(string runId, RecordedApproval decision) => decision.TimedOut
        ? new(ApprovalOutcome.AlreadyDecided, $"The approval window of run {runId} closed at {decision.DecidedAt:u} without a decision; the run was rejected.", decision)
        : new(ApprovalOutcome.AlreadyDecided,
            $"Run {runId} was already {(decision.Decision.Approved ? "approved" : "rejected")} by {decision.Decision.By} at {decision.DecidedAt:u}; each run takes one decision.",
            decision);
}
