using System.Text;
using SelfImprove.Core.Datasets;

namespace SelfImprove.Core.Planning;

/// <summary>What curation kept and why it dropped the rest.</summary>
public sealed record CuratedSamples(IReadOnlyList<LabeledExample> Kept, int Duplicates, int Contaminated, int Invalid);

/// <summary>
/// Checks teacher output before it can be trained on: label known, text sane, no duplicate of anything already
/// in the training data, and nothing that appears in a held-out set (validation, evaluation, feedback),
/// so held-out numbers stay honest.
/// </summary>
public static class SampleCurator
{
    public const int MaxTextLength = 1000;

    public static CuratedSamples Curate(
        IEnumerable<LabeledExample> candidates, IEnumerable<string> trainingTexts, IEnumerable<string> heldOutTexts, IReadOnlySet<string> labels)
    {
        var seen = trainingTexts.Select(Normalise).ToHashSet(StringComparer.Ordinal);
        var heldOut = heldOutTexts.Select(Normalise).ToHashSet(StringComparer.Ordinal);
        var kept = new List<LabeledExample>();
        var (duplicates, contaminated, invalid) = (0, 0, 0);
        foreach (var sample in candidates)
        {
            var key = Normalise(sample.Text);
            if (key.Length == 0 || sample.Text.Trim().Length > MaxTextLength || !labels.Contains(sample.Label)) invalid++;
            else if (heldOut.Contains(key)) contaminated++;
            else if (!seen.Add(key)) duplicates++;
            else kept.Add(sample with { Text = sample.Text.Trim() });
        }
        return new CuratedSamples(kept, duplicates, contaminated, invalid);
    }

    /// <summary>Lower case, letters and digits only, single spaces: "Card  lost!!" and "card lost" are the same request.</summary>
    public static string Normalise(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var ch in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch)) builder.Append(ch);
            else if (builder.Length > 0 && builder[^1] != ' ') builder.Append(' ');
        }
        return builder.ToString().TrimEnd();
    }
}
