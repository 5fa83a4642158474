using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Traffic;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Traffic;

/// <summary>The traffic log: batches by hour, reads that see the buffer, lookups by id, failures, erasure and retention.</summary>
public sealed class TrafficLogTests : IDisposable
{
    private const string Agent = "support-router";
    private static readonly DateTimeOffset Start = new(2026, 3, 9, 10, 59, 58, TimeSpan.Zero);
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(Start);
    private readonly LocalArtifactStore store;

    public TrafficLogTests() => store = new LocalArtifactStore(folder.Combine("store"));

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_flush_writes_one_batch_per_hour_and_reads_see_flushed_and_buffered_answers_in_time_order()
    {
        var log = Log();
        var first = await AppendAsync(log, "one");
        clock.Advance(TimeSpan.FromSeconds(3)); // into the next hour
        var second = await AppendAsync(log, "two");

        var beforeFlush = await log.ReadAsync(Agent, Start, Start.AddHours(1));
        await log.FlushAsync();
        var third = await AppendAsync(log, "three");
        var all = await log.ReadAsync(Agent, Start, Start.AddHours(1));

        Assert.Equal([first, second], beforeFlush.Select(r => r.RequestId));
        Assert.Equal([first, second, third], all.Select(r => r.RequestId));
        var batches = await store.ListAsync(StoreLayout.TrafficPrefix(Agent));
        Assert.Equal(2, batches.Count);
        Assert.StartsWith(StoreLayout.TrafficHourPrefix(Agent, Start), batches[0]);
        Assert.StartsWith(StoreLayout.TrafficHourPrefix(Agent, Start.AddHours(1)), batches[1]);
        Assert.Equal(["one"], (await log.ReadAsync(Agent, Start, Start.AddSeconds(1))).Select(r => r.Text));
        Assert.Equal(2, log.Flushed);
        Assert.Equal(1, log.Buffered);
    }

    [Fact]
    public async Task An_answer_is_found_by_its_id_days_later_in_a_new_process_and_an_unknown_id_is_not()
    {
        var log = Log();
        var id = await AppendAsync(log, "my card was stolen", "user-1");
        await AppendAsync(log, "other");
        await log.FlushAsync();
        clock.Advance(TimeSpan.FromDays(3));

        var later = Log(); // another process: nothing buffered
        var found = await later.FindAsync(Agent, id);

        Assert.Equal(("my card was stolen", "user-1", "v1", Arm.Serving), (found!.Text, found.Subject, found.VersionId, found.Arm));
        Assert.Null(await later.FindAsync(Agent, RequestIds.Format(Start, "00000000", 9)));
        Assert.Null(await later.FindAsync(Agent, "not-an-id"));
        Assert.Null(await later.FindAsync("other-agent", id));
    }

    [Fact]
    public async Task A_batch_that_fails_to_write_stays_buffered_and_readable_and_the_next_flush_writes_it_once()
    {
        var flaky = new FlakyStore(store) { Failing = true };
        var log = Log(flaky);
        var id = await AppendAsync(log, "hello");

        await Assert.ThrowsAsync<AggregateException>(() => log.FlushAsync());
        Assert.Equal(1, log.Buffered);
        Assert.NotNull(await log.FindAsync(Agent, id));

        flaky.Failing = false;
        await log.FlushAsync();
        Assert.Equal(0, log.Buffered);
        var names = await store.ListAsync(StoreLayout.TrafficPrefix(Agent));
        Assert.Single(names);
        Assert.Equal([id], (await Log().ReadAsync(Agent, Start, Start.AddHours(1))).Select(r => r.RequestId));
    }

    [Fact]
    public async Task While_storage_is_down_at_most_MaxBuffered_answers_wait_and_the_oldest_are_dropped_and_counted()
    {
        var log = Log(new FlakyStore(store) { Failing = true }, o => (o.FlushAtCount, o.MaxBuffered) = (2, 5));
        var ids = new List<string>();
        for (var i = 0; i < 8; i++) ids.Add(await AppendAsync(log, $"t{i}"));

        Assert.Equal(5, log.Buffered);
        Assert.Equal(3, log.Dropped);
        Assert.Equal(ids[3..], (await log.ReadAsync(Agent, Start, Start.AddHours(1))).Select(r => r.RequestId));
    }

    [Fact]
    public async Task A_line_that_does_not_parse_is_skipped_and_the_rest_of_its_batch_is_read()
    {
        var log = Log();
        var id = await AppendAsync(log, "kept");
        await log.FlushAsync();
        var name = Assert.Single(await store.ListAsync(StoreLayout.TrafficPrefix(Agent)));
        var content = Encoding.UTF8.GetString((await store.ReadAsync(name))!);
        await store.WriteAsync(name, Encoding.UTF8.GetBytes("{not json\n" + content + "{\"requestId\":"));

        Assert.Equal([id], (await Log().ReadAsync(Agent, Start, Start.AddHours(1))).Select(r => r.RequestId));
    }

