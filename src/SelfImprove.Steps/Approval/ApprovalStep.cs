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
/// </summary>
public sealed class ApprovalStep(ApprovalTokens tokens, IApprovalNotifier notifier, IApprovalLinks links) : IApprovalStep
{
    public async Task NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        var token = await tokens.IssueAsync(request.RunId, request.ExpiresAt, cancellationToken);
        var url = links.Approval(request.RunId, token);
        await notifier.NotifyAsync(new ApprovalNotice(request.RunId, request.AgentId, request.CandidateVersionId, request.Summary, request.ExpiresAt, url), cancellationToken);
    }

    public Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default) => tokens.CloseAsync(runId, cancellationToken);
}
