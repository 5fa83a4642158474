using System.IO.Compression;
using System.Text;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Alignment;

/// <summary>
/// The simplicity weights 2^(−K(μ)) of the aligned intelligence Σ(π) = Σ_μ 2^(−K(μ)) · V′_μ(π).
/// <para>
/// Source: Legg &amp; Hutter 2007, "Universal Intelligence: A Definition of Machine Intelligence" (Minds and Machines 17),
/// where Υ(π) = Σ_μ 2^(−K(μ)) · V_μ(π) weighs each environment by its Kolmogorov complexity K; the project's seed
/// replaces V by the aligned value V′ = V · 2^(−D(σ, π)), giving Σ.
/// </para>
/// <para>
/// K is not computable. The estimate here is the length, in bits, of the Deflate-compressed (RFC 1951) canonical text of
/// the environment's <em>specification</em>: the rules that define it (its source and slice, a file's name, a generator's
/// name, seed and tactics) and the constitution rules it is judged under — never its probe texts, whose length would hand
/// all the weight to the smallest set. A compressor's output length is an upper bound on K up to a constant (Li &amp; Vitányi,
/// "An Introduction to Kolmogorov Complexity", §8; Cilibrasi &amp; Vitányi 2005 use the same bound). Limits: the bound is
/// loose for short texts (Deflate's header is a constant that cancels in the weights, which only see differences), it
/// depends on how the specification is spelled (hence one canonical spelling), and a file's specification is its name, so
/// two files differ in weight only by their names' lengths.
/// </para>
/// <para>
/// Scale: raw differences in K between environments run to hundreds of bits, so 2^(−K) taken literally would put all
/// the weight on the simplest one (and underflow beyond 1,074 bits). K is therefore measured in units of s bits,
/// s = max(1, (K_max − K_min) / spread): the simplest environment weighs at most 2^spread times the most complex, the
/// order of the weights is the order of K, and weights are normalised to sum to 1.
/// </para>
/// </summary>
public static class EnvironmentWeights
{
    /// <summary>
    /// The canonical specification of an environment: <c>source=…;take=…</c>, the file or generator when it has one, then the
    /// constitution's rules: every restricted situation as <c>intent:allowed,allowed</c> in ordinal order and the default.
    /// </summary>
    /// <param name="environment">The manifest's environment.</param>
    /// <param name="take">The resolved probe count (or probes per sensitive intent for adversarial).</param>
    /// <param name="constitution">The constitution it is judged under.</param>
    /// <param name="generator">For generated probes: the generator's own specification (its name and tactics); else null.</param>
    public static string Specification(AlignmentEnvironmentSpec environment, int take, Constitution constitution, string? generator)
    {
        var text = new StringBuilder();
        text.Append("source=").Append(environment.Source.ToWire()).Append(";take=").Append(take);
        if (environment.File is { } file) text.Append(";file=").Append(file.Path.Replace('\\', '/'));
        if (environment.Source is ProbeSource.Adversarial) text.Append(";seed=").Append(environment.Seed);
        if (generator is not null) text.Append(";generator=").Append(generator);
        text.Append(";rules=");
        foreach (var situation in constitution.Situations.OrderBy(s => s.Intent, StringComparer.Ordinal))
            text.Append(situation.Intent).Append(':').Append(string.Join(",", situation.Allowed.Order(StringComparer.Ordinal))).Append('|');
        text.Append("default:").Append(string.Join(",", constitution.DefaultAllowed.Order(StringComparer.Ordinal)));
        return text.ToString();
    }

    /// <summary>K(μ) estimate in bits: 8 × the length of the Deflate-compressed UTF-8 specification (optimal compression).</summary>
    /// <exception cref="ArgumentException">The specification is empty.</exception>
    public static double DescriptionLengthBits(string specification)
    {
        if (string.IsNullOrEmpty(specification)) throw new ArgumentException("An environment needs a specification.", nameof(specification));
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            deflate.Write(Encoding.UTF8.GetBytes(specification));
        return 8.0 * buffer.Length;
    }

    /// <summary>
    /// Normalised weights: w_μ ∝ the explicit weight where one is given, else 2^(−(K_μ − K_min) / s) with
    /// s = max(1, (K_max − K_min) / <paramref name="spreadBits"/>) over the environments without one; Σ w_μ = 1.
    /// </summary>
    /// <param name="descriptionLengthBits">K(μ) per environment, in bits.</param>
    /// <param name="explicitWeights">Per environment, a relative weight (&gt; 0) from the manifest, or null.</param>
    /// <param name="spreadBits">The largest ratio between simplicity weights, as a power of 2 (&gt; 0).</param>
    /// <exception cref="ArgumentException">No environments, lists of different lengths, a weight ≤ 0, a spread ≤ 0.</exception>
    public static double[] Normalised(IReadOnlyList<double> descriptionLengthBits, IReadOnlyList<double?> explicitWeights, double spreadBits)
    {
        if (descriptionLengthBits.Count == 0) throw new ArgumentException("Weights need at least one environment.", nameof(descriptionLengthBits));
        if (explicitWeights.Count != descriptionLengthBits.Count)
            throw new ArgumentException($"Got {explicitWeights.Count} explicit weights for {descriptionLengthBits.Count} environments.", nameof(explicitWeights));
        if (explicitWeights.Any(w => w is <= 0 or double.NaN)) throw new ArgumentException("An explicit weight must be greater than 0.", nameof(explicitWeights));
        if (!(spreadBits > 0)) throw new ArgumentOutOfRangeException(nameof(spreadBits), spreadBits, "The spread must be a positive number of bits.");

        var derived = descriptionLengthBits.Where((_, i) => explicitWeights[i] is null).ToArray();
        var (min, max) = derived.Length == 0 ? (0.0, 0.0) : (derived.Min(), derived.Max());
        var scale = Math.Max(1.0, (max - min) / spreadBits);
        var raw = descriptionLengthBits.Select((k, i) => explicitWeights[i] ?? Math.Pow(2, -(k - min) / scale)).ToArray();
        var total = raw.Sum();
        return raw.Select(w => w / total).ToArray();
    }
}
