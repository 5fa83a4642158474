using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfImprove.Core;

/// <summary>
/// The strings the project's enums are written as: in JSON (reports, manifests, the HTTP API, orchestration state),
/// on the command line and wherever a value is shown to people. A member's string is its
/// <see cref="JsonStringEnumMemberNameAttribute"/> name, else the member name; matching is exact (case-sensitive).
/// </summary>
public static class WireNames
{
    /// <summary>The member's string, e.g. <c>azure-openai</c>; a value that is no member prints as its number.</summary>
    public static string ToWire<T>(this T value) where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out var name) ? name : value.ToString();

    /// <summary>Every member's string, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Names<T>.All;

    /// <summary>The member written as <paramref name="wire"/>; exact match only.</summary>
    public static bool TryParse<T>(string? wire, out T value) where T : struct, Enum
    {
        value = default;
        return wire is not null && Names<T>.ByName.TryGetValue(wire, out value);
    }

    /// <summary>The member written as <paramref name="wire"/>; throws <see cref="ArgumentException"/> listing the allowed strings.</summary>
    public static T Parse<T>(string wire) where T : struct, Enum =>
        TryParse<T>(wire, out var value) ? value : throw new ArgumentException($"'{wire}' {OneOf<T>()}", nameof(wire));

    /// <summary>"must be one of 'a', 'b'" for error messages.</summary>
    public static string OneOf<T>() where T : struct, Enum => OneOf(All<T>());

    /// <summary>"must be one of 'a', 'b'" for error messages.</summary>
    public static string OneOf(IEnumerable<string> allowed) => "must be one of " + string.Join(", ", allowed.Select(a => $"'{a}'"));

    private static class Names<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> All;
        public static readonly FrozenDictionary<T, string> ByValue;
        public static readonly FrozenDictionary<string, T> ByName;

        static Names()
        {
            var members = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
                .OrderBy(f => f.MetadataToken)
                .Select(f => ((T)f.GetValue(null)!, f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))
                .ToArray();
            All = members.Select(m => m.Item2).ToArray();
            ByValue = members.ToFrozenDictionary(m => m.Item1, m => m.Item2);
            ByName = members.ToFrozenDictionary(m => m.Item2, m => m.Item1, StringComparer.Ordinal);
        }
    }
}

/// <summary>
/// Writes and reads an enum as its <see cref="WireNames"/> string, and nothing else: no numbers, no other casing.
/// An unknown string fails with a <see cref="WireNameException"/> that lists the allowed strings.
/// Put <c>[JsonConverter(typeof(WireNameConverter&lt;T&gt;))]</c> on the enum, so every serializer uses it.
/// </summary>
public sealed class WireNameConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(ref reader);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToWire());

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(value.ToWire());

    private static T Parse(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && WireNames.TryParse(reader.GetString(), out T value))
            return value;
        var found = reader.TokenType switch
        {
            JsonTokenType.String or JsonTokenType.PropertyName => $"'{reader.GetString()}'",
            JsonTokenType.Null => "null",
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => "an object or array",
        };
        throw new WireNameException($"{WireNames.OneOf<T>()}; got {found}.");
    }
}

/// <summary>A JSON value that is none of an enum's strings; the message says which strings are allowed and what was found.</summary>
public sealed class WireNameException(string message) : JsonException(message);
