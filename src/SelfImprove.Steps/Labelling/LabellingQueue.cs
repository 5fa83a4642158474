using System.Text.Json.Serialization;
using SelfImprove.Core;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps;

/// <summary>One logged request waiting for a person's label.</summary>
/// <param name="ItemId">The item's id: the logged request's id (a request is queued at most once).</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Text">The request as logged (redacted when the agent's traffic log redacts).</param>
/// <param name="Guesses">The model's top intents with their probabilities, most likely first (at most 3).</param>
/// <param name="Suggested">The feedback agent's guess, when it had one.</param>
/// <param name="Reason">Why it was picked and why it needs a person, in words.</param>
/// <param name="RunId">The run that queued it.</param>
/// <param name="Attempt">The attempt that queued it.</param>
/// <param name="QueuedAt">When (UTC).</param>
/// <param name="Subject">The caller's subject key of the request, when it had one (erasure removes the item).</param>
public sealed record LabellingItem(
    string ItemId, string AgentId, string Text, IReadOnlyList<IntentProbability> Guesses, string? Suggested, string Reason,
    string RunId, int Attempt, DateTimeOffset QueuedAt, string? Subject);

/// <summary>A person's label for a queued item.</summary>
/// <param name="ItemId">The item (the request id).</param>
/// <param name="Label">The intent, one of the agent's labels.</param>
/// <param name="By">Who labelled it (1–100 characters).</param>
/// <param name="At">When (UTC).</param>
public sealed record LabellingAnswer(string ItemId, string Label, string By, DateTimeOffset At);

/// <summary>What became of an answer.</summary>
[JsonConverter(typeof(WireNameConverter<AnswerOutcome>))]
public enum AnswerOutcome
{
    /// <summary>Stored; the item is closed.</summary>
    [JsonStringEnumMemberName("recorded")] Recorded,

    /// <summary>The item had an answer already (the first one stands).</summary>
    [JsonStringEnumMemberName("already-answered")] AlreadyAnswered,

    /// <summary>No such item in the agent's queue.</summary>
    [JsonStringEnumMemberName("unknown-item")] UnknownItem,
}

/// <summary>The result of <see cref="LabellingQueue.AnswerAsync"/>: the outcome, the stored answer, and the item answered.</summary>
public sealed record AnswerResult(AnswerOutcome Outcome, LabellingAnswer? Answer, LabellingItem? Item);

/// <summary>
/// The agent's labelling queue: logged requests a plan chose and no model labelled, waiting for people
/// (<c>agents/{id}/labelling/items/{requestId}.json</c>) and their answers (<c>…/answers/{requestId}.json</c>). Both are
/// created once: a request is queued once however many runs pick it, and its first answer stands. The run that
/// queued an item waits for the answers (<see cref="ILabellingStep"/>); the attempt's training batch takes them in.
/// </summary>
public sealed class LabellingQueue(IArtifactStore store, TimeProvider clock) : ILabellingStep
{
    /// <summary>Provenance of a person's label in training data: <c>people:{by}/request={id}</c>.</summary>
    public const string Source = "people";

    /// <summary>Queues the tasks of one teacher batch (those already queued stay as they are); returns how many are new.</summary>
    public async Task<int> EnqueueAsync(string agentId, string runId, int attempt, IReadOnlyList<HumanLabelTask> tasks,
        IReadOnlyDictionary<string, RequestToLabel> requests, CancellationToken cancellationToken = default)
    {
        var created = 0;
        var at = clock.GetUtcNow();
        foreach (var task in tasks)
        {
            requests.TryGetValue(task.RequestId, out var request);
            var item = new LabellingItem(task.RequestId, agentId, task.Text, request?.Guesses.Take(3).ToArray() ?? [],
                task.SuggestedLabel, task.Reason, runId, attempt, at, request?.Subject);
            if (await store.TryCreateAsync(StoreLayout.LabellingItem(agentId, task.RequestId), StoreJson.Serialize(item), cancellationToken)) created++;
        }
        return created;
    }

    /// <summary>Open items (no answer yet), oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<LabellingItem>> OpenAsync(string agentId, int limit, CancellationToken cancellationToken = default)
    {
        var answered = (await store.ListAsync(StoreLayout.LabellingAnswersPrefix(agentId), cancellationToken))
            .Select(ItemIdOf).ToHashSet(StringComparer.Ordinal);
        var open = new List<LabellingItem>();
        foreach (var name in await store.ListAsync(StoreLayout.LabellingItemsPrefix(agentId), cancellationToken))
        {
            if (answered.Contains(ItemIdOf(name))) continue;
            if (await store.ReadAsync(name, cancellationToken) is { } json) open.Add(StoreJson.Deserialize<LabellingItem>(json, name));
        }
        return open.OrderBy(i => i.QueuedAt).ThenBy(i => i.ItemId, StringComparer.Ordinal).Take(limit).ToArray();
    }

