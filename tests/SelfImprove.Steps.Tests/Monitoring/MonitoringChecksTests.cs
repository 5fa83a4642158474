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
        // Pruned on the first write and then on every second: never more than 3 + 2 - 1 kept.
        var checks = new MonitoringChecks(store, clock, retained: 3, pruneEvery: 2);
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
}
