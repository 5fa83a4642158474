using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Datasets;

/// <summary>
/// How a recorded production stream is read as past, feedback and future: the stream's last
/// <see cref="DeploymentSpec.TrialShare"/> is live traffic for the A/B trial; the rest is the past the agent has
/// already served. In the past, a <see cref="MonitoringSpec.FeedbackShare"/> of the requests (every n-th) came
/// back with their true intent: feedback, which monitoring, the evaluation agent and the alignment probes score
/// on and nothing trains on. The other past requests are unlabelled: what the planner may send to a teacher.
/// </summary>
public sealed class ProductionWindows(AgentManifest manifest)
{
    private readonly int feedbackEvery = manifest.Monitoring.FeedbackShare <= 0 ? 0 : (int)Math.Round(1 / manifest.Monitoring.FeedbackShare);

    public int HistoryLength(int streamLength) => (int)Math.Floor(streamLength * (1 - manifest.Deployment.TrialShare));

    public bool HasFeedback(ProductionRequest request) =>
        feedbackEvery > 0 && request.TrueLabel is not null && request.Sequence % feedbackEvery == 0;

    public IReadOnlyList<ProductionRequest> History(IReadOnlyList<ProductionRequest> stream) => stream.Take(HistoryLength(stream.Count)).ToArray();

    public IReadOnlyList<ProductionRequest> Trial(IReadOnlyList<ProductionRequest> stream) => stream.Skip(HistoryLength(stream.Count)).ToArray();

    /// <summary>The most recent <paramref name="count"/> past requests that came back with feedback, as labelled examples.</summary>
    public IReadOnlyList<LabeledExample> RecentFeedback(IReadOnlyList<ProductionRequest> stream, int count) =>
        History(stream).Where(HasFeedback).TakeLast(count)
            .Select(r => new LabeledExample(r.Text, r.TrueLabel!, r.Segment, "feedback"))
            .ToArray();

    /// <summary>Past requests without feedback: what a teacher may be asked to label.</summary>
    public IReadOnlyList<ProductionRequest> Unlabelled(IReadOnlyList<ProductionRequest> stream) =>
        History(stream).Where(r => !HasFeedback(r)).ToArray();
}
