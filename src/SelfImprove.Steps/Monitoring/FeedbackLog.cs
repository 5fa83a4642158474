using System.Globalization;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Privacy;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>One piece of production feedback as received: what was asked, what the agent answered, what was right.</summary>
/// <param name="Id">The item's id: the client's feedback id when it sent one, else a fresh one.</param>
/// <param name="AgentId">The agent the feedback is about.</param>
/// <param name="Text">The request text (from the traffic log for feedback by request id; redacted as the log keeps it).</param>
/// <param name="Predicted">The intent the agent answered with.</param>
/// <param name="Label">The right intent, when the user or an operator gave it.</param>
/// <param name="ThumbsUp">The user's verdict on <paramref name="Predicted"/>; a thumbs-up without a label confirms it.</param>
/// <param name="ReceivedAt">When the feedback arrived (UTC).</param>
/// <param name="RequestId">The answer the feedback is about (<see cref="RequestIds"/>); null for feedback that repeats text and prediction.</param>
/// <param name="VersionId">The model version that answered, from the traffic log; null without a request id.</param>
/// <param name="Arm">Serving version or trial candidate, from the traffic log; null without a request id.</param>
/// <param name="Subject">The subject the answer was logged with, if any (erased with it).</param>
public sealed record FeedbackItem(
    string Id,
    string AgentId,
    string Text,
    string Predicted,
    string? Label,
    bool? ThumbsUp,
    DateTimeOffset ReceivedAt,
    string? RequestId = null,
    string? VersionId = null,
    Arm? Arm = null,
    string? Subject = null)
{
    /// <summary>The intent this feedback establishes, or null when it says only that the answer was wrong.</summary>
    public string? KnownLabel => Label ?? (ThumbsUp == true ? Predicted : null);
}

/// <summary>What became of a piece of feedback.</summary>
public enum FeedbackOutcome
{
    /// <summary>Stored now.</summary>
    Stored,

    /// <summary>Its feedback id was used before: nothing new stored; the item is the one stored first.</summary>
    Repeated,

    /// <summary>The request id is in no traffic log of the agent (unknown, malformed, erased or past retention): nothing stored.</summary>
    UnknownRequest,
}

/// <summary>The outcome of <see cref="FeedbackLog.AppendForRequestAsync"/> or <see cref="FeedbackLog.AppendAsync"/>.</summary>
/// <param name="Outcome">Stored, repeated or unknown request.</param>
/// <param name="Item">The stored item (the first one for a repeat); null for an unknown request.</param>
public sealed record FeedbackResult(FeedbackOutcome Outcome, FeedbackItem? Item);

/// <summary>
/// Production feedback, one blob per item (<c>agents/{id}/feedback/{time}-{id}.json</c>, created once, never
/// rewritten), so concurrent writers never contend and nothing is lost if a writer dies. Names sort by arrival.
/// Feedback by request id takes the text, the answer, the version and the arm from the <see cref="TrafficLog"/>; a
/// client's feedback id is claimed first (<see cref="StoreLayout.FeedbackId"/>), so a retried request stores nothing
/// twice. Monitoring scores the serving version on the most recent labelled items.
/// </summary>
public sealed class FeedbackLog(IArtifactStore store, TimeProvider clock, TrafficLog traffic, AgentCatalog agents) : ISubjectData
{
    /// <summary>
    /// Per agent, the items the last <see cref="RecentLabelledAsync"/> used, by blob name. An item's blob is created once and
    /// never rewritten, so a name still listed still holds what was read; a name no longer listed (erased) is not used and
    /// drops out with the next call. Each check thus reads only the items that arrived since the last one.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, FeedbackItem?>> recentRead = new(StringComparer.Ordinal);

    /// <summary>The source of examples taken from live feedback.</summary>
    public const string Source = "feedback:live";

    /// <summary>Feedback that repeats the text and the prediction (clients that keep no request id); no feedback id.</summary>
    public async Task<FeedbackItem> AppendAsync(string agentId, string text, string predicted, string? label, bool? thumbsUp, CancellationToken cancellationToken = default) =>
        (await AppendAsync(agentId, text, predicted, label, thumbsUp, null, cancellationToken)).Item!;

