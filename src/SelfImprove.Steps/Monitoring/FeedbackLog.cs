using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>One piece of production feedback as received: what was asked, what the agent answered, what was right.</summary>
/// <param name="Label">The right intent, when the user or an operator gave it.</param>
/// <param name="ThumbsUp">The user's verdict on <paramref name="Predicted"/>; a thumbs-up without a label confirms it.</param>
public sealed record FeedbackItem(string Id, string AgentId, string Text, string Predicted, string? Label, bool? ThumbsUp, DateTimeOffset ReceivedAt)
{
    /// <summary>The intent this feedback establishes, or null when it says only that the answer was wrong.</summary>
    public string? KnownLabel => Label ?? (ThumbsUp == true ? Predicted : null);
}

/// <summary>
/// Production feedback, one blob per item (<c>agents/{id}/feedback/{time}-{id}.json</c>, created once, never
/// rewritten), so concurrent writers never contend and nothing is lost if a writer dies. Names sort by arrival.
/// Monitoring scores the serving version on the most recent labelled items.
/// </summary>
public sealed class FeedbackLog(IArtifactStore store, TimeProvider clock)
{
    public const string Source = "feedback:live";

    public async Task<FeedbackItem> AppendAsync(string agentId, string text, string predicted, string? label, bool? thumbsUp, CancellationToken cancellationToken = default)
    {
        var receivedAt = clock.GetUtcNow();
        var item = new FeedbackItem(Guid.NewGuid().ToString("N"), agentId, text.Trim(), predicted, label, thumbsUp, receivedAt);
        var name = StoreLayout.Feedback(agentId, receivedAt, item.Id);
        if (!await store.TryCreateAsync(name, StoreJson.Serialize(item), cancellationToken))
            throw new InvalidOperationException($"Feedback '{name}' exists already.");
        return item;
    }

    /// <summary>The newest <paramref name="count"/> items that establish a label, oldest first, as check examples.</summary>
    public async Task<IReadOnlyList<LabeledExample>> RecentLabelledAsync(string agentId, int count, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken);
        var recent = new List<LabeledExample>();
        for (var i = names.Count - 1; i >= 0 && recent.Count < count; i--)
        {
            if (await store.ReadAsync(names[i], cancellationToken) is not { } json) continue;
            var item = StoreJson.Deserialize<FeedbackItem>(json, names[i]);
            if (item.KnownLabel is { } label) recent.Add(new LabeledExample(item.Text, label, Segments.Unspecified, Source));
        }
        recent.Reverse();
        return recent;
    }

    public async Task<int> CountAsync(string agentId, CancellationToken cancellationToken = default) =>
        (await store.ListAsync(StoreLayout.FeedbackPrefix(agentId), cancellationToken)).Count;
}
