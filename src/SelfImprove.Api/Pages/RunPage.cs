using System.Globalization;
using DurableTask.Core.History;
using Microsoft.DurableTask.Client;
using SelfImprove.Core;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;
using static SelfImprove.Api.Pages.HtmlPage;

namespace SelfImprove.Api.Pages;

/// <summary>One attempt of a run and its evidence: the candidate it trained and that candidate's figures on the evaluation set.</summary>
/// <param name="Attempt">The planner attempt, from 1.</param>
/// <param name="CandidateVersionId">The version the attempt trained; null when it trained none (yet).</param>
/// <param name="Candidate">That version's record; null when missing.</param>
public sealed record AttemptView(int Attempt, string? CandidateVersionId, ModelVersion? Candidate);

/// <summary>One timed step of the run's durable history (what ran, and when, UTC).</summary>
/// <param name="Seconds">How long it took, in seconds; null for a moment (an event, a start).</param>
public sealed record TimelineEntry(DateTimeOffset At, string What, double? Seconds);

/// <summary>What the run page shows.</summary>
/// <param name="Opened">The run as its ledger opened it (why, by whom); null for a run of a store without its record.</param>
/// <param name="Timeline">The steps with their times from the orchestration's history; empty when the backend keeps none.</param>
/// <param name="TimelineNote">Why <paramref name="Timeline"/> is empty, when it is.</param>
/// <param name="Decision">The approval decision, when one is recorded.</param>
/// <param name="Escalation">When the approval was escalated, when it was.</param>
public sealed record RunView(
    RunSnapshot Run, RunLedger.RunOpened? Opened, IReadOnlyList<TimelineEntry> Timeline, string? TimelineNote,
    IReadOnlyList<AttemptView> Attempts, RecordedApproval? Decision, ApprovalEscalation? Escalation, UsageReport Usage)
{
    /// <summary>The goal metric of a model version on its evaluation set.</summary>
    public static double? GoalValue(ModelVersion? version, Core.Manifests.GoalMetric metric) => version?.Evaluation.Overall.Metric(metric);
}

