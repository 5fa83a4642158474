using System.Collections.Concurrent;
using SelfImprove.Core.Datasets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SelfImprove.Core.Ports;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Hosting;

/// <summary>What a replay sent.</summary>
/// <param name="Requests">Requests sent through the predict path.</param>
/// <param name="Feedback">Feedback items sent through the feedback path (by request id, with the recorded label).</param>
/// <param name="AlreadyInStore">Nothing was sent: the agent's store holds logged traffic already (a restarted demo server).</param>
public sealed record ReplayCounts(int Requests, int Feedback, bool AlreadyInStore = false);

/// <summary>
/// Plays an agent's recorded production stream (the generator, or CSV/JSONL production files) as live traffic: the
/// recorded requests go through the same predict path as callers' (<see cref="ServingRouter"/>, so each is logged with
/// its request id, version and arm) and the recorded labels through the same feedback path (<see cref="FeedbackLog"/>,
/// by request id). The demo, the tests, the benchmarks and <c>serve --replay</c> use it; no step of the loop reads a
/// recorded stream. Time is compressed: requests go in recorded order, in batches, as fast as the agent answers.
/// <list type="bullet">
/// <item>The stream's last <c>deployment.trialShare</c> is held back and sent while the run's A/B trial runs.</item>
/// <item>Every n-th request (<c>monitoring.feedbackShare</c>) comes back with its recorded label as feedback.</item>
/// <item>It is also the <i>simulated annotator</i>: it answers the labelling queue's items from the recorded labels (by
/// the request's text, so it also answers for requests a process before a restart sent), through the run client, as a
/// person would. Items whose text the recording does not hold wait for people.</item>
/// </list>
/// </summary>
public sealed class TrafficReplayer(AgentCatalog agents, ServingRouter router, FeedbackLog feedback, IArtifactStore store, TrainingBatches batches)
{
    /// <summary>Requests per predict call.</summary>
    public const int BatchSize = 64;

    /// <summary>Who the simulated annotator's labels are from.</summary>
    public const string Annotator = "annotator:replay";

    // The recorded ground truth by request text, per agent: only the simulated annotator reads it.
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> truth = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> trialSent = new(StringComparer.Ordinal);