    /// <summary>
    /// Feedback that repeats the text and the prediction; the text is redacted as the traffic log would keep it
    /// (<c>traffic.redact</c>). A <paramref name="feedbackId"/> used before stores nothing (outcome <see cref="FeedbackOutcome.Repeated"/>).
    /// </summary>
    public Task<FeedbackResult> AppendAsync(
        string agentId, string text, string predicted, string? label, bool? thumbsUp, string? feedbackId, CancellationToken cancellationToken = default)
    {
        var redact = agents.Get(agentId).Manifest.Traffic.Redact;
        text = text.Trim();
        return StoreAsync(agentId, feedbackId, (id, at) =>
            new FeedbackItem(id, agentId, redact ? PersonalDataRedactor.Redact(text) : text, predicted, label, thumbsUp, at), cancellationToken);
    }

    /// <summary>
    /// Feedback on a logged answer: the text, the predicted intent, the version, the arm and the subject come from the
    /// traffic log, however long ago the answer was given (within the agent's retention).
    /// </summary>
    /// <returns><see cref="FeedbackOutcome.UnknownRequest"/> when the agent's log has no such answer; nothing is stored then.</returns>
    public async Task<FeedbackResult> AppendForRequestAsync(
        string agentId, string requestId, string? label, bool? thumbsUp, string? feedbackId, CancellationToken cancellationToken = default)
    {
        if (await traffic.FindAsync(agentId, requestId, cancellationToken) is not { } logged)
            return new FeedbackResult(FeedbackOutcome.UnknownRequest, null);
        return await StoreAsync(agentId, feedbackId, (id, at) =>
            new FeedbackItem(id, agentId, logged.Text, logged.Intent, label, thumbsUp, at, logged.RequestId, logged.VersionId, logged.Arm, logged.Subject),
            cancellationToken);
    }

