using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Runs in the artefact store: <c>agents/{id}/run.lock</c> (holds the running run's id and when it was taken; created only if absent,
/// so two starts can never both win; <c>agents/{id}/released/{runId}.json</c> marks a dead run's lock released),
/// <c>agents/{id}/runs/{n}.json</c> (allocates <c>{agentId}-{n}</c>),
/// <c>runs/{runId}/report.json</c> and <c>agents/{id}/last-run.json</c> (for the cooldown).
/// </summary>
public sealed class RunLedger(AgentCatalog agents, IArtifactStore store, IUsageLedger usage, TimeProvider clock) : IRunLedger
{
    /// <summary>With the run's LLM usage kept in the same store.</summary>
    public RunLedger(AgentCatalog agents, IArtifactStore store, TimeProvider clock) : this(agents, store, new ArtifactUsageLedger(store), clock)
    {
    }

    public RunSettings Settings(string agentId)
    {
        var m = agents.Get(agentId).Manifest;
        return new RunSettings(agentId, m.Goal, m.Trigger, m.Evaluation.MaxAttempts, m.Approval.Required, m.Approval.Timeout, m.Training.HyperParameters,
            m.Teacher.AllowHumanDemonstrations, m.Teacher.DemonstrationTimeout, m.Teacher.AllowHumanLabelling, m.Teacher.LabellingTimeout,
            m.Deployment.CheckEvery, m.Deployment.MaxDuration);
    }

    public async Task<RunStartResult> OpenAsync(RunStartRequest request, CancellationToken cancellationToken = default)
    {
        agents.Get(request.AgentId);
        var lockName = StoreLayout.RunLock(request.AgentId);
        var existing = await RunningIdAsync(request.AgentId, cancellationToken);
        if (existing is not null) return new RunStartResult(false, existing, $"run {existing} of '{request.AgentId}' is still in progress");

        // The lock first: a start that loses leaves nothing behind. Run numbers are allocated only by the lock's
        // holder, so the next number is normally free; a leftover record only moves it on.
        var number = (await store.ListAsync(StoreLayout.RunRecordsPrefix(request.AgentId), cancellationToken)).Count + 1;
        var takenAt = clock.GetUtcNow();
        if (!await store.TryCreateAsync(lockName, StoreJson.Serialize(new RunLock(RunId(request.AgentId, number), takenAt)), cancellationToken))
        {
            var winner = await RunningIdAsync(request.AgentId, cancellationToken) ?? "another run";
            return new RunStartResult(false, winner, $"run {winner} of '{request.AgentId}' started first");
        }
        while (!await store.TryCreateAsync(StoreLayout.RunRecord(request.AgentId, number),
                   StoreJson.Serialize(new RunOpened(RunId(request.AgentId, number), request.Reason, request.Manual, takenAt)), cancellationToken))
        {
            number++;
            await store.WriteAsync(lockName, StoreJson.Serialize(new RunLock(RunId(request.AgentId, number), takenAt)), cancellationToken);
        }
        var runId = RunId(request.AgentId, number);
        return new RunStartResult(true, runId, $"run {runId} started: {request.Reason}");
    }

    public async Task CloseAsync(ImprovementReport report, CancellationToken cancellationToken = default)
    {
        if (report.RunId is null) throw new ArgumentException("Only reports of runs that started can be recorded.", nameof(report));
        var ended = clock.GetUtcNow();
        // Report first (kept if already there: a replayed close must not rewrite history), then the cooldown clock, then the lock.
        if (await store.TryCreateAsync(StoreLayout.RunReport(report.RunId), StoreJson.Serialize(report), cancellationToken))
            await store.WriteAsync(StoreLayout.LastRun(report.AgentId), StoreJson.Serialize(new RunClosed(report.RunId, report.Status, ended)), cancellationToken);
        if (await RunningIdAsync(report.AgentId, cancellationToken) == report.RunId)
            await store.DeleteAsync(StoreLayout.RunLock(report.AgentId), cancellationToken);
    }

    public async Task<UsageReport> UsageAsync(string runId, string agentId, CancellationToken cancellationToken = default) =>
        UsageReport.From(await usage.ListAsync(runId, cancellationToken), agents.Get(agentId).Manifest.Planner.TokenBudget);

    public async Task<OpenRun?> RunningAsync(string agentId, CancellationToken cancellationToken = default) =>
        await ReadLockAsync(agentId, cancellationToken) is { } held ? new OpenRun(held.RunId, held.TakenAt) : null;

    public async Task<bool> ReleaseAsync(string agentId, string runId, CancellationToken cancellationToken = default)
    {
        // The release marker is created once per run: of two callers that found the same dead run, one deletes its lock;
        // the other cannot delete a lock taken by a newer run in between.
        if (!await store.TryCreateAsync(StoreLayout.RunReleased(agentId, runId), StoreJson.Serialize(clock.GetUtcNow()), cancellationToken)) return false;
        if (await RunningIdAsync(agentId, cancellationToken) != runId) return false;
        // A run that died before its record was written still uses up its number.
        await store.TryCreateAsync(StoreLayout.RunRecord(agentId, int.Parse(runId[(agentId.Length + 1)..])),
            StoreJson.Serialize(new RunOpened(runId, "released: the run ended without closing", false, clock.GetUtcNow())), cancellationToken);
        return await store.DeleteAsync(StoreLayout.RunLock(agentId), cancellationToken);
    }

    public async Task<AgentRunState> StateAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var last = await store.ReadAsync(StoreLayout.LastRun(agentId), cancellationToken);
        var closed = last is null ? null : StoreJson.Deserialize<RunClosed>(last, StoreLayout.LastRun(agentId));
        return new AgentRunState(await RunningIdAsync(agentId, cancellationToken), closed?.EndedAt);
    }

    public async Task<ImprovementReport?> ReportAsync(string runId, CancellationToken cancellationToken = default)
    {
        var json = await store.ReadAsync(StoreLayout.RunReport(runId), cancellationToken);
        return json is null ? null : StoreJson.Deserialize<ImprovementReport>(json, StoreLayout.RunReport(runId));
    }

    private async Task<string?> RunningIdAsync(string agentId, CancellationToken cancellationToken) =>
        (await ReadLockAsync(agentId, cancellationToken))?.RunId;

    private async Task<RunLock?> ReadLockAsync(string agentId, CancellationToken cancellationToken)
    {
        var json = await store.ReadAsync(StoreLayout.RunLock(agentId), cancellationToken);
        if (json is null) return null;
        // Stores written before the lock recorded its time hold just the run id.
        return json.Length > 0 && json[0] == (byte)'"'
            ? new RunLock(StoreJson.Deserialize<string>(json, StoreLayout.RunLock(agentId)), DateTimeOffset.MinValue)
            : StoreJson.Deserialize<RunLock>(json, StoreLayout.RunLock(agentId));
    }

    private static string RunId(string agentId, int number) => $"{agentId}-{number}";

    /// <summary>The agent's run lock: which run holds it and since when.</summary>
    private sealed record RunLock(string RunId, DateTimeOffset TakenAt);

    private sealed record RunOpened(string RunId, string Reason, bool Manual, DateTimeOffset OpenedAt);

    private sealed record RunClosed(string RunId, RunStatus Status, DateTimeOffset EndedAt);
}