    /// <summary>
    /// Sends the stream's past (everything but the trial window), once per store: an agent whose store holds logged
    /// traffic already (a restarted demo server) gets nothing again.
    /// </summary>
    public async Task<ReplayCounts> ReplayHistoryAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var entry = agents.Get(agentId);
        if ((await store.ListAsync(StoreLayout.TrafficPrefix(agentId), cancellationToken)).Count > 0) return new ReplayCounts(0, 0, AlreadyInStore: true);
        return await SendAsync(agentId, entry.Windows.History(entry.Data.Production), cancellationToken);
    }

    /// <summary>
    /// Sends a fresh slice of the recorded past as new traffic, for a loop that runs round after round on a finite recording
    /// (the planner only sees requests logged since the serving version went live): from position
    /// <paramref name="start"/> of the history (taken modulo its length), the next <paramref name="count"/> requests in
    /// recorded order, going round the history at most once and skipping requests whose text the agent has labelled
    /// already (in any stored training batch) — the callers of a real agent do not come back with exactly the question
    /// that was labelled, and labelling it twice would buy nothing. Every n-th request (<c>monitoring.feedbackShare</c>)
    /// comes back with feedback, as in <see cref="ReplayHistoryAsync"/>.
    /// </summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="start">Where in the history the slice starts, e.g. the round number times <paramref name="count"/>.</param>
    /// <param name="count">Requests to send (fewer when the history has fewer unlabelled texts).</param>
    /// <param name="cancellationToken">Stops sending.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or <paramref name="count"/> below 1.</exception>
    public async Task<ReplayCounts> ReplaySliceAsync(string agentId, int start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var entry = agents.Get(agentId);
        var history = entry.Windows.History(entry.Data.Production);
        if (history.Count == 0) return new ReplayCounts(0, 0);
        var labelled = (await batches.AllAsync(agentId, cancellationToken))
            .SelectMany(b => b.Examples).Select(e => e.Text.Trim()).ToHashSet(StringComparer.Ordinal);
        var slice = Enumerable.Range(0, history.Count).Select(i => history[(start + i) % history.Count])
            .Where(r => !labelled.Contains(r.Text.Trim())).Take(count).ToArray();
        return await SendAsync(agentId, slice, cancellationToken);
    }

    /// <summary>Sends the stream's trial window for the trial of run <paramref name="runId"/> (once per run); zero counts when it was sent already.</summary>
    public Task<ReplayCounts> ReplayTrialAsync(string agentId, string runId, CancellationToken cancellationToken = default)
    {
        if (!trialSent.TryAdd($"{agentId}/{runId}", true)) return Task.FromResult(new ReplayCounts(0, 0));
        var entry = agents.Get(agentId);
        return SendAsync(agentId, entry.Windows.Trial(entry.Data.Production), cancellationToken);
    }

    /// <summary>
    /// Answers the open items of the agent's labelling queue whose recorded label it knows, through the run client as
    /// the labelling route does (so a waiting run is told); returns how many.
    /// </summary>
    public Task<int> AnswerQueueAsync(string agentId, RunClient runs, CancellationToken cancellationToken = default) =>
        AnswerAsync(agentId, runs.OpenLabellingAsync(agentId, int.MaxValue, cancellationToken),
            (id, label) => runs.LabelAsync(agentId, id, label, Annotator, cancellationToken));

    /// <summary>The same, straight into the queue, for steps called without a durable engine (no run to tell).</summary>
    public Task<int> AnswerQueueAsync(string agentId, LabellingQueue queue, CancellationToken cancellationToken = default) =>
        AnswerAsync(agentId, queue.OpenAsync(agentId, int.MaxValue, cancellationToken),
            (id, label) => queue.AnswerAsync(agentId, id, label, Annotator, cancellationToken));

    private async Task<int> AnswerAsync(string agentId, Task<IReadOnlyList<LabellingItem>> open, Func<string, string, Task<AnswerResult>> answer)
    {
        var labels = Truth(agentId);
        var answered = 0;
        foreach (var item in await open)
            if (labels.TryGetValue(item.Text, out var label) && (await answer(item.ItemId, label)).Outcome is AnswerOutcome.Recorded) answered++;
        return answered;
    }

    /// <summary>The recording's labels by text (its texts are distinct; the first label of a repeated text stands).</summary>
    private IReadOnlyDictionary<string, string> Truth(string agentId) => truth.GetOrAdd(agentId, id =>
    {
        var byText = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var request in agents.Get(id).Data.Production)
            if (request.TrueLabel is { } label) byText.TryAdd(request.Text.Trim(), label);
        return byText;
    });

    /// <summary>
    /// Plays the agent's side of a run until it ends: answers the labelling queue while the run waits for labels,
    /// and sends the trial window once the run's A/B trial has started.
    /// </summary>
    /// <param name="poll">How often it looks at the run (e.g. 100 ms).</param>
    /// <param name="cancellationToken">Ends it quietly (whatever was being sent stops where it was).</param>
    public async Task AccompanyAsync(string agentId, string runId, RunClient runs, TimeSpan poll, CancellationToken cancellationToken = default)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var run = await runs.GetAsync(runId, cancellationToken);
                if (run is null || run.IsEnded) return;
                if (run.WaitingForLabels) await AnswerQueueAsync(agentId, runs, cancellationToken);
                if (await TrialRunningAsync(agentId, runId, cancellationToken)) await ReplayTrialAsync(agentId, runId, cancellationToken);
                await Task.Delay(poll, cancellationToken);
            }
        }
        // A cancelled encoder call surfaces as the runtime's own exception, not as a cancellation.
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether run <paramref name="runId"/> has its A/B trial running.</summary>
    public async Task<bool> TrialRunningAsync(string agentId, string runId, CancellationToken cancellationToken)
    {
        var json = await store.ReadAsync(StoreLayout.Trial(agentId), cancellationToken);
        return json is not null && StoreJson.Deserialize<TrialState>(json, StoreLayout.Trial(agentId)).RunId == runId;
    }

    private async Task<ReplayCounts> SendAsync(string agentId, IReadOnlyList<ProductionRequest> requests, CancellationToken cancellationToken)
    {
        var windows = agents.Get(agentId).Windows;
        var (sent, feedbackSent) = (0, 0);
        foreach (var chunk in requests.Chunk(BatchSize))
        {
            var answers = await router.PredictAsync(agentId, chunk.Select(r => new PredictInput(r.Text)).ToArray(), cancellationToken);
            for (var i = 0; i < chunk.Length; i++)
            {
                var (request, answer) = (chunk[i], answers[i]);
                if (request.TrueLabel is null || !windows.HasFeedback(request)) continue;
                var result = await feedback.AppendForRequestAsync(agentId, answer.RequestId, request.TrueLabel, null, null, cancellationToken);
                if (result.Outcome is not FeedbackOutcome.UnknownRequest) feedbackSent++;
            }
            sent += chunk.Length;
        }
        return new ReplayCounts(sent, feedbackSent);
    }
}

/// <summary>
/// <c>serve --replay</c>: a demo server's callers and annotators. The server replays each agent's recorded past before it
/// listens (<see cref="TrafficReplayer.ReplayHistoryAsync"/>); from then on, whenever a run of an agent waits for labels
/// the simulated annotator answers its queue, and when the run's trial starts the trial window is sent.
/// </summary>
public sealed class ReplayService(TrafficReplayer replayer, AgentCatalog agents, RunClient runs,
    ILogger<ReplayService> logger) : BackgroundService
{
    /// <summary>How often it looks at the agents' runs.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var agentId in agents.AgentIds)
                {
                    if (await runs.RunningAsync(agentId, stoppingToken) is not { } runId) continue;
                    if (await runs.GetAsync(runId, stoppingToken) is { WaitingForLabels: true }) await replayer.AnswerQueueAsync(agentId, runs, stoppingToken);
                    if (!await replayer.TrialRunningAsync(agentId, runId, stoppingToken)) continue;
                    var sent = await replayer.ReplayTrialAsync(agentId, runId, stoppingToken);
                    if (sent.Requests > 0)
                        logger.LogInformation("Replayed the trial window of {AgentId}: {Requests} requests, {Feedback} feedback items.", agentId, sent.Requests, sent.Feedback);
                }
                await Task.Delay(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The traffic replayer failed a round; it tries again.");
                await Task.Delay(Poll, stoppingToken);
            }
        }
    }
}
