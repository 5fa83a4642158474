namespace SelfImprove.Benchmarks;

public static class RulesReport
{
    public static void Write(IReadOnlyList<CurvePoint> loop, IReadOnlyList<CurvePoint> test, IReadOnlyList<CurvePoint> validation, string outFolder, TextWriter output) =>
        throw new NotImplementedException();
}
