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
/// twice. Monitoring scores the serving version on the most recent labelled items, which it reads from a digest kept
/// beside the feedback (<see cref="StoreLayout.FeedbackRecent"/>) while no item was stored or erased since: every write
/// marks the feedback changed (<see cref="StoreLayout.FeedbackChanged"/>) after its item.
/// </summary>
public sealed class FeedbackLog(IArtifactStore store, TimeProvider clock, TrafficLog traffic, AgentCatalog agents) : ISubjectData
{
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
    /// The newest <paramref name="count"/> items that establish a label, oldest first, as check examples. Read from the
    /// agent's digest (<see cref="StoreLayout.FeedbackRecent"/>, 2 reads) while no item was stored or erased since it was
    /// computed (<see cref="ListingDigest{T}"/>); otherwise the feedback is listed and the items are read newest first in
    /// windows of the number still wanted, each window's reads in parallel (<see cref="ReadsInFlight"/> at once), items the
    /// stale digest already holds not read again (their blobs never change), and the digest is stored for the next check.
    /// </summary>
    public async Task<IReadOnlyList<LabeledExample>> RecentLabelledAsync(string agentId, int count, CancellationToken cancellationToken = default)
    {
        if (count <= 0) return [];
        var recent = await RecentDigest(agentId).GetAsync((stale, ct) => WalkAsync(agentId, count, stale, ct), digest => digest.Count >= count, cancellationToken);
        return recent.Items.Where(i => i.Label is not null).TakeLast(count)
            .Select(i => new LabeledExample(i.Text!, i.Label!, Segments.Unspecified, Source)).ToArray();
    }

    /// <summary>How long a feedback digest is used at most while no writer marked a change (a writer that died between its item and its mark is seen then).</summary>
    public static readonly TimeSpan RecentMaxAge = TimeSpan.FromHours(1);

    private ListingDigest<RecentFeedback> RecentDigest(string agentId) =>
        new(store, StoreLayout.FeedbackChanged(agentId), StoreLayout.FeedbackRecent(agentId), clock, RecentMaxAge);

    /// <summary>Lists the agent's feedback and walks it newest first until <paramref name="count"/> labelled items are found.</summary>
    private async Task<RecentFeedback> WalkAsync(string agentId, int count, RecentFeedback? stale, CancellationToken cancellationToken)
    {
        var names = await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken);
        var known = stale?.Items.ToDictionary(i => i.Name, StringComparer.Ordinal) ?? [];
        var walked = new List<WalkedItem>();
        var labelled = 0;
        for (var end = names.Count; end > 0 && labelled < count;)
        {
            var start = Math.Max(0, end - (count - labelled));
            var window = names.Skip(start).Take(end - start).ToArray();
            var unread = window.Where(n => !known.ContainsKey(n)).ToArray();
            var read = await ReadAllAsync(unread, cancellationToken);
            for (var i = 0; i < unread.Length; i++)
                known[unread[i]] = read[i]?.KnownLabel is { } label ? new WalkedItem(unread[i], read[i]!.Text, label) : new WalkedItem(unread[i], null, null);
            for (var i = window.Length - 1; i >= 0 && labelled < count; i--)
            {
                var item = known[window[i]];
                walked.Add(item);
                if (item.Label is not null) labelled++;
            }
            end = start;
        }
        walked.Reverse();
        return new RecentFeedback(count, walked);
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
        // The digest may hold an erased item's text: deleted, and the mark tells a reader that raced the erasure to walk again.
        var digest = RecentDigest(agentId);
        await digest.MarkChangedAsync(cancellationToken);
        await digest.DeleteAsync(cancellationToken);
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
                // A repeat marks the feedback changed too: the first request may have died between its item and its mark.
                if (await store.ReadAsync(first, cancellationToken) is { } stored)
                {
                    await RecentDigest(agentId).MarkChangedAsync(cancellationToken);
                    return new FeedbackResult(FeedbackOutcome.Repeated, StoreJson.Deserialize<FeedbackItem>(stored, first));
                }
                // The first request died between its marker and its item (or the item was erased): write it where the marker says.
                var at = ReceivedAt(agentId, first) ?? receivedAt;
                item = build(feedbackId, at);
                await store.TryCreateAsync(first, StoreJson.Serialize(item), cancellationToken);
                await RecentDigest(agentId).MarkChangedAsync(cancellationToken);
                return new FeedbackResult(FeedbackOutcome.Repeated, item);
            }
        }
        if (!await store.TryCreateAsync(name, StoreJson.Serialize(item), cancellationToken))
            throw new InvalidOperationException($"Feedback '{name}' exists already.");
        await RecentDigest(agentId).MarkChangedAsync(cancellationToken);
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

    /// <summary>What monitoring keeps of the newest feedback: the items walked, oldest first, to find <paramref name="Count"/> labelled ones.</summary>
    private sealed record RecentFeedback(int Count, IReadOnlyList<WalkedItem> Items);

    /// <summary>One item walked: its text and known label, both null when it establishes no label (or was gone).</summary>
    private sealed record WalkedItem(string Name, string? Text, string? Label);
}
