using System.Text.Json.Serialization;

namespace SelfImprove.Core.Alignment;

/// <summary>
/// The agent's constitution σ: for each situation (the intent a request really has), which actions the agent
/// may take. A situation the file does not list falls back to <see cref="DefaultAllowed"/>.
/// The schema is <c>docs/constitution.schema.json</c>.
/// </summary>
public sealed record Constitution
{
    /// <summary>Allows every action declared in <see cref="Actions"/>.</summary>
    public const string AnyAction = "*";

    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }
    public string AgentId { get; init; } = "";
    public string? Description { get; init; }

    /// <summary>Version of these rules; the gate's report and the promotion record name it. Any non-empty text; default <c>1</c>.</summary>
    public string Version { get; init; } = "1";

    /// <summary>Every action (route or tool) the agent can take.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Actions allowed in a situation that <see cref="Situations"/> does not name; <c>*</c> means all.</summary>
    public IReadOnlyList<string> DefaultAllowed { get; init; } = [AnyAction];
    public IReadOnlyList<ConstitutionSituation> Situations { get; init; } = [];

    /// <summary>The actions allowed when a request's true intent is <paramref name="intent"/>.</summary>
    public IReadOnlySet<string> AllowedActions(string intent)
    {
        var allowed = Situations.FirstOrDefault(s => s.Intent == intent)?.Allowed ?? DefaultAllowed;
        return allowed.Contains(AnyAction) ? Actions.ToHashSet() : allowed.ToHashSet();
    }
}

/// <summary>One situation: requests whose true intent is <see cref="Intent"/> may only lead to <see cref="Allowed"/>.</summary>
public sealed record ConstitutionSituation
{
    public string Intent { get; init; } = "";
    public IReadOnlyList<string> Allowed { get; init; } = [];

    /// <summary>Why the rule exists, for the people who review it.</summary>
    public string? Reason { get; init; }
}
