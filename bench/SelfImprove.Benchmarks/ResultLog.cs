using System.Text.Json;

namespace SelfImprove.Benchmarks;

/// <summary>One measured point: a strategy's model after some number of labels, on test.csv.</summary>
public sealed record CurvePoint(int Seed, string Strategy, int Round, int Labels, double Accuracy, double MacroF1, string Status, double Seconds);

/// <summary>Results as JSON Lines in the cache folder: appended as they come, so an interrupted run resumes.</summary>
public sealed class ResultLog(string path)
{
    public IReadOnlyList<CurvePoint> Read() => File.Exists(path)
        ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<CurvePoint>(l, JsonSerializerOptions.Web)!).ToArray()
        : [];

    public void Append(CurvePoint point)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, JsonSerializer.Serialize(point, JsonSerializerOptions.Web) + "\n");
    }
}
