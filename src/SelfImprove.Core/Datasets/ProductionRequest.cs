namespace SelfImprove.Core.Datasets;

/// <summary>One request from the agent's production stream, in arrival order.</summary>
/// <param name="Sequence">Position in the stream, 0-based, strictly increasing.</param>
/// <param name="ReceivedAt">When the request arrived.</param>
/// <param name="Text">The request text.</param>
/// <param name="TrueLabel">
/// The ground-truth intent when the source knows it (the generator, a labelled file). The loop never reads it
/// directly: only a teacher (an oracle standing in for a human annotator) or feedback may reveal it.
/// </param>
/// <param name="Segment">Traffic regime (<see cref="Segments"/>).</param>
public sealed record ProductionRequest(long Sequence, DateTimeOffset ReceivedAt, string Text, string? TrueLabel, string Segment);
