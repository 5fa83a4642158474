using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Server;
using SelfImprove.Testing;

namespace SelfImprove.Api.Tests;

/// <summary>
/// <c>selfimprove serve</c> in the test process on the in-memory backend: real Kestrel on a free loopback port,
/// the real loop on a small generated data set, and the console lines it prints recorded.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    public const string AgentId = "support-router";
    public const string Key = "test-key-0123456789abcdef";

    private readonly TempDirectory folder;

    private ApiServer(TempDirectory folder, SelfImproveServer server, LineRecorder output)
    {
        this.folder = folder;
        Server = server;
        Output = output;
        Http = new HttpClient { BaseAddress = server.BaseAddress };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
        Anonymous = new HttpClient { BaseAddress = server.BaseAddress };
    }

    public SelfImproveServer Server { get; }
    public LineRecorder Output { get; }

    /// <summary>Sends the key.</summary>
    public HttpClient Http { get; }

    /// <summary>Sends no key.</summary>
    public HttpClient Anonymous { get; }

    public string StorePath => folder.Combine("store");

    /// <param name="edit">Changes the agent's manifest (small data, reachable goal by default).</param>
    /// <param name="moreAgents">Writes further manifests into the agents folder.</param>
    /// <param name="publicUrl">The server's <c>--public-url</c>.</param>
    /// <param name="anonymousRateLimit">Requests per minute and client address on the routes without a key.</param>
    /// <param name="apiKeys">Scoped keys beside <see cref="Key"/> (which is an admin key).</param>
    /// <param name="replay">
    /// Play the agent's recorded stream as its callers and annotators (<c>serve --replay</c>); without it the test is
    /// the only caller, and nothing labels the queue but the test.
    /// </param>
    public static async Task<ApiServer> StartAsync(
        Action<JsonObject>? edit = null, Action<TempDirectory>? moreAgents = null, Action<IServiceCollection>? configure = null,
        string? publicUrl = null, int? anonymousRateLimit = null, bool replay = true, IReadOnlyDictionary<string, Api.Http.ScopedApiKey>? apiKeys = null)
    {
        var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            ManifestFiles.UseSmallAgent(m);
            edit?.Invoke(m);
        });
        moreAgents?.Invoke(agents);
        var output = new LineRecorder();
        var options = new ServerOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
            ApiKey = Key,
            ApiKeys = apiKeys ?? new Dictionary<string, Api.Http.ScopedApiKey>(),
            PublicUrl = publicUrl,
            AnonymousRateLimit = anonymousRateLimit ?? new ServerOptions().AnonymousRateLimit,
            // The agent's callers and annotators: its recorded stream, replayed through the API's own paths.
            Replay = replay,
        };
        var server = await SelfImproveServer.StartAsync(options, output, services =>
        {
            services.UseSharedServingEmbeddings();
            configure?.Invoke(services);
        });
        return new ApiServer(folder, server, output);
    }

    public async Task<JsonObject> StatusAsync(string runId)
    {
        using var response = await Http.GetAsync($"api/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Polls the run's status until <paramref name="until"/> holds.</summary>
    public async Task<JsonObject> PollAsync(string runId, Func<JsonObject, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        JsonObject status;
        do
        {
            status = await StatusAsync(runId);
            if (until(status)) return status;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"run {runId} never reached the state; last: {status.ToJsonString()}");
    }

    public static bool WaitsForApproval(JsonObject status) => status["waitingForApproval"]!.GetValue<bool>();

    public static bool Ended(JsonObject status) => status["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated";

    public async Task<string> StartRunAsync(string agentId = AgentId)
    {
        using var response = await Http.PostAsJsonAsync($"api/agents/{agentId}/runs", new { reason = "test" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>The approval link the server printed for the run.</summary>
    public async Task<string> ApprovalLinkAsync(string runId) =>
        (await Output.WaitForAsync($"APPROVAL REQUIRED {runId} ")).Split(' ')[3];

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(JsonSerializerOptions.Web))!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        await Server.DisposeAsync();
        folder.Dispose();
    }
}
