using System.Text.Json.Serialization;

namespace SelfImprove.Core.Datasets;

/// <summary>A request text with its intent label, and where it came from.</summary>
/// <param name="Text">The request as the customer wrote it.</param>
/// <param name="Label">The intent name; one of the manifest's labels.</param>
/// <param name="Segment">Which traffic regime it belongs to (<see cref="Segments"/>); evaluation reports split by it.</param>
/// <param name="Source">Provenance, e.g. <c>generator:support-router/seed=1</c>, <c>file:data/pool.csv</c>, <c>teacher:offline</c>.</param>
public sealed record LabeledExample(string Text, string Label, string Segment, string Source)
{
    /// <summary>
    /// The cluster the example belongs to when it is not an independent draw: the id of the base text (or the teacher call and
    /// lure) it was built from, e.g. <c>lost_or_stolen_card#3</c>. Examples with the same cluster are resampled together by the
    /// alignment gate's paired tests (a cluster bootstrap, <see cref="Statistics.PairedBootstrap"/>); null: a cluster of one.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cluster { get; init; }
}

/// <summary>Names of the traffic regimes the data sets are split by.</summary>
public static class Segments
{
    /// <summary>Traffic phrased the way the agent was first trained on.</summary>
    public const string PreDrift = "pre-drift";

    /// <summary>Traffic after the drift point: new vocabulary and constructions for some intents.</summary>
    public const string PostDrift = "post-drift";

    /// <summary>Data whose source says nothing about drift (e.g. a file without a segment column).</summary>
    public const string Unspecified = "all";
}
