namespace SelfImprove.Data.Generation;

/// <summary>Joins an optional opening, a filled template body and an optional closing into one message.</summary>
internal static class TextComposer
{
    private static readonly char[] SentenceEnd = ['.', '!', '?'];

    public static string Compose(string body, bool bodyStartsWithSlot, Prefix? prefix, Suffix? suffix)
    {
        var text = prefix is { JoinsSentence: true }
            ? prefix.Text + ContinueSentence(body, bodyStartsWithSlot)
            : (prefix?.Text ?? "") + Capitalise(body);

        if (suffix is null)
        {
            return text;
        }

        // "... card asap" reads naturally without the full stop; "... card. Thanks." needs one.
        if (suffix.Inline)
        {
            return text.TrimEnd(SentenceEnd) + " " + suffix.Text;
        }

        var closed = text.EndsWith('.') || text.EndsWith('!') || text.EndsWith('?') ? text : text + ".";
        return closed + " " + suffix.Text;
    }

    // Leaves names with their own casing alone ("eBay", "iPhone").
    private static string Capitalise(string body)
    {
        var firstWord = body.Split(' ')[0];
        return body.Length == 0 || firstWord.Any(char.IsUpper) ? body : char.ToUpperInvariant(body[0]) + body[1..];
    }

    // After "Hi, " the body goes on in lower case, except "I" and slot fillers such as merchant names.
    private static string ContinueSentence(string body, bool bodyStartsWithSlot)
    {
        if (bodyStartsWithSlot || body.Length == 0 || body == "I" || body.StartsWith("I ", StringComparison.Ordinal)
            || body.StartsWith("I'", StringComparison.Ordinal))
        {
            return body;
        }

        return char.ToLowerInvariant(body[0]) + body[1..];
    }
}
