using SelfImprove.Core.Models;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// Runs in the artefact store: <c>agents/{id}/run.lock</c> (holds the running run's id and when it was taken; created only if absent,
/// so two starts can never both win; rewritten and deleted only If-Match the version its holder read, so a close or release
/// never removes a lock another run took in between; <c>agents/{id}/released/{runId}.json</c> records a dead run's lock released),
/// <c>agents/{id}/runs/{n}.json</c> (allocates <c>{agentId}-{n}</c>),
/// <c>runs/{runId}/report.json</c>, <c>runs/{runId}/terminated.json</c> and <c>agents/{id}/last-run.json</c> (for the cooldown).
/// The same lock serialises runs with rollbacks of the serving version (<see cref="TryHoldAsync"/>).
/// </summary>
public sealed class RunLedger(AgentCatalog agents, IArtifactStore store, IUsageLedger usage, IModelRegistry registry, TimeProvider clock) : IRunLedger
{
    /// <summary>With the run's LLM usage and the model registry kept in the same store.</summary>
    public RunLedger(AgentCatalog agents, IArtifactStore store, TimeProvider clock)
        : this(agents, store, new ArtifactUsageLedger(store), new ArtifactModelRegistry(store, clock), clock)
    {
    }

    public RunSettings Settings(string agentId)
    {
        var m = agents.Get(agentId).Manifest;
        return new RunSettings(agentId, m.Goal, m.Trigger, m.Evaluation.MaxAttempts, m.Approval.Required, m.Approval.Timeout, m.Training.HyperParameters,
            m.Teacher.AllowHumanDemonstrations, m.Teacher.DemonstrationTimeout, m.Teacher.AllowHumanLabelling, m.Teacher.LabellingTimeout,
            m.Deployment.CheckEvery, m.Deployment.MaxDuration, m.Training.Compute);
    }

