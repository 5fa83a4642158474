using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The team pages' handlers, shared by both hosts: the index of agents, an agent's page and a run's page. Each answers a
/// server-rendered <see cref="HtmlPage"/> (no script, every value encoded, the approval page's security headers); an
/// unknown agent or run gets a 404 page. Each first checks the sign-in (<see cref="PageSessions.Require"/>, a
/// <c>labeller</c> key at least), here in the shared handler so that both hosts check it alike.
/// </summary>
public sealed class TeamPages(AgentCatalog agents, RunClientFactory runs, AgentViewReader agentViews, RunViewReader runViews, PageSessions sessions)
{
    /// <summary>The scope the team pages need.</summary>
    public const Http.ApiScope Scope = Http.ApiScope.Labeller;

    public PageSessions Sessions => sessions;

    public async Task<IResult> IndexAsync(HttpRequest request)
    {
        if (sessions.Require(request, Scope) is { } denied) return denied;
        return SignedIn(request, AgentPage.Index(await agentViews.IndexAsync(request.HttpContext.RequestAborted), PageLinks.Of(request)));
    }

    public async Task<IResult> AgentAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (sessions.Require(request, Scope) is { } denied) return denied;
        var links = PageLinks.Of(request);
        if (!agents.Contains(agentId)) return NotFound($"No agent '{agentId}'", "This server runs no agent of that id.", links);
        return SignedIn(request, AgentPage.Render(await agentViews.ReadAsync(agentId, client, request.HttpContext.RequestAborted), links));
    }

    public async Task<IResult> RunAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        if (sessions.Require(request, Scope) is { } denied) return denied;
        var links = PageLinks.Of(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!StoreLayout.IsSafeSegment(runId) || await runs.Create(client).GetAsync(runId, cancellationToken) is not { } run)
            return NotFound($"No run '{runId}'", "The engine has no run of that id (it may have been purged).", links);
        var view = await runViews.ReadAsync(run, client, cancellationToken);
        return SignedIn(request, RunPage.Render(view, run.AgentId is { } a && agents.Contains(a) ? agents.Get(a).Manifest.Goal : null, links));
    }

    /// <summary>
    /// <c>GET /api/runs/{runId}/report.html</c> (a <c>labeller</c> key): the run page as one self-contained HTML file (its
    /// stylesheet and charts inline, no links to the server), what <c>selfimprove report --html</c> writes.
    /// </summary>
    public async Task<IResult> RunReportAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!StoreLayout.IsSafeSegment(runId) || await runs.Create(client).GetAsync(runId, cancellationToken) is not { } run)
            return Http.ApiProblems.UnknownRun(request, runId);
        var view = await runViews.ReadAsync(run, client, cancellationToken);
        return RunPage.Render(view, run.AgentId is { } a && agents.Contains(a) ? agents.Get(a).Manifest.Goal : null, PageLinks.Offline);
    }

    /// <summary>The page with who is signed in and a sign-out button (nothing when the server is open).</summary>
    private HtmlPage SignedIn(HttpRequest request, HtmlPage page) =>
        sessions.Read(request) is { } session
            ? page.Paragraph($"Signed in with the key '{session.Name}' ({Core.WireNames.ToWire(session.Scope)}).", "note").Raw(PageSessions.SignOutForm(PageLinks.Of(request)))
            : page;

    private static HtmlPage NotFound(string title, string text, PageLinks links) =>
        new HtmlPage(title, StatusCodes.Status404NotFound).Paragraph(text).Raw($"<p><a href=\"{HtmlPage.E(links.Index)}\">All agents</a></p>");
}
