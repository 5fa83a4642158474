using SelfImprove.Core.Planning;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Labelling;

public sealed class LabellingQueueTests : IDisposable
{
    private const string Agent = "support-router";
    private readonly TempDirectory folder = new();
    private readonly LocalArtifactStore store;
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly LabellingQueue queue;

    public LabellingQueueTests()
    {
        store = new LocalArtifactStore(folder.Path);
        queue = new LabellingQueue(store, clock);
    }

    public void Dispose() => folder.Dispose();

    private static HumanLabelTask Task(string id) => new(id, $"text of {id}", "card_not_working", 0, "no feedback model: a person labels it");

    private static Dictionary<string, RequestToLabel> Requests(params string[] ids) => ids.ToDictionary(
        id => id, id => new RequestToLabel(id, $"text of {id}", [new IntentProbability("card_not_working", 0.5), new IntentProbability("contactless_not_working", 0.3),
            new IntentProbability("card_lost_or_stolen", 0.1), new IntentProbability("refund_request", 0.05)], Subject: id == "r2" ? "user-7" : null));

    /// <summary>A teacher batch of the attempt, as the data generation step stores it, so the queue knows what the attempt queued.</summary>
    private async Task StoreBatchAsync(string runId, int attempt, params string[] ids) =>
        await store.TryCreateAsync(StoreLayout.TeacherBatch(runId, attempt, 0),
            StoreJson.Serialize(new TeacherBatchOutput(0, ids, [], [], ids.Select(Task).ToArray(), [])));

    [Fact]
    public async Task A_request_is_queued_once_with_the_models_top_three_guesses_and_lists_until_answered()
    {
        Assert.Equal(2, await queue.EnqueueAsync(Agent, "support-router-1", 1, [Task("r1"), Task("r2")], Requests("r1", "r2")));
        clock.Advance(TimeSpan.FromMinutes(1));
        // A later run picking the same request queues nothing new: the first item stands.
        Assert.Equal(0, await queue.EnqueueAsync(Agent, "support-router-2", 1, [Task("r1")], Requests("r1")));

        var open = await queue.OpenAsync(Agent, 10);
        Assert.Equal(["r1", "r2"], open.Select(i => i.ItemId));
        Assert.Equal("support-router-1", open[0].RunId);
        Assert.Equal(3, open[0].Guesses.Count);
        Assert.Equal("card_not_working", open[0].Guesses[0].Intent);

        var first = await queue.AnswerAsync(Agent, "r1", "contactless_not_working", "ana");
        Assert.Equal(AnswerOutcome.Recorded, first.Outcome);
        Assert.Equal(["r2"], (await queue.OpenAsync(Agent, 10)).Select(i => i.ItemId));
    }

    [Fact]
    public async Task The_first_answer_stands_and_unknown_or_unsafe_items_are_not_found()
    {
        await queue.EnqueueAsync(Agent, "support-router-1", 1, [Task("r1")], Requests("r1"));

        Assert.Equal(AnswerOutcome.Recorded, (await queue.AnswerAsync(Agent, "r1", "card_not_working", "ana")).Outcome);
        var second = await queue.AnswerAsync(Agent, "r1", "refund_request", "ben");
        Assert.Equal(AnswerOutcome.AlreadyAnswered, second.Outcome);
        Assert.Equal(("card_not_working", "ana"), (second.Answer!.Label, second.Answer.By));

        Assert.Equal(AnswerOutcome.UnknownItem, (await queue.AnswerAsync(Agent, "r9", "card_not_working", "ana")).Outcome);
        Assert.Equal(AnswerOutcome.UnknownItem, (await queue.AnswerAsync(Agent, "../../run.lock", "card_not_working", "ana")).Outcome);
        Assert.Equal(AnswerOutcome.UnknownItem, (await queue.AnswerAsync(Agent, "..", "card_not_working", "ana")).Outcome);
    }

    [Fact]
    public async Task Progress_counts_what_the_attempt_queued_and_people_answered()
    {
        await StoreBatchAsync("support-router-1", 1, "r1", "r2", "r3");
        await queue.EnqueueAsync(Agent, "support-router-1", 1, new[] { "r1", "r2", "r3" }.Select(Task).ToArray(), Requests("r1", "r2", "r3"));
        Assert.Equal((3, 0, false), Tuple(await queue.ProgressAsync("support-router-1", Agent, 1)));

        await queue.AnswerAsync(Agent, "r1", "card_not_working", "ana");
        await queue.AnswerAsync(Agent, "r3", "refund_request", "ana");
        Assert.Equal((3, 2, false), Tuple(await queue.ProgressAsync("support-router-1", Agent, 1)));

        await queue.AnswerAsync(Agent, "r2", "card_not_working", "ben");
        Assert.Equal((3, 3, true), Tuple(await queue.ProgressAsync("support-router-1", Agent, 1)));
        // Another attempt queued nothing.
        Assert.Equal((0, 0, true), Tuple(await queue.ProgressAsync("support-router-1", Agent, 2)));
    }

    [Fact]
    public async Task Erasing_a_subject_removes_its_items_and_their_answers()
    {
        await queue.EnqueueAsync(Agent, "support-router-1", 1, [Task("r1"), Task("r2")], Requests("r1", "r2"));
        await queue.AnswerAsync(Agent, "r2", "card_not_working", "ana");

        Assert.Equal(1, await queue.EraseSubjectAsync(Agent, "user-7"));

        Assert.Null(await queue.GetAsync(Agent, "r2"));
        Assert.Empty(await queue.AnswersAsync(Agent, ["r2"]));
        Assert.Equal(["r1"], (await queue.OpenAsync(Agent, 10)).Select(i => i.ItemId));
    }

    private static (int, int, bool) Tuple(Workflows.Steps.LabellingProgress p) => (p.Queued, p.Answered, p.Done);
}
