namespace SelfImprove.Core.Monitoring;

/// <summary>How the serving version is doing, measured on validation data and recent production feedback.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="ServingVersionId">The version that was scored; null when none serves yet.</param>
/// <param name="Metric">The goal's metric.</param>
/// <param name="ValidationValue">Metric on the validation set (the traffic the agent was built for).</param>
/// <param name="ValidationCount">Validation examples scored.</param>
/// <param name="FeedbackValue">Metric on the most recent production requests whose true intent came back as feedback.</param>
/// <param name="FeedbackCount">Feedback items scored: the evidence.</param>
public sealed record MonitoringSnapshot(
    string AgentId, string? ServingVersionId, Manifests.GoalMetric Metric, double ValidationValue, int ValidationCount, double FeedbackValue, int FeedbackCount)
{
    /// <summary>The lower of the two: drift on either side counts.</summary>
    public double ObservedValue => FeedbackCount > 0 ? Math.Min(ValidationValue, FeedbackValue) : ValidationValue;
}
