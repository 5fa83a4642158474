using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning;

/// <summary>A logged request nobody has labelled, as the diagnosing version sees it.</summary>
/// <param name="RequestId">Its id in the traffic log (ids sort by time).</param>
/// <param name="Text">The request.</param>
/// <param name="Predicted">The serving version's top intent.</param>
/// <param name="Runner">Its second intent.</param>
/// <param name="Margin">Top-two probability gap: the smaller, the less sure the model is.</param>
public sealed record UnlabelledRequest(string RequestId, string Text, string Predicted, string Runner, double Margin)
{
    /// <summary>The diagnosing version's class probabilities (shares in [0,1], in its label order); null when not scored so.</summary>
    public float[]? Probabilities { get; init; }

    /// <summary>The text encoder's embedding of <see cref="Text"/> (the features the head reads); null when not encoded.</summary>
    public float[]? Embedding { get; init; }
}

/// <summary>The evaluation agent's evidence on one attempt's candidate, handed to the next plan.</summary>
/// <param name="Attempt">Which attempt.</param>
/// <param name="CandidateVersionId">The candidate that was checked.</param>
/// <param name="Value">Its goal metric on the check set.</param>
/// <param name="Target">The goal's target.</param>
/// <param name="WeakestIntents">Intents with the lowest F1 on the check set.</param>
/// <param name="Confusions">Its most frequent mistakes on the check set.</param>
public sealed record AttemptEvidence(
    int Attempt, string CandidateVersionId, double Value, double Target,
    IReadOnlyList<IntentMetrics> WeakestIntents, IReadOnlyList<ConfusionPair> Confusions);

/// <summary>Everything the planner diagnoses from.</summary>
/// <param name="Manifest">The agent (goal, planner budget, hyper-parameters).</param>
/// <param name="Attempt">1 for the first plan of a run.</param>
/// <param name="Serving">The serving version's report on the check set (validation + recent feedback).</param>
/// <param name="Unlabelled">Logged requests that may be sent for labelling, with the diagnosing version's view of them.</param>
/// <param name="PreviousAttempts">Evidence from this run's earlier attempts, oldest first.</param>
/// <param name="Seed">For any tie-breaking or sampling: the same context gives the same plan.</param>
public sealed record PlanningContext(
    AgentManifest Manifest,
    int Attempt,
    ClassificationReport Serving,
    IReadOnlyList<UnlabelledRequest> Unlabelled,
    IReadOnlyList<AttemptEvidence> PreviousAttempts,
    int Seed)
{
    /// <summary>The run this plan is for: LLM usage is recorded under it.</summary>
    public string RunId { get; init; } = "";

    /// <summary>How many examples the diagnosing version was trained on; null when unknown. Decides whether the model is young (<c>SelectionPolicy</c>).</summary>
    public int? TrainingExamples { get; init; }
}

/// <summary>The planning agent: diagnoses what to improve and plans how.</summary>
public interface IPlanner
{
    Task<ImprovementPlan> PlanAsync(PlanningContext context, CancellationToken cancellationToken = default);
}
