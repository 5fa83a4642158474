using System.Collections.Concurrent;
using SelfImprove.Steps;

namespace SelfImprove.Runs;

/// <summary>
/// Keeps each run's approval token as this process hands it out (and passes every notice on), so a person at this
/// process — the demo's terminal, a test — decides through the same token gate as the webhook
/// (<see cref="RunClient.DecideAsync"/>), never around it.
/// </summary>
public sealed class LocalApprovals(IApprovalNotifier inner) : IApprovalNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> tokens = new(StringComparer.Ordinal);

    public async Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
    {
        await inner.NotifyAsync(notice, cancellationToken);
        var query = notice.ApprovalUrl[(notice.ApprovalUrl.IndexOf('?') + 1)..].Split('&');
        var token = Uri.UnescapeDataString(query.First(p => p.StartsWith("token=", StringComparison.Ordinal))["token=".Length..]);
        Slot(notice.RunId).TrySetResult(token);
    }

    /// <summary>The run's token; the run announces that it waits just before it asks, so this may wait a moment (at most <paramref name="timeout"/>, default 1 minute).</summary>
    /// <exception cref="TimeoutException">No approval request of the run reached this process in time.</exception>
    public Task<string> TokenAsync(string runId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Slot(runId).Task.WaitAsync(timeout ?? TimeSpan.FromMinutes(1), cancellationToken);

    private TaskCompletionSource<string> Slot(string runId) =>
        tokens.GetOrAdd(runId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
