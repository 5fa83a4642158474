using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Datasets;

/// <summary>
/// How the traffic replayer plays a recorded production stream as past, feedback and future (no step of the loop
/// reads a recorded stream; it serves and learns from its logged traffic): the stream's last
/// <see cref="DeploymentSpec.TrialShare"/> is live traffic for the A/B trial; the rest is the past the agent has
/// already served. A <see cref="MonitoringSpec.FeedbackShare"/> of the requests (every n-th) comes back with its true
/// intent as feedback by request id.
/// </summary>
public sealed class ProductionWindows(AgentManifest manifest)
{
    private readonly int feedbackEvery = manifest.Monitoring.FeedbackShare <= 0 ? 0 : (int)Math.Round(1 / manifest.Monitoring.FeedbackShare);

    public int HistoryLength(int streamLength) => (int)Math.Floor(streamLength * (1 - manifest.Deployment.TrialShare));

    public bool HasFeedback(ProductionRequest request) =>
        feedbackEvery > 0 && request.TrueLabel is not null && request.Sequence % feedbackEvery == 0;

    public IReadOnlyList<ProductionRequest> History(IReadOnlyList<ProductionRequest> stream) => stream.Take(HistoryLength(stream.Count)).ToArray();

    public IReadOnlyList<ProductionRequest> Trial(IReadOnlyList<ProductionRequest> stream) => stream.Skip(HistoryLength(stream.Count)).ToArray();
}