    [Fact]
    public async Task Erasing_a_subject_removes_it_from_the_store_and_the_buffer_and_keeps_everyone_else()
    {
        var log = Log();
        await AppendAsync(log, "a1", "ana");
        var bo = await AppendAsync(log, "b1", "bo");
        await log.FlushAsync();
        await AppendAsync(log, "a2", "ana");
        await AppendAsync(log, "a3", "ana");
        await log.FlushAsync();
        await AppendAsync(log, "a4", "ana"); // still buffered

        var erased = await log.EraseSubjectAsync(Agent, "ana", CancellationToken.None);
        await log.FlushAsync();

        Assert.Equal(4, erased);
        Assert.Equal([bo], (await Log().ReadAsync(Agent, Start, Start.AddHours(1))).Select(r => r.RequestId));
        var names = await store.ListAsync(StoreLayout.TrafficPrefix(Agent));
        Assert.Single(names); // the batch with only ana's answers is gone
        Assert.DoesNotContain("ana", Encoding.UTF8.GetString((await store.ReadAsync(names[0]))!));
    }

    [Fact]
    public async Task The_retention_purge_deletes_partitions_older_than_the_agents_retention_and_keeps_the_rest()
    {
        var log = Log();
        await AppendAsync(log, "old");
        await log.FlushAsync();
        clock.Advance(TimeSpan.FromDays(2));
        var recent = await AppendAsync(log, "recent");
        await log.FlushAsync();
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => m["traffic"] = new System.Text.Json.Nodes.JsonObject { ["retention"] = "1.00:00:00" }));
        var retention = new TrafficRetention(log, new AgentCatalog([manifest]), Options(), clock, NullLogger<TrafficRetention>.Instance);

        Assert.Equal(1, await retention.PurgeAsync());
        Assert.Equal([recent], (await log.ReadAsync(Agent, Start, clock.GetUtcNow().AddHours(1))).Select(r => r.RequestId));
        clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, await retention.PurgeAsync()); // its partition ended 23 h ago: within a day
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await retention.PurgeAsync());
        Assert.Empty(await store.ListAsync(StoreLayout.TrafficPrefix(Agent)));
    }

    [Fact]
    public async Task The_flusher_writes_within_the_interval_and_everything_left_when_the_host_stops()
    {
        var log = Log(configure: o => o.FlushInterval = TimeSpan.FromMilliseconds(50), clockOverride: TimeProvider.System);
        var flusher = new TrafficFlusher(log, NullLogger<TrafficFlusher>.Instance);
        await flusher.StartAsync(CancellationToken.None);

        await log.AppendAsync(Request(log, "first"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (log.Flushed == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        await log.AppendAsync(Request(log, "at stop"));
        await flusher.StopAsync(CancellationToken.None);

        Assert.Equal(2, log.Flushed);
        Assert.Equal(0, log.Buffered);
    }

    private TrafficLog Log(IArtifactStore? over = null, Action<TrafficLogOptions>? configure = null, TimeProvider? clockOverride = null) =>
        new(over ?? store, Options(configure), clockOverride ?? clock);

    private static IOptions<LoopOptions> Options(Action<TrafficLogOptions>? configure = null)
    {
        var options = new LoopOptions();
        configure?.Invoke(options.Traffic);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    private static async Task<string> AppendAsync(TrafficLog log, string text, string? subject = null)
    {
        var request = Request(log, text, subject);
        await log.AppendAsync(request);
        return request.RequestId;
    }

    private static LoggedRequest Request(TrafficLog log, string text, string? subject = null)
    {
        var (id, at) = log.Ids.Next();
        return new LoggedRequest(id, Agent, at, "v1", Arm.Serving, "verify_identity", 12.5, text, true,
            "card_lost_or_stolen", 0.9, 0.8, "card_not_working",
            [new IntentProbability("card_lost_or_stolen", 0.9), new IntentProbability("card_not_working", 0.1), new IntentProbability("pin_change", 0)], subject);
    }

    /// <summary>A store whose creates fail while <see cref="Failing"/> (storage unreachable).</summary>
    private sealed class FlakyStore(IArtifactStore inner) : IArtifactStore
    {
        public bool Failing { get; set; }

        public Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
            Failing ? throw new IOException("storage unreachable") : inner.TryCreateAsync(name, content, cancellationToken);

        public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.WriteAsync(name, content, cancellationToken);
        public Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default) => inner.ReadAsync(name, cancellationToken);
        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);
        public Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default) => inner.ReadVersionedAsync(name, cancellationToken);
        public Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default) => inner.WriteIfVersionAsync(name, content, version, cancellationToken);
        public Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default) => inner.DeleteIfVersionAsync(name, version, cancellationToken);
    }
}