    public async Task<RunStartResult> OpenAsync(RunStartRequest request, CancellationToken cancellationToken = default)
    {
        agents.Get(request.AgentId);
        var lockName = StoreLayout.RunLock(request.AgentId);
        if (await ReadLockAsync(request.AgentId, cancellationToken) is { } existing) return Refused(request.AgentId, existing.Lock, "is still in progress");

        // The lock first: a start that loses leaves nothing behind. Run numbers are allocated only by the lock's
        // holder, so the next number is normally free; a leftover record only moves it on.
        var number = (await store.ListAsync(StoreLayout.RunRecordsPrefix(request.AgentId), cancellationToken)).Count + 1;
        var takenAt = clock.GetUtcNow();
        var taken = new RunLock(RunId(request.AgentId, number), takenAt);
        if (!await store.TryCreateAsync(lockName, StoreJson.Serialize(taken), cancellationToken))
        {
            return await ReadLockAsync(request.AgentId, cancellationToken) is { } winner
                ? Refused(request.AgentId, winner.Lock, "started first")
                : new RunStartResult(false, taken.RunId, $"another start of '{request.AgentId}' took its lock and released it meanwhile; try again");
        }
        while (!await store.TryCreateAsync(StoreLayout.RunRecord(request.AgentId, number),
                   StoreJson.Serialize(new RunOpened(RunId(request.AgentId, number), request.Reason, request.Manual, takenAt)), cancellationToken))
        {
            // Move the lock to the next number, only while it is still this start's.
            var held = await ReadLockAsync(request.AgentId, cancellationToken);
            number++;
            var moved = taken with { RunId = RunId(request.AgentId, number) };
            if (held is null || held.Lock != taken
                || await store.WriteIfVersionAsync(lockName, StoreJson.Serialize(moved), held.Version, cancellationToken) is null)
                return new RunStartResult(false, taken.RunId, $"the lock of '{request.AgentId}' was released while run {taken.RunId} was being opened; try again");
            taken = moved;
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
        await DeleteLockOfAsync(report.AgentId, report.RunId, cancellationToken);
    }

    public async Task<UsageReport> UsageAsync(string runId, string agentId, CancellationToken cancellationToken = default) =>
        UsageReport.From(await usage.ListAsync(runId, cancellationToken), agents.Get(agentId).Manifest.Planner.TokenBudget);

    public async Task<OpenRun?> RunningAsync(string agentId, CancellationToken cancellationToken = default) =>
        await ReadLockAsync(agentId, cancellationToken) is { } held ? new OpenRun(held.Lock.RunId, held.Lock.TakenAt) : null;

    public async Task<bool> ReleaseAsync(string agentId, string runId, CancellationToken cancellationToken = default)
    {
        if (await ReadLockAsync(agentId, cancellationToken) is not { } held || held.Lock.RunId != runId) return false;
        // A run that died before its record was written still uses up its number (a rollback's hold has none).
        if (held.Lock.Purpose is null && RunNumber(agentId, runId) is { } number)
            await store.TryCreateAsync(StoreLayout.RunRecord(agentId, number),
                StoreJson.Serialize(new RunOpened(runId, "released: the run ended without closing", false, clock.GetUtcNow())), cancellationToken);
        // Of two callers that found the same dead run, the conditional delete lets only one release it, and neither can
        // delete a lock a newer run took in between.
        if (!await store.DeleteIfVersionAsync(StoreLayout.RunLock(agentId), held.Version, cancellationToken)) return false;
        await store.TryCreateAsync(StoreLayout.RunReleased(agentId, runId), StoreJson.Serialize(clock.GetUtcNow()), cancellationToken);
        return true;
    }

    /// <summary>
    /// Takes the agent's run lock for a short operation that must not overlap a run, such as a rollback of the serving
    /// version: while it is held no run starts (a start is refused and names the hold), and it is not taken while a run
    /// (or another hold) has the lock. Release it with <see cref="ReleaseHoldAsync"/>; a hold its process never released
    /// is released like a dead run's lock, <see cref="ImprovementRun.RunStarter.SchedulingGrace"/> after it was taken.
    /// </summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="purpose">What holds the lock: 1–20 lowercase letters, e.g. <c>rollback</c>; the hold's id is <c>{purpose}-{12 hex}</c>.</param>
    /// <returns>The hold when taken; otherwise <see cref="AgentHold.Taken"/> is false and <see cref="AgentHold.HolderId"/> names who holds the lock.</returns>
    /// <exception cref="KeyNotFoundException">The agent is not registered.</exception>
    /// <exception cref="ArgumentException"><paramref name="purpose"/> is not 1–20 lowercase letters.</exception>
    public async Task<AgentHold> TryHoldAsync(string agentId, string purpose, CancellationToken cancellationToken = default)
    {
        agents.Get(agentId);
        if (purpose.Length is 0 or > 20 || !purpose.All(char.IsAsciiLetterLower))
            throw new ArgumentException($"A hold's purpose is 1–20 lowercase letters, not '{purpose}'.", nameof(purpose));
        var hold = new RunLock($"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 13)], clock.GetUtcNow(), purpose);
        while (true)
        {
            if (await store.TryCreateAsync(StoreLayout.RunLock(agentId), StoreJson.Serialize(hold), cancellationToken))
                return new AgentHold(agentId, true, hold.RunId, $"{hold.RunId} holds '{agentId}'");
            // Gone again between the create and the read: the holder just released it, so try once more.
            if (await ReadLockAsync(agentId, cancellationToken) is { } other)
                return new AgentHold(agentId, false, other.Lock.RunId, Describe(agentId, other.Lock, "is in progress"));
        }
    }

    /// <summary>Releases a hold taken by <see cref="TryHoldAsync"/> (If-Match: never another holder's lock).</summary>
    /// <returns>False when the lock was no longer this hold (it was released as abandoned).</returns>
    public Task<bool> ReleaseHoldAsync(AgentHold hold, CancellationToken cancellationToken = default) =>
        hold.Taken ? DeleteLockOfAsync(hold.AgentId, hold.HolderId, cancellationToken) : Task.FromResult(false);

    /// <summary>
    /// Records that the run was terminated (call it as soon as the termination is sent) and marks every model version
    /// the run registered abandoned. A training that finishes later finds the record (<see cref="AbandonIfEndedAsync"/>).
    /// Idempotent: the first reason stays.
    /// </summary>
    public async Task RecordTerminatedAsync(string agentId, string runId, string reason, CancellationToken cancellationToken = default)
    {
        await store.TryCreateAsync(StoreLayout.RunTerminated(runId), StoreJson.Serialize(new RunTerminated(reason, clock.GetUtcNow())), cancellationToken);
        var why = await TerminationAsync(runId, cancellationToken) ?? new RunTerminated(reason, clock.GetUtcNow());
        foreach (var version in await registry.ListAsync(agentId, cancellationToken))
            if (version.CreatedBy.StartsWith(runId + "/", StringComparison.Ordinal))
                await registry.MarkAbandonedAsync(agentId, version.VersionId,
                    new VersionAbandonment(runId, $"run {runId} was terminated: {why.Reason}", why.At), cancellationToken);
    }

    /// <summary>
    /// For a version a run's training just registered: marks it abandoned when the run has ended meanwhile (terminated,
    /// closed, or its lock released or taken by another run), since no step of that run will try it.
    /// </summary>
    /// <returns>True when the version was marked abandoned.</returns>
    public async Task<bool> AbandonIfEndedAsync(string agentId, string runId, string versionId, CancellationToken cancellationToken = default)
    {
        string? why = null;
        if (await TerminationAsync(runId, cancellationToken) is { } terminated) why = $"run {runId} was terminated: {terminated.Reason}";
        else if (await store.ReadAsync(StoreLayout.RunReport(runId), cancellationToken) is not null) why = $"run {runId} had already ended when its training finished";
        else if ((await ReadLockAsync(agentId, cancellationToken))?.Lock.RunId != runId) why = $"run {runId} no longer held '{agentId}' when its training finished";
        return why is not null && await registry.MarkAbandonedAsync(agentId, versionId, new VersionAbandonment(runId, why, clock.GetUtcNow()), cancellationToken);
    }

    public async Task<AgentRunState> StateAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var last = await store.ReadAsync(StoreLayout.LastRun(agentId), cancellationToken);
        var closed = last is null ? null : StoreJson.Deserialize<RunClosed>(last, StoreLayout.LastRun(agentId));
        return new AgentRunState((await ReadLockAsync(agentId, cancellationToken))?.Lock.RunId, closed?.EndedAt);
    }

    /// <summary>The agent's runs as opened, newest first, at most <paramref name="limit"/> (the run and agent pages list them).</summary>
    /// <exception cref="InvalidDataException">A run record is not a <see cref="RunOpened"/>.</exception>
    public async Task<IReadOnlyList<RunOpened>> RunsAsync(string agentId, int limit, CancellationToken cancellationToken = default)
    {
        var prefix = StoreLayout.RunRecordsPrefix(agentId);
        var names = (await store.ListAsync(prefix, cancellationToken))
            .Select(n => (Name: n, Number: int.TryParse(n.AsSpan(prefix.Length, n.Length - prefix.Length - ".json".Length), out var i) ? i : -1))
            .Where(n => n.Number > 0).OrderByDescending(n => n.Number).Take(limit);
        var runs = new List<RunOpened>();
        foreach (var (name, _) in names)
            if (await store.ReadAsync(name, cancellationToken) is { } json) runs.Add(StoreJson.Deserialize<RunOpened>(json, name));
        return runs;
    }

    public async Task<ImprovementReport?> ReportAsync(string runId, CancellationToken cancellationToken = default)
    {
        var json = await store.ReadAsync(StoreLayout.RunReport(runId), cancellationToken);
        return json is null ? null : StoreJson.Deserialize<ImprovementReport>(json, StoreLayout.RunReport(runId));
    }

    /// <summary>Deletes the lock if <paramref name="holderId"/> holds it, If-Match the version read: a lock taken by another in between stays.</summary>
    private async Task<bool> DeleteLockOfAsync(string agentId, string holderId, CancellationToken cancellationToken) =>
        await ReadLockAsync(agentId, cancellationToken) is { } held && held.Lock.RunId == holderId
        && await store.DeleteIfVersionAsync(StoreLayout.RunLock(agentId), held.Version, cancellationToken);

    /// <summary>The record that run <paramref name="runId"/> was terminated (<see cref="RecordTerminatedAsync"/>), or null.</summary>
    public async Task<RunTerminated?> TerminationAsync(string runId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(StoreLayout.RunTerminated(runId), cancellationToken) is { } json
            ? StoreJson.Deserialize<RunTerminated>(json, StoreLayout.RunTerminated(runId))
            : null;

    private async Task<HeldLock?> ReadLockAsync(string agentId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.RunLock(agentId);
        if (await store.ReadVersionedAsync(name, cancellationToken) is not { } read) return null;
        // Stores written before the lock recorded its time hold just the run id.
        var runLock = read.Content.Length > 0 && read.Content[0] == (byte)'"'
            ? new RunLock(StoreJson.Deserialize<string>(read.Content, name), DateTimeOffset.MinValue)
            : StoreJson.Deserialize<RunLock>(read.Content, name);
        return new HeldLock(runLock, read.Version);
    }

    private static RunStartResult Refused(string agentId, RunLock holder, string what) => new(false, holder.RunId, Describe(agentId, holder, what));

    private static string Describe(string agentId, RunLock holder, string what) => holder.Purpose is null
        ? $"run {holder.RunId} of '{agentId}' {what}"
        : $"a {holder.Purpose} of '{agentId}' ({holder.RunId}) {what}; try again in a moment";

    private static int? RunNumber(string agentId, string runId) =>
        runId.StartsWith(agentId + "-", StringComparison.Ordinal) && int.TryParse(runId.AsSpan(agentId.Length + 1), out var n) ? n : null;

    private static string RunId(string agentId, int number) => $"{agentId}-{number}";

    /// <summary>The agent's run lock: which run (or hold) has it, since when, and for what (null: a run).</summary>
    private sealed record RunLock(string RunId, DateTimeOffset TakenAt, string? Purpose = null);

    private sealed record HeldLock(RunLock Lock, string Version);

    /// <summary>A run as it was opened: its id, why it started, whether a person started it, and when (UTC).</summary>
    public sealed record RunOpened(string RunId, string Reason, bool Manual, DateTimeOffset OpenedAt);

    private sealed record RunClosed(string RunId, RunStatus Status, DateTimeOffset EndedAt);

    /// <summary>That a run was terminated: why, and when (UTC).</summary>
    public sealed record RunTerminated(string Reason, DateTimeOffset At);
}

/// <summary>A hold on an agent's run lock taken by <see cref="RunLedger.TryHoldAsync"/>, or who has the lock when it was not taken.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Taken">Whether this caller holds the lock now.</param>
/// <param name="HolderId">When taken: the hold's id (<c>{purpose}-{12 hex}</c>); else the run id (or another hold's id) that has the lock.</param>
/// <param name="Message">Who holds the lock, in words, e.g. <c>run support-router-3 of 'support-router' is in progress</c>.</param>
public sealed record AgentHold(string AgentId, bool Taken, string HolderId, string Message);
