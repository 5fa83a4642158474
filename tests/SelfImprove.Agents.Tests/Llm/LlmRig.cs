using System.Text.Json.Nodes;
using SelfImprove.Agents.Llm;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Runs;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Llm;

/// <summary>The LLM agents of one manifest, talking through the real SDK clients to a fake chat server, with usage in a real store.</summary>
public sealed class LlmRig : IAsyncDisposable
{
    public const string RunId = "support-router-7";
    public const string AzureKey = "azure-key-for-tests";
    public const string OpenAIKey = "openai-key-for-tests";

    private readonly TempDirectory folder = new();

    private LlmRig(FakeChatServer server) => Server = server;

    public FakeChatServer Server { get; }
    public AgentManifest Manifest { get; private set; } = null!;
    public ManifestAgents Agents { get; private set; } = null!;
    public ArtifactUsageLedger Ledger { get; private set; } = null!;

    /// <summary>Waits are short so that retry tests run in milliseconds; the caps still apply.</summary>
    public static readonly LlmClientOptions FastRetries = new()
    {
        MaxRetries = 3,
        InitialDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromSeconds(2),
        NetworkTimeout = TimeSpan.FromSeconds(20),
        Environment = name => name switch
        {
            LlmEndpoint.AzureKeyVariable => AzureKey,
            LlmEndpoint.OpenAIKeyVariable => OpenAIKey,
            _ => null,
        },
    };

    public static async Task<LlmRig> StartAsync(AgentKind kind = AgentKind.AzureOpenAI, Action<JsonObject>? edit = null,
        Func<ChatCall, ChatReply>? responder = null, int tokenBudget = 100_000, LlmClientOptions? options = null)
    {
        var rig = new LlmRig(await FakeChatServer.StartAsync(responder));
        var endpoint = kind is AgentKind.AzureOpenAI ? rig.Server.AzureEndpoint : rig.Server.OpenAIBaseUrl;
        rig.Manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(rig.folder, m =>
        {
            ManifestFiles.UseLlm(m, kind, endpoint.ToString(), "gpt-test", tokenBudget);
            edit?.Invoke(m);
        })).Manifest;
        rig.Ledger = new ArtifactUsageLedger(new LocalArtifactStore(rig.folder.Combine("store")));
        rig.Agents = new ManifestAgents(rig.Ledger, options ?? FastRetries, TimeProvider.System);
        return rig;
    }

    public async Task<UsageReport> UsageAsync() => UsageReport.From(await Ledger.ListAsync(RunId), Manifest.Planner.TokenBudget);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        folder.Dispose();
    }
}
