using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SelfImprove.Server;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary><c>label</c>: a person walks through the labelling queue of a real server on 127.0.0.1.</summary>
public sealed class LabelCommandTests : IAsyncLifetime
{
    private const string Key = "cli-label-key-0123456789";
    private readonly TempDirectory folder = new();
    private SelfImproveServer server = null!;
    private string url = "";

    public async Task InitializeAsync()
    {
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            ManifestFiles.UseSmallAgent(m);
            m["teacher"]!["allowHumanLabelling"] = true;
            m["teacher"]!["labellingTimeout"] = "01:00:00";
            m["planner"]!["maxLabelRequests"] = 3;
        });
        url = $"http://127.0.0.1:{FreePort.Next()}";
        // No replay: the test is the agent's only caller and its only labeller.
        server = await SelfImproveServer.StartAsync(new ServerOptions
        {
            Urls = url, AgentsFolder = agents.Path, StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache, ApiKey = Key,
        }, new LineRecorder());
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        folder.Dispose();
    }

    [Fact]
    public async Task A_person_labels_the_queue_one_answer_per_item_and_what_they_leave_stays_queued()
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);
        string[] texts = ["my card was eaten by the machine", "contactless won't work in shops", "transfer stuck since monday", "I want to close my account",
                          "refund for the double charge", "app keeps crashing on login", "how do I freeze my card", "my salary has not arrived"];
        using (var predicted = await http.PostAsJsonAsync("api/agents/support-router/predict", new { inputs = texts.Select(t => new { text = t }) }))
            predicted.EnsureSuccessStatusCode();
        var empty = await CliRunner.RunAsync("label", "--server", url, "--key", Key, "--agent", "support-router");
        Assert.True(empty.ExitCode == 0 && empty.Output.Contains("Nothing to label", StringComparison.Ordinal), empty.Output + empty.Error);

        var run = await CliRunner.RunAsync("run", "--server", url, "--key", Key, "--agent", "support-router");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        for (var deadline = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < deadline; await Task.Delay(200))
            if ((await http.GetFromJsonAsync<JsonObject>("api/agents/support-router/labelling"))!["open"]!.GetValue<int>() == 3) break;

        // A guess's number, a word that is no intent (asked again), another number, then q.
        var labelled = await CliRunner.RunWithInputAsync("1\nlost\n2\nq\n", "label", "--server", url, "--key", Key, "--agent", "support-router", "--by", "ana");

        Assert.True(labelled.ExitCode == 0, labelled.Output + labelled.Error);
        Assert.Contains("[1/3, 0 labelled]", labelled.Output);
        Assert.Contains("[2/3, 1 labelled]", labelled.Output);
        Assert.Contains("  1) ", labelled.Output);
        Assert.Contains("'lost' is not an intent; did you mean card_lost_or_stolen?", labelled.Output);
        Assert.Contains("Labelled 2, skipped 0, 1 left in the queue of support-router.", labelled.Output);
        var open = (await http.GetFromJsonAsync<JsonObject>("api/agents/support-router/labelling"))!;
        Assert.Equal(1, open["open"]!.GetValue<int>());
        var status = (await http.GetFromJsonAsync<JsonObject>("api/runs/support-router-1"))!;
        Assert.Contains("for people to label", status["log"]!.AsArray().Last()!["detail"]!.GetValue<string>());
    }
}
