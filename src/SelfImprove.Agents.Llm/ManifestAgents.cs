using System.Collections.Concurrent;
using SelfImprove.Agents.Offline;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;

namespace SelfImprove.Agents.Llm;

/// <summary>
/// The planner, teacher and feedback agent each manifest asks for: offline, or on Azure OpenAI or an
/// OpenAI-compatible endpoint. LLM clients are built once per agent and role; <see cref="Validate"/> builds them
/// all at start-up so a missing key or a bad endpoint stops the host with the problem named.
/// </summary>
public sealed class ManifestAgents(IUsageLedger ledger, LlmClientOptions options, TimeProvider clock)
{
    private readonly OfflinePlanner offlinePlanner = new();
    private readonly OfflineTeacher offlineTeacher = new();
    private readonly OfflineLabeller offlineLabeller = new();
    private readonly ConcurrentDictionary<string, object> built = new(StringComparer.Ordinal);
    private readonly ModelBreakers breakers = new(options.BreakerThreshold, clock);

    public IPlanner PlannerFor(AgentManifest manifest)
    {
        var p = manifest.Planner;
        if (p.Kind is AgentKind.Offline) return offlinePlanner;
        return (IPlanner)built.GetOrAdd($"{manifest.AgentId}/planner/{p.Kind}/{p.Endpoint}/{p.Deployment}", _ =>
            new LlmPlanner(Chat(LlmEndpoint.From(p.Kind, p.Endpoint, p.Deployment, p.Prices, "$.planner")), offlinePlanner, p.RedactPersonalData));
    }

    public ITeacher TeacherFor(AgentManifest manifest)
    {
        var t = manifest.Teacher;
        if (t.Kind is AgentKind.Offline) return offlineTeacher;
        var specialists = string.Join(";", t.Specialists.Select(s => $"{s.Kind}/{s.Endpoint}/{s.Deployment}/{string.Join(",", s.Intents)}/{s.HardestTargets}"));
        return (ITeacher)built.GetOrAdd($"{manifest.AgentId}/teacher/{t.Kind}/{t.Endpoint}/{t.Deployment}/{specialists}", _ =>
        {
            var routes = t.Specialists
                .Select((s, i) => new TeacherRoute(Chat(LlmEndpoint.From(s.Kind, s.Endpoint, s.Deployment, s.Prices, $"$.teacher.specialists[{i}]")), s.Intents, s.HardestTargets))
                .Append(new TeacherRoute(Chat(LlmEndpoint.From(t.Kind, t.Endpoint, t.Deployment, t.Prices, "$.teacher")), [], 0))
                .ToArray();
            return new LlmTeacher(routes, t.RedactPersonalData, clock, offlineTeacher);
        });
    }

    /// <summary>
    /// The writer of adversarial probes for an agent with an LLM teacher: the teacher's main model (not its specialists).
    /// Null with the offline teacher, whose agents keep the seeded generator.
    /// </summary>
    public LlmAdversarialProbeWriter? AdversarialWriterFor(AgentManifest manifest)
    {
        var t = manifest.Teacher;
        if (t.Kind is AgentKind.Offline) return null;
        return (LlmAdversarialProbeWriter)built.GetOrAdd($"{manifest.AgentId}/adversarial/{t.Kind}/{t.Endpoint}/{t.Deployment}", _ =>
            new LlmAdversarialProbeWriter(Chat(LlmEndpoint.From(t.Kind, t.Endpoint, t.Deployment, t.Prices, "$.teacher")), t.RedactPersonalData, clock));
    }

    public IFeedbackLabeller LabellerFor(AgentManifest manifest)
    {
        var f = manifest.Feedback;
        if (f.Kind is AgentKind.Offline) return offlineLabeller;
        return (IFeedbackLabeller)built.GetOrAdd($"{manifest.AgentId}/feedback/{f.Kind}/{f.Endpoint}/{f.Deployment}", _ =>
            new LlmFeedbackAgent(Chat(LlmEndpoint.From(f.Kind, f.Endpoint, f.Deployment, f.Prices, "$.feedback")), f.RedactPersonalData, f.MinConfidence, clock));
    }

    /// <summary>Builds every LLM client the manifests need, before anything runs; throws one error naming every problem.</summary>
    public static void CheckConfiguration(IEnumerable<AgentManifest> manifests, LlmClientOptions options) =>
        new ManifestAgents(new NoLedger(), options, TimeProvider.System).Validate(manifests);

    /// <summary>Builds every LLM client the manifests need; throws one error naming every problem.</summary>
    public void Validate(IEnumerable<AgentManifest> manifests)
    {
        options.Validate();
        var problems = new List<string>();
        foreach (var manifest in manifests)
        {
            foreach (var build in new Action[] { () => PlannerFor(manifest), () => TeacherFor(manifest), () => LabellerFor(manifest) })
            {
                try { build(); }
                catch (InvalidOperationException ex) { problems.Add($"agent '{manifest.AgentId}': {ex.Message}"); }
            }
        }
        if (problems.Count > 0) throw new InvalidOperationException("The LLM agents cannot start: " + string.Join(" ", problems.Distinct()));
    }

    /// <summary>For <see cref="CheckConfiguration"/>: its agents are built and dropped, never called.</summary>
    private sealed class NoLedger : IUsageLedger
    {
        public Task<bool> RecordAsync(UsageRecord record, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<UsageRecord>> ListAsync(string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private MeteredChat Chat(LlmEndpoint endpoint) =>
        new(endpoint.CreateClient(options, new BoundedRetryPolicy(options)), endpoint, ledger, options, breakers);
}

/// <summary>The planner of whichever agent is being planned for.</summary>
public sealed class ManifestPlanner(ManifestAgents agents) : IPlanner
{
    public Task<ImprovementPlan> PlanAsync(PlanningContext context, CancellationToken cancellationToken = default) =>
        agents.PlannerFor(context.Manifest).PlanAsync(context, cancellationToken);
}

public sealed class ManifestTeacher(ManifestAgents agents) : ITeacher
{
    public Task<TeachingResult> TeachAsync(TeachingRequest request, CancellationToken cancellationToken = default) =>
        agents.TeacherFor(request.Manifest).TeachAsync(request, cancellationToken);
}

/// <summary>The agent's teacher as a writer of adversarial probes (<see cref="ManifestAgents.AdversarialWriterFor"/>).</summary>
public sealed class ManifestAdversarialProbeWriter(ManifestAgents agents) : IAdversarialProbeWriter
{
    public bool Writes(AgentManifest manifest) => manifest.Teacher.Kind is not AgentKind.Offline;

    /// <exception cref="InvalidOperationException">The agent's teacher is the offline one (check <see cref="Writes"/> first).</exception>
    public Task<AdversarialProbeSet> WriteAsync(AdversarialProbeRequest request, CancellationToken cancellationToken = default) =>
        (agents.AdversarialWriterFor(request.Manifest)
            ?? throw new InvalidOperationException($"Agent '{request.Manifest.AgentId}' has the offline teacher, which writes no adversarial probes; its seeded generator is used."))
        .WriteAsync(request, cancellationToken);
}

public sealed class ManifestLabeller(ManifestAgents agents) : IFeedbackLabeller
{
    public Task<LabellingResult> LabelAsync(LabellingRequest request, CancellationToken cancellationToken = default) =>
        agents.LabellerFor(request.Manifest).LabelAsync(request, cancellationToken);
}
