using System.Security.Cryptography;
using System.Text;
using SelfImprove.Core.Datasets;

namespace SelfImprove.Core.Models;

/// <summary>Identity and provenance of a training set.</summary>
public static class TrainingSets
{
    /// <summary>Hash over the sorted (label, text) pairs, so that order and provenance do not change it.</summary>
    public static TrainingSetInfo Describe(IReadOnlyList<LabeledExample> examples)
    {
        var lines = examples.Select(e => e.Label + "\t" + e.Text).Order(StringComparer.Ordinal);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines)));
        var provenance = examples
            .GroupBy(e => e.Source)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        return new TrainingSetInfo("sha256:" + Convert.ToHexStringLower(hash), examples.Count, provenance);
    }
}
