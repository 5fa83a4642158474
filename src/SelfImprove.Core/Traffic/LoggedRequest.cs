using System.Text.Json.Serialization;

namespace SelfImprove.Core.Traffic;

/// <summary>Which side of an A/B trial answered a request.</summary>
[JsonConverter(typeof(WireNameConverter<Arm>))]
public enum Arm
{
    /// <summary>The serving version (always, when no trial runs).</summary>
    [JsonStringEnumMemberName("serving")] Serving,

    /// <summary>The candidate on trial, for its share of traffic.</summary>
    [JsonStringEnumMemberName("candidate")] Candidate,
}

/// <summary>One intent and the probability the model gave it.</summary>
/// <param name="Intent">The intent's name.</param>
/// <param name="Probability">Its probability, in [0, 1].</param>
public sealed record IntentProbability(string Intent, double Probability);

/// <summary>
/// One answer the agent gave, as the traffic log keeps it: who answered, how, what was asked and what the model thought.
/// </summary>
/// <param name="RequestId">The answer's id (<see cref="RequestIds"/>): sorts by time and encodes <paramref name="At"/>.</param>
/// <param name="AgentId">The agent that answered.</param>
/// <param name="At">When the request arrived (UTC), as encoded in <paramref name="RequestId"/>.</param>
/// <param name="VersionId">The model version that answered.</param>
/// <param name="Arm">Serving version or trial candidate.</param>
/// <param name="Action">The action (route or tool) the agent took for the predicted intent.</param>
/// <param name="LatencyMs">Milliseconds from the request's arrival at the router to its answer (batching wait included).</param>
/// <param name="Text">The request text; with <paramref name="Redacted"/>, after personal data was replaced.</param>
/// <param name="Redacted">Whether <paramref name="Text"/> went through the personal-data redactor (the manifest's <c>traffic.redact</c>).</param>
/// <param name="Intent">The predicted intent.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Margin">Top probability minus the runner-up's: small when the model hesitates.</param>
/// <param name="RunnerUp">The second most probable intent.</param>
/// <param name="TopK">The most probable intents, most probable first (3 at most).</param>
/// <param name="Subject">The caller's key for the person or session (for erasure), when given.</param>
public sealed record LoggedRequest(
    string RequestId,
    string AgentId,
    DateTimeOffset At,
    string VersionId,
    Arm Arm,
    string Action,
    double LatencyMs,
    string Text,
    bool Redacted,
    string Intent,
    double Probability,
    double Margin,
    string RunnerUp,
    IReadOnlyList<IntentProbability> TopK,
    string? Subject)
{
    /// <summary>
    /// During an A/B trial: the other arm's version, which scored the same request in the shadow (its answer was not
    /// given); the trial compares both versions on the same labelled requests. Null outside a trial.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ShadowVersionId { get; init; }

    /// <summary>The intent <see cref="ShadowVersionId"/> predicted for the request; null outside a trial.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ShadowIntent { get; init; }
}
