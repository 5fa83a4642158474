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

    /// <summary>The answer as <typeparamref name="T"/>, or the problems found (for the repair prompt and the report).</summary>
    public static (T? Value, string? Error) Read<T>(string answer, IValidator<T>? validator = null) where T : class
    {
        var json = ObjectIn(answer);
        if (json is null) return (null, "the answer holds no JSON object (expected one object, from '{' to '}', and no other text)");
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            return (null, $"the JSON does not have the required shape: {ex.Message}");
        }
        if (value is null) return (null, "the answer is JSON null");
        if (validator is null) return (value, null);
        var result = validator.Validate(value);
        return result.IsValid
            ? (value, null)
            : (null, string.Join("; ", result.Errors.Select(e => $"{JsonPath(e.PropertyName)}: {e.ErrorMessage}")));
    }

    /// <summary>The outermost JSON object in the text, also when the model wrapped it in a code fence or prose.</summary>
    public static string? ObjectIn(string text)
    {
        var start = text.IndexOf('{');
        var end = text.LastIndexOf('}');
        return start >= 0 && end > start ? text[start..(end + 1)] : null;
    }

    private static string JsonPath(string propertyPath) => Core.Manifests.JsonPaths.FromPropertyPath(propertyPath);

    public static string Hash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
}
