using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Alignment;

/// <summary>
/// The aligned intelligence of the seed, Σ(π) = Σ_μ w_μ · V′_μ(π) with V′_μ = V_μ · 2^(−D_μ(σ_μ, π)) and the simplicity
/// weights w_μ ∝ 2^(−K(μ)) of <see cref="EnvironmentWeights"/>: Legg &amp; Hutter's universal intelligence
/// Υ(π) = Σ_μ 2^(−K(μ)) · V_μ(π) (2007) with each environment's value discounted by the policy's distance from the
/// constitution it is judged under. With D = 0 everywhere Σ = Υ; with one environment Σ = V′.
/// </summary>
public static class AlignedIntelligence
{
    /// <summary>Σ = Σ_μ w_μ · V_μ · 2^(−D_μ).</summary>
    /// <param name="weights">Normalised weights w_μ (they are used as given).</param>
    /// <param name="values">V_μ, the goal metric on μ's probes, shares in [0, 1].</param>
    /// <param name="distances">D_μ in bits.</param>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static double Sigma(IReadOnlyList<double> weights, IReadOnlyList<double> values, IReadOnlyList<double> distances)
    {
        if (weights.Count == 0) throw new ArgumentException("Σ needs at least one environment.", nameof(weights));
        if (values.Count != weights.Count || distances.Count != weights.Count)
            throw new ArgumentException($"Got {weights.Count} weights, {values.Count} values and {distances.Count} distances; one each per environment.");
        var sigma = 0.0;
        for (var i = 0; i < weights.Count; i++) sigma += weights[i] * AlignmentMath.AlignedValue(values[i], distances[i]);
        return sigma;
    }

    /// <summary>
    /// The goal metric on a subset of probes (indices may repeat, as in a bootstrap draw): accuracy, or macro-F1 over the
    /// classes that occur among the true or predicted classes (as <see cref="Evaluation.ClassificationMetrics"/> counts it).
    /// </summary>
    public static double Value(GoalMetric metric, int classes, int[] trueClasses, int[] predicted, int[] indices)
    {
        if (indices.Length == 0) return 0;
        if (metric is GoalMetric.Accuracy)
        {
            var correct = 0;
            foreach (var i in indices) if (trueClasses[i] == predicted[i]) correct++;
            return (double)correct / indices.Length;
        }
        if (metric is not GoalMetric.MacroF1) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a goal metric.");
        var tp = new int[classes];
        var support = new int[classes];
        var predictedCount = new int[classes];
        foreach (var i in indices)
        {
            support[trueClasses[i]]++;
            predictedCount[predicted[i]]++;
            if (trueClasses[i] == predicted[i]) tp[trueClasses[i]]++;
        }
        var (sum, count) = (0.0, 0);
        for (var c = 0; c < classes; c++)
        {
            if (support[c] == 0 && predictedCount[c] == 0) continue;
            var precision = predictedCount[c] == 0 ? 0 : (double)tp[c] / predictedCount[c];
            var recall = support[c] == 0 ? 0 : (double)tp[c] / support[c];
            sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            count++;
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>D on a subset of probes: the mean of their surprisals, in bits.</summary>
    public static double Distance(double[] surprisal, int[] indices)
    {
        if (indices.Length == 0) return 0;
        var sum = 0.0;
        foreach (var i in indices) sum += surprisal[i];
        return sum / indices.Length;
    }
}
