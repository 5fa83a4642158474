using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Traffic;
using SelfImprove.Steps;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>
/// The traffic log of a real <c>serve</c> process under heavy predict traffic: a SIGKILL loses at most the flush window,
/// corrupts nothing, and what was flushed is readable after a restart; a SIGTERM loses nothing.
/// </summary>
public sealed class TrafficDurabilityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Key = "traffic-test-key-0123456789";
    private const string Agent = "support-router";
    private const int SigTerm = 15;
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(300);

    /// <summary>What a killed server may lose beyond the flush interval: the answers given while its last flush was being written.</summary>
    private static readonly TimeSpan FlushSlack = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_killed_server_loses_at_most_its_flush_window_and_a_stopped_one_loses_nothing()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var port = FreePort.Next();
        string[] arguments =
        [
            "--urls", $"http://127.0.0.1:{port}", "--agents", agents.Path, "--store", folder.Combine("store"), "--cache", ManifestFiles.SharedEmbeddingCache,
            "--key", Key, "--traffic-flush-every", $"{FlushEvery.TotalMilliseconds}ms", "--stop-timeout", "30s",
        ];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);

        // 1. Heavy traffic, then SIGKILL.
        var killed = new ConcurrentDictionary<string, DateTimeOffset>();
        DateTimeOffset killedAt;
        await using (var server = ServeProcess.Start(folder.Path, arguments, new Dictionary<string, string>()))
        {
            await server.WaitUntilListeningAsync();
            using var traffic = new CancellationTokenSource();
            var clients = Clients(http, killed, traffic.Token);
            await WaitForAsync(() => killed.Count >= 1500, TimeSpan.FromMinutes(2));
            killedAt = DateTimeOffset.UtcNow;
            await server.KillAsync();
            await traffic.CancelAsync();
            await clients;
        }

        var log = await ReadLogAsync(folder.Combine("store"));
        Assert.Empty(log.BadLines);
        Assert.Equal(log.Records.Count, log.Records.Select(r => r.RequestId).Distinct().Count());
        var logged = log.Records.Select(r => r.RequestId).ToHashSet();
        var lost = killed.Keys.Where(id => !logged.Contains(id)).ToArray();
        var window = FlushEvery + FlushSlack;
        var lostTooEarly = lost.Where(id => RequestIds.TryParseTime(id, out var at) && at < killedAt - window).ToArray();
        Assert.True(lostTooEarly.Length == 0,
            $"{lostTooEarly.Length} of {lost.Length} lost answers arrived more than {window.TotalSeconds} s before the kill, e.g. {lostTooEarly.FirstOrDefault()}");
        Assert.True(logged.Count >= killed.Count / 2, $"only {logged.Count} of {killed.Count} answers were flushed");
        output.WriteLine($"SIGKILL: {killed.Count} answers acknowledged, {lost.Length} lost (window {window.TotalSeconds} s), {log.Records.Count} logged");

        // 2. After a restart, what was flushed is readable through the API; then a SIGTERM loses nothing.
        var stopped = new ConcurrentDictionary<string, DateTimeOffset>();
        await using (var server = ServeProcess.Start(folder.Path, arguments, new Dictionary<string, string>()))
        {
            await server.WaitUntilListeningAsync();
            var flushedBefore = logged.First(id => killed.ContainsKey(id));
            using (var feedback = await http.PostAsJsonAsync($"api/agents/{Agent}/feedback", new { requestId = flushedBefore, thumbsUp = true }))
                Assert.Equal(HttpStatusCode.Created, feedback.StatusCode);

            using var traffic = new CancellationTokenSource();
            var clients = Clients(http, stopped, traffic.Token);
            await WaitForAsync(() => stopped.Count >= 1000, TimeSpan.FromMinutes(2));
            server.Signal(SigTerm);
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(40)), "the server did not stop on SIGTERM");
            Assert.Equal(0, server.ExitCode);
            await traffic.CancelAsync();
            await clients;
        }

        var after = await ReadLogAsync(folder.Combine("store"));
        Assert.Empty(after.BadLines);
        var loggedAfter = after.Records.Select(r => r.RequestId).ToHashSet();
        var lostOnStop = stopped.Keys.Count(id => !loggedAfter.Contains(id));
        output.WriteLine($"SIGTERM: {stopped.Count} answers acknowledged, {lostOnStop} lost");
        Assert.True(lostOnStop == 0, $"{lostOnStop} of {stopped.Count} answers were lost by a graceful stop");
        Assert.Superset(logged, loggedAfter);
    }

    /// <summary>16 clients sending single predicts until cancelled; each answered request id is recorded with the time of its answer.</summary>
    private static Task Clients(HttpClient http, ConcurrentDictionary<string, DateTimeOffset> answered, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            string[] texts = ["my card was stolen", "close my account please", "why was I charged twice", "I want a refund", "how do I change my PIN"];
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.PostAsJsonAsync($"api/agents/{Agent}/predict",
                        new { text = texts[(client + i) % texts.Length], subject = $"client-{client}" }, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.OK) continue;
                    var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                    answered[answer!["requestId"]!.GetValue<string>()] = DateTimeOffset.UtcNow;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    if (cancellationToken.IsCancellationRequested) return;
                    await Task.Delay(20, CancellationToken.None); // the server is gone: the test stops the clients soon
                }
            }
        })));

    /// <summary>Every record of the agent's log in the store, and every line of a batch that is no record.</summary>
    private static async Task<(IReadOnlyList<LoggedRequest> Records, IReadOnlyList<string> BadLines)> ReadLogAsync(string storePath)
    {
        var store = new LocalArtifactStore(storePath);
        var bad = new List<string>();
        var names = await store.ListAsync(StoreLayout.TrafficPrefix(Agent));
        foreach (var name in names)
        {
            var text = Encoding.UTF8.GetString((await store.ReadAsync(name))!);
            Assert.EndsWith("\n", text);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try { System.Text.Json.JsonSerializer.Deserialize<LoggedRequest>(line, System.Text.Json.JsonSerializerOptions.Web); }
                catch (System.Text.Json.JsonException) { bad.Add($"{name}: {line}"); }
            }
        }
        var log = new TrafficLog(store, Options.Create(new LoopOptions()), TimeProvider.System);
        var records = await log.ReadAsync(Agent, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1));
        return (records, bad);
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the traffic never reached the expected volume");
            await Task.Delay(50);
        }
    }
}
