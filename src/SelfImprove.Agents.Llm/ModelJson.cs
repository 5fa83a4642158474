using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;

namespace SelfImprove.Agents.Llm;

/// <summary>
/// Reads a model's answer as one JSON object of a given shape. Model text is untrusted data: unknown properties,
/// missing required ones and wrong types are errors, and the validator's rules apply before anything is used.
/// </summary>
public static class ModelJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>For the data block of prompts: JSON with every character that could close the block escaped.</summary>
    public static readonly JsonSerializerOptions PromptData = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>Most candidate objects tried in one answer.</summary>
    public const int MaxCandidates = 200;

    /// <summary>
    /// The answer as <typeparamref name="T"/>, or the problems found (for the repair prompt and the report). Models
    /// wrap the object in code fences or prose, and prose may hold braces of its own: every balanced <c>{...}</c> in
    /// the text (braces inside JSON strings do not count) is a candidate, in order, and the first that deserializes to
    /// <typeparamref name="T"/> and passes the validator is the answer. When none does, the problems of the first
    /// candidate that came closest are returned (it passed the shape but not the rules, or it was JSON of another shape).
    /// </summary>
    public static (T? Value, string? Error) Read<T>(string answer, IValidator<T>? validator = null) where T : class
    {
        string? shapeError = null, ruleError = null;
        foreach (var json in ObjectsIn(answer).Take(MaxCandidates))
        {
            T? value;
            try
            {
                value = JsonSerializer.Deserialize<T>(json, Options);
            }
            catch (JsonException ex)
            {
                // Not JSON at all (prose in braces) says nothing; JSON of another shape is worth quoting.
                if (shapeError is null && IsJson(json)) shapeError = $"the JSON does not have the required shape: {ex.Message}";
                continue;
            }
            if (value is null)
            {
                shapeError ??= "the answer is JSON null";
                continue;
            }
            if (validator is null) return (value, null);
            var result = validator.Validate(value);
            if (result.IsValid) return (value, null);
            ruleError ??= string.Join("; ", result.Errors.Select(e => $"{JsonPath(e.PropertyName)}: {e.ErrorMessage}"));
        }
        return (null, ruleError ?? shapeError ?? "the answer holds no JSON object (expected one object, from '{' to '}', and no other text)");
    }

    /// <summary>The first balanced object in the text, also when the model wrapped it in a code fence or prose.</summary>
    public static string? ObjectIn(string text) => ObjectsIn(text).FirstOrDefault();

    /// <summary>
    /// Every balanced <c>{...}</c> of the text, by where it starts (nested ones too, after the one around them).
    /// Inside a span, quotes open and close strings (with backslash escapes), and braces in strings are not counted.
    /// </summary>
    public static IEnumerable<string> ObjectsIn(string text)
    {
        for (var start = text.IndexOf('{'); start >= 0; start = text.IndexOf('{', start + 1))
        {
            if (EndOf(text, start) is { } end) yield return text[start..(end + 1)];
        }
    }

    private static int? EndOf(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '{': depth++; break;
                case '}':
                    if (--depth == 0) return i;
                    break;
            }
        }
        return null;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string JsonPath(string propertyPath) => Core.Manifests.JsonPaths.FromPropertyPath(propertyPath);

    public static string Hash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
}
