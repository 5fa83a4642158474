using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SelfImprove.Api.Http;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The approval link for people, shared by both hosts: <c>GET /api/runs/{runId}/approval?token=…</c> renders the
/// evidence and a form (<see cref="ApprovalPage"/>); the form posts back to the same link, and
/// <see cref="ImprovementApi.ApproveAsync"/> hands form bodies here after checking the token. The token is checked
/// first, exactly as for the JSON webhook (a wrong token or an unknown run: the same 403), and is never logged.
/// A form decision counts only while the run still shows the evidence the page showed: its hash
/// (<see cref="ApprovalEvidence.Hash"/>) travels in the form and is recorded with the decision.
/// </summary>
public sealed class ApprovalPages(RunClientFactory runs, ApprovalEvidenceReader evidence, ApprovalTokens tokens, ApprovalEscalations escalations)
{
    public async Task<IResult> ShowAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var token = request.Query["token"].FirstOrDefault();
        var run = runs.Create(client);
        var cancellationToken = request.HttpContext.RequestAborted;
        switch (await run.CheckTokenAsync(runId, token, cancellationToken))
        {
            case ApprovalTokenCheck.Unknown: return ApiProblems.InvalidApprovalToken(request);
            case ApprovalTokenCheck.Expired: return Expired(runId);
        }
        if (await tokens.DecisionAsync(runId, cancellationToken) is { } standing) return ApprovalPage.AlreadyDecided(runId, standing, StatusCodes.Status200OK);
        var snapshot = (await run.GetAsync(runId, cancellationToken))!;
        if (snapshot.IsEnded) return NotWaiting(snapshot, StatusCodes.Status200OK);
        return ApprovalPage.Render(snapshot, await evidence.ReadAsync(snapshot, cancellationToken), FormAction(request, token!),
            await escalations.ReadAsync(runId, cancellationToken));
    }

    /// <summary>A form decision, after <see cref="ImprovementApi.ApproveAsync"/> found the token valid.</summary>
    public async Task<IResult> DecideAsync(HttpRequest request, string runId, string token, RunClient run)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (form, problem) = await ApprovalForm.ReadAsync(request);
        if (problem is not null) return problem;
        if (form!.Problems() is { Count: > 0 } problems)
            return new HtmlPage("The decision was not recorded", StatusCodes.Status400BadRequest)
                .Raw("<ul>" + string.Concat(problems.Select(p => $"<li>{HtmlPage.E(p)}</li>")) + "</ul>")
                .Paragraph("Go back, correct the form and send it again.");

        // Already decided first: a second tab learns who decided, not that its evidence is old.
        if (await tokens.DecisionAsync(runId, cancellationToken) is { } standing) return ApprovalPage.AlreadyDecided(runId, standing, StatusCodes.Status409Conflict);
        if (await run.GetAsync(runId, cancellationToken) is not { } snapshot) return ApiProblems.InvalidApprovalToken(request);
        if (snapshot.IsEnded) return NotWaiting(snapshot, StatusCodes.Status409Conflict);
        var current = (await evidence.ReadAsync(snapshot, cancellationToken)).Hash;
        if (!string.Equals(current, form.Evidence, StringComparison.Ordinal))
            return ApprovalPage.Message("The evidence has changed", $"Run {runId} no longer shows what your page showed (the candidate or its figures changed). " +
                "Nothing was recorded: open the approval link again, read the evidence as it is now, and decide there.", StatusCodes.Status409Conflict);

        var decision = new ApprovalDecision(form.Decision == "approve", form.Approver!.Trim(), string.IsNullOrWhiteSpace(form.Comment) ? null : form.Comment, current);
        var result = await run.DecideAsync(runId, token, decision, cancellationToken);
        return result.Outcome switch
        {
            ApprovalOutcome.Accepted => ApprovalPage.Recorded(runId, new ApprovalDecisionView(decision.Approved, decision.By, decision.Comment)),
            ApprovalOutcome.AlreadyDecided => ApprovalPage.AlreadyDecided(runId, result.Standing!, StatusCodes.Status409Conflict),
            ApprovalOutcome.UnknownRun or ApprovalOutcome.InvalidToken => ApiProblems.InvalidApprovalToken(request),
            ApprovalOutcome.ExpiredToken => Expired(runId),
            _ => ApprovalPage.Message($"Run {runId} does not wait for a decision", result.Message, StatusCodes.Status409Conflict),
        };
    }

    private static HtmlPage Expired(string runId) =>
        ApprovalPage.Message("The approval window has closed", $"Run {runId} took no decision in time and was rejected.", StatusCodes.Status403Forbidden);

    private static HtmlPage NotWaiting(RunSnapshot run, int status) =>
        ApprovalPage.Message($"Run {run.RunId} does not wait for a decision", $"The run is {run.RuntimeStatus}; nothing can be decided on it now.", status);

    /// <summary>The same link, relative to this server: the form posts where the page came from.</summary>
    private static string FormAction(HttpRequest request, string token) =>
        $"{request.PathBase}{request.Path}?token={Uri.EscapeDataString(token)}";
}
