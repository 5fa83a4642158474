using SelfImprove.Core.Datasets;

namespace SelfImprove.Data.Generation;

/// <summary>
/// Draws distinct texts for one intent in one phrasing style. Templates are visited in turn (from a shuffled
/// order) so that even a small set covers every template; uniqueness is checked against all texts drawn so far
/// by any sampler sharing the same <see cref="UsedTexts"/>.
/// </summary>
internal sealed class PhrasingSampler
{
    // Attempts at one template before moving on; only reached when a template is nearly used up.
    private const int AttemptsPerTemplate = 64;

    private readonly string _intent;
    private readonly PhrasingStyle _style;
    private readonly IReadOnlyList<PhrasingTemplate> _templates;
    private readonly StyleAffixes _affixes;
    private readonly UsedTexts _used;
    private readonly Random _random;
    private readonly int[] _order;
    private int _cursor;
    private int _produced;

    public PhrasingSampler(
        string intent,
        PhrasingStyle style,
        IReadOnlyList<PhrasingTemplate> templates,
        UsedTexts used,
        Random random)
    {
        if (templates.Count == 0)
        {
            throw new InvalidOperationException($"Intent '{intent}' has no {style} templates.");
        }

        _intent = intent;
        _style = style;
        _templates = templates;
        _affixes = StyleAffixes.For(style);
        _used = used;
        _random = random;
        _order = Enumerable.Range(0, templates.Count).ToArray();
        random.Shuffle(_order);
    }

    /// <summary>Upper bound on distinct texts: every body with every opening and closing (including none).</summary>
    public static long Capacity(IReadOnlyList<PhrasingTemplate> templates, PhrasingStyle style)
    {
        var affixes = StyleAffixes.For(style);
        return templates.Sum(template => template.Combinations) * affixes.PrefixChoices * affixes.SuffixChoices;
    }

    /// <summary>The next text no sampler has produced before.</summary>
    /// <exception cref="InvalidOperationException">The template space ran dry.</exception>
    public string Next() =>
        TryNext() ?? throw new InvalidOperationException(
            $"Intent '{_intent}', segment '{SegmentName(_style)}': could only produce {_produced} distinct texts "
            + $"before the template space ran dry (it allows at most {Capacity(_templates, _style)}).");

    /// <summary>
    /// The next text no sampler has produced before, or null when a full round of every template
    /// (<see cref="AttemptsPerTemplate"/> random fills each) found nothing new: the space is used up, or as good as.
    /// </summary>
    public string? TryNext()
    {
        for (var visited = 0; visited < _templates.Count; visited++)
        {
            var template = _templates[_order[_cursor]];
            _cursor = (_cursor + 1) % _order.Length;
            for (var attempt = 0; attempt < AttemptsPerTemplate; attempt++)
            {
                var text = Compose(template);
                if (_used.TryAdd(text.Plain, text.Final))
                {
                    _produced++;
                    return text.Final;
                }
            }
        }

        return null;
    }

    public static string SegmentName(PhrasingStyle style) =>
        style == PhrasingStyle.Ordinary ? Segments.PreDrift : Segments.PostDrift;

    private (string Plain, string Final) Compose(PhrasingTemplate template)
    {
        var body = template.Fill(_random);
        var prefix = _random.NextDouble() < _affixes.NoPrefixShare
            ? null
            : _affixes.Prefixes[_random.Next(_affixes.Prefixes.Count)];
        var suffix = _random.NextDouble() < _affixes.NoSuffixShare
            ? null
            : _affixes.Suffixes[_random.Next(_affixes.Suffixes.Count)];
        var plain = TextComposer.Compose(body, template.StartsWithSlot, prefix, suffix);
        return (plain, SurfaceNoise.Apply(plain, _affixes, _random));
    }
}

/// <summary>Normalised texts already handed out, across every intent, style and data set.</summary>
internal sealed class UsedTexts
{
    private readonly HashSet<string> _keys;

    public UsedTexts()
        : this([])
    {
    }

    /// <summary>Starts with <paramref name="taken"/> (already in <see cref="TextKey"/> form) counted as used.</summary>
    public UsedTexts(IEnumerable<string> taken)
    {
        _keys = new HashSet<string>(taken, StringComparer.Ordinal);
    }

    /// <summary>
    /// Claims a text. Both the clean form and the noisy form (which differs when a typo was added) must be new,
    /// so a later draw can neither repeat the clean sentence nor collide with the typo.
    /// </summary>
    public bool TryAdd(string plain, string final)
    {
        var plainKey = TextKey.Normalise(plain);
        var finalKey = TextKey.Normalise(final);
        if (_keys.Contains(plainKey) || _keys.Contains(finalKey))
        {
            return false;
        }

        _keys.Add(plainKey);
        _keys.Add(finalKey);
        return true;
    }
}