/// <summary>Reads a run's <see cref="RunView"/>: its durable state and history, the store's attempts and decision, its usage.</summary>
public sealed class RunViewReader(IArtifactStore store, IModelRegistry registry, RunLedger ledger, ApprovalTokens tokens, ApprovalEscalations escalations,
    DeploymentLedger deployments)
{
    /// <summary>Most timeline rows shown (the newest are dropped beyond it).</summary>
    public const int MaxTimeline = 300;

    public async Task<RunView> ReadAsync(RunSnapshot run, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        var agentId = run.AgentId ?? "";
        var opened = agentId.Length == 0 ? null
            : (await ledger.RunsAsync(agentId, int.MaxValue, cancellationToken)).FirstOrDefault(r => r.RunId == run.RunId);
        var (timeline, note) = await TimelineAsync(run.RunId, client, cancellationToken);
        var attempts = new List<AttemptView>();
        var last = Math.Max(run.Report?.Attempts ?? 0, run.Log.Count > 0 ? run.Log.Max(e => e.Attempt) : 0);
        for (var attempt = 1; attempt <= last; attempt++)
        {
            var name = StoreLayout.Candidate(run.RunId, attempt);
            var versionId = await store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<string>(json, name) : null;
            var version = versionId is null || agentId.Length == 0 ? null : await registry.GetAsync(agentId, versionId, cancellationToken);
            attempts.Add(new AttemptView(attempt, versionId, version));
        }
        var usage = agentId.Length == 0 ? UsageReport.None : await ledger.UsageAsync(run.RunId, agentId, cancellationToken);
        var decision = await tokens.DecisionAsync(run.RunId, cancellationToken);
        var escalation = await escalations.ReadAsync(run.RunId, cancellationToken);
        if (timeline.Count == 0)
        {
            // No history from the backend: the times the run's own records hold.
            timeline = await RecordedTimelineAsync(run, opened, attempts, decision, escalation, cancellationToken);
            note = "Times from the run's records (the durable backend keeps no readable history of its steps).";
        }
        return new RunView(run, opened, timeline, note, attempts, decision, escalation, usage);
    }

    /// <summary>
    /// The run's moments that its records hold, oldest first: opened, each attempt's candidate trained, approval asked
    /// (each link issued), escalated, decided, the promotion or rollback it recorded, ended.
    /// </summary>
    private async Task<IReadOnlyList<TimelineEntry>> RecordedTimelineAsync(RunSnapshot run, RunLedger.RunOpened? opened, IReadOnlyList<AttemptView> attempts,
        RecordedApproval? decision, ApprovalEscalation? escalation, CancellationToken cancellationToken)
    {
        var entries = new List<TimelineEntry> { new(opened?.OpenedAt ?? run.CreatedAt, "run started", null) };
        foreach (var attempt in attempts)
            if (attempt.Candidate is { } candidate) entries.Add(new(candidate.CreatedAt, $"attempt {attempt.Attempt}: candidate {candidate.VersionId} trained", null));
        foreach (var name in await store.ListAsync(StoreLayout.ApprovalTokensPrefix(run.RunId), cancellationToken))
            if (await store.ReadAsync(name, cancellationToken) is { } json
                && System.Text.Json.Nodes.JsonNode.Parse(json)?["issuedAt"]?.GetValue<DateTimeOffset>() is { } issued)
                entries.Add(new(issued, "approval link sent", null));
        if (escalation is not null) entries.Add(new(escalation.At, "approval escalated", null));
        if (decision is not null)
            entries.Add(new(decision.DecidedAt, decision.TimedOut ? "approval window closed without a decision" : $"{(decision.Decision.Approved ? "approved" : "rejected")} by {decision.Decision.By}", null));
        if (run.AgentId is { } agentId)
            foreach (var change in await deployments.ListAsync(agentId, cancellationToken))
                if (change.RunId == run.RunId) entries.Add(new(change.At, $"{change.Change.ToWire()}: {change.ServingVersionId} serves", null));
        if (run.IsEnded) entries.Add(new(run.LastUpdatedAt, $"run {run.RuntimeStatus.ToString().ToLowerInvariant()}", null));
        return entries.OrderBy(e => e.At).ToArray();
    }

    /// <summary>Activities, timers and events of the run's history with their times, oldest first.</summary>
    private static async Task<(IReadOnlyList<TimelineEntry>, string?)> TimelineAsync(string runId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IList<HistoryEvent> history;
        try
        {
            history = await client.GetOrchestrationHistoryAsync(runId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Backends that keep no readable history (or a purged run): the phase log below still shows the order.
            return ([], $"This backend did not return the run's history ({e.GetType().Name}); the phases below are in order, without times.");
        }
        var scheduled = new Dictionary<int, TaskScheduledEvent>();
        var entries = new List<TimelineEntry>();
        foreach (var e in history)
        {
            switch (e)
            {
                case ExecutionStartedEvent started: entries.Add(new(started.Timestamp, "run started", null)); break;
                case TaskScheduledEvent task: scheduled[task.EventId] = task; break;
                case TaskCompletedEvent done when scheduled.TryGetValue(done.TaskScheduledId, out var task):
                    entries.Add(new(task.Timestamp, Step(task.Name), (done.Timestamp - task.Timestamp).TotalSeconds)); break;
                case TaskFailedEvent failed when scheduled.TryGetValue(failed.TaskScheduledId, out var task):
                    entries.Add(new(task.Timestamp, $"{Step(task.Name)} failed", (failed.Timestamp - task.Timestamp).TotalSeconds)); break;
                case TimerCreatedEvent timer: entries.Add(new(timer.Timestamp, $"waits until {timer.FireAt:yyyy-MM-dd HH:mm:ss} UTC", null)); break;
                case EventRaisedEvent raised: entries.Add(new(raised.Timestamp, $"event '{raised.Name}' received", null)); break;
                case ExecutionCompletedEvent completed: entries.Add(new(completed.Timestamp, $"run {completed.OrchestrationStatus.ToString().ToLowerInvariant()}", null)); break;
                case ExecutionTerminatedEvent terminated: entries.Add(new(terminated.Timestamp, "run terminated", null)); break;
            }
        }
        return (entries.OrderBy(e => e.At).Take(MaxTimeline).ToArray(), null);
    }

    /// <summary>An activity's name in words: <c>TrainCandidateActivity</c> → <c>train candidate</c>.</summary>
    private static string Step(string? name)
    {
        name ??= "step";
        var bare = name.EndsWith("Activity", StringComparison.Ordinal) ? name[..^"Activity".Length] : name;
        return string.Concat(bare.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }
}

/// <summary>
/// The run page's HTML (<c>/ui/runs/{runId}</c>, and the self-contained file <c>selfimprove report --html</c> writes): the
/// run, its timeline with times from the durable history, the phase log, each attempt with its candidate's figures, the
/// approval (and when it escalated), the final report and the LLM usage.
/// </summary>
public static class RunPage
{
    public static HtmlPage Render(RunView view, Core.Manifests.GoalSpec? goal, PageLinks links)
    {
        var run = view.Run;
        var page = new HtmlPage($"Run {run.RunId}");
        if (links.Base.Length > 0)
            page.Raw($"<nav><a href=\"{E(links.Index)}\">Agents</a> · <a href=\"{E(links.Agent(run.AgentId ?? ""))}\">{E(run.AgentId)}</a></nav>");
        page.Table("The run", ["", ""],
        [
            [Cell("Agent"), Cell(run.AgentId)],
            [Cell("Status"), Cell(Status(run))],
            [Cell("Why it started"), Cell(view.Opened is { } o ? $"{o.Reason}{(o.Manual ? " (started by a person)" : "")}" : "–")],
            [Cell("Started (UTC)"), Cell(Time(run.CreatedAt))],
            [Cell("Last change (UTC)"), Cell(Time(run.LastUpdatedAt))],
            [Cell("Candidate"), Cell(run.CandidateVersion ?? "–")],
            [Cell("Orchestrator version"), Cell(run.OrchestrationVersion)],
            .. run.Failure is { } failure ? [[Cell("Failure"), Cell(failure)]] : Array.Empty<IEnumerable<string>>(),
        ]);

        page.Heading("Timeline");
        page.Table("The run's steps with their times (UTC)", ["at", "step", "took (s)"],
            view.Timeline.Select(t => (IEnumerable<string>)[Cell(Time(t.At)), Cell(t.What), Number(t.Seconds, "0.00")]));
        if (view.TimelineNote is { } note) page.Paragraph(note, "note");

        page.Heading("Phases");
        page.Table("The run's phase log, in order", ["#", "phase", "attempt", "detail"],
            run.Log.Select((e, i) => (IEnumerable<string>)[Number(i + 1, "0"), Cell(e.Phase.ToWire()), Number(e.Attempt, "0"), Cell(e.Detail)]));

        page.Heading("Attempts");
        var metric = goal?.Metric;
        if (view.Attempts.Count == 0) page.Paragraph("No attempt has started yet.");
        else
            page.Table($"Each attempt's candidate on the evaluation set{(goal is null ? "" : $" (goal: {goal.Metric.ToWire()} ≥ {goal.Target:0.00})")}",
                ["attempt", "candidate", "goal metric", "accuracy", "macro F1", "trained on (examples)"],
                view.Attempts.Select(a => (IEnumerable<string>)[Number(a.Attempt, "0"), Cell(a.CandidateVersionId ?? "(none)"),
                    Number(metric is { } m ? RunView.GoalValue(a.Candidate, m) : null), Number(a.Candidate?.Evaluation.Overall.Accuracy),
                    Number(a.Candidate?.Evaluation.Overall.MacroF1), Number(a.Candidate?.TrainingSet.Count, "0")]));

        page.Heading("Approval");
        if (view.Escalation is { } escalation)
            page.Paragraph($"Escalated at {Time(escalation.At)} UTC (half the approval timeout passed without a decision){(escalation.NotifiedTarget is { } t ? $"; notified '{t}' again" : "")}.");
        if (view.Decision is { } decision)
            page.Paragraph(decision.TimedOut
                ? $"No decision came in time; the window closed at {Time(decision.DecidedAt)} UTC."
                : $"{(decision.Decision.Approved ? "Approved" : "Rejected")} by {decision.Decision.By} at {Time(decision.DecidedAt)} UTC" +
                  (decision.Decision.Comment is { Length: > 0 } c ? $": \"{c}\"" : "."));
        else if (run.WaitingForApproval) page.Paragraph($"Waiting for a decision until {Time(run.Progress?.ApprovalExpiresAt)} UTC (the approval link was sent to the approvers).");
        else if (view.Escalation is null) page.Paragraph("No approval was asked for (yet).");

        page.Heading("Report");
        if (run.Report is { } report) RenderReport(page, report);
        else page.Paragraph(run.IsEnded ? "The run ended without a report." : "The report is written when the run ends.");

        page.Heading("LLM usage");
        var usage = view.Usage;
        page.Paragraph($"{usage.Calls} calls, {usage.Tokens} tokens ({usage.InputTokens} in, {usage.OutputTokens} out) of a budget of {usage.TokenBudget}; cost {usage.Cost:0.######}.");
        if (usage.ByPhase.Count > 0)
            page.Table("By phase", ["phase", "calls", "tokens", "cost"],
                usage.ByPhase.Select(l => (IEnumerable<string>)[Cell(l.Name), Number(l.Calls, "0"), Number(l.InputTokens + l.OutputTokens, "0"), Number(l.Cost, "0.######")]));
        return page;
    }

    private static void RenderReport(HtmlPage page, ImprovementReport report)
    {
        page.Table("How the run ended", ["", ""],
        [
            [Cell("Outcome"), Cell(report.Status.ToWire())],
            [Cell("Why"), Cell(report.Reason)],
            [Cell("Goal"), Cell($"{report.Goal.Metric} ≥ {report.Goal.Target.ToString("0.00", CultureInfo.InvariantCulture)}")],
            [Cell("Serving before the drift point"), Number(report.Metrics.BeforeDrift)],
            [Cell("Serving after the drift point"), Number(report.Metrics.AfterDrift)],
            [Cell("Candidate after the drift point"), Number(report.Metrics.Candidate)],
            [Cell("Attempts"), Number(report.Attempts, "0")],
            [Cell("Teacher samples"), Number(report.TeacherSamples, "0")],
            [Cell("Candidate"), Cell(report.CandidateVersion ?? "–")],
            [Cell("Serving when it ended"), Cell(report.ServingVersion ?? "–")],
            [Cell("Approval"), Cell(report.Approval is { } a ? $"{a.Decision.ToWire()}{(a.By is { } by ? $" by {by}" : "")}" : "–")],
            [Cell("Trial"), Cell(report.Deployment is { } d ? $"{d.Decision.ToWire()} at candidate share {d.CandidateShare:0.00} on {d.Samples} samples" : "–")],
            [Cell("Wall time (s)"), Number(report.WallSeconds, "0.0")],
        ]);
        if (report.Alignment is { } alignment)
            page.Table("Alignment gate", ["", ""],
            [
                [Cell("Passed"), Cell(alignment.Passed ? "yes" : "no")],
                [Cell("Decided by"), Cell(alignment.DecidedBy.ToWire())],
                [Cell("D: candidate's distance (bits)"), Number(alignment.Distance, "0.0000")],
                [Cell("V′ (Σ) of the candidate"), Number(alignment.AlignedValue, "0.0000")],
                [Cell("V′ (Σ) of the serving version"), Number(alignment.ServingAlignedValue, "0.0000")],
                [Cell("Why"), Cell(alignment.Reason ?? "–")],
            ]);
    }

    private static string Status(RunSnapshot run) =>
        run.WaitingForApproval ? "waiting for approval"
        : run.WaitingForLabels ? "waiting for people's labels"
        : run.WaitingForDemonstrations ? "waiting for demonstrations"
        : run.Report is { } report ? $"{run.RuntimeStatus.ToString().ToLowerInvariant()}: {report.Status.ToWire()}"
        : run.RuntimeStatus.ToString().ToLowerInvariant();

    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "–";
}
