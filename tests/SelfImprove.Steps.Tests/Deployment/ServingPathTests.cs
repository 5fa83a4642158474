using Microsoft.Extensions.Options;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>Micro-batching of the encoder, and the cached serving pointer.</summary>
public sealed class ServingPathTests : IDisposable
{
    private const string Agent = "support-router";
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Concurrent_single_requests_share_encoder_calls_and_each_gets_its_own_vectors()
    {
        var encoder = new SlowEncoder();
        await using var batcher = new EncoderBatcher(new ServingEncoder(encoder), Options(s => (s.BatchWindow, s.MaxBatch) = (TimeSpan.FromMilliseconds(5), 16)));

        var texts = Enumerable.Range(0, 64).Select(i => $"text {i}").ToArray();
        var results = await Task.WhenAll(texts.Select(t => Task.Run(() => batcher.EncodeAsync([t]))));
        var many = await batcher.EncodeAsync(["a", "bb", "ccc"]);

        Assert.Equal(texts.Select(t => (float)t.Length), results.Select(r => Assert.Single(r)[0]));
        Assert.Equal([1f, 2f, 3f], many.Select(v => v[0]));
        Assert.True(batcher.Calls <= 64 / 4, $"{batcher.Calls} encoder calls for 64 concurrent requests");
        Assert.Equal(67, batcher.Texts);
        Assert.True(encoder.Largest <= 16, $"a call of {encoder.Largest} texts, over MaxBatch");
    }

    [Fact]
    public async Task An_encoder_failure_reaches_every_request_of_its_batch_and_the_next_batch_still_runs()
    {
        var encoder = new SlowEncoder { FailOn = "boom" };
        await using var batcher = new EncoderBatcher(new ServingEncoder(encoder), Options(s => s.BatchWindow = TimeSpan.FromMilliseconds(50)));

        var failing = batcher.EncodeAsync(["boom"]);
        var sharing = batcher.EncodeAsync(["fine"]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await Assert.ThrowsAsync<InvalidOperationException>(() => sharing);
        Assert.Equal(4f, (await batcher.EncodeAsync(["next"]))[0][0]);
    }

    [Fact]
    public async Task The_serving_pointer_is_read_at_most_once_per_refresh_period_and_a_change_here_is_seen_at_once()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 9, 10, 0, 0, TimeSpan.Zero));
        var store = new CountingArtifactStore(new LocalArtifactStore(folder.Combine("store")));
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder));
        var agents = new AgentCatalog([manifest]);
        var registry = new ArtifactModelRegistry(store, clock);
        var traffic = new TrafficLog(store, Options(_ => { }), clock);
        var loop = new LoopContext(agents, store, registry, new ModelLoader(registry, new SlowEncoder()), traffic, new FeedbackLog(store, clock, traffic, agents));
        var pointers = new ServingPointers(loop, new RunLedger(agents, store, clock), clock, Options(s => s.PointerRefresh = TimeSpan.FromSeconds(1)));
        await Serve(store, "v1");

        Assert.Equal("v1", (await pointers.GetAsync(Agent)).ServingVersionId);
        var reads = store.Snapshot().Reads;
        for (var i = 0; i < 100; i++) Assert.Equal("v1", (await pointers.GetAsync(Agent)).ServingVersionId);
        Assert.Equal(reads, store.Snapshot().Reads);

        await Serve(store, "v2"); // another process promotes
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal("v1", (await pointers.GetAsync(Agent)).ServingVersionId);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForAsync(pointers, "v2"); // the first request after the period starts the read; others keep v1 until it is done

        await Serve(store, "v3"); // this process rolls back: it says so
        pointers.Invalidate(Agent);
        Assert.Equal("v3", (await pointers.GetAsync(Agent)).ServingVersionId);
    }

    private static async Task WaitForAsync(ServingPointers pointers, string version)
    {
        for (var stale = 0; ; stale++)
        {
            if ((await pointers.GetAsync(Agent)).ServingVersionId == version) return;
            await Task.Delay(5);
            if (stale > 200) throw new TimeoutException("the change was never seen");
        }
    }

    private static Task Serve(IArtifactStore store, string version) =>
        store.WriteAsync(StoreLayout.Serving(Agent), StoreJson.Serialize(new ServingState(version, null, DateTimeOffset.UnixEpoch, "test")));

    private static IOptions<LoopOptions> Options(Action<ServingOptions> configure)
    {
        var options = new LoopOptions();
        configure(options.Serving);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    /// <summary>An encoder whose cost is mostly per call (as MiniLM's is on few cores): a vector of the text's length.</summary>
    private sealed class SlowEncoder : ITextEncoder
    {
        public string ModelId => "slow";
        public int Dimension => 1;
        public string? FailOn { get; init; }
        public int Largest { get; private set; }

        public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            Largest = Math.Max(Largest, texts.Count);
            Thread.Sleep(20);
            if (FailOn is not null && texts.Contains(FailOn)) throw new InvalidOperationException("encoder failed");
            return texts.Select(t => new[] { (float)t.Length }).ToArray();
        }
    }
}
