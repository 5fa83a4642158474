using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>
/// Predict and feedback by request id, feedback ids and subject erasure on <c>serve --backend azure-storage</c> (a private
/// Azurite), over HTTP: the traffic log's batches are blobs in the artefact container.
/// </summary>
public sealed class TrafficOnAzuriteTests : IAsyncLifetime
{
    private const string Key = "azure-traffic-key-0123456789";
    private const string Agent = "support-router";
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await azurite.DisposeAsync();

    [Fact]
    public async Task Answers_are_logged_as_blobs_feedback_finds_them_by_id_and_a_subject_is_erased_from_them()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var hub = $"traffic{Guid.NewGuid():N}"[..18];
        await using var server = await SelfImproveServer.StartAsync(new ServerOptions
        {
            Backend = Backend.AzureStorage,
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
            StorageConnectionString = azurite.ConnectionString,
            HubName = hub,
            ApiKey = Key,
            TrafficFlushEvery = TimeSpan.FromMinutes(5), // only the test's flush writes, so all three answers are in one batch
        }, TextWriter.Null);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);

        var mine = await PredictAsync(http, new { text = "my card was stolen, mail ana@example.org", subject = "ana" });
        var batch = (await PostAsync(http, "predict", new { inputs = new[] { new { text = "close my account", subject = "bo" }, new { text = "refund please", subject = "ana" } } }, HttpStatusCode.OK))["results"]!.AsArray();
        await server.Loop.Services.GetRequiredService<TrafficLog>().FlushAsync();

        var container = new BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant());
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"agents/{Agent}/traffic/" })) blobs.Add(blob.Name);
        var logged = Encoding.UTF8.GetString((await container.GetBlobClient(Assert.Single(blobs)).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(3, logged.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("[EMAIL]", logged);
        Assert.DoesNotContain("ana@example.org", logged);

        var feedback = await PostAsync(http, "feedback", new { requestId = mine, label = "card_lost_or_stolen", feedbackId = "fb-1" }, HttpStatusCode.Created);
        var repeated = await PostAsync(http, "feedback", new { requestId = mine, label = "card_lost_or_stolen", feedbackId = "fb-1" }, HttpStatusCode.OK);
        var theirs = batch[0]!["requestId"]!.GetValue<string>();
        await PostAsync(http, "feedback", new { requestId = theirs, thumbsUp = true }, HttpStatusCode.Created);
        var unknown = await PostAsync(http, "feedback", new { requestId = "20200101T0000000000000-0000000000000001", thumbsUp = true }, HttpStatusCode.NotFound);

        Assert.Equal(("fb-1", "v1", "serving"), (feedback["id"]!.GetValue<string>(), feedback["version"]!.GetValue<string>(), feedback["arm"]!.GetValue<string>()));
        Assert.Equal("my card was stolen, mail [EMAIL]", feedback["text"]!.GetValue<string>());
        Assert.Equal(feedback.ToJsonString(), repeated.ToJsonString());
        Assert.Equal("Unknown request id", unknown["title"]!.GetValue<string>());

        using var erased = await http.DeleteAsync($"api/agents/{Agent}/subjects/ana");
        var counts = (await erased.Content.ReadFromJsonAsync<JsonObject>())!["erased"]!;
        Assert.Equal((2, 1), (counts["TrafficLog"]!.GetValue<int>(), counts["FeedbackLog"]!.GetValue<int>()));
        var left = Encoding.UTF8.GetString((await container.GetBlobClient(blobs[0]).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Single(left.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(theirs, left);
        await PostAsync(http, "feedback", new { requestId = mine, thumbsUp = true }, HttpStatusCode.NotFound);
    }

    private static async Task<string> PredictAsync(HttpClient http, object body) =>
        (await PostAsync(http, "predict", body, HttpStatusCode.OK))["requestId"]!.GetValue<string>();

    private static async Task<JsonObject> PostAsync(HttpClient http, string route, object body, HttpStatusCode expected)
    {
        using var response = await http.PostAsJsonAsync($"api/agents/{Agent}/{route}", body);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.StatusCode == expected, $"{route}: {(int)response.StatusCode} {json.ToJsonString()}");
        return json;
    }
}
