using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The team pages' handlers, shared by both hosts: the index of agents, an agent's page and a run's page. Each answers a
/// server-rendered <see cref="HtmlPage"/> (no script, every value encoded, the approval page's security headers); an
/// unknown agent or run gets a 404 page. Sign-in is checked by the host's route group before these run.
/// </summary>
public sealed class TeamPages(AgentCatalog agents, RunClientFactory runs, AgentViewReader agentViews, RunViewReader runViews)
{
    public async Task<IResult> IndexAsync(HttpRequest request) =>
        AgentPage.Index(await agentViews.IndexAsync(request.HttpContext.RequestAborted), PageLinks.Of(request));

    public async Task<IResult> AgentAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        var links = PageLinks.Of(request);
        if (!agents.Contains(agentId)) return NotFound($"No agent '{agentId}'", "This server runs no agent of that id.", links);
        return AgentPage.Render(await agentViews.ReadAsync(agentId, client, request.HttpContext.RequestAborted), links);
    }

    public async Task<IResult> RunAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var links = PageLinks.Of(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!StoreLayout.IsSafeSegment(runId) || await runs.Create(client).GetAsync(runId, cancellationToken) is not { } run)
            return NotFound($"No run '{runId}'", "The engine has no run of that id (it may have been purged).", links);
        var view = await runViews.ReadAsync(run, client, cancellationToken);
        return RunPage.Render(view, run.AgentId is { } a && agents.Contains(a) ? agents.Get(a).Manifest.Goal : null, links);
    }

    private static HtmlPage NotFound(string title, string text, PageLinks links) =>
        new HtmlPage(title, StatusCodes.Status404NotFound).Paragraph(text).Raw($"<p><a href=\"{HtmlPage.E(links.Index)}\">All agents</a></p>");
}
