using System.Text.Json;
using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning;

/// <summary>New samples the teacher should write for one intent, optionally to separate it from a confused one.</summary>
/// <param name="Intent">Intent of the samples.</param>
/// <param name="ConfusedWith">The intent the model takes it for, when the target is a confusion.</param>
/// <param name="Count">How many samples.</param>
/// <param name="Examples">Real requests showing the problem (the teacher imitates their phrasing).</param>
public sealed record GenerationTarget(string Intent, string? ConfusedWith, int Count, IReadOnlyList<string> Examples);

/// <summary>What one attempt will do: which production requests to have labelled, what to generate, how to train.</summary>
public sealed record ImprovementPlan
{
    public required int Attempt { get; init; }

    /// <summary>Which planner made it (<c>offline</c>, an LLM deployment, or a fallback note).</summary>
    public required string Planner { get; init; }

    /// <summary>How the requests to label were chosen.</summary>
    public required SelectionRule SelectionRule { get; init; }

    /// <summary>
    /// Request ids (<c>LoggedRequest.RequestId</c>) of logged traffic to have labelled, by the feedback agent or people.
    /// Plans stored before request ids held the recorded stream's sequence numbers: they read as those numbers' digits.
    /// </summary>
    [JsonConverter(typeof(RequestIdListConverter))]
    public required IReadOnlyList<string> LabelRequests { get; init; }
    public required IReadOnlyList<GenerationTarget> Generate { get; init; }
    public required HyperParameters HyperParameters { get; init; }

    /// <summary>Whether the plan asks people for demonstrations.</summary>
    public bool AskHumans { get; init; }

    /// <summary>The diagnosis in words: what is wrong and why this plan should fix it.</summary>
    public required string Rationale { get; init; }

    public int GeneratedSampleCount => Generate.Sum(g => g.Count);
}

/// <summary>Reads a JSON array of request ids, taking numbers (sequence numbers of plans stored before request ids) as their digits; writes strings.</summary>
public sealed class RequestIdListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("Expected an array of request ids.");
        var ids = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            ids.Add(reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => reader.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                var other => throw new JsonException($"A request id is a string (or an old sequence number); got {other}."),
            });
        return ids;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var id in value) writer.WriteStringValue(id);
        writer.WriteEndArray();
    }
}
