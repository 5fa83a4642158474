using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests;

public sealed class ApprovalTokensTests : IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly LocalArtifactStore store;
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly ApprovalTokens tokens;

    public ApprovalTokensTests()
    {
        store = new LocalArtifactStore(folder.Path);
        tokens = new ApprovalTokens(store, clock);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_token_is_valid_for_its_run_until_it_expires_and_is_stored_only_as_its_hash()
    {
        var token = await tokens.IssueAsync("agent-1", clock.GetUtcNow().AddHours(1));

        Assert.True(token.Length >= 43, "256 bits, base64url");
        Assert.Equal(ApprovalTokenCheck.Valid, await tokens.CheckAsync("agent-1", token));
        Assert.Equal(ApprovalTokenCheck.Unknown, await tokens.CheckAsync("agent-2", token));
        Assert.Equal(ApprovalTokenCheck.Unknown, await tokens.CheckAsync("agent-1", token + "x"));
        Assert.Equal(ApprovalTokenCheck.Unknown, await tokens.CheckAsync("agent-1", null));
        var stored = "";
        foreach (var name in await store.ListAsync("runs/agent-1/")) stored += name + System.Text.Encoding.UTF8.GetString((await store.ReadAsync(name))!);
        Assert.DoesNotContain(token, stored);
        Assert.Contains(ApprovalTokens.Hash(token), stored);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ApprovalTokenCheck.Expired, await tokens.CheckAsync("agent-1", token));
    }

    [Fact]
    public async Task Two_tokens_of_a_run_race_and_exactly_one_decision_is_recorded()
    {
        var first = await tokens.IssueAsync("agent-1", clock.GetUtcNow().AddHours(1));
        var second = await tokens.IssueAsync("agent-1", clock.GetUtcNow().AddHours(1));
        Assert.NotEqual(first, second);

        var results = await Task.WhenAll(
            tokens.RecordAsync("agent-1", first, new ApprovalDecision(true, "ana", null)),
            tokens.RecordAsync("agent-1", second, new ApprovalDecision(false, "bob", null)));

        Assert.Single(results, r => r.Recorded);
        Assert.Equal(results[0].Decision, results[1].Decision);
        Assert.Equal(results.Single(r => r.Recorded).Decision, await tokens.DecisionAsync("agent-1"));
    }

    [Fact]
    public async Task Closing_the_window_keeps_a_decision_made_in_time_and_refuses_any_after()
    {
        var token = await tokens.IssueAsync("agent-1", clock.GetUtcNow().AddHours(1));
        await tokens.RecordAsync("agent-1", token, new ApprovalDecision(true, "ana", null));
        Assert.Equal(new ApprovalDecision(true, "ana", null), await tokens.CloseAsync("agent-1"));

        var late = await tokens.IssueAsync("agent-2", clock.GetUtcNow().AddHours(1));
        Assert.Null(await tokens.CloseAsync("agent-2"));
        var (recorded, standing) = await tokens.RecordAsync("agent-2", late, new ApprovalDecision(true, "bob", null));
        Assert.False(recorded);
        Assert.True(standing.TimedOut);
    }
}
