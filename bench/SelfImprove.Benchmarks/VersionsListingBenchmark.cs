using System.Diagnostics;
using System.Text;
using SelfImprove.Server;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Whether listing one agent's versions costs what that agent holds or what the whole store holds: <c>selfimprove serve</c>
/// (in this process, memory backend, the demo agent on small data, the folder store) answers <c>GET
/// /api/agents/support-router/versions</c> N times with no other blobs in the store, then again after another agent's
/// feedback (M blobs, written through the store as <c>FeedbackLog</c> names them) was added. For reference it also times
/// what listing cost before it was confined to the prefix's folder: one enumeration of the whole store.
/// </summary>
public static class VersionsListingBenchmark
{
    private const string Key = "bench-key-0123456789abcdef";
    private const string OtherAgent = "other-agent";

    public static async Task<int> RunAsync(int requests, int otherBlobs, TextWriter output)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var port = FreePort.Next();
        var options = new ServerOptions
        {
            Urls = $"http://127.0.0.1:{port}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
            ApiKey = Key,
        };
        await using var server = await SelfImproveServer.StartAsync(options, TextWriter.Null);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);

        output.WriteLine($"GET versions of support-router, {requests} requests one at a time after 20 to warm up, folder store, {Environment.ProcessorCount} cores");
        output.WriteLine("| blobs of another agent | median | p95 | max | whole-store enumeration (the listing before) |");
        output.WriteLine("| --- | --- | --- | --- | --- |");
        await RoundAsync(http, requests, 0, options.StoreDirectory, output);

        var store = new LocalArtifactStore(options.StoreDirectory);
        var writing = Stopwatch.StartNew();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await Parallel.ForEachAsync(Enumerable.Range(0, otherBlobs), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var item = Encoding.UTF8.GetBytes($$"""{ "id": "{{i:x8}}", "agentId": "{{OtherAgent}}", "text": "request number {{i}}", "label": "card_arrival" }""");
            await store.TryCreateAsync(StoreLayout.Feedback(OtherAgent, start.AddSeconds(i), $"{i:x8}"), item, ct);
        });
        output.WriteLine($"(wrote {otherBlobs:N0} feedback blobs of '{OtherAgent}' in {writing.Elapsed.TotalSeconds:0} s)");
        await RoundAsync(http, requests, otherBlobs, options.StoreDirectory, output);
        return 0;
    }

    private static async Task RoundAsync(HttpClient http, int requests, int otherBlobs, string storeDirectory, TextWriter output)
    {
        for (var i = 0; i < 20; i++) await GetAsync(http);
        var times = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var clock = Stopwatch.StartNew();
            await GetAsync(http);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);

        var enumeration = Stopwatch.StartNew();
        var all = Directory.EnumerateFiles(storeDirectory, "*", SearchOption.AllDirectories)
            .Count(f => Path.GetRelativePath(storeDirectory, f).StartsWith("agents/support-router/versions/", StringComparison.Ordinal));
        var wholeStore = enumeration.Elapsed.TotalMilliseconds;
        output.WriteLine($"| {otherBlobs:N0} | {times[requests / 2]:0.0} ms | {times[(int)(requests * 0.95)]:0.0} ms | {times[^1]:0.0} ms | {wholeStore:0} ms ({all} of the agent's version files found) |");
    }

    private static async Task GetAsync(HttpClient http)
    {
        using var response = await http.GetAsync("api/agents/support-router/versions");
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }
}
