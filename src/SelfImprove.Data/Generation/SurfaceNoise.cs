namespace SelfImprove.Data.Generation;

/// <summary>Deterministic surface noise: all lower case, a dropped final full stop, a rare swapped-letter typo.</summary>
internal static class SurfaceNoise
{
    private const int ShortestWordForTypo = 5;

    public static string Apply(string text, StyleAffixes affixes, Random random)
    {
        // Always draw all three numbers so one choice never shifts the random stream of the others.
        var typo = random.NextDouble() < affixes.TypoShare;
        var lowerCase = random.NextDouble() < affixes.LowerCaseShare;
        var dropPunctuation = random.NextDouble() < affixes.DropFinalPunctuationShare;

        if (typo)
        {
            text = SwapTwoLetters(text, random);
        }

        if (lowerCase)
        {
            text = text.ToLowerInvariant();
        }

        if (dropPunctuation)
        {
            text = text.TrimEnd('.', '!', '?');
        }

        return text;
    }

    // Swaps two neighbouring inner letters of one longer word (never the first word), like a slip on a phone keyboard.
    private static string SwapTwoLetters(string text, Random random)
    {
        var words = text.Split(' ');
        var candidates = Enumerable.Range(1, words.Length - 1)
            .Where(i => words[i].Length >= ShortestWordForTypo && words[i].All(char.IsLetter))
            .ToArray();
        if (candidates.Length == 0)
        {
            return text;
        }

        var index = candidates[random.Next(candidates.Length)];
        var letters = words[index].ToCharArray();
        var at = 1 + random.Next(letters.Length - 3);
        if (letters[at] == letters[at + 1])
        {
            return text;
        }

        (letters[at], letters[at + 1]) = (letters[at + 1], letters[at]);
        words[index] = new string(letters);
        return string.Join(' ', words);
    }
}
