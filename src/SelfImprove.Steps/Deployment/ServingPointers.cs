using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>What serves an agent right now: its serving version and the A/B trial in progress, if any.</summary>
/// <param name="ServingVersionId">The serving version; null while the agent has none.</param>
/// <param name="Trial">The trial whose run still holds the agent's lock; null when none runs (or its run was terminated).</param>
/// <param name="ReadAt">When this was read from the store.</param>
public sealed record ServingSnapshot(string? ServingVersionId, TrialState? Trial, DateTimeOffset ReadAt);

/// <summary>
/// The serving pointer, the trial state and the run lock of each agent, read from the store at most once per
/// <see cref="ServingOptions.PointerRefresh"/> instead of on every request. While one request reads them again, others
/// keep the last answer, so a change made by another process is seen within the refresh period plus one read; changes
/// made through this process (<see cref="Invalidate"/>: promotion, rollback, trial start) are seen by the next request.
/// </summary>
public sealed class ServingPointers(LoopContext loop, RunLedger ledger, TimeProvider clock, IOptions<LoopOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeSpan refresh = options.Value.Serving.PointerRefresh;

    /// <summary>The agent's serving version and trial, at most <see cref="ServingOptions.PointerRefresh"/> old (plus one read).</summary>
    public Task<ServingSnapshot> GetAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var entry = entries.GetOrAdd(agentId, _ => new Entry());
        Task<ServingSnapshot> reading;
        lock (entry)
        {
            var current = entry.Current;
            if (current is not null && clock.GetUtcNow() - current.ReadAt < refresh) return Task.FromResult(current);
            if (entry.Reading is null)
            {
                var generation = entry.Generation;
                // Started outside this lock (ReadAsync takes it when done), so a read that completes at once cannot stick.
                entry.Reading = reading = Task.Run(() => ReadAsync(agentId, entry, generation), CancellationToken.None);
            }
            else reading = entry.Reading;
            // Someone is reading already: keep serving the last answer meanwhile.
            if (current is not null && refresh > TimeSpan.Zero) return Task.FromResult(current);
        }
        return reading.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets what was read for the agent: the next request reads the store again.</summary>
    public void Invalidate(string agentId)
    {
        if (!entries.TryGetValue(agentId, out var entry)) return;
        lock (entry)
        {
            entry.Current = null;
            entry.Reading = null;
            entry.Generation++;
        }
    }

    private async Task<ServingSnapshot> ReadAsync(string agentId, Entry entry, long generation)
    {
        try
        {
            var readAt = clock.GetUtcNow();
            var serving = (await loop.Registry.GetServingAsync(agentId))?.VersionId;
            var trialJson = await loop.Store.ReadAsync(StoreLayout.Trial(agentId));
            var trial = trialJson is null ? null : StoreJson.Deserialize<TrialState>(trialJson, StoreLayout.Trial(agentId));
            // A trial left behind by a run that no longer holds the agent is ignored, and so is the trial of a run whose
            // termination was sent (recorded before its orchestration has stopped and its lock is released).
            if (trial is not null && ((await ledger.RunningAsync(agentId))?.RunId != trial.RunId || await ledger.TerminationAsync(trial.RunId) is not null))
                trial = null;
            var snapshot = new ServingSnapshot(serving, trial, readAt);
            lock (entry)
            {
                if (entry.Generation == generation)
                {
                    entry.Current = snapshot;
                    entry.Reading = null;
                }
            }
            return snapshot;
        }
        catch
        {
            lock (entry)
                if (entry.Generation == generation) entry.Reading = null;
            throw;
        }
    }

    private sealed class Entry
    {
        public ServingSnapshot? Current;
        public Task<ServingSnapshot>? Reading;
        public long Generation;
    }
}
