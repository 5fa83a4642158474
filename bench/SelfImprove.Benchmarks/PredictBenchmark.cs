using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Ports;
using SelfImprove.Learning.Embeddings;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Benchmarks;

/// <summary>
/// What <c>predict</c> sustains on this machine: <c>selfimprove serve</c> in this process (the demo agent on small data)
/// on the memory and the Azure Storage (Azurite) backends, with the traffic log on and off; HTTP clients in the same
/// process send single requests from 16 and 64 concurrent clients, then batches of 32, every text distinct (no cache
/// hits). The encoder's own batched rate (batches of 64, distinct texts) is measured in the same run, for the ratio.
/// Then the process's resident memory while 1 million requests are answered and logged through the in-process router.
/// </summary>
public static class PredictBenchmark
{
    private const string Key = "bench-key-0123456789abcdef";
    private const string Agent = "support-router";

    private static readonly string[] Phrases =
    [
        "I lost my card on the", "my card was stolen near the", "why was I charged twice at the", "I want a refund for the order from the",
        "how do I change my PIN after the", "close my account because of the", "the transfer to my landlord failed at the",
        "my card does not work at the", "where is my new card, ordered after the", "what is the exchange rate for the trip to the",
    ];

    private static readonly string[] Places = ["station", "airport", "market", "cinema", "hotel", "bakery", "stadium", "museum", "harbour", "library"];

    private static long textCounter;

    public static async Task<int> RunAsync(int seconds, int memoryRequests, string only, TextWriter output)
    {
        output.WriteLine($"# predict on {Environment.ProcessorCount} cores, {seconds} s per measurement, distinct texts");
        await using var azurite = only is "all" or "azure-storage" ? await Azurite.StartAsync() : null;
        foreach (var backend in new[] { Backend.Memory, Backend.AzureStorage })
        {
            if (only != "all" && only != (backend is Backend.Memory ? "memory" : "azure-storage")) continue;
            foreach (var trafficLog in new[] { true, false })
                await MeasureServerAsync(backend, azurite?.ConnectionString, trafficLog, seconds, output);
        }
        if (memoryRequests > 0) await MeasureMemoryAsync(memoryRequests, output);
        return 0;
    }