    /// <summary>How many items wait for a label: two listings, no item is read.</summary>
    public async Task<int> OpenCountAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var answered = (await store.ListAsync(StoreLayout.LabellingAnswersPrefix(agentId), cancellationToken))
            .Select(ItemIdOf).ToHashSet(StringComparer.Ordinal);
        return (await store.ListAsync(StoreLayout.LabellingItemsPrefix(agentId), cancellationToken)).Count(n => !answered.Contains(ItemIdOf(n)));
    }

    /// <summary>The item, or null when the agent's queue has none of that id.</summary>
    public async Task<LabellingItem?> GetAsync(string agentId, string itemId, CancellationToken cancellationToken = default)
    {
        if (!StoreLayout.IsSafeSegment(itemId)) return null;
        var name = StoreLayout.LabellingItem(agentId, itemId);
        return await store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<LabellingItem>(json, name) : null;
    }

    /// <summary>
    /// Records a person's label once (create-if-absent). The caller checks that <paramref name="label"/> is one of
    /// the agent's intents and <paramref name="by"/> is given.
    /// </summary>
    public async Task<AnswerResult> AnswerAsync(string agentId, string itemId, string label, string by, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(agentId, itemId, cancellationToken) is not { } item) return new AnswerResult(AnswerOutcome.UnknownItem, null, null);
        var answer = new LabellingAnswer(itemId, label, by, clock.GetUtcNow());
        var name = StoreLayout.LabellingAnswer(agentId, itemId);
        if (await store.TryCreateAsync(name, StoreJson.Serialize(answer), cancellationToken))
            return new AnswerResult(AnswerOutcome.Recorded, answer, item);
        var first = await store.ReadAsync(name, cancellationToken);
        return new AnswerResult(AnswerOutcome.AlreadyAnswered, first is null ? null : StoreJson.Deserialize<LabellingAnswer>(first, name), item);
    }

    /// <summary>The answers given so far to some items, by item id.</summary>
    public async Task<IReadOnlyDictionary<string, LabellingAnswer>> AnswersAsync(string agentId, IEnumerable<string> itemIds, CancellationToken cancellationToken = default)
    {
        var answers = new Dictionary<string, LabellingAnswer>(StringComparer.Ordinal);
        var answered = (await store.ListAsync(StoreLayout.LabellingAnswersPrefix(agentId), cancellationToken))
            .Select(ItemIdOf).ToHashSet(StringComparer.Ordinal);
        foreach (var id in itemIds.Distinct(StringComparer.Ordinal).Where(answered.Contains))
        {
            var name = StoreLayout.LabellingAnswer(agentId, id);
            if (await store.ReadAsync(name, cancellationToken) is { } json) answers[id] = StoreJson.Deserialize<LabellingAnswer>(json, name);
        }
        return answers;
    }

    /// <summary>Answers as training examples, with provenance <c>people:{by}/request={id}</c>.</summary>
    public static IReadOnlyList<LabeledExample> Examples(IEnumerable<(string Text, LabellingAnswer Answer)> answered) =>
        answered.Select(a => new LabeledExample(a.Text, a.Answer.Label, Segments.Unspecified, $"{Source}:{a.Answer.By}/request={a.Answer.ItemId}")).ToArray();

    /// <summary>Removes the items (and their answers) of requests that carried <paramref name="subject"/>; returns how many items.</summary>
    public async Task<int> EraseSubjectAsync(string agentId, string subject, CancellationToken cancellationToken = default)
    {
        var erased = 0;
        foreach (var name in await store.ListAsync(StoreLayout.LabellingItemsPrefix(agentId), cancellationToken))
        {
            if (await store.ReadAsync(name, cancellationToken) is not { } json) continue;
            var item = StoreJson.Deserialize<LabellingItem>(json, name);
            if (item.Subject != subject) continue;
            await store.DeleteAsync(StoreLayout.LabellingAnswer(agentId, item.ItemId), cancellationToken);
            await store.DeleteAsync(name, cancellationToken);
            erased++;
        }
        return erased;
    }

    /// <summary>The requests an attempt queued: those its teacher batches left for people.</summary>
    public async Task<IReadOnlyList<HumanLabelTask>> QueuedByAsync(string runId, int attempt, CancellationToken cancellationToken = default)
    {
        var tasks = new List<HumanLabelTask>();
        foreach (var name in await store.ListAsync(StoreLayout.TeacherBatchesPrefix(runId, attempt), cancellationToken))
            if (await store.ReadAsync(name, cancellationToken) is { } json)
                tasks.AddRange(StoreJson.Deserialize<TeacherBatchOutput>(json, name).ForHumans);
        return tasks;
    }

    public async Task<LabellingProgress> ProgressAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default)
    {
        var queued = (await QueuedByAsync(runId, attempt, cancellationToken)).Select(t => t.RequestId).Distinct(StringComparer.Ordinal).ToArray();
        var answered = (await store.ListAsync(StoreLayout.LabellingAnswersPrefix(agentId), cancellationToken))
            .Select(ItemIdOf).ToHashSet(StringComparer.Ordinal);
        return new LabellingProgress(queued.Length, queued.Count(answered.Contains));
    }

    /// <summary>The request id of an item or answer name (<c>…/{requestId}.json</c>).</summary>
    private static string ItemIdOf(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        return file.EndsWith(".json", StringComparison.Ordinal) ? file[..^".json".Length] : file;
    }
}
