using System.Text;
using SelfImprove.Core.Datasets;

namespace SelfImprove.Core.Planning;

/// <summary>What curation kept and why it dropped the rest.</summary>
public sealed record CuratedSamples(IReadOnlyList<LabeledExample> Kept, int Duplicates, int Contaminated, int Invalid);

/// <summary>
/// Checks teacher output before it can be trained on: label known, text sane, no duplicate of anything already
/// in the training data, and nothing that appears in a held-out set (validation, evaluation, feedback) — neither
/// the same text nor a near copy of one — so held-out numbers stay honest.
/// </summary>
public static class SampleCurator
{
    public const int MaxTextLength = 1000;

    /// <summary>Word n-grams compared for near copies.</summary>
    public const int ShingleSize = 3;

    /// <summary>
    /// Share of a sample's word 3-grams that may also occur in one held-out text before the sample counts as a near
    /// copy of it: "my card was stolen yesterday at the station" against "my card was stolen yesterday" shares 3 of 6.
    /// </summary>
    public const double NearCopyOverlap = 0.8;

    /// <summary>Shorter samples (under five words) are compared exactly only: a few shared words make no copy.</summary>
    public const int MinShinglesForNearCopy = 3;

    public static CuratedSamples Curate(
        IEnumerable<LabeledExample> candidates, IEnumerable<string> trainingTexts, IEnumerable<string> heldOutTexts, IReadOnlySet<string> labels)
    {
        var seen = trainingTexts.Select(Normalise).ToHashSet(StringComparer.Ordinal);
        var heldOut = new HeldOutIndex(heldOutTexts.Select(Normalise));
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

    /// <summary>
    /// Whether a text is a held-out text or a near copy of one (the rule <see cref="Curate"/> drops as contaminated):
    /// such a request can never be trained on, so labelling it for training buys nothing. The held-out texts are indexed
    /// once; the test is then asked per text.
    /// </summary>
    public static Func<string, bool> HeldOutTest(IEnumerable<string> heldOutTexts)
    {
        var heldOut = new HeldOutIndex(heldOutTexts.Select(Normalise));
        return text => heldOut.Contains(Normalise(text));
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

    /// <summary>The word n-grams of a normalised text; empty when it has fewer than <see cref="ShingleSize"/> words.</summary>
    public static IReadOnlySet<string> Shingles(string normalised)
    {
        var words = normalised.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var shingles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + ShingleSize <= words.Length; i++) shingles.Add(string.Join(' ', words, i, ShingleSize));
        return shingles;
    }

    /// <summary>Held-out texts by exact normalised form and by word n-gram, to find exact and near copies quickly.</summary>
    private sealed class HeldOutIndex
    {
        private readonly HashSet<string> exact = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<int>> textsByShingle = new(StringComparer.Ordinal);

        public HeldOutIndex(IEnumerable<string> normalisedTexts)
        {
            var index = 0;
            foreach (var text in normalisedTexts)
            {
                if (!exact.Add(text)) continue;
                foreach (var shingle in Shingles(text))
                {
                    if (!textsByShingle.TryGetValue(shingle, out var texts)) textsByShingle[shingle] = texts = [];
                    texts.Add(index);
                }
                index++;
            }
        }

        /// <summary>Exactly a held-out text, or most of the sample's n-grams come from one held-out text.</summary>
        public bool Contains(string normalised)
        {
            if (exact.Contains(normalised)) return true;
            var shingles = Shingles(normalised);
            if (shingles.Count < MinShinglesForNearCopy) return false;
            var shared = new Dictionary<int, int>();
            foreach (var shingle in shingles)
                if (textsByShingle.TryGetValue(shingle, out var texts))
                    foreach (var text in texts) shared[text] = shared.GetValueOrDefault(text) + 1;
            return shared.Count > 0 && shared.Values.Max() >= NearCopyOverlap * shingles.Count;
        }
    }
}
