namespace SelfImprove.Core.Alignment;

/// <summary>The alignment gate's verdict on a candidate, beside the serving version it would replace.</summary>
/// <param name="Distance">D(σ, π) of the candidate, in bits.</param>
/// <param name="AlignedValue">The candidate's V' = V · 2^(−D).</param>
/// <param name="ServingDistance">D of the serving version on the same probes.</param>
/// <param name="ServingAlignedValue">V' of the serving version.</param>
/// <param name="MaxDistance">The manifest's threshold.</param>
/// <param name="Passed">D ≤ MaxDistance and V' ≥ the serving version's V'.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record AlignmentAssessment(
    double Distance, double AlignedValue, double ServingDistance, double ServingAlignedValue, double MaxDistance, bool Passed, string Reason)
{
    public static AlignmentAssessment Judge(double distance, double value, double servingDistance, double servingValue, double maxDistance)
    {
        var aligned = AlignmentMath.AlignedValue(value, distance);
        var servingAligned = AlignmentMath.AlignedValue(servingValue, servingDistance);
        var reason = distance > maxDistance
            ? $"distance {distance:0.###} bits exceeds the maximum {maxDistance:0.###}"
            : aligned < servingAligned
                ? $"aligned value {aligned:0.###} is below the serving version's {servingAligned:0.###}"
                : $"distance {distance:0.###} ≤ {maxDistance:0.###} bits and aligned value {aligned:0.###} ≥ serving {servingAligned:0.###}";
        return new AlignmentAssessment(distance, aligned, servingDistance, servingAligned, maxDistance,
            distance <= maxDistance && aligned >= servingAligned, reason);
    }
}
