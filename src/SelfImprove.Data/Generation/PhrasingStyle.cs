namespace SelfImprove.Data.Generation;

/// <summary>Which template set a text is drawn from.</summary>
internal enum PhrasingStyle
{
    /// <summary>The phrasing customers used before the drift point (and still use for intents that did not drift).</summary>
    Ordinary,

    /// <summary>The new phrasing of a drifted intent after the drift point.</summary>
    Drifted,
}

/// <summary>An opening like "Hi, "; <paramref name="JoinsSentence"/> means the body continues the same sentence.</summary>
internal sealed record Prefix(string Text, bool JoinsSentence);

/// <summary>A closing like "Thanks."; an inline one ("asap") attaches before the final punctuation.</summary>
internal sealed record Suffix(string Text, bool Inline);

/// <summary>
/// Openings, closings and surface noise for one phrasing style. The "none" choice is implicit and drawn with
/// <see cref="NoPrefixShare"/> / <see cref="NoSuffixShare"/>, so most messages are bare.
/// </summary>
internal sealed record StyleAffixes(
    IReadOnlyList<Prefix> Prefixes,
    IReadOnlyList<Suffix> Suffixes,
    double NoPrefixShare,
    double NoSuffixShare,
    double LowerCaseShare,
    double DropFinalPunctuationShare,
    double TypoShare)
{
    /// <summary>Prefix choices including "none"; each gives a different normalised text.</summary>
    public long PrefixChoices => Prefixes.Count + 1;

    /// <summary>Suffix choices including "none".</summary>
    public long SuffixChoices => Suffixes.Count + 1;

    private static readonly Prefix[] PolitePrefixes =
    [
        new("Hi, ", true),
        new("Hello, ", true),
        new("Hi there, ", true),
        new("Hey, ", true),
        new("Good morning, ", true),
        new("Good afternoon, ", true),
        new("Quick question - ", true),
        new("Please help - ", true),
        new("Hello. ", false),
        new("Hi team, ", true),
        new("Urgent: ", true),
    ];

    private static readonly Suffix[] PoliteSuffixes =
    [
        new("Thanks.", false),
        new("Thank you!", false),
        new("Please help.", false),
        new("Any help appreciated.", false),
        new("Thanks in advance.", false),
        new("Cheers", false),
        new("asap", true),
        new("please", true),
        new("thanks", true),
    ];

    // Post-drift customers also write in newer slang; these never occur before the drift point.
    private static readonly Prefix[] SlangPrefixes =
    [
        new("ok so ", true),
        new("yo ", true),
        new("ngl ", true),
        new("hey so ", true),
        new("lowkey ", true),
        new("so basically ", true),
        new("real talk, ", true),
        new("um ", true),
    ];

    private static readonly Suffix[] SlangSuffixes =
    [
        new("pls", true),
        new("fr", true),
        new("rn", true),
        new("smh", true),
        new("thx", true),
        new("lol", true),
        new("asap pls", true),
        new("idk what to do", true),
    ];

    public static StyleAffixes For(PhrasingStyle style) => style == PhrasingStyle.Ordinary ? OrdinaryAffixes : DriftedAffixes;

    private static readonly StyleAffixes OrdinaryAffixes = new(
        PolitePrefixes,
        PoliteSuffixes,
        NoPrefixShare: 0.5,
        NoSuffixShare: 0.55,
        LowerCaseShare: 0.1,
        DropFinalPunctuationShare: 0.15,
        TypoShare: 0.03);

    private static readonly StyleAffixes DriftedAffixes = new(
        [.. PolitePrefixes, .. SlangPrefixes],
        [.. PoliteSuffixes, .. SlangSuffixes],
        NoPrefixShare: 0.45,
        NoSuffixShare: 0.5,
        LowerCaseShare: 0.35,
        DropFinalPunctuationShare: 0.4,
        TypoShare: 0.05);
}
