using Microsoft.Extensions.Options;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Monitoring;

/// <summary>Feedback by request id, feedback ids stored once, feedback since a time, and the newest labelled items.</summary>
public sealed class FeedbackLogTests : IDisposable
{
    private const string Agent = "support-router";
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 3, 9, 10, 0, 0, TimeSpan.Zero));
    private readonly LocalArtifactStore store;
    private readonly TrafficLog traffic;
    private readonly FeedbackLog feedback;

    public FeedbackLogTests()
    {
        store = new LocalArtifactStore(folder.Combine("store"));
        traffic = new TrafficLog(store, Options.Create(new LoopOptions()), clock);
        var agents = new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder))]);
        feedback = new FeedbackLog(store, clock, traffic, agents);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Feedback_days_later_links_to_the_logged_answer_and_since_lists_it_oldest_first()
    {
        var (id, at) = traffic.Ids.Next();
        await traffic.AppendAsync(new LoggedRequest(id, Agent, at, "v3", Arm.Candidate, "verify_identity", 5, "my card was stolen", true,
            "card_lost_or_stolen", 0.7, 0.4, "card_not_working", [], "user-9"));
        await traffic.FlushAsync();
        clock.Advance(TimeSpan.FromDays(2));
        var mark = clock.GetUtcNow();

        var first = await feedback.AppendForRequestAsync(Agent, id, "card_not_working", null, null);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await feedback.AppendAsync(Agent, "write to me at ana@example.org", "refund_request", null, true, "f-2");

        Assert.Equal(FeedbackOutcome.Stored, first.Outcome);
        Assert.Equal(("my card was stolen", "card_lost_or_stolen", "v3", Arm.Candidate, "user-9", "card_not_working"),
            (first.Item!.Text, first.Item.Predicted, first.Item.VersionId, first.Item.Arm, first.Item.Subject, first.Item.KnownLabel));
        Assert.Equal("write to me at [EMAIL]", second.Item!.Text);
        Assert.Equal([first.Item.Id, "f-2"], (await feedback.SinceAsync(Agent, mark)).Select(i => i.Id));
        Assert.Equal(["f-2"], (await feedback.SinceAsync(Agent, mark.AddSeconds(1))).Select(i => i.Id));
        Assert.Equal(FeedbackOutcome.UnknownRequest, (await feedback.AppendForRequestAsync(Agent, RequestIds.Format(mark, "00000000", 1), null, true, null)).Outcome);
    }

    [Fact]
    public async Task Recent_labelled_feedback_is_the_newest_items_that_establish_a_label_oldest_first_reading_past_unlabelled_ones()
    {
        // 20 items, one a second: every third one has no label (no label and no thumbs up), so the newest 10 labelled items
        // reach back past the first window of 10 names.
        for (var i = 0; i < 20; i++)
        {
            await feedback.AppendAsync(Agent, $"request {i}", "balance", i % 3 == 0 ? null : $"intent-{i}", i % 3 == 0 ? false : null);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var recent = await feedback.RecentLabelledAsync(Agent, 10);
        var all = await feedback.RecentLabelledAsync(Agent, 100);

        Assert.Equal([5, 7, 8, 10, 11, 13, 14, 16, 17, 19], recent.Select(e => int.Parse(e.Text.Split(' ')[1])));
        Assert.Equal(recent.Select(e => $"intent-{e.Text.Split(' ')[1]}"), recent.Select(e => e.Label));
        Assert.Equal(13, all.Count);
        Assert.Empty(await feedback.RecentLabelledAsync("no-such-agent", 10));

        // Later calls see what arrived since, and not what another process erased (its blob deleted).
        await feedback.AppendAsync(Agent, "request 20", "balance", "intent-20", null);
        var names = await store.ListAsync(StoreLayout.FeedbackPrefix(Agent));
        Assert.True(await store.DeleteAsync(names[19]));
        Assert.Equal([7, 8, 10, 11, 13, 14, 16, 17, 20], (await feedback.RecentLabelledAsync(Agent, 9)).Select(e => int.Parse(e.Text.Split(' ')[1])));
    }

    [Fact]
    public async Task A_feedback_id_whose_first_request_died_before_its_item_gets_the_item_on_the_retry_and_never_two()
    {
        // The first request claimed the id and died before writing the item.
        var name = StoreLayout.Feedback(Agent, clock.GetUtcNow(), "f-1");
        await store.TryCreateAsync(StoreLayout.FeedbackId(Agent, "f-1"), StoreJson.Serialize(new { name }));
        clock.Advance(TimeSpan.FromMinutes(1));

        var retry = await feedback.AppendAsync(Agent, "close my account", "account_closure", null, true, "f-1");
        var again = await feedback.AppendAsync(Agent, "close my account", "account_closure", null, true, "f-1");

        Assert.Equal(FeedbackOutcome.Repeated, retry.Outcome);
        Assert.Equal(FeedbackOutcome.Repeated, again.Outcome);
        Assert.Equal([name], await store.ListAsync(StoreLayout.FeedbackPrefix(Agent)));
        Assert.Equal(retry.Item, again.Item);
    }
    [Fact]
    public async Task Another_process_reads_the_newest_labelled_feedback_from_the_digest_without_listing_and_an_erasure_leaves_no_text_behind()
    {
        var (id, at) = traffic.Ids.Next();
        await traffic.AppendAsync(new LoggedRequest(id, Agent, at, "v3", Arm.Serving, "balance", 5, "what is my balance, says Ada", true,
            "balance", 0.9, 0.8, "card_not_working", [], "user-ada"));
        await traffic.FlushAsync();
        await feedback.AppendForRequestAsync(Agent, id, "balance", null, null);
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await feedback.AppendAsync(Agent, $"request {i}", "balance", $"intent-{i}", null);
        }
        var first = await feedback.RecentLabelledAsync(Agent, 6);

        // A second process over the same store: its first check lists nothing and reads no item.
        var counting = new CountingArtifactStore(store);
        var other = new FeedbackLog(counting, clock, new TrafficLog(counting, Options.Create(new LoopOptions()), clock),
            new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder))]));
        Assert.Equal(first, await other.RecentLabelledAsync(Agent, 6));
        Assert.Equal(first.Skip(2), await other.RecentLabelledAsync(Agent, 4));
        Assert.Equal((0L, 2L), (counting.Snapshot().Lists, counting.Snapshot().Reads / 2));

        // Feedback stored by either process is seen by the other's next check.
        clock.Advance(TimeSpan.FromSeconds(1));
        await other.AppendAsync(Agent, "request 5", "balance", "intent-5", null);
        Assert.Equal("request 5", (await feedback.RecentLabelledAsync(Agent, 6))[^1].Text);

        Assert.Equal(1, await feedback.EraseSubjectAsync(Agent, "user-ada"));
        var digest = await store.ReadAsync(StoreLayout.FeedbackRecent(Agent));
        Assert.True(digest is null || !System.Text.Encoding.UTF8.GetString(digest).Contains("Ada"), "the digest still holds the erased text");
        Assert.DoesNotContain(await other.RecentLabelledAsync(Agent, 6), e => e.Text.Contains("Ada"));
    }
}
