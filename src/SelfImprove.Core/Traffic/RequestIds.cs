using System.Globalization;
using System.Security.Cryptography;

namespace SelfImprove.Core.Traffic;

/// <summary>
/// Request ids: <c>{yyyyMMdd'T'HHmmssfffffff}-{writer}{counter}</c>, e.g. <c>20250131T1200001234567-3f9a2c1b0000002a</c>. The
/// first 22 characters are the arrival time (UTC, 100 ns), so ids sort by time and a lookup knows which time
/// partition of the traffic log to read; the writer part (8 random hex digits per process) and the counter (8 hex
/// digits) make ids unique across processes.
/// </summary>
public sealed class RequestIds
{
    /// <summary>Length of the time part.</summary>
    public const int TimeLength = 22;

    private const string TimeFormat = "yyyyMMdd'T'HHmmssfffffff";
    private readonly TimeProvider clock;
    private long counter;

    /// <param name="clock">Where the time part comes from.</param>
    /// <param name="writer">This writer's part (hex digits); default: 8 random hex digits.</param>
    public RequestIds(TimeProvider clock, string? writer = null)
    {
        this.clock = clock;
        Writer = writer ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    /// <summary>This writer's part of every id it makes.</summary>
    public string Writer { get; }

    /// <summary>A new id at the clock's current time, with that time.</summary>
    public (string Id, DateTimeOffset At) Next()
    {
        var at = clock.GetUtcNow();
        return (Format(at, Writer, (uint)Interlocked.Increment(ref counter)), at);
    }

    /// <summary>The id of time <paramref name="at"/> for a writer and counter.</summary>
    public static string Format(DateTimeOffset at, string writer, uint counter) =>
        $"{at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{writer}{counter:x8}";

    /// <summary>The arrival time an id encodes; false for a string that is no request id.</summary>
    public static bool TryParseTime(string? requestId, out DateTimeOffset at)
    {
        at = default;
        if (requestId is null || requestId.Length < TimeLength + 2 || requestId[TimeLength] != '-' || !IsWellFormed(requestId)) return false;
        if (!DateTime.TryParseExact(requestId.AsSpan(0, TimeLength), TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            return false;
        at = new DateTimeOffset(time, TimeSpan.Zero);
        return true;
    }

    /// <summary>At most 64 characters of letters, digits and '-' (ids travel in blob names and URLs).</summary>
    private static bool IsWellFormed(string id) => id.Length <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
