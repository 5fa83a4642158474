using SelfImprove.Api.Http;
using SelfImprove.Core.Steps;
using SelfImprove.Steps;

namespace SelfImprove.Api.Approval;

/// <summary>
/// Asks for approval: issues the run a single-use token (stored hashed) and sends the link that carries it.
/// A replay issues another token; the earlier link stays valid, and the run still takes one decision.
/// </summary>
public sealed class ApprovalStep(ApprovalTokens tokens, IApprovalNotifier notifier, Composition.LoopOptions options) : IApprovalStep
{
    public async Task NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        var token = await tokens.IssueAsync(request.RunId, request.ExpiresAt, cancellationToken);
        var url = options.PublicBaseUrl is { } publicBase
            ? new ApiLinks(publicBase).Approval(request.RunId, token)
            : $"/{ApiRoutes.Prefix}/runs/{Uri.EscapeDataString(request.RunId)}/approval?token={Uri.EscapeDataString(token)}";
        await notifier.NotifyAsync(new ApprovalNotice(request.RunId, request.AgentId, request.CandidateVersionId, request.Summary, request.ExpiresAt, url), cancellationToken);
    }

    public Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default) => tokens.CloseAsync(runId, cancellationToken);
}
