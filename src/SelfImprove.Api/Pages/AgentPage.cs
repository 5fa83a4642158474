using Microsoft.DurableTask.Client;
using SelfImprove.Core;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Runs;
using SelfImprove.Steps;
using static SelfImprove.Api.Pages.HtmlPage;

namespace SelfImprove.Api.Pages;

/// <summary>One run in the agent page's list: as opened, with its state now (null when the engine no longer has it, e.g. purged).</summary>
public sealed record AgentRunRow(RunLedger.RunOpened Opened, RunSnapshot? Run);

/// <summary>What the agent page shows.</summary>
/// <param name="Serving">The serving pointer; null before any version serves.</param>
/// <param name="ServingVersion">The serving version's record; null when missing.</param>
/// <param name="Checks">The stored monitoring checks, oldest first (at most <see cref="MonitoringChecks.DefaultRetained"/>).</param>
/// <param name="Runs">The newest runs (at most <see cref="AgentViewReader.MaxRuns"/>), newest first.</param>
/// <param name="Ledger">The promotion ledger, newest first.</param>
/// <param name="OpenLabelling">Items of the labelling queue waiting for a person.</param>
public sealed record AgentView(
    string AgentId, GoalSpec Goal, ServingState? Serving, ModelVersion? ServingVersion, IReadOnlyList<MonitoringCheck> Checks,
    IReadOnlyList<AgentRunRow> Runs, IReadOnlyList<DeploymentRecord> Ledger, int OpenLabelling);

/// <summary>Reads an agent's <see cref="AgentView"/> from the registry, the store and the durable engine.</summary>
public sealed class AgentViewReader(AgentCatalog agents, IModelRegistry registry, MonitoringChecks checks, RunLedger ledger,
    DeploymentLedger deployments, LabellingQueue labelling, RunClientFactory runs)
{
    /// <summary>Most runs the agent page lists (newest first).</summary>
    public const int MaxRuns = 20;

    public async Task<AgentView> ReadAsync(string agentId, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        var manifest = agents.Get(agentId).Manifest;
        var serving = await registry.GetServingAsync(agentId, cancellationToken);
        var version = serving is null ? null : await registry.GetAsync(agentId, serving.VersionId, cancellationToken);
        var runClient = runs.Create(client);
        var rows = new List<AgentRunRow>();
        foreach (var opened in await ledger.RunsAsync(agentId, MaxRuns, cancellationToken))
            rows.Add(new AgentRunRow(opened, await runClient.GetAsync(opened.RunId, cancellationToken)));
        return new AgentView(agentId, manifest.Goal, serving, version, await checks.ReadAsync(agentId, cancellationToken: cancellationToken), rows,
            await deployments.ListAsync(agentId, cancellationToken), await labelling.OpenCountAsync(agentId, cancellationToken));
    }

    /// <summary>The index's rows: every agent with its serving version and open labelling items.</summary>
    public async Task<IReadOnlyList<(string AgentId, GoalSpec Goal, ServingState? Serving, int OpenLabelling)>> IndexAsync(CancellationToken cancellationToken = default)
    {
        var rows = new List<(string, GoalSpec, ServingState?, int)>();
        foreach (var agentId in agents.AgentIds)
            rows.Add((agentId, agents.Get(agentId).Manifest.Goal, await registry.GetServingAsync(agentId, cancellationToken),
                await labelling.OpenCountAsync(agentId, cancellationToken)));
        return rows;
    }
}

/// <summary>
/// The agent page (<c>/ui/agents/{agentId}</c>): the serving version, the goal metric over time from the monitoring checks
/// (<see cref="MetricHistoryChart"/>, with the acceptable range as a band), the runs, the promotion ledger (the history of
/// serving versions) and the labelling queue's size; and the index (<c>/ui/</c>) listing the agents.
/// </summary>
public static class AgentPage
{
    /// <summary>Newest checks listed in the table under the chart.</summary>
    public const int CheckRows = 10;

