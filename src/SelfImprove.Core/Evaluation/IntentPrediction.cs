namespace SelfImprove.Core.Evaluation;

/// <summary>What the classifier says about one request.</summary>
/// <param name="Index">Index of the most probable intent in the model's class order.</param>
/// <param name="Intent">Name of the most probable intent.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Margin">Top probability minus the second: small when the model hesitates between two intents.</param>
/// <param name="Probabilities">Probability of every intent, in class order.</param>
public sealed record IntentPrediction(int Index, string Intent, double Probability, double Margin, float[] Probabilities)
{
    /// <summary>The second most probable intent: the one the model hesitates with.</summary>
    public string RunnerUp { get; init; } = Intent;

    public static IntentPrediction FromProbabilities(IReadOnlyList<string> labels, float[] probabilities)
    {
        var (best, second) = (0, -1);
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best]) (second, best) = (best, c);
            else if (second < 0 || probabilities[c] > probabilities[second]) second = c;
        }
        var margin = probabilities[best] - (second < 0 ? 0 : probabilities[second]);
        return new IntentPrediction(best, labels[best], probabilities[best], margin, probabilities)
        {
            RunnerUp = second < 0 ? labels[best] : labels[second],
        };
    }
}
