using SelfImprove.Core.Evaluation;

namespace SelfImprove.Core.Ports;

/// <summary>A servable model version: texts in, intent probabilities out.</summary>
public interface IIntentClassifier
{
    string VersionId { get; }

    /// <summary>Class order of <see cref="IntentPrediction.Probabilities"/>.</summary>
    IReadOnlyList<string> Labels { get; }
    IReadOnlyList<IntentPrediction> Predict(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
