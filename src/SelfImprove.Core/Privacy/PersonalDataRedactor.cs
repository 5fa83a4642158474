using System.Text.RegularExpressions;

namespace SelfImprove.Core.Privacy;

/// <summary>
/// Replaces personal data in production text before it is kept (the traffic log) or leaves for an external LLM:
/// e-mail addresses, IBANs, payment card numbers (13–19 digits passing the Luhn check) and phone numbers (7–15
/// digits). The intent of a request survives ("my card [CARD] was charged twice"), the person does not.
/// </summary>
public static partial class PersonalDataRedactor
{
    /// <summary>Placeholder of an e-mail address.</summary>
    public const string Email = "[EMAIL]";
    /// <summary>Placeholder of an IBAN.</summary>
    public const string Iban = "[IBAN]";
    /// <summary>Placeholder of a payment card number.</summary>
    public const string Card = "[CARD]";
    /// <summary>Placeholder of a phone number.</summary>
    public const string Phone = "[PHONE]";

    /// <summary>The text with every e-mail address, IBAN, card and phone number replaced by its placeholder.</summary>
    public static string Redact(string text)
    {
        text = EmailPattern().Replace(text, Email);
        text = IbanPattern().Replace(text, Iban);
        text = CardPattern().Replace(text, m => Luhn(Digits(m.Value)) ? Card : m.Value);
        text = PhonePattern().Replace(text, m => Digits(m.Value).Length is >= 7 and <= 15 ? Phone : m.Value);
        return text;
    }

    private static string Digits(string value) => new(value.Where(char.IsAsciiDigit).ToArray());

    private static bool Luhn(string digits)
    {
        if (digits.Length is < 13 or > 19) return false;
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[^(i + 1)] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    /// <summary>Two letters, two check digits, then 11–30 letters or digits, optionally in groups of four.</summary>
    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", RegexOptions.IgnoreCase)]
    private static partial Regex IbanPattern();

    [GeneratedRegex(@"\b\d(?:[ -]?\d){12,18}\b")]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"(?<!\w)\+?\(?\d[\d ()./-]{5,}\d(?!\w)")]
    private static partial Regex PhonePattern();
}
