namespace SelfImprove.Data.Generation;

/// <summary>
/// The form in which two texts count as the same: lower-case, single spaces, no trailing punctuation. Casing and
/// a missing full stop are surface noise, not a new message.
/// </summary>
internal static class TextKey
{
    private static readonly char[] TrailingPunctuation = ['.', '!', '?', ',', ';', ':', '-'];

    public static string Normalise(string text)
    {
        var words = text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words).TrimEnd(TrailingPunctuation).TrimEnd();
    }
}
