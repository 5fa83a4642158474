using SelfImprove.Core.Deployment;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;

namespace SelfImprove.Steps;

/// <summary>How a rollback of the serving version ended.</summary>
public enum RollbackOutcome
{
    /// <summary>The serving version is now the one the previous serving version was trained from.</summary>
    RolledBack,

    /// <summary>A run (or another rollback) holds the agent's run lock; nothing changed.</summary>
    Busy,

    /// <summary>The agent has no serving version, or the serving one was trained from no earlier version; nothing changed.</summary>
    NothingToRollBack,
}

/// <summary>The result of <see cref="ServingRollback.RollbackAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Serving">The serving pointer after a rollback; null otherwise.</param>
/// <param name="HeldBy">When <see cref="RollbackOutcome.Busy"/>: the run id (or another rollback's hold id) holding the agent.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record RollbackResult(RollbackOutcome Outcome, ServingState? Serving, string? HeldBy, string Message);

/// <summary>
/// Rolls an agent's serving version back to the version it was trained from, under the agent's run lock
/// (<see cref="RunLedger.TryHoldAsync"/>): a rollback and a run start never interleave, because each takes the same
/// lock first, so no run trains, trials or promotes against a serving version a rollback changes under it.
/// </summary>
/// <remarks>Each rollback is recorded once in the promotion ledger (<see cref="DeploymentLedger"/>, key <c>rollback-{holdId}</c>).</remarks>
public sealed class ServingRollback(RunLedger ledger, IModelRegistry registry, DeploymentLedger deployments)
{
    /// <summary>The purpose the rollback's hold on the run lock is taken for (its holder id is <c>rollback-{12 hex}</c>).</summary>
    public const string HoldPurpose = "rollback";

    /// <summary>
    /// Whether <paramref name="holderId"/> (from a refused start or rollback) is a rollback's hold rather than a run:
    /// <c>rollback-{12 hex}</c>, which no run id matches (run numbers have at most 9 digits).
    /// </summary>
    public static bool IsRollbackHold(string? holderId) =>
        holderId is { Length: 21 } && holderId.StartsWith(HoldPurpose + "-", StringComparison.Ordinal) && holderId[9..].All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// Back to the version the serving one was trained from, so repeated rollbacks walk back instead of flipping.
    /// Does not release a dead run's lock first; callers that can see the durable engine do that (<c>RunClient</c>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The agent is not registered.</exception>
    /// <param name="by">Who asked, for the ledger (e.g. the API caller or <c>api</c>).</param>
    /// <param name="change">What the ledger records: a person's rollback, or the bake watch's (<see cref="DeploymentChange.BakeRollback"/>).</param>
    /// <param name="why">Why, for the ledger and the serving pointer, before the versions; null: a plain rollback.</param>
    public async Task<RollbackResult> RollbackAsync(string agentId, string by = "api", CancellationToken cancellationToken = default,
        DeploymentChange change = DeploymentChange.ManualRollback, string? why = null)
    {
        var hold = await ledger.TryHoldAsync(agentId, HoldPurpose, cancellationToken);
        if (!hold.Taken) return new RollbackResult(RollbackOutcome.Busy, null, hold.HolderId, hold.Message);
        try
        {
            var serving = await registry.GetServingAsync(agentId, cancellationToken);
            var current = serving is null ? null : await registry.GetAsync(agentId, serving.VersionId, cancellationToken);
            if (current?.ParentVersionId is not { } parent)
                return new RollbackResult(RollbackOutcome.NothingToRollBack, serving, null,
                    $"Agent '{agentId}' has {(serving is null ? "no serving version" : $"{serving.VersionId} serving, which was trained from no earlier version")}.");
            var rolledBack = $"rolled back from {current.VersionId} to {parent}, the version it was trained from";
            var now = await registry.SetServingAsync(agentId, parent, why is null ? rolledBack : $"{rolledBack}: {why}", cancellationToken);
            await deployments.RecordAsync(agentId, hold.HolderId, new DeploymentRecord(change, now.Since, parent, current.VersionId,
                null, null, null, null, now.Reason, by), CancellationToken.None);
            return new RollbackResult(RollbackOutcome.RolledBack, now, null, now.Reason);
        }
        finally
        {
            await ledger.ReleaseHoldAsync(hold, CancellationToken.None);
        }
    }
}
