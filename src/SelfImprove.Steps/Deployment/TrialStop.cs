using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// A person's request to end a run's A/B trial (<c>POST /api/agents/{id}/trial/stop</c>), kept under the run
/// (<c>runs/{runId}/trial/stop.json</c>, created once) with the trial it stopped.
/// </summary>
/// <param name="Trial">The trial as it ran (its arms are still scored from its start).</param>
/// <param name="By">Who stopped it.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="At">When (UTC).</param>
public sealed record TrialStopRequest(TrialState Trial, string By, string Reason, DateTimeOffset At);

/// <summary>What <see cref="TrialStopper.StopAsync"/> did.</summary>
/// <param name="Stopped">True when a trial was running and is stopped now.</param>
/// <param name="RunId">The run whose trial it was; null when none ran.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record TrialStopResult(bool Stopped, string? RunId, string Message);

/// <summary>
/// Ends the agent's running A/B trial at once: the request is recorded for the run, the trial's routing state is deleted
/// (If-Match the version read, so a newer trial is never ended by mistake) and this process's router sees it at once;
/// other processes within their serving-pointer refresh (at most a second by default). The run's next check then
/// rolls the candidate back with the request's reason, and the promotion ledger records it.
/// </summary>
public sealed class TrialStopper(IArtifactStore store, ServingPointers pointers, TimeProvider clock)
{
    /// <exception cref="ArgumentException"><paramref name="by"/> or <paramref name="reason"/> is empty.</exception>
    public async Task<TrialStopResult> StopAsync(string agentId, string by, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var name = StoreLayout.Trial(agentId);
        if (await store.ReadVersionedAsync(name, cancellationToken) is not { } read)
            return new TrialStopResult(false, null, $"Agent '{agentId}' has no A/B trial running; nothing to stop.");
        var trial = StoreJson.Deserialize<TrialState>(read.Content, name);
        await store.TryCreateAsync(StoreLayout.TrialStop(trial.RunId), StoreJson.Serialize(new TrialStopRequest(trial, by, reason, clock.GetUtcNow())), cancellationToken);
        await store.DeleteIfVersionAsync(name, read.Version, cancellationToken);
        pointers.Invalidate(agentId);
        return new TrialStopResult(true, trial.RunId,
            $"The A/B trial of run {trial.RunId} ({trial.CandidateVersionId} beside {trial.ServingVersionId}) is stopped: {trial.ServingVersionId} answers every request; the run rolls {trial.CandidateVersionId} back at its next check.");
    }

    /// <summary>The stop request of run <paramref name="runId"/>'s trial, or null.</summary>
    public static async Task<TrialStopRequest?> ReadAsync(IArtifactStore store, string runId, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.TrialStop(runId);
        return await store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<TrialStopRequest>(json, name) : null;
    }
}