    /// <summary>
    /// The newest <paramref name="count"/> items that establish a label, oldest first, as check examples. The items are read
    /// newest first in windows of the number still wanted, each window's reads in parallel (<see cref="ReadsInFlight"/> at
    /// once): a remote store's round trips overlap instead of adding up. Items this process read for the previous call
    /// are not read again (their blobs never change); the listing is always fresh.
    /// </summary>
    public async Task<IReadOnlyList<LabeledExample>> RecentLabelledAsync(string agentId, int count, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken);
        var known = recentRead.GetValueOrDefault(agentId);
        var used = new Dictionary<string, FeedbackItem?>(StringComparer.Ordinal);
        var recent = new List<LabeledExample>();
        for (var end = names.Count; end > 0 && recent.Count < count;)
        {
            var start = Math.Max(0, end - (count - recent.Count));
            var windowNames = names.Skip(start).Take(end - start).ToArray();
            var unread = windowNames.Where(n => known is null || !known.ContainsKey(n)).ToArray();
            var read = await ReadAllAsync(unread, cancellationToken);
            for (var i = 0; i < unread.Length; i++) used[unread[i]] = read[i];
            for (var i = windowNames.Length - 1; i >= 0; i--)
            {
                var item = used.TryGetValue(windowNames[i], out var fresh) ? fresh : known![windowNames[i]];
                used[windowNames[i]] = item;
                if (recent.Count < count && item?.KnownLabel is { } label) recent.Add(new LabeledExample(item.Text, label, Segments.Unspecified, Source));
            }
            end = start;
        }
        recentRead[agentId] = used;
        recent.Reverse();
        return recent;
    }

    /// <summary>Feedback items read at once by one call.</summary>
    public const int ReadsInFlight = 8;

    /// <summary>The items named, in the same order (null where one has gone), read <see cref="ReadsInFlight"/> at a time.</summary>
    private async Task<FeedbackItem?[]> ReadAllAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var items = new FeedbackItem?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = ReadsInFlight, CancellationToken = cancellationToken },
            async (i, ct) => items[i] = await store.ReadAsync(names[i], ct) is { } json ? StoreJson.Deserialize<FeedbackItem>(json, names[i]) : null);
        return items;
    }

    /// <summary>Every item received at or after <paramref name="since"/>, oldest first (by arrival).</summary>
    public async Task<IReadOnlyList<FeedbackItem>> SinceAsync(string agentId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var names = (await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken))
            .Where(name => ReceivedAt(agentId, name) is { } at && at >= since)
            .ToArray();
        var items = await ReadAllAsync(names, cancellationToken);
        return items.OfType<FeedbackItem>().Where(i => i.ReceivedAt >= since).ToArray();
    }

    /// <summary>How many feedback items the agent has.</summary>
    public async Task<int> CountAsync(string agentId, CancellationToken cancellationToken = default) =>
        (await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken)).Count;

    /// <summary>Deletes every feedback item logged with <paramref name="subject"/>; returns how many.</summary>
    public async Task<int> EraseSubjectAsync(string agentId, string subject, CancellationToken cancellationToken = default)
    {
        var erased = 0;
        foreach (var name in await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken))
        {
            if (await store.ReadAsync(name, cancellationToken) is not { } json) continue;
            if (StoreJson.Deserialize<FeedbackItem>(json, name).Subject == subject && await store.DeleteAsync(name, cancellationToken)) erased++;
        }
        recentRead.TryRemove(agentId, out _);
        return erased;
    }

    /// <summary>
    /// Stores one item; with a feedback id, claims it first (its marker names the item), so of two requests with the same
    /// id one stores and the other gets the first item back. A marker whose item is missing (its writer died in between)
    /// gets the item now, under the name the marker holds.
    /// </summary>
    private async Task<FeedbackResult> StoreAsync(
        string agentId, string? feedbackId, Func<string, DateTimeOffset, FeedbackItem> build, CancellationToken cancellationToken)
    {
        var receivedAt = clock.GetUtcNow();
        var item = build(feedbackId ?? Guid.NewGuid().ToString("N"), receivedAt);
        var name = StoreLayout.Feedback(agentId, receivedAt, item.Id);
        if (feedbackId is not null)
        {
            var marker = StoreLayout.FeedbackId(agentId, feedbackId);
            if (!await store.TryCreateAsync(marker, StoreJson.Serialize(new FeedbackIdMarker(name)), cancellationToken))
            {
                var first = await store.ReadAsync(marker, cancellationToken) is { } markerJson
                    ? StoreJson.Deserialize<FeedbackIdMarker>(markerJson, marker).Name
                    : name;
                if (await store.ReadAsync(first, cancellationToken) is { } stored)
                    return new FeedbackResult(FeedbackOutcome.Repeated, StoreJson.Deserialize<FeedbackItem>(stored, first));
                // The first request died between its marker and its item (or the item was erased): write it where the marker says.
                var at = ReceivedAt(agentId, first) ?? receivedAt;
                item = build(feedbackId, at);
                await store.TryCreateAsync(first, StoreJson.Serialize(item), cancellationToken);
                return new FeedbackResult(FeedbackOutcome.Repeated, item);
            }
        }
        if (!await store.TryCreateAsync(name, StoreJson.Serialize(item), cancellationToken))
            throw new InvalidOperationException($"Feedback '{name}' exists already.");
        return new FeedbackResult(FeedbackOutcome.Stored, item);
    }

    /// <summary>The arrival time a feedback item's name encodes; null for a name that is no feedback item.</summary>
    private static DateTimeOffset? ReceivedAt(string agentId, string name)
    {
        var prefix = StoreLayout.FeedbackPrefix(agentId);
        const int length = RequestIds.TimeLength;
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length < prefix.Length + length) return null;
        return DateTime.TryParseExact(name.AsSpan(prefix.Length, length), "yyyyMMdd'T'HHmmssfffffff", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;
    }

    private sealed record FeedbackIdMarker(string Name);
}
