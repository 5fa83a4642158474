using Microsoft.Extensions.Options;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Monitoring;

/// <summary>Feedback by request id, feedback ids stored once, and feedback since a time.</summary>
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
}
