using Microsoft.Extensions.Options;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Traffic;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Steps;
using SelfImprove.Core.Runs;

namespace SelfImprove.Steps.Tests.Deployment;

/// <summary>
/// The deployment step over a folder store with a manual clock: an agent serving v1, runs that hold it, trials started
/// on candidates, and answers logged to the traffic log with labelled feedback.
/// </summary>
public sealed class TrialHarness : IDisposable
{
    public const string Agent = "support-router";
    private readonly TempDirectory folder = new();
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    public ArtifactModelRegistry Registry { get; }
    public TrafficLog Traffic { get; }
    public FeedbackLog Feedback { get; }
    public RunLedger Runs { get; }
    public RunStarter Starter { get; }
    public ApprovalTokens Approvals { get; }
    public DeploymentLedger Deployments { get; }
    public DeploymentStep Step { get; }
    public TrialStopper Stopper { get; }
    public LocalArtifactStore Store { get; }
    public ServingPointers Pointers { get; }

    /// <param name="deployment">Edits the manifest's <c>deployment</c> section (<c>minimumSamples</c> is 50 before it).</param>
    public TrialHarness(Action<System.Text.Json.Nodes.JsonObject>? deployment = null)
    {
        Store = new LocalArtifactStore(folder.Combine("store"));
        var agents = new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
        {
            m["deployment"]!["minimumSamples"] = 50;
            deployment?.Invoke(m["deployment"]!.AsObject());
        }))]);
        Registry = new ArtifactModelRegistry(Store, Clock);
        Traffic = new TrafficLog(Store, Options.Create(new LoopOptions()), Clock);
        Feedback = new FeedbackLog(Store, Clock, Traffic, agents);
        var loop = new LoopContext(agents, Store, Registry, new ModelLoader(Registry, new NoEncoder()), Traffic, Feedback);
        Runs = new RunLedger(agents, Store, Clock);
        Starter = new RunStarter(Runs, new NoScheduler(), Clock);
        Approvals = new ApprovalTokens(Store, Clock);
        Deployments = new DeploymentLedger(Store);
        Pointers = new ServingPointers(loop, Runs, Clock, Options.Create(new LoopOptions()));
        Step = new DeploymentStep(loop, Runs, Pointers, Clock, Deployments, Approvals);
        Stopper = new TrialStopper(Store, Pointers, Clock);
    }

    public void Dispose()
    {
        Traffic.Dispose();
        folder.Dispose();
    }

    /// <summary>Serving v1, a run holding the agent with a candidate trained from it, its trial started.</summary>
    public async Task<(string RunId, string Candidate)> TrialAsync(string serving)
    {
        if (await Registry.GetServingAsync(Agent) is null) await Registry.SetServingAsync(Agent, await VersionAsync(null), "trained");
        var run = await Starter.StartAsync(new RunStartRequest(Agent, "drift", Manual: true));
        var candidate = await VersionAsync(serving);
        await Step.StartTrialAsync(run.RunId!, Agent, candidate);
        Clock.Advance(TimeSpan.FromSeconds(1));
        return (run.RunId!, candidate);
    }

    public async Task<string> VersionAsync(string? parent) => (await Registry.AddAsync(TestVersions.Draft(parent), new ModelArtifacts([1], [1]))).VersionId;

    /// <summary>
    /// Logs answers of one arm, each answering <paramref name="truth"/> with <paramref name="action"/> in
    /// <paramref name="latencyMs"/>, with the top intents <paramref name="top"/>; the feedback then confirms the first
    /// <paramref name="right"/> and labels the rest <c>card_activation</c>. With <paramref name="shadowOf"/>, each answer
    /// also carries that version's shadow answer, right (matching the feedback) where <paramref name="shadowRight"/> says.
    /// </summary>
    public async Task AnswersAsync(string version, Arm arm, int answers, int right, double latencyMs = 3, string truth = "card_not_working",
        string action = "card_support", IReadOnlyList<IntentProbability>? top = null, string? shadowOf = null, Func<int, bool>? shadowRight = null)
    {
        var ids = new List<(string Id, bool Right)>();
        for (var i = 0; i < answers; i++)
        {
            var (id, at) = Traffic.Ids.Next();
            var label = i < right ? truth : "card_activation";
            await Traffic.AppendAsync(new LoggedRequest(id, Agent, at, version, arm, action, latencyMs, $"request {version} {i}", false,
                truth, 0.9, 0.5, "card_activation", top ?? [], null)
            {
                ShadowVersionId = shadowOf,
                ShadowIntent = shadowOf is null ? null : shadowRight?.Invoke(i) == true ? label : "contactless_not_working",
            });
            ids.Add((id, i < right));
        }
        await Traffic.FlushAsync();
        foreach (var (id, isRight) in ids)
            await Feedback.AppendForRequestAsync(Agent, id, isRight ? truth : "card_activation", null, null);
        Clock.Advance(TimeSpan.FromSeconds(1));
    }

    private sealed class NoScheduler : IRunScheduler
    {
        public Task ScheduleAsync(RunInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<RunInstanceState> StateAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(RunInstanceState.Active);
    }
}
