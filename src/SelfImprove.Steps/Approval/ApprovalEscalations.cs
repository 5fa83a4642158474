using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>That a run's approval was escalated: when (UTC), and the notify target asked again (the setting's name), if any.</summary>
public sealed record ApprovalEscalation(DateTimeOffset At, string? NotifiedTarget);

/// <summary>
/// The record that a run's approval was escalated (<see cref="StoreLayout.ApprovalEscalated"/>), created once: of two
/// escalations of one run (a replayed activity, a second host) only the first records, and only it notifies.
/// </summary>
public sealed class ApprovalEscalations(IArtifactStore store, TimeProvider clock)
{
    /// <summary>Records the escalation now; false (nothing written) when the run was escalated before.</summary>
    public Task<bool> TryRecordAsync(string runId, string? notifiedTarget, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(StoreLayout.ApprovalEscalated(runId), StoreJson.Serialize(new ApprovalEscalation(clock.GetUtcNow(), notifiedTarget)), cancellationToken);

    /// <summary>Removes the record of an escalation whose notice failed, so that a retry escalates again.</summary>
    public Task<bool> ForgetAsync(string runId, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(StoreLayout.ApprovalEscalated(runId), cancellationToken);

    /// <summary>The run's escalation, or null when it was not escalated.</summary>
    public async Task<ApprovalEscalation?> ReadAsync(string runId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(StoreLayout.ApprovalEscalated(runId), cancellationToken) is { } json
            ? StoreJson.Deserialize<ApprovalEscalation>(json, StoreLayout.ApprovalEscalated(runId))
            : null;
}