    public static HtmlPage Render(AgentView view, PageLinks links)
    {
        var page = new HtmlPage($"Agent {view.AgentId}");
        page.Raw($"<nav><a href=\"{E(links.Index)}\">Agents</a></nav>");
        var metric = view.Goal.Metric.ToWire();
        page.Table("Now", ["", ""],
        [
            [Cell("Serving version"), Cell(view.Serving?.VersionId ?? "(none yet)")],
            [Cell("Serving since (UTC)"), Cell(RunPage.Time(view.Serving?.Since))],
            [Cell("Why it serves"), Cell(view.Serving?.Reason ?? "–")],
            [Cell($"Its {metric} on the evaluation set"), Number(view.ServingVersion?.Evaluation.Overall.Metric(view.Goal.Metric))],
            [Cell("Goal"), Cell($"{metric} target {view.Goal.Target:0.00}, acceptable {view.Goal.AcceptableRange.Min:0.00}–{view.Goal.AcceptableRange.Max:0.00}")],
            [Cell("Labelling queue"), Cell($"{view.OpenLabelling} request{(view.OpenLabelling == 1 ? "" : "s")} waiting for a person's label")],
        ]);

        page.Heading("Goal metric over time");
        if (MetricHistoryChart.Svg(view.Checks, view.Goal) is { } svg)
        {
            page.Raw($"<figure><div role=\"img\" aria-label=\"{E($"{metric} at {view.Checks.Count} monitoring checks, with the acceptable range")}\">{svg}</div>" +
                     $"<figcaption>{E($"{metric} of the serving version at each monitoring check; the band is the acceptable range, the dashed line the target.")}</figcaption></figure>");
            page.Table("The newest checks", ["at (UTC)", "version", "validation", "recent traffic", "labelled requests", "observed"],
                view.Checks.Reverse().Take(CheckRows).Select(c => (IEnumerable<string>)[Cell(RunPage.Time(c.At)), Cell(c.Snapshot.ServingVersionId ?? "–"),
                    Number(c.Snapshot.ValidationValue), c.Snapshot.FeedbackCount > 0 ? Number(c.Snapshot.FeedbackValue) : Number(null),
                    Number(c.Snapshot.FeedbackCount, "0"), Number(c.Snapshot.ObservedValue)]));
        }
        else page.Paragraph("No monitoring check of a serving version is stored yet; checks run on the agent's monitoring.schedule.");

        page.Heading("Runs");
        if (view.Runs.Count == 0) page.Paragraph("No run yet.");
        else
            page.Table(view.Runs.Count == 1 ? "The only run" : $"The newest {view.Runs.Count} runs", ["run", "opened (UTC)", "why", "state", "candidate"],
                view.Runs.Select(r => (IEnumerable<string>)[$"<td><a href=\"{E(links.Run(r.Opened.RunId))}\">{E(r.Opened.RunId)}</a></td>",
                    Cell(RunPage.Time(r.Opened.OpenedAt)), Cell(r.Opened.Reason), Cell(State(r.Run)), Cell(r.Run?.CandidateVersion ?? "–")]));

        page.Heading("Serving versions");
        if (view.Ledger.Count == 0) page.Paragraph("The promotion ledger is empty.");
        else
            page.Table("The promotion ledger, newest first", ["at (UTC)", "change", "serving", "before", "run", "why", "by"],
                view.Ledger.Select(d => (IEnumerable<string>)[Cell(RunPage.Time(d.At)), Cell(d.Change.ToWire()), Cell(d.ServingVersionId),
                    Cell(d.PreviousVersionId ?? "–"), d.RunId is { } run ? $"<td><a href=\"{E(links.Run(run))}\">{E(run)}</a></td>" : Cell("–"),
                    Cell(d.Reason), Cell(d.By)]));
        return page;
    }

    public static HtmlPage Index(IReadOnlyList<(string AgentId, GoalSpec Goal, ServingState? Serving, int OpenLabelling)> agents, PageLinks links) =>
        new HtmlPage("Agents").Table($"{agents.Count} agents", ["agent", "goal", "serving version", "since (UTC)", "labelling queue"],
            agents.Select(a => (IEnumerable<string>)[$"<td><a href=\"{E(links.Agent(a.AgentId))}\">{E(a.AgentId)}</a></td>",
                Cell($"{a.Goal.Metric.ToWire()} ≥ {a.Goal.Target:0.00}"), Cell(a.Serving?.VersionId ?? "(none yet)"),
                Cell(RunPage.Time(a.Serving?.Since)), Number(a.OpenLabelling, "0")]));

    private static string State(RunSnapshot? run) => run switch
    {
        null => "(no longer in the engine)",
        { WaitingForApproval: true } => "waiting for approval",
        { Report: { } report } => report.Status.ToWire(),
        _ => run.RuntimeStatus.ToString().ToLowerInvariant(),
    };
}
