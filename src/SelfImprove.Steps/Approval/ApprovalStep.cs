using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>Where a person decides a run: the host's API builds the link (see <c>ApiLinks</c> in SelfImprove.Runs).</summary>
public interface IApprovalLinks
{
    /// <summary>The approval link of <paramref name="runId"/> carrying <paramref name="token"/>: absolute when the host knows its public URL, else relative (<c>/api/…</c>).</summary>
    string Approval(string runId, string token);
}

/// <summary>
/// Asks for approval: issues the run a single-use token (stored hashed) and sends the link that carries it.
/// A replay issues another token; the earlier link stays valid, and the run still takes one decision.
/// At half the timeout it escalates a request nobody decided: once (<see cref="ApprovalEscalations"/>, create-once), with a
/// fresh link to the usual approvers and to the manifest's <c>approval.escalateTo</c> target.
/// </summary>
public sealed class ApprovalStep(ApprovalTokens tokens, IApprovalNotifier notifier, IApprovalLinks links, ApprovalEscalations escalations,
    ApprovalEscalationTargets targets, AgentCatalog agents, RunLedger ledger) : IApprovalStep
{
    public async Task NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        var token = await tokens.IssueAsync(request.RunId, request.ExpiresAt, cancellationToken);
        var url = links.Approval(request.RunId, token);
        await notifier.NotifyAsync(new ApprovalNotice(request.RunId, request.AgentId, request.CandidateVersionId, request.Summary, request.ExpiresAt, url), cancellationToken);
    }

    public async Task<bool> EscalateAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        if (await tokens.DecisionAsync(request.RunId, cancellationToken) is not null) return false;
        if (await ledger.TerminationAsync(request.RunId, cancellationToken) is not null) return false;
        var setting = agents.Contains(request.AgentId) ? agents.Get(request.AgentId).Manifest.Approval.EscalateTo : null;
        if (!await escalations.TryRecordAsync(request.RunId, setting, cancellationToken)) return false;
        try
        {
            var token = await tokens.IssueAsync(request.RunId, request.ExpiresAt, cancellationToken);
            var notice = new ApprovalNotice(request.RunId, request.AgentId, request.CandidateVersionId, request.Summary, request.ExpiresAt,
                links.Approval(request.RunId, token), Escalation: true);
            await notifier.NotifyAsync(notice, cancellationToken);
            if (setting is not null && targets.For(setting) is { } target) await target.NotifyAsync(notice, cancellationToken);
            return true;
        }
        catch
        {
            // Not told: the record goes, so the activity's retry escalates again.
            await escalations.ForgetAsync(request.RunId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>When to escalate a request: half the manifest's approval timeout before it expires.</summary>
    public DateTimeOffset EscalateAt(ApprovalRequest request) =>
        request.ExpiresAt - (agents.Contains(request.AgentId) ? agents.Get(request.AgentId).Manifest.Approval.Timeout : TimeSpan.Zero) / 2;

    public Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default) => tokens.CloseAsync(runId, cancellationToken);
}
