using System.Security.Cryptography;
using System.Text;
using SelfImprove.Core.Ports;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

public enum ApprovalTokenCheck
{
    Valid,

    /// <summary>Not a token this run issued (wrong, malformed, or another run's).</summary>
    Unknown,

    /// <summary>Issued for this run, but its approval window has closed.</summary>
    Expired,
}

/// <summary>A decision as recorded: who decided, how, when, and with which token; or that the window closed without one.</summary>
public sealed record RecordedApproval(ApprovalDecision Decision, DateTimeOffset DecidedAt, string TokenHash, bool TimedOut = false);

/// <summary>That the recorded decision's event went to the run: when, and whether a later request sent it (<paramref name="Redelivery"/>).</summary>
public sealed record ApprovalDelivery(DateTimeOffset At, bool Redelivery);

/// <summary>
/// Single-use approval tokens. A token is 256 random bits from a cryptographic source, handed out once in the
/// approval link and stored only as its SHA-256 (<c>runs/{runId}/approval/tokens/{hash}.json</c>, with its expiry).
/// The first decision is recorded with create-if-absent (<c>runs/{runId}/approval/decision.json</c>), so two
/// approvals racing each other cannot both count. A re-issued token (a replayed notification) adds a hash and
/// leaves earlier links valid.
/// </summary>
public sealed class ApprovalTokens(IArtifactStore store, TimeProvider clock)
{
    public async Task<string> IssueAsync(string runId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var issued = new IssuedToken(clock.GetUtcNow(), expiresAt);
        if (!await store.TryCreateAsync(StoreLayout.ApprovalToken(runId, Hash(token)), StoreJson.Serialize(issued), cancellationToken))
            throw new InvalidOperationException($"Run {runId}: an approval token hash collided; issue again.");
        return token;
    }

    public async Task<ApprovalTokenCheck> CheckAsync(string runId, string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128) return ApprovalTokenCheck.Unknown;
        var name = StoreLayout.ApprovalToken(runId, Hash(token));
        if (await store.ReadAsync(name, cancellationToken) is not { } json) return ApprovalTokenCheck.Unknown;
        return StoreJson.Deserialize<IssuedToken>(json, name).ExpiresAt <= clock.GetUtcNow() ? ApprovalTokenCheck.Expired : ApprovalTokenCheck.Valid;
    }

    /// <summary>Records the run's decision unless one is recorded already; returns the decision that stands.</summary>
    public async Task<(bool Recorded, RecordedApproval Decision)> RecordAsync(string runId, string token, ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        var record = new RecordedApproval(decision, clock.GetUtcNow(), Hash(token));
        if (await store.TryCreateAsync(StoreLayout.ApprovalDecision(runId), StoreJson.Serialize(record), cancellationToken)) return (true, record);
        return (false, (await DecisionAsync(runId, cancellationToken))!);
    }

    /// <summary>
    /// Ends the approval window: the decision recorded in time, or null after recording that none came (the same
    /// create-if-absent record, so a decision racing the timeout either counts or is refused, never both).
    /// </summary>
    public async Task<ApprovalDecision?> CloseAsync(string runId, CancellationToken cancellationToken = default)
    {
        var none = new RecordedApproval(new ApprovalDecision(false, "", "no decision before the approval timeout"), clock.GetUtcNow(), "", TimedOut: true);
        if (await store.TryCreateAsync(StoreLayout.ApprovalDecision(runId), StoreJson.Serialize(none), cancellationToken)) return null;
        var recorded = (await DecisionAsync(runId, cancellationToken))!;
        return recorded.TimedOut ? null : recorded.Decision;
    }

    /// <summary>
    /// Records (create-if-absent, <c>runs/{runId}/approval/delivered.json</c>) that the decision's event went to the run,
    /// or claims sending it again; false when a delivery is recorded already.
    /// </summary>
    public Task<bool> MarkDeliveredAsync(string runId, bool redelivery, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(StoreLayout.ApprovalDelivered(runId), StoreJson.Serialize(new ApprovalDelivery(clock.GetUtcNow(), redelivery)), cancellationToken);

    public async Task<ApprovalDelivery?> DeliveryAsync(string runId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(StoreLayout.ApprovalDelivered(runId), cancellationToken) is { } json ? StoreJson.Deserialize<ApprovalDelivery>(json, StoreLayout.ApprovalDelivered(runId)) : null;

    public async Task<RecordedApproval?> DecisionAsync(string runId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(StoreLayout.ApprovalDecision(runId), cancellationToken) is { } json ? StoreJson.Deserialize<RecordedApproval>(json, StoreLayout.ApprovalDecision(runId)) : null;

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record IssuedToken(DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);
}
