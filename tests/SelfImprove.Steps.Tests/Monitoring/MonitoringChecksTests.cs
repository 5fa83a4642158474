using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Monitoring;

public sealed class MonitoringChecksTests : IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Each_check_is_kept_with_its_time_and_only_the_newest_within_retention_stay()
    {
        var store = new LocalArtifactStore(folder.Path);
        // An agent's first draw makes its first write prune, and then every second: never more than 3 + 2 - 1 kept.
        var checks = new MonitoringChecks(store, clock, retained: 3, pruneEvery: 2, random: new Draws(1));
        var held = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            await checks.RecordAsync(new MonitoringSnapshot("a", "v1", GoalMetric.Accuracy, 0.90 - i * 0.01, 40, 0.8, i));
            held.Add((await store.ListAsync(StoreLayout.MonitoringChecksPrefix("a"))).Count);
            clock.Advance(TimeSpan.FromMinutes(5));
        }
        await checks.RecordAsync(new MonitoringSnapshot("b", "v7", GoalMetric.Accuracy, 0.5, 40, 0, 0));

        var kept = await checks.ReadAsync("a");
        Assert.Equal([1, 2, 3, 4, 3], held);
        Assert.Equal([0.88, 0.87, 0.86], kept.Select(c => Math.Round(c.Snapshot.ValidationValue, 2)));
        Assert.Equal(clock.GetUtcNow().AddMinutes(-15), kept[0].At);
        Assert.Equal(3, (await store.ListAsync(StoreLayout.MonitoringChecksPrefix("a"))).Count);
        Assert.Equal([0.87, 0.86], (await checks.ReadAsync("a", limit: 2)).Select(c => Math.Round(c.Snapshot.ValidationValue, 2)));
        Assert.Single(await checks.ReadAsync("b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MonitoringChecks(store, clock, retained: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MonitoringChecks(store, clock, pruneEvery: 0));
    }

    [Fact]
    public async Task A_new_process_prunes_an_agent_only_when_its_drawn_start_comes_round_and_never_lets_more_than_the_bound_pile_up()
    {
        var store = new LocalArtifactStore(folder.Path);
        // Checks an earlier process left beyond retention.
        var earlier = new MonitoringChecks(store, clock, retained: 100, pruneEvery: 1);
        for (var i = 0; i < 6; i++)
        {
            await earlier.RecordAsync(new MonitoringSnapshot("a", "v1", GoalMetric.Accuracy, 0.9, 40, 0.8, i));
            clock.Advance(TimeSpan.FromMinutes(5));
        }

        // This process drew 0: three more writes before its first prune, then one every fourth write.
        var checks = new MonitoringChecks(store, clock, retained: 3, pruneEvery: 4, random: new Draws(0));
        var held = new List<int>();
        for (var i = 0; i < 9; i++)
        {
            await checks.RecordAsync(new MonitoringSnapshot("a", "v1", GoalMetric.Accuracy, 0.9, 40, 0.8, i));
            held.Add((await store.ListAsync(StoreLayout.MonitoringChecksPrefix("a"))).Count);
            clock.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal([7, 8, 9, 3, 4, 5, 6, 3, 4], held);
    }

    /// <summary>Draws that always give the same share of the range: 0 the lowest, 1 the highest value.</summary>
    private sealed class Draws(double share) : Random
    {
        public override int Next(int maxValue) => (int)Math.Round(share * (maxValue - 1));
    }
}
