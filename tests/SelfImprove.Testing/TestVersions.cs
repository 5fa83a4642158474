using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;

namespace SelfImprove.Testing;

/// <summary>Model version records for tests that need versions in a registry but no trained model.</summary>
public static class TestVersions
{
    /// <summary>A version draft (the registry allocates its id) with a small evaluation: 0.9 overall, 0.6 post-drift.</summary>
    public static ModelVersion Draft(string? parent, string agentId = "support-router", string createdBy = "test")
    {
        var report = new ClassificationReport(10, 0.9, 0.85, 0.4, [new IntentMetrics("a", 1, 0.8, 0.89, 5)], [new ConfusionPair("a", "b", 1)]);
        return new ModelVersion
        {
            AgentId = agentId,
            VersionId = "",
            ParentVersionId = parent,
            CreatedAt = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero),
            CreatedBy = createdBy,
            Trainer = TrainerKind.MiniLmLbfgs,
            Encoder = "all-MiniLM-L6-v2",
            HyperParameters = new HyperParameters { L2 = 0.01 },
            Labels = ["a", "b"],
            TrainingSet = new TrainingSetInfo("sha256:00", 2, new Dictionary<string, int> { ["generator:x"] = 2 }),
            Evaluation = new EvaluationSummary(report, new Dictionary<string, ClassificationReport> { ["post-drift"] = report with { Accuracy = 0.6 } }),
        };
    }
}