    private static async Task MeasureServerAsync(Backend backend, string? connectionString, bool trafficLog, int seconds, TextWriter output)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var port = FreePort.Next();
        var options = new ServerOptions
        {
            Backend = backend,
            Urls = $"http://127.0.0.1:{port}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
            StorageConnectionString = connectionString ?? "UseDevelopmentStorage=true",
            HubName = $"predict{Guid.NewGuid():N}"[..20],
            ApiKey = Key,
            TrafficLog = trafficLog,
        };
        await using var server = await SelfImproveServer.StartAsync(options, TextWriter.Null);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);
        var name = $"{(backend is Backend.Memory ? "memory" : "azure-storage")}, traffic log {(trafficLog ? "on" : "off")}";

        // Warm up: the model, the connection pool, the JIT.
        await LoadAsync(http, clients: 8, batch: 1, TimeSpan.FromSeconds(2));
        var miniLm = server.Loop.Services.GetRequiredService<MiniLmTextEncoder>();
        var slice = TimeSpan.FromSeconds(seconds / 2.0);
        output.WriteLine();
        output.WriteLine($"## {name}");
        output.WriteLine("The encoder alone (batches of 64 distinct texts) is measured for half the time right before and right after each load, " +
                         "and the load is compared with their mean: per wall-clock second, and per CPU-second of this process (which other " +
                         "processes on the machine do not change).");
        output.WriteLine();
        output.WriteLine("| load | texts/s | requests/s | p50 ms | p99 ms | encoder alone, texts/s | ratio | ratio per CPU-second | mean encoder batch |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (clients, batch) in new[] { (16, 1), (64, 1), (4, 32) })
        {
            var batcher = server.Loop.Services.GetRequiredService<EncoderBatcher>();
            var before = EncoderRate(miniLm, slice);
            var (calls, texts) = (batcher.Calls, batcher.Texts);
            var result = await LoadAsync(http, clients, batch, TimeSpan.FromSeconds(seconds));
            var meanBatch = (batcher.Texts - texts) / (double)Math.Max(1, batcher.Calls - calls);
            var after = EncoderRate(miniLm, slice);
            var encoder = (before.PerSecond + after.PerSecond) / 2;
            var encoderPerCpu = (before.PerCpuSecond + after.PerCpuSecond) / 2;
            output.WriteLine($"| {(batch == 1 ? $"single, {clients} clients" : $"batches of {batch}, {clients} clients")} | {result.TextsPerSecond:0} | " +
                             $"{result.RequestsPerSecond:0.0} | {result.P50:0} | {result.P99:0} | {encoder:0} | {result.TextsPerSecond / encoder:0.00} | " +
                             $"{result.TextsPerCpuSecond / encoderPerCpu:0.00} | {meanBatch:0.0} |");
        }
        if (trafficLog)
        {
            var log = server.Loop.Services.GetRequiredService<TrafficLog>();
            await log.FlushAsync();
            output.WriteLine($"traffic log: {log.Flushed} answers written, {log.Dropped} dropped");
        }
    }

    /// <summary>The encoder alone on distinct texts, in batches of 64, for <paramref name="duration"/>: texts per second and per CPU-second of this process.</summary>
    private static (double PerSecond, double PerCpuSecond) EncoderRate(ITextEncoder encoder, TimeSpan duration)
    {
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var texts = 0;
        while (clock.Elapsed < duration)
        {
            encoder.Encode(Enumerable.Range(0, 64).Select(_ => NextText()).ToArray());
            texts += 64;
        }
        return (texts / clock.Elapsed.TotalSeconds, texts / (CpuSeconds() - cpu));
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private sealed record LoadResult(double TextsPerSecond, double RequestsPerSecond, double P50, double P99, double TextsPerCpuSecond);

    private static async Task<LoadResult> LoadAsync(HttpClient http, int clients, int batch, TimeSpan duration)
    {
        var latencies = new ConcurrentBag<double>();
        var texts = 0L;
        var failures = 0L;
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                object body = batch == 1
                    ? new { text = NextText() }
                    : new { inputs = Enumerable.Range(0, batch).Select(_ => new { text = NextText() }).ToArray() };
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync($"api/agents/{Agent}/predict", body);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref texts, batch);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuSeconds = CpuSeconds() - cpu;
        if (failures > 0) throw new InvalidOperationException($"{failures} predicts failed");
        var sorted = latencies.Order().ToArray();
        return new LoadResult(texts / elapsed, sorted.Length / elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99), texts / cpuSeconds);
    }

    /// <summary>
    /// Resident memory while <paramref name="requests"/> requests are answered and logged by the in-process router (the
    /// serving path of <c>serve</c>: micro-batching, pointer cache, traffic log with its background flusher, the bounded
    /// embedding cache), with a scripted encoder (a vector from the text's hash) so a million answers take minutes, not hours.
    /// </summary>
    private static async Task MeasureMemoryAsync(int requests, TextWriter output)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var store = folder.Combine("store");
        // The model: trained once by a server on the real encoder, then served from the same store.
        await using (await SelfImproveServer.StartAsync(new ServerOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}", AgentsFolder = agents.Path, StoreDirectory = store,
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache, ApiKey = Key,
        }, TextWriter.Null)) { }

        await using var loop = await Hosting.LoopHost.StartAsync(o =>
        {
            o.Agents = Core.Manifests.ManifestLoader.LoadFolder(agents.Path);
            o.StoreDirectory = store;
            o.EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache;
        }, services => services.AddSingleton(new ServingEncoder(new CachingTextEncoder(new HashEncoder(),
            new EmbeddingCache("hash", 384, null, new LoopOptions().Serving.EmbeddingCacheEntries)))));
        var router = loop.Services.GetRequiredService<ServingRouter>();
        var log = loop.Services.GetRequiredService<TrafficLog>();
        output.WriteLine();
        output.WriteLine($"## Resident memory over {requests:N0} answered and logged requests (in-process router, scripted encoder, 64 concurrent callers)");
        output.WriteLine("| answered | resident MB | managed heap MB | written to the log | buffered |");
        output.WriteLine("|---|---|---|---|---|");
        var done = 0L;
        var step = requests / 8;
        var next = 0L;
        var clock = Stopwatch.StartNew();
        while (done < requests)
        {
            if (done >= next)
            {
                output.WriteLine($"| {done:N0} | {Resident():0} | {Managed():0} | {log.Flushed:N0} | {log.Buffered:N0} |");
                next += step;
            }
            await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => router.PredictAsync(Agent, NextText(), $"user-{done % 1000}")));
            done += 64;
        }
        await log.FlushAsync();
        output.WriteLine($"| {done:N0} | {Resident():0} | {Managed():0} | {log.Flushed:N0} | {log.Buffered:N0} |");
        output.WriteLine($"{done / clock.Elapsed.TotalSeconds:0} answers/s; log on disk: {DirectorySize(Path.Combine(store, "agents", Agent, "traffic")) / 1024.0 / 1024.0:0} MB");
    }

    private static string NextText()
    {
        var n = Interlocked.Increment(ref textCounter);
        return $"{Phrases[n % Phrases.Length]} {Places[n / Phrases.Length % Places.Length]} on order {n}";
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static double Resident()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1024.0 / 1024.0;
    }

    private static double Managed() => GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;

    private static long DirectorySize(string path) =>
        Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    /// <summary>A deterministic 384-d unit vector from the text's hash: the encoder's shape at no cost.</summary>
    private sealed class HashEncoder : ITextEncoder
    {
        public string ModelId => "hash";
        public int Dimension => 384;

        public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) => texts.Select(text =>
        {
            var random = new Random(text.GetHashCode(StringComparison.Ordinal));
            var vector = new float[Dimension];
            for (var i = 0; i < vector.Length; i++) vector[i] = (float)(random.NextDouble() - 0.5);
            var norm = MathF.Sqrt(vector.Sum(v => v * v));
            for (var i = 0; i < vector.Length; i++) vector[i] /= norm;
            return vector;
        }).ToArray();
    }
}
